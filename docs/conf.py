"""Sphinx configuration for sqlalchemy-memory.

Build:    sphinx-build -W -b html docs docs/_build/html
Doctests: sphinx-build -W -b doctest docs docs/_build/doctest
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The local extension (``.. closed-requirements::``) lives in docs/_ext.
sys.path.insert(0, os.path.join(HERE, "_ext"))
# Let autodoc import the package from the source tree even when it is not
# installed (``pip install -e .`` is what registers the ``memory://`` URL).
sys.path.insert(0, os.path.dirname(HERE))

project = "sqlalchemy-memory"
author = "sqlalchemy-memory contributors"
copyright = "sqlalchemy-memory contributors"
release = "0.1.0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "limitations",
]

root_doc = "index"
exclude_patterns = ["_build"]
templates_path = []
html_static_path = []

html_theme = "furo"
html_title = f"{project} {release}"

# Inherited docstrings (SQLAlchemy's own Session docs) use roles from
# SQLAlchemy's private Sphinx setup that would break a ``-W`` build; document
# only what this package says itself.
autodoc_inherit_docstrings = False
autodoc_member_order = "bysource"
