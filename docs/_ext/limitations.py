"""Sphinx extension: list the compliance-suite requirements this dialect closes.

``.. closed-requirements::`` imports ``sqlalchemy_memory.requirements.Requirements``,
evaluates every property defined in that class's own ``__dict__`` and lists the
ones made with ``exclusions.closed("reason")`` -- an ``exclusions.compound``
whose ``skips`` hold a ``BooleanPredicate`` that is always True -- as
"``name``: reason", sorted by name.
"""

from __future__ import annotations

import importlib
import inspect

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

REQUIREMENTS = "sqlalchemy_memory.requirements"


def closed_requirements():
    """Return sorted ``(name, reason)`` pairs for the closed requirements."""
    from sqlalchemy.testing import exclusions

    module = importlib.import_module(REQUIREMENTS)
    cls = module.Requirements
    instance = cls()
    found = []
    for name, attr in vars(cls).items():
        if not isinstance(attr, property):
            continue
        try:
            rule = getattr(instance, name)
        except Exception:  # a requirement that needs a live config
            continue
        if not isinstance(rule, exclusions.compound):
            continue
        reasons = sorted(
            pred.description
            for pred in rule.skips
            if isinstance(pred, exclusions.BooleanPredicate)
            and pred.value is True
        )
        if reasons:
            found.append((name, "; ".join(reasons)))
    return sorted(found), inspect.getsourcefile(module)


class ClosedRequirements(SphinxDirective):
    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self):
        try:
            items, source = closed_requirements()
        except Exception as exc:
            logger.warning(
                "closed-requirements: cannot load %s.Requirements: %s: %s",
                REQUIREMENTS,
                type(exc).__name__,
                exc,
                location=self.get_location(),
            )
            return []
        if source:
            self.env.note_dependency(source)
        if not items:
            para = nodes.paragraph()
            para += nodes.Text("No suite requirement is closed.")
            return [para]
        bullets = nodes.bullet_list()
        for name, reason in items:
            para = nodes.paragraph()
            para += nodes.literal(name, name)
            para += nodes.Text(": " + reason)
            item = nodes.list_item()
            item += para
            bullets += item
        return [bullets]


def setup(app):
    app.add_directive("closed-requirements", ClosedRequirements)
    return {"version": "1.0", "parallel_read_safe": True}
