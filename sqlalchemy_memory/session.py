"""``MemorySession`` and ``AsyncMemorySession``: SQLAlchemy sessions for the
memory dialect.

They are plain ``Session`` / ``AsyncSession`` subclasses: identity map, unit
of work, relationships, events and loading all come from SQLAlchemy.  What
they add are fast paths that return exactly what a plain ``Session`` would
(``sqlalchemy_memory/fastpath.py``): entity selects answer objects already in
the identity map without SQLAlchemy's per-row loading, and ``get()`` loads a
missing object straight from the store.  Statements they cannot prove
equivalent take the plain path.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from sqlalchemy import inspect, util
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from . import fastpath


class MemorySession(Session):
    """A :class:`sqlalchemy.orm.Session` for ``memory://`` engines, with the
    fast paths described in :mod:`sqlalchemy_memory.fastpath`."""

    def _execute_internal(
        self,
        statement: Any,
        params: Optional[Any] = None,
        *,
        execution_options: Mapping[str, Any] = util.EMPTY_DICT,
        bind_arguments: Optional[Mapping[str, Any]] = None,
        _parent_execute_state: Optional[Any] = None,
        _add_event: Optional[Any] = None,
        _scalar_result: bool = False,
    ) -> Any:
        # every ORM read comes here: execute(), scalars(), scalar(), Query
        if _parent_execute_state is None and _add_event is None and not bind_arguments:
            result = fastpath.execute(self, statement, params, execution_options)
            if result is not None:
                return result.scalar() if _scalar_result else result
        return super()._execute_internal(
            statement,
            params,
            execution_options=execution_options,
            bind_arguments=bind_arguments,
            _parent_execute_state=_parent_execute_state,
            _add_event=_add_event,
            _scalar_result=_scalar_result,
        )

    def _get_impl(self, entity: Any, primary_key_identity: Any, db_load_fn: Any, **kw: Any) -> Any:
        # Session.get() and Query.get(): hits are SQLAlchemy's; an eligible
        # miss loads through fastpath.load_on_pk_identity
        if db_load_fn is fastpath.plain_load_on_pk_identity():
            mapper = inspect(entity, raiseerr=False)
            if (
                mapper is not None
                and getattr(mapper, "is_mapper", False)
                and fastpath.get_eligible(
                    self,
                    mapper,
                    kw.get("options"),
                    kw.get("populate_existing"),
                    kw.get("with_for_update"),
                    kw.get("identity_token"),
                    kw.get("execution_options"),
                    kw.get("bind_arguments"),
                )
            ):
                db_load_fn = fastpath.load_on_pk_identity
        return super()._get_impl(entity, primary_key_identity, db_load_fn, **kw)


class AsyncMemorySession(AsyncSession):
    """A :class:`sqlalchemy.ext.asyncio.AsyncSession` for ``memory+asyncio://``
    engines; its synchronous session is a :class:`MemorySession` unless
    ``sync_session_class`` says otherwise."""

    sync_session_class = MemorySession
