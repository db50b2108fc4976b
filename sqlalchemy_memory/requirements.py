"""What the memory dialect supports, for SQLAlchemy's compliance suite.

Requirements are opened where the feature works.  Each one still closed has
its reason beside it; ``docs/limitations.rst`` lists them from this file.
"""

from __future__ import annotations

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements


class Requirements(SuiteRequirements):
    @property
    def returning(self):  # type: ignore[no-untyped-def]
        return exclusions.open()
