"""Choose and cache the plan for a compiled statement, and run it.

A plan is stored on SQLAlchemy's ``Compiled`` object, which the statement
cache reuses, so a repeated statement skips compiling *and* planning.  The
plan holds no bind values; it is checked against the layout of the tables it
was made for and rebuilt if one was re-created with other columns.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from . import ddl
from .dml import plan_delete, plan_insert, plan_update
from .errors import DataError
from .expr import unsupported
from .runtime import Runtime
from .select import plan_select

Description = Optional[Tuple[Tuple[Any, ...], ...]]
Outcome = Tuple[Description, List[Tuple[Any, ...]], int, Optional[int]]

_PLAN_ATTRIBUTE = "_memory_plan"


def plan_for(compiled: Any, rt: Runtime) -> Any:
    plan = getattr(compiled, _PLAN_ATTRIBUTE, None)
    if plan is not None:
        for ref, names in plan.layouts:
            if rt.table(ref).names is not names:
                break
        else:
            return plan
    plan = _build(compiled, rt)
    setattr(compiled, _PLAN_ATTRIBUTE, plan)
    return plan


def _build(compiled: Any, rt: Runtime) -> Any:
    if compiled.isinsert:
        plan = plan_insert(compiled, rt)
        plan.writes = True
    elif compiled.isupdate:
        plan = plan_update(compiled, rt)
        plan.writes = True
    elif compiled.isdelete:
        plan = plan_delete(compiled, rt)
        plan.writes = True
    else:
        stmt = compiled.compile_state.statement if compiled.compile_state is not None else compiled.statement
        if getattr(stmt, "__visit_name__", None) not in ("select", "compound_select"):
            raise unsupported(stmt, "statement")
        plan = plan_select(compiled, rt)
        plan.writes = False
    if plan.returns_rows:
        plan.description = tuple(
            (rc[0], None, None, None, None, None, None) for rc in compiled._result_columns
        )
    else:
        plan.description = None
    return plan


def explain(compiled: Any, rt: Runtime) -> str:
    """The plan of a compiled statement, one step a line."""
    return "\n".join(plan_for(compiled, rt).explain())


def run_compiled(compiled: Any, rt: Runtime, params_list: Sequence[Any]) -> Outcome:
    """Plan (cached) and run one statement atomically; hold ``store.latch``."""
    txn = rt.txn
    rt.store.runtime = rt
    plan = plan_for(compiled, rt)
    if plan.writes or txn.serializable:
        txn.begin_write()
    mark = len(txn.undo)  # Transaction.atomically, inlined: this is the hot path
    try:
        rows, rowcount, lastrowid = plan.run(rt, params_list)
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
    rt.txn.begin_write()
    rt.txn.atomically(ddl.execute_ddl, element, rt)
