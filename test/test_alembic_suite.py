"""Alembic's third-party dialect suite (``alembic.testing.suite``), run
against ``memory://`` through SQLAlchemy's pytest plugin; the requirements
it reads are in ``sqlalchemy_memory/requirements.py`` beside SQLAlchemy's."""

import pytest

pytest.importorskip("alembic")

from alembic.testing.suite import *  # noqa: E402,F401,F403
