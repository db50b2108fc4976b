"""SQLAlchemy's dialect compliance suite, run against ``memory://``."""

from sqlalchemy.testing.suite import *  # noqa: F401,F403
