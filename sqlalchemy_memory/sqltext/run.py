"""Execute SQL text on a DBAPI cursor: translate, compile, plan, run.

A translated statement is compiled with a ``MemoryDialect`` and run through
``engine.planner`` like any Core statement.  The compiled statement (and so
its plan) is cached per store and SQL string, and rebuilt when a table it
names has been dropped or re-created.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from typing import Any, Dict, Mapping, Sequence

from sqlglot import exp

from ..dbapi import STRING
from ..engine import planner
from ..engine.errors import ProgrammingError
from ..engine.runtime import Runtime
from ..engine.views import views_of
from .exprs import Params
from .names import Catalog, catalogs
from .parse import Prepared, TxnControl, prepare, txn_control, unsupported
from .schema import ALTER_NODE, SchemaBuilder
from .statements import StatementBuilder

_CACHE_SIZE = 256
_cache: "weakref.WeakKeyDictionary[Any, OrderedDict[str, Any]]" = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()
_dialect: Any = None


class Translated:
    """A compiled statement and what validates it."""

    __slots__ = ("compiled", "used", "names")

    def __init__(self, compiled: Any, used: Dict[Any, Any], names: Sequence[str]) -> None:
        self.compiled = compiled
        self.used = used  # (catalog, (schema, name)) -> TableData / view it was built against
        self.names = frozenset(names)  # user bind names the statement needs

    def valid(self, store: Any, txn: Any = None) -> bool:
        where = dict(catalogs(store, txn))
        tables = where["tables"]  # a table (a temporary one) hides a view
        return all(
            where[kind].get(key) is obj and (kind == "tables" or key not in tables)
            for (kind, key), obj in self.used.items()
        )


def memory_dialect() -> Any:
    global _dialect
    if _dialect is None:
        from ..dialect import MemoryDialect

        _dialect = MemoryDialect()
    return _dialect


def execute(cursor: Any, sql: str, params_list: Sequence[Any]) -> None:
    """Run ``sql`` once per parameter set and leave the result on ``cursor``."""
    txn = cursor.connection.txn
    control = txn_control(sql)
    if control is not None:
        _transaction(txn, control)
        cursor._set_result(None, [], -1)
        return
    explained = _EXPLAIN.match(sql)
    if explained is not None:
        sql = sql[explained.end() :]
    prepared = prepare(sql)
    tree = prepared.tree
    store = txn.store
    rt = Runtime(store, txn)
    if isinstance(tree, (exp.Create, exp.Drop, ALTER_NODE)):
        with store.latch:
            element = SchemaBuilder(Catalog(store, txn), Params(prepared.renamed)).build(tree)
            planner.run_ddl(element, rt)
            _keep_definition(element, rt)
        cursor._set_result(None, [], -1)
        return
    if not isinstance(tree, (exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.Insert, exp.Update, exp.Delete)):
        raise unsupported(tree, "statement")
    with store.latch:
        translated = _translated(store, sql, prepared, txn)
        compiled = translated.compiled
        values = [_bind_values(p, prepared, translated) for p in params_list]
        if not values:  # executemany() with no parameter sets
            cursor._set_result(None, [], 0)
            return
        if explained is not None:
            lines = planner.explain(compiled, rt, compiled.construct_params(values[0]))
            cursor._set_result(_PLAN_DESCRIPTION, [(line,) for line in lines], len(lines))
            return
        outcome = planner.run_compiled(compiled, rt, [compiled.construct_params(v) for v in values])
    cursor._set_compiled_result(compiled, outcome)


# ``EXPLAIN <statement>`` (and SQLite's ``EXPLAIN QUERY PLAN``): the plan,
# one line a row, in a column named as PostgreSQL names it
_EXPLAIN = re.compile(r"\s*EXPLAIN(\s+QUERY\s+PLAN)?\s+", re.IGNORECASE)
_PLAN_DESCRIPTION = (("QUERY PLAN", STRING, None, None, None, None, None),)


def _keep_definition(element: Any, rt: Runtime) -> None:
    """Give a view created from SQL text its text, for reflection's
    ``get_view_definition()`` (a Core view's is compiled on demand)."""
    definition = getattr(element, "definition", None)
    if definition is None or element.__visit_name__ != "create_view":
        return
    table = element.table
    key = (rt.schema(table.schema), table.name)
    view = rt.txn.temp_views.get(key) or views_of(rt.store).get(key)
    if view is not None and view.select is element.selectable:  # not skipped by IF NOT EXISTS
        view.definition = definition


def _translated(store: Any, sql: str, prepared: Prepared, txn: Any = None) -> Translated:
    with _cache_lock:
        entries = _cache.get(store)
        if entries is None:
            entries = _cache[store] = OrderedDict()
        hit = entries.get(sql)
        if hit is not None and hit.valid(store, txn):
            entries.move_to_end(sql)
            return hit
    translated = translate(store, prepared, txn)
    with _cache_lock:
        entries[sql] = translated
        if len(entries) > _CACHE_SIZE:
            entries.popitem(last=False)
    return translated


def translate(store: Any, prepared: Prepared, txn: Any = None) -> Translated:
    """Build and compile the SQLAlchemy statement for a parsed query or DML,
    against the tables ``txn`` may see."""
    catalog = Catalog(store, txn)
    params = Params(prepared.renamed)
    builder = StatementBuilder(catalog, params)
    tree = prepared.tree
    if isinstance(tree, exp.Insert):
        stmt = builder.insert(tree)
    elif isinstance(tree, exp.Update):
        stmt = builder.update(tree)
    elif isinstance(tree, exp.Delete):
        stmt = builder.delete(tree)
    else:
        stmt = builder.query(tree)
    compiled = stmt.compile(dialect=memory_dialect())
    return Translated(compiled, dict(catalog.used), params.names)


def _bind_values(params: Any, prepared: Prepared, translated: Translated) -> Dict[str, Any]:
    if params is None:
        values: Dict[str, Any] = {}
    elif isinstance(params, Mapping):
        if prepared.positional:
            raise ProgrammingError("SQL text with ? placeholders needs a sequence of parameters")
        values = {k: v for k, v in params.items() if not (isinstance(k, str) and k.startswith("\x00"))}
    else:
        seq = list(params)
        if len(seq) != prepared.positional:
            raise ProgrammingError(
                "Incorrect number of bindings supplied. The current statement uses %d, and there are %d supplied."
                % (prepared.positional, len(seq))
            )
        values = {"_pos_%d" % (i + 1): v for i, v in enumerate(seq)}
    missing = translated.names.difference(values)
    if missing:
        raise ProgrammingError("You did not supply a value for binding parameter :%s" % sorted(missing)[0])
    return values


def _transaction(txn: Any, control: TxnControl) -> None:
    action = control.action
    if action == "begin":
        return  # a transaction is always open; it commits or rolls back
    if action == "commit":
        txn.commit()
    elif action == "rollback":
        txn.rollback()
    elif action == "savepoint":
        txn.savepoint(control.name)
    elif action == "rollback_to":
        txn.rollback_to(control.name)
    elif action == "release":
        txn.release(control.name)
