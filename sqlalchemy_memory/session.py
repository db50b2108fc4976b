"""``MemorySession`` and ``AsyncMemorySession``: SQLAlchemy sessions for the
memory dialect.

They are plain ``Session`` / ``AsyncSession`` subclasses: identity map, unit
of work, relationships, events and loading all come from SQLAlchemy.  They
exist so that code written for the memory backend names its session class,
and as the home of fast paths that return exactly what a plain ``Session``
would.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


class MemorySession(Session):
    """A :class:`sqlalchemy.orm.Session` for ``memory://`` engines."""


class AsyncMemorySession(AsyncSession):
    """A :class:`sqlalchemy.ext.asyncio.AsyncSession` for ``memory+asyncio://``
    engines; its synchronous session is a :class:`MemorySession` unless
    ``sync_session_class`` says otherwise."""

    sync_session_class = MemorySession
