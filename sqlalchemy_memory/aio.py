"""The asyncio flavour of the dialect: ``create_async_engine("memory+asyncio://")``.

The store is synchronous and never blocks on I/O, so the DBAPI layer is the
same; what differs is how it yields to the event loop.  Inside SQLAlchemy's
greenlet, each statement awaits once (``AsyncConnection.execute`` requires
it) and a writer waiting for the write lock sleeps on the loop instead of
blocking it.  Outside a greenlet (``create_all(engine.sync_engine)``), it
runs synchronously.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional, Sequence

import greenlet
from sqlalchemy import pool
from sqlalchemy.util.concurrency import await_only, in_greenlet

from . import dbapi as memory_dbapi
from .dialect import MemoryDialect
from .engine.store import Store


async def _checkpoint() -> None:
    """An await that completes at once: gives SQLAlchemy its greenlet switch."""


def _wait(seconds: float) -> None:
    if in_greenlet():
        await_only(asyncio.sleep(seconds))
    else:
        import time

        time.sleep(seconds)


def connect(store: Store, timeout: float = 5.0, foreign_keys: bool = True) -> memory_dbapi.Connection:
    return memory_dbapi.Connection(store, timeout=timeout, wait=_wait, foreign_keys=foreign_keys)


class _SyncGreenlet(greenlet.greenlet):  # type: ignore[misc]
    __sqlalchemy_greenlet_provider__ = True


def run_in_sync_greenlet(fn: Any, *args: Any) -> Any:
    """Run ``fn`` where SQLAlchemy's ``await_only`` works without an event
    loop, for awaitables that complete at once (an uncontended
    ``asyncio.Lock``, our checkpoint).  Used to make the first connection."""
    child = _SyncGreenlet(fn, greenlet.getcurrent())
    result = child.switch(*args)
    while not child.dead:
        try:
            next(result.__await__())
        except StopIteration as done:
            result = child.switch(done.value)
        except BaseException as err:  # noqa: BLE001 - re-raised in the child
            result = child.throw(err)
        else:
            result.close()
            result = child.throw(RuntimeError("awaited something that needs an event loop"))
    return result


class MemoryDialect_asyncio(MemoryDialect):
    driver = "asyncio"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: Any) -> Any:
        return pool.AsyncAdaptedQueuePool

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        return connect(*cargs, **cparams)

    @classmethod
    def engine_created(cls, engine: Any) -> None:
        # SQLAlchemy 2.1 guards the first connect with an asyncio lock that
        # needs a greenlet; connecting now lets
        # ``create_all(engine.sync_engine)`` work outside an event loop.
        try:
            run_in_sync_greenlet(lambda: engine.connect().close())
        except Exception:  # noqa: BLE001 - e.g. a bad isolation_level:
            pass  # the user's own first connect raises it again, where expected

    def _execute_compiled(self, cursor: Any, context: Any, params_list: Sequence[Any]) -> None:
        if in_greenlet():
            await_only(_checkpoint())
        super()._execute_compiled(cursor, context, params_list)

    def get_driver_connection(self, connection: Any) -> Any:
        return connection


dialect = MemoryDialect_asyncio
