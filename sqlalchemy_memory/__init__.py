"""sqlalchemy-memory: a pure in-memory SQLAlchemy 2.x dialect.

``create_engine("memory://")`` and ``create_async_engine("memory+asyncio://")``;
the dialect's documentation is in :mod:`sqlalchemy_memory.dialect`.
"""

from .explain import explain
from .session import AsyncMemorySession, MemorySession

__version__ = "0.1.0"

__all__ = ["MemorySession", "AsyncMemorySession", "explain", "__version__"]
