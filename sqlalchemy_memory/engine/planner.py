"""Choose and cache the plan for a compiled statement, and run it.

A plan is stored on SQLAlchemy's ``Compiled`` object, which the statement
cache reuses, so a repeated statement skips compiling *and* planning.  The
plan holds no bind values; it is checked against the layout of the tables it
was made for and rebuilt if one was re-created with other columns, or if a
name now means another table or view (a connection's temporary table).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from . import ddl
from .dml import plan_delete, plan_insert, plan_update
from .errors import DataError, OperationalError
from .expr import unsupported
from .froms import view_named
from .runtime import Runtime
from .select import plan_select
from .views import is_temporary

Description = Optional[Tuple[Tuple[Any, ...], ...]]
Outcome = Tuple[Description, List[Tuple[Any, ...]], int, Optional[int]]

_PLAN_ATTRIBUTE = "_memory_plan"


def plan_for(compiled: Any, rt: Runtime) -> Any:
    plan = getattr(compiled, _PLAN_ATTRIBUTE, None)
    if plan is not None:
        try:
            for ref, names in plan.layouts:
                if names.__class__ is not tuple:  # a view: still the one named?
                    if view_named(ref, rt) is not names:
                        break
                elif rt.table(ref).names is not names:
                    break
            else:
                return plan
        except OperationalError:
            pass  # made where a name meant a table (another connection's
            # temporary table, say) that this connection does not have
    plan = _build(compiled, rt)
    setattr(compiled, _PLAN_ATTRIBUTE, plan)
    return plan


def _build(compiled: Any, rt: Runtime) -> Any:
    if compiled.isinsert:
        plan = plan_insert(compiled, rt)
        plan.writes = True
        plan.streams = False
    elif compiled.isupdate:
        plan = plan_update(compiled, rt)
        plan.writes = True
        plan.streams = False
    elif compiled.isdelete:
        plan = plan_delete(compiled, rt)
        plan.writes = True
        plan.streams = False
    else:
        stmt = compiled.compile_state.statement if compiled.compile_state is not None else compiled.statement
        if getattr(stmt, "__visit_name__", None) not in ("select", "compound_select", "textual_select"):
            raise unsupported(stmt, "statement")
        plan = plan_select(compiled, rt)
        plan.writes = False
        orm = compiled.statement._propagate_attrs.get("compile_state_plugin") == "orm"
        plan.streams = getattr(plan, "streams", False) and not orm  # the ORM fetches every row anyway
    if plan.returns_rows:
        # the names the plan's rows have when the compiled statement cannot
        # tell them (``*``, the SQL of ``text().columns()``)
        names = getattr(plan, "result_names", None)
        if names is None:
            names = [rc[0] for rc in compiled._result_columns]
        plan.description = tuple((name, None, None, None, None, None, None) for name in names)
    else:
        plan.description = None
    return plan


def explain(compiled: Any, rt: Runtime, params: Any) -> List[str]:
    """The plan of a compiled statement, one step a line; for a query,
    followed by the access paths it takes with ``params`` (it is run, its
    rows dropped).  Hold ``store.latch``."""
    plan = plan_for(compiled, rt)
    lines = plan.explain()
    if plan.writes:
        return lines
    rt.trace = []
    rt.store.runtime = rt
    try:
        plan.run(rt, [params])
    finally:
        taken, rt.trace = rt.trace, None
    if taken:
        lines += ["WITH THESE PARAMETERS:"] + ["  " + line for line in taken]
    return lines


def run_compiled(compiled: Any, rt: Runtime, params_list: Sequence[Any], stream: bool = False) -> Outcome:
    """Plan (cached) and run one statement atomically; hold ``store.latch``.
    With ``stream``, a query that can yields its rows lazily (an iterator,
    rowcount -1): the caller registers it in ``store.streams``."""
    txn = rt.txn
    store = rt.store
    store.runtime = rt
    plan = plan_for(compiled, rt)
    if plan.writes and store.streams:
        store.drain_streams()
    if stream and plan.streams and not txn.serializable and len(params_list) == 1:
        try:
            rows = plan.stream_rows(rt, params_list[0])
        except (TypeError, ValueError, ArithmeticError) as err:
            raise DataError("%s: %s" % (type(err).__name__, err)) from err
        if txn.autocommit:
            txn.end()
        return plan.description, rows, -1, None  # type: ignore[return-value]
    if plan.writes or txn.serializable:
        if not (txn.temp_tables and not txn.serializable and _temporary_target(plan.ref, rt)):
            txn.begin_write()
    mark = len(txn.undo)  # Transaction.atomically, inlined: this is the hot path
    try:
        rows, rowcount, lastrowid = plan.run(rt, params_list)
        if txn.autocommit and txn.deferred:
            txn.check_deferred()
    except BaseException as err:
        txn.undo_to(mark)
        if txn.autocommit:
            txn.end()
        if isinstance(err, (TypeError, ValueError, ArithmeticError)):
            raise DataError("%s: %s" % (type(err).__name__, err)) from err
        raise
    if txn.autocommit:
        txn.end()
    return plan.description, rows, rowcount, lastrowid


def run_ddl(element: Any, rt: Runtime) -> None:
    """Apply one DDL element atomically; hold ``store.latch``."""
    rt.store.runtime = rt
    if rt.store.streams:
        rt.store.drain_streams()
    if rt.txn.serializable or not _private_ddl(element, rt):
        rt.txn.begin_write()
    rt.txn.atomically(ddl.execute_ddl, element, rt)


# A connection's temporary tables and views are its own: writing to them, or
# creating and dropping them, does not take the store's write lock (as in
# SQLite, whose temporary database is locked apart from the main one).


def _temporary_target(ref: Any, rt: Runtime) -> bool:
    """Whether a write plan's target is one of the connection's temporary tables."""
    return (rt.schema(ref.schema), ref.name) in rt.txn.temp_tables


def _private_ddl(element: Any, rt: Runtime) -> bool:
    """Whether a DDL element only touches the connection's temporary objects."""
    kind = getattr(element, "__visit_name__", None)
    txn = rt.txn
    if kind == "create_table":
        return is_temporary(element.element)
    if kind == "create_table_as":
        return bool(element.temporary)
    if kind == "create_view":
        return bool(element.temporary) and not getattr(element, "materialized", False)
    if not (txn.temp_tables or txn.temp_views):
        return False
    target = getattr(element, "element", None)
    if kind in ("drop_table", "set_table_comment", "drop_table_comment"):
        return (rt.schema(target.schema), target.name) in txn.temp_tables
    if kind in ("set_column_comment", "drop_column_comment"):
        return (rt.schema(target.table.schema), target.table.name) in txn.temp_tables
    if kind == "create_index":
        return (rt.schema(target.table.schema), target.table.name) in txn.temp_tables
    if kind == "drop_index":
        schema = target.table.schema if target.table is not None else None
        return (rt.schema(schema), target.name) in txn.temp_index_owners
    if kind == "drop_view":
        return (rt.schema(target.schema), target.name) in txn.temp_views
    return False
