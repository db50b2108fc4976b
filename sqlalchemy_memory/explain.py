"""``explain()``: the plan ``memory://`` runs a statement with.

The statement is compiled as an execution would compile it (ORM statements
included) and planned by the same planner; a query is also run once with the
statement's own bound values (or ``params``) to report the access path each
table takes with them, since the choice between indexes is made per
execution, from their entry counts.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .engine import planner
from .engine.runtime import Runtime


def explain(bind: Any, statement: Any, params: Optional[Mapping[str, Any]] = None) -> str:
    """The plan of ``statement`` on ``bind`` (an ``Engine``, ``Connection``
    or ``Session`` of a ``memory://`` engine), one step a line.

    For async code: ``await conn.run_sync(explain, stmt)`` (or
    ``session.run_sync``).
    """
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return _explain(conn, statement, params)
    if isinstance(bind, Session):
        return _explain(bind.connection(), statement, params)
    if isinstance(bind, Connection):
        return _explain(bind, statement, params)
    raise exc.ArgumentError("explain() takes an Engine, Connection or Session, not %r" % (bind,))


def _explain(conn: Connection, statement: Any, params: Optional[Mapping[str, Any]]) -> str:
    if conn.dialect.name != "memory":
        raise exc.ArgumentError("explain() needs a memory:// connection, not %s://" % conn.dialect.name)
    compiled = statement.compile(dialect=conn.dialect)
    values = compiled.construct_params(dict(params) if params else None)
    txn = conn.connection.dbapi_connection.txn  # type: ignore[union-attr]
    rt = Runtime(txn.store, txn, conn.get_execution_options().get("schema_translate_map"))
    with txn.store.latch:
        return "\n".join(planner.explain(compiled, rt, values))
