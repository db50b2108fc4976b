"""INSERT, UPDATE and DELETE plans.

Value sources are worked out once per compiled statement, mirroring what
SQLAlchemy's ``crud`` module rendered: a bound parameter (given, or prefetched
Python default), an inline SQL expression (``values(x=func.lower(...))``, a SQL
default, a sequence), or a database-side default (server default,
autoincrement, NULL) taken from the store's own table.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy.sql import crud
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.selectable import _from_objects

from . import constraints, nulls, types
from .errors import IntegrityError, NotSupportedError
from .expr import RUNTIME_KEY, Fn, PlanContext, Scope, cast_function, compile_expr, unsupported
from .runtime import Runtime, TableRef, table_ref
from .froms import plan_froms
from .select import is_star, plan_query
from .sources import Source, _access_path, _conjuncts
from .store import MISSING, Row, TableData

Result = Tuple[List[Row], int, Optional[int]]  # rows, rowcount, lastrowid


def _null(row: Any, params: Any) -> None:
    return None


def _param(name: str) -> Fn:
    fn = lambda row, params: params[name]  # noqa: E731
    fn.param_name = name  # type: ignore[attr-defined]
    return fn


def _crud_param(compiled: Any, name: str) -> Fn:
    """The parameter SQLAlchemy's crud rendered for a column, under the
    (escaped) name the DBAPI parameters use."""
    escaped = compiled.escaped_bind_names
    return _param(escaped.get(name, name) if escaped else name)


def _selected(i: int) -> Fn:
    """Column ``i`` of the SELECT row an INSERT ... FROM SELECT inserts."""
    fn = lambda row, params: row[i]  # noqa: E731
    fn.row_index = i  # type: ignore[attr-defined]
    return fn


def row_builder(sources: List[Fn], checks: Optional[Dict[int, Any]] = None) -> Callable[[Any, Any], List[Any]]:
    """One generated function building a row's value list, so an
    executemany of N rows makes N calls, not N x columns.

    Bind values (``params[name]``) and selected values (``row[i]``) are read
    inline; other sources are called.  ``checks`` (``TableData.write_checks``)
    are the columns' write checks and conversions, written inline too.
    Generated once per plan, as ``collections.namedtuple`` does.
    """
    namespace: Dict[str, Any] = {}
    lines = ["def build(row, params):"]
    for i, fn in enumerate(sources):
        name = getattr(fn, "param_name", None)
        index = getattr(fn, "row_index", None)
        if fn is _null:
            value = "None"
        elif name is not None:
            value = "params[%r]" % (name,)
        elif index is not None:
            value = "row[%d]" % index
        else:
            namespace["s%d" % i] = fn
            value = "s%d(row, params)" % i
        lines.append("    v%d = %s" % (i, value))
        if checks and i in checks and fn is not _null:
            lines.extend(types.check_lines(i, "v%d" % i, checks[i], namespace))
    lines.append("    return [%s]" % ", ".join("v%d" % i for i in range(len(sources))))
    exec("\n".join(lines), namespace)  # noqa: S102
    return namespace["build"]  # type: ignore[no-any-return]


def _with_runtime(params_list: Sequence[Any], rt: Runtime) -> List[Any]:
    """Copies of the parameters carrying the runtime, for plans whose
    subqueries use private parameter keys."""
    return [dict(params, **{RUNTIME_KEY: rt}) for params in params_list]


def server_default(column: Any) -> Optional[Fn]:
    """The database-side default of a store column, as a closure."""
    default = column.server_default
    if default is None or not hasattr(default, "arg"):
        return None
    arg = default.arg
    if isinstance(arg, str):
        value = _coerce_literal(arg, column.type)
        return lambda row, params: value
    if getattr(arg, "__visit_name__", None) == "textclause":
        return _text_default(arg.text, column)
    return compile_expr(arg, Scope(None))


_NOW = re.compile(r"^\s*(current_timestamp|now\(\s*\)|localtimestamp|current_date|current_time)\s*$", re.I)


def _text_default(text: str, column: Any) -> Fn:
    """A ``text()`` server default: literals and the current-time functions."""
    stripped = text.strip()
    m = _NOW.match(stripped)
    if m:
        word = m.group(1).lower()
        if word == "current_date":
            return lambda row, params: datetime.date.today()
        if word == "current_time":
            return lambda row, params: datetime.datetime.now().time()
        return lambda row, params: datetime.datetime.now()
    if stripped.upper() == "NULL":
        return _null
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == "'":
        value = _coerce_literal(stripped[1:-1].replace("''", "'"), column.type)
    elif stripped.upper() in ("TRUE", "FALSE"):
        value = stripped.upper() == "TRUE"
    else:
        try:
            value = _coerce_literal(stripped, column.type) if re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", stripped) else MISSING
        except Exception:  # noqa: BLE001
            value = MISSING
        if value is MISSING:
            raise NotSupportedError(
                "server default %r of column %s.%s is SQL text the memory dialect cannot evaluate yet"
                % (text, column.table.name, column.name)
            )
    return lambda row, params: value


def _coerce_literal(text: str, type_: Any) -> Any:
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return text
    if python_type is str:
        return text
    return cast_function(type_)(text)


class WritePlan:
    """Shared parts of the three DML plans."""

    returns_rows = False
    ref: TableRef
    names: Tuple[str, ...]
    returning: Optional[List[Fn]] = None
    result_names: Optional[List[str]] = None  # RETURNING's column names, when it has ``*``
    private = False  # subqueries use private params keys: see _with_runtime
    layouts: List[Tuple[TableRef, Tuple[str, ...]]]

    source: Source
    where: Optional[Fn] = None
    width: Optional[int] = None  # UPDATE FROM / DELETE USING: the target's width

    def _returned(self, row: Row, params: Any) -> Row:
        return tuple([f(row, params) for f in self.returning or ()])

    def _matches(self, rt: Runtime, td: TableData, params: Any) -> List[Tuple[Any, Row, Row]]:
        """``(key, stored row, row the statement's expressions see)`` per
        target row; for one table the last two are the same row."""
        where = self.where
        return [(k, r, r) for k, r in self.source.items(rt, params) if where is None or nulls.truth(where(r, params))]

    def _returning_row(self, row: Row, combined: Row) -> Row:
        """RETURNING sees the target row, and for UPDATE FROM / DELETE USING
        the matched rows of the other tables after it."""
        return row if self.width is None else row + combined[self.width :]

    def _planned(self, ctx: PlanContext) -> "WritePlan":
        """Record what the plan's subqueries depend on."""
        self.layouts = [(self.ref, self.names), *ctx.layouts]
        self.private = ctx._keys > 0
        if self.returns_rows:
            self.result_names = returning_names(ctx.compiled)
        return self


class InsertPlan(WritePlan):
    def __init__(self, ref: TableRef, td: TableData, row_sources: List[List[Fn]], returning: Optional[List[Fn]], select: Any = None) -> None:
        self.select = select  # the plan of INSERT ... FROM SELECT's query
        self.ref = ref
        self.names = td.names
        self.row_sources = row_sources
        # plain tables check values as the row is built; tables with
        # generated columns convert in their own per-row step
        checks = td.write_checks if td.generated is None else None
        self.builders = [row_builder(sources, checks) for sources in row_sources]
        self.returning = returning
        self.returns_rows = returning is not None
        self.autoinc = td.autoinc_position

    def run(self, rt: Runtime, params_list: Sequence[Any]) -> Result:
        td = rt.table(self.ref)
        txn = rt.txn
        txn.writing(td)
        autoinc = self.autoinc
        out: List[Row] = []
        lastrowid = None
        rows = td.rows
        returning = self.returning
        key_of = td.key_of
        check_row = td.check_row
        notnull = td.notnull_positions
        unique = td.unique_indexes
        indexes = td.indexes
        keys = txn.inserting(td)
        inserted = keys.append
        # the per-row step: type conversions, and for tables with computed
        # or identity columns their generated values (generated.py)
        generated = td.generated
        finish = generated.insert_step() if generated is not None else None
        rules = td.rules
        check = rules.row_check() if rules is not None else None
        if self.private:
            params_list = _with_runtime(params_list, rt)
        builders = self.builders
        if self.select is None and len(builders) == 1:
            build = builders[0]
            work: Iterable[Tuple[List[Any], Any]] = ((build(None, p), p) for p in params_list)
        elif self.select is None:
            work = ((b(None, p), p) for p in params_list for b in builders)
        else:
            work = ((b(r, p), p) for p in params_list for r in self.select.select(rt, p) for b in builders)
        count = 0
        for values, params in work:
            count += 1
            if finish is not None:
                finish(values)
            if autoinc is not None:
                v = values[autoinc]
                if v is None:
                    v = values[autoinc] = td.next_id
                    td.next_id = v + 1
                elif isinstance(v, int) and v >= td.next_id:
                    td.next_id = v + 1
                lastrowid = v
            row = tuple(values)
            if key_of is None:
                key = lastrowid = td.new_key(row)
            else:
                key = key_of(row)
                if key in rows:
                    raise IntegrityError(
                        "UNIQUE constraint failed: %s (primary key)"
                        % ", ".join("%s.%s" % (td.name, td.names[p]) for p in td.pk_positions)
                    )
            if unique or (notnull and None in row):  # one C-level scan for NULLs
                check_row(row, key)
            if check is not None:
                check(row)
            rows[key] = row  # TableData.link, inlined
            for index in indexes:
                index.add(key, row)
            inserted(key)
            if returning is not None:
                out.append(tuple([f(row, params) for f in returning]))
        if rules is not None and rules.references and keys:
            constraints.check_children(rt, rules.references, [rows[k] for k in keys])
        return out, count, lastrowid

    def explain(self) -> List[str]:
        if self.select is not None:
            return ["INSERT INTO %s FROM" % self.ref.name] + ["  " + line for line in self.select.explain()]
        return ["INSERT INTO %s (%d row(s) per parameter set)" % (self.ref.name, len(self.row_sources))]


class UpdatePlan(WritePlan):
    def __init__(self, ref: TableRef, td: TableData, source: Source, where: Optional[Fn], assignments: List[Tuple[int, Fn]], returning: Optional[List[Fn]]) -> None:
        self.ref = ref
        self.names = td.names
        self.source = source
        self.where = where
        self.assignments = assignments
        assigned = {pos for pos, _ in assignments}
        if td.generated is not None and assigned:
            assigned |= td.generated.computed_positions  # recomputed on every change
        self.assigned = frozenset(assigned)
        self._steps_cached: Any = (None, None)
        self.returning = returning
        self.returns_rows = returning is not None

    def run(self, rt: Runtime, params_list: Sequence[Any]) -> Result:
        td = rt.table(self.ref)
        txn = rt.txn
        txn.writing(td)
        out: List[Row] = []
        count = 0
        assignments = self.assignments
        touched, finish, check, outgoing, incoming = self._steps(rt, td)
        if self.private:
            params_list = _with_runtime(params_list, rt)
        for params in params_list:
            matched = self._matches(rt, td, params)
            count += len(matched)
            new_rows = []
            for key, old, seen in matched:
                values = list(old)
                for pos, fn in assignments:
                    values[pos] = fn(seen, params)
                if finish is not None:
                    finish(values)
                new_rows.append((key, old, tuple(values), seen))
            for key, old, new, seen in new_rows:
                if check is not None:
                    check(new)
                txn.rewrite(td, key, old, new, touched)
                if self.returning is not None:
                    out.append(self._returned(self._returning_row(new, seen), params))
            if outgoing:
                constraints.check_children(rt, outgoing, [new for _, _, new, _ in new_rows])
            if incoming and new_rows:
                constraints.parent_changed(rt, td, [(old, new) for _, old, new, _ in new_rows], deleting=False)
        return out, count, None

    def _steps(self, rt: Runtime, td: TableData) -> Tuple[Any, Any, Any, Any, Any]:
        """What writing the SET columns of ``td`` involves: ``td.touched_by``
        them, the per-row conversion, the CHECK step, the foreign keys to
        check and those referring to changed columns.  Cached until the
        table's indexes or the catalog change (not for a connection with
        temporary tables, whose foreign keys are its own)."""
        version = (td, td.index_version, rt.store.catalog_version)
        cached = self._steps_cached  # one attribute: plans are shared by threads
        if cached[0] == version and not rt.txn.temp_tables:
            return cached[1]  # type: ignore[no-any-return]
        assigned = self.assigned
        generated = td.generated
        rules = td.rules
        steps = (
            td.touched_by(assigned),
            generated.update_step() if generated is not None else td.convert_for(assigned),
            rules.row_check(assigned) if rules is not None else None,
            rules.outgoing(assigned) if rules is not None else None,
            [r for r in constraints.incoming(rt, td) if not assigned.isdisjoint(r.parent_positions(td))],
        )
        self._steps_cached = (version, steps)
        return steps

    def explain(self) -> List[str]:
        return ["UPDATE %s" % self.ref.name] + ["  " + line for line in self.source.explain()] + (["  FILTER"] if self.where else [])


class DeletePlan(WritePlan):
    def __init__(self, ref: TableRef, td: TableData, source: Source, where: Optional[Fn], returning: Optional[List[Fn]]) -> None:
        self.ref = ref
        self.names = td.names
        self.source = source
        self.where = where
        self.returning = returning
        self.returns_rows = returning is not None

    def run(self, rt: Runtime, params_list: Sequence[Any]) -> Result:
        td = rt.table(self.ref)
        txn = rt.txn
        txn.writing(td)
        out: List[Row] = []
        count = 0
        if self.private:
            params_list = _with_runtime(params_list, rt)
        incoming = constraints.incoming(rt, td)
        for params in params_list:
            matched = self._matches(rt, td, params)
            count += len(matched)
            for key, row, seen in matched:
                txn.remove(td, key)
                if self.returning is not None:
                    out.append(self._returned(self._returning_row(row, seen), params))
            if incoming and matched:
                constraints.parent_changed(rt, td, [(row, None) for _, row, _ in matched], deleting=True)
        return out, count, None

    def explain(self) -> List[str]:
        return ["DELETE FROM %s" % self.ref.name] + ["  " + line for line in self.source.explain()] + (["  FILTER"] if self.where else [])


class _MultiTable:
    """UPDATE ... FROM / DELETE ... USING: the target and the extra FROM
    entries planned like a SELECT's FROM (``froms.plan_froms``), the target
    first, so each combined row starts with the target row.  Each target
    row with at least one matching combination is written once, with its
    first match (PostgreSQL's and SQLite's behaviour)."""

    node: Any
    width: int
    where: Optional[Fn]

    def _matches(self, rt: Runtime, td: TableData, params: Any) -> List[Tuple[Any, Row, Row]]:
        """``(key, stored row, first matching combined row)`` per target row."""
        where = self.where
        key_of = td.key_of
        width = self.width
        first: Dict[Any, Row] = {}
        by_value: Optional[Dict[Row, List[Any]]] = None
        for r in self.node.rows(rt, params):
            if where is not None and not nulls.truth(where(r, params)):
                continue
            if key_of is not None:
                key = key_of(r)  # the target's columns come first
                if key not in first:
                    first[key] = r
                continue
            # rowid-keyed target: equal rows match alike, so every row with
            # these values is the one matched
            if by_value is None:
                by_value = {}
                for k, row in rt.view(self.ref).items():  # type: ignore[attr-defined]
                    by_value.setdefault(row, []).append(k)
            for k in by_value.get(r[:width], ()):
                if k not in first:
                    first[k] = r
        rows = rt.view(self.ref)  # type: ignore[attr-defined]
        return [(k, rows[k], r) for k, r in first.items()]


class MultiUpdatePlan(_MultiTable, UpdatePlan):
    def __init__(self, ref: TableRef, td: TableData, node: Any, width: int, where: Optional[Fn], assignments: List[Tuple[int, Fn]], returning: Optional[List[Fn]]) -> None:
        UpdatePlan.__init__(self, ref, td, None, where, assignments, returning)  # type: ignore[arg-type]
        self.node = node
        self.width = width

    def explain(self) -> List[str]:
        return ["UPDATE %s FROM" % self.ref.name] + ["  " + line for line in self.node.explain()] + (["  FILTER"] if self.where else [])


class MultiDeletePlan(_MultiTable, DeletePlan):
    def __init__(self, ref: TableRef, td: TableData, node: Any, width: int, where: Optional[Fn], returning: Optional[List[Fn]]) -> None:
        DeletePlan.__init__(self, ref, td, None, where, returning)  # type: ignore[arg-type]
        self.node = node
        self.width = width

    def explain(self) -> List[str]:
        return ["DELETE FROM %s USING" % self.ref.name] + ["  " + line for line in self.node.explain()] + (["  FILTER"] if self.where else [])


# -- planning ------------------------------------------------------------------


def dml_state(compiled: Any) -> Any:
    """The INSERT / UPDATE / DELETE's compile state: the top-level one, or
    the DML's inside ``select(A).from_statement(update(A).returning(A))``."""
    return compiled.dml_compile_state or compiled.compile_state


def _target(compiled: Any, rt: Runtime) -> Tuple[Any, Any, TableRef, TableData, Scope]:
    state = dml_state(compiled)
    stmt = state.statement
    table = stmt.table  # a table, or an alias of one (UPDATE users AS u ...)
    base = table.element if table.__visit_name__ == "alias" else table
    if base.__visit_name__ != "table":
        raise unsupported(table, "DML target must be a table")
    ref = table_ref(base)
    td = rt.table(ref)
    ctx = PlanContext(compiled, rt.store, rt)
    scope = Scope(compiled, [(table, td.position)], store=rt.store, ctx=ctx)
    return state, stmt, ref, td, scope


def _returning(compiled: Any, scope: Scope) -> Optional[List[Fn]]:
    """RETURNING as rendered: from the compile state's statement, which the
    ORM may have narrowed (``effective_returning`` reads the ORM statement,
    whose entity still lists a subclass's columns, say)."""
    cols = compiled.implicit_returning
    if not cols:
        stmt = dml_state(compiled).statement
        cols = [c for c in stmt._all_selected_columns if isinstance(c, ColumnElement) or is_star(c)]
    if not cols:
        return None
    return [compile_expr(c, scope) for c in _expand_star(cols, compiled)]


def _expand_star(columns: Sequence[Any], compiled: Any) -> List[Any]:
    """``RETURNING *`` (``literal_column("*")``, ``text("*")``): every
    column of the target table, in table order."""
    if not any(is_star(c) for c in columns):
        return list(columns)
    table = dml_state(compiled).statement.table
    return [t for c in columns for t in (table.columns if is_star(c) else (c,))]


def returning_names(compiled: Any) -> Optional[List[str]]:
    """The names of the RETURNING columns when they include ``*``, which
    the compiled statement reports as one column; None otherwise."""
    stars = [bool(rc.objects) and is_star(rc.objects[0]) for rc in compiled._result_columns]
    if not any(stars):
        return None
    table = dml_state(compiled).statement.table
    names: List[str] = []
    for rc, star in zip(compiled._result_columns, stars):
        names.extend([c.name for c in table.columns] if star else [rc.name])
    return names


def _is_literal(value: Any) -> bool:
    return not isinstance(value, ClauseElement)


def _given(value: Any, fallback_name: str, scope: Scope) -> Fn:
    """A source for a value given in ``values()``."""
    if _is_literal(value):
        return _crud_param(scope.compiled, fallback_name)
    if value.__visit_name__ == "bindparam":
        name = scope.bind_name(value)
        return _param(name) if name is not None else _crud_param(scope.compiled, fallback_name)
    return compile_expr(value, scope)


def plan_insert(compiled: Any, rt: Runtime) -> InsertPlan:
    state, stmt, ref, td, scope = _target(compiled, rt)
    if getattr(stmt, "_post_values_clause", None) is not None:
        raise unsupported(stmt._post_values_clause, "ON CONFLICT / upsert")
    column_as_key, _, _ = crud._key_getters_for_crud_column(compiled, stmt, state)
    # values() expressions cannot see the new row
    row_scope = Scope(compiled, store=rt.store, ctx=scope.ctx)
    if stmt.select is not None:
        return _plan_insert_from_select(compiled, stmt, ref, td, scope, row_scope, column_as_key)
    multi = state._multi_parameters
    if multi:
        rows = [
            {column_as_key(k): v for k, v in row.items()} for row in multi
        ]
    else:
        rows = [{column_as_key(k): v for k, v in (state._dict_parameters or {}).items()}]
    column_keys = set(compiled.column_keys or ())
    prefetch = set(compiled.insert_prefetch)
    table = stmt.table
    statement_sources: List[Dict[str, Fn]] = []
    for i, values in enumerate(rows):
        by_name: Dict[str, Fn] = {}
        for c in table.columns:
            bind_name = "%s_m%d" % (c.key, i) if multi else c.key
            if c.key in values:
                by_name[c.name] = _given(values[c.key], bind_name, row_scope)
            elif not multi and c.key in column_keys:
                by_name[c.name] = _crud_param(compiled, c.key)
            elif c in prefetch or (multi and bind_name in compiled.binds):
                by_name[c.name] = _crud_param(compiled, bind_name if multi else c.key)
            elif c.default is not None and (c.default.is_clause_element or (c.default.is_sequence and not c.default.optional)):
                by_name[c.name] = _sql_default(c, row_scope)  # an optional sequence: the key is generated, as SQLAlchemy compiles it here
        statement_sources.append(by_name)
    if td.generated is not None:
        for by_name in statement_sources:
            td.generated.check_insert(by_name)
    row_sources = [_store_sources(td, by_name) for by_name in statement_sources]
    return InsertPlan(ref, td, row_sources, _returning(compiled, scope))._planned(scope.ctx)


def _sql_default(column: Any, scope: Scope) -> Fn:
    default = column.default
    return compile_expr(default.arg if default.is_clause_element else default.next_value(), scope)


def _store_sources(td: TableData, by_name: Dict[str, Fn]) -> List[Fn]:
    """One source per store column: the statement's, else the database's."""
    return [by_name.get(column.name) or server_default(column) or _null for column in td.columns]


def _plan_insert_from_select(compiled: Any, stmt: Any, ref: TableRef, td: TableData, scope: Scope, row_scope: Scope, column_as_key: Any) -> InsertPlan:
    """INSERT ... FROM SELECT: the select's columns by position, then the
    defaults SQLAlchemy adds for the other columns (``include_defaults``)."""
    table = stmt.table
    columns = [table.c[column_as_key(name)] for name in stmt._select_names]
    by_name: Dict[str, Fn] = {c.name: _selected(i) for i, c in enumerate(columns)}
    prefetch = set(compiled.insert_prefetch)
    if stmt.include_insert_from_select_defaults:
        for c in table.columns:
            default = c.default
            if c.name in by_name or default is None or getattr(default, "is_sentinel", False):
                continue
            if default.is_sequence and default.optional:
                continue
            if default.is_clause_element or default.is_sequence:
                by_name[c.name] = _sql_default(c, row_scope)
            elif c in prefetch:
                by_name[c.name] = _crud_param(compiled, c.key)
    if td.generated is not None:
        td.generated.check_insert(by_name)
    select = plan_query(stmt.select, None, False, scope.ctx)
    plan = InsertPlan(ref, td, [_store_sources(td, by_name)], _returning(compiled, scope), select=select)
    return plan._planned(scope.ctx)


def _multi_scope(state: Any, stmt: Any, scope: Scope, rt: Runtime) -> Optional[Scope]:
    """For UPDATE ... FROM / DELETE ... USING, a scope over the target and
    the extra FROM entries (the target first); None for one table."""
    extra = getattr(state, "_extra_froms", None)
    if not extra:
        return None
    froms = [stmt.table, *extra]
    multi = Scope(scope.compiled, store=rt.store, ctx=scope.ctx)
    multi.asfrom_froms = multi.correlate_froms = frozenset(_from_objects(*froms))
    return multi


def _multi_where(state: Any, stmt: Any, td: TableData, scope: Scope, rt: Runtime) -> Tuple[Any, int, Optional[Fn]]:
    """Plan the multi-table FROM into ``scope``: (node, target width, rest of WHERE)."""
    froms = [stmt.table, *state._extra_froms]
    conjuncts = _conjuncts(stmt._where_criteria)
    node, rest, _ = plan_froms(froms, scope, conjuncts, rt, plan_query)
    where = nulls.sql_and([compile_expr(c, scope) for c in rest]) if rest else None
    return node, len(td.names), where


def _where(state: Any, stmt: Any, ref: TableRef, td: TableData, scope: Scope, rt: Runtime) -> Tuple[Source, Optional[Fn]]:
    conjuncts = _conjuncts(stmt._where_criteria)
    source, rest = _access_path(ref, td, conjuncts, scope, rt)
    where = nulls.sql_and([compile_expr(c, scope) for c in rest]) if rest else None
    return source, where


def plan_update(compiled: Any, rt: Runtime) -> UpdatePlan:
    state, stmt, ref, td, scope = _target(compiled, rt)
    multi = _multi_scope(state, stmt, scope, rt)
    if multi is not None:
        node, width, where = _multi_where(state, stmt, td, multi, rt)
        scope = multi  # assignments and RETURNING read the combined row
    column_as_key, _, _ = crud._key_getters_for_crud_column(compiled, stmt, state)
    values: Dict[Any, Any] = {}
    for k, v in (getattr(state, "_ordered_values", None) or ()):
        values[column_as_key(k)] = v
    for k, v in (state._dict_parameters or {}).items():
        values.setdefault(column_as_key(k), v)
    column_keys = set(compiled.column_keys or ())
    prefetch = set(compiled.update_prefetch)
    assignments: List[Tuple[int, Fn]] = []
    table = stmt.table
    for c in table.columns:
        pos = td.position.get(c.name)
        if c.key in values:
            if pos is None:
                raise NotSupportedError("no column %s in table %s" % (c.name, td.name))
            assignments.append((pos, _given(values[c.key], c.key, scope)))
        elif c.key in column_keys and pos is not None:
            assignments.append((pos, _crud_param(compiled, c.key)))
        elif c in prefetch and pos is not None:
            assignments.append((pos, _crud_param(compiled, c.key)))
        elif c.onupdate is not None and c.onupdate.is_clause_element and pos is not None:
            assignments.append((pos, compile_expr(c.onupdate.arg, scope)))
    unknown = [k for k in values if not isinstance(k, str) or k not in table.c]
    if unknown:
        raise NotSupportedError("UPDATE of %s: cannot assign to %s" % (td.name, unknown))
    if td.generated is not None:
        td.generated.check_update(td.names[pos] for pos, _ in assignments)
    if multi is not None:
        plan: UpdatePlan = MultiUpdatePlan(ref, td, node, width, where, assignments, _returning(compiled, scope))
        return plan._planned(scope.ctx)  # type: ignore[return-value]
    source, where = _where(state, stmt, ref, td, scope, rt)
    return UpdatePlan(ref, td, source, where, assignments, _returning(compiled, scope))._planned(scope.ctx)


def plan_delete(compiled: Any, rt: Runtime) -> DeletePlan:
    state, stmt, ref, td, scope = _target(compiled, rt)
    multi = _multi_scope(state, stmt, scope, rt)
    if multi is not None:
        node, width, where = _multi_where(state, stmt, td, multi, rt)
        plan: DeletePlan = MultiDeletePlan(ref, td, node, width, where, _returning(compiled, multi))
        return plan._planned(multi.ctx)  # type: ignore[return-value]
    source, where = _where(state, stmt, ref, td, scope, rt)
    return DeletePlan(ref, td, source, where, _returning(compiled, scope))._planned(scope.ctx)
