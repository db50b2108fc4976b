"""PEP 249 exception classes raised by the engine.

SQLAlchemy wraps them into ``sqlalchemy.exc.IntegrityError`` and friends, so
callers see the same exceptions a real database raises.
"""

from __future__ import annotations

import builtins


class Warning(builtins.Warning):  # noqa: A001 - the PEP 249 name
    pass


class Error(Exception):
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass
