"""CHECK and FOREIGN KEY constraints, enforced like PostgreSQL.

A table's :class:`Rules` exist only when its layout declares a CHECK or a
FOREIGN KEY (``TableData.rules`` is None otherwise, so plain tables pay
nothing).  The DML plans call in at three points:

* each written row: :meth:`Rules.check` evaluates the CHECK constraints
  (compiled once from the constraint's SQLAlchemy expression, or its SQL text
  through the SQL-text path); NULL passes, as in SQL;
* the end of each statement, for the rows it wrote: :func:`check_children`
  (every non-NULL foreign key value must exist in the parent table; MATCH
  SIMPLE, or MATCH FULL where declared), and for the rows it deleted or whose
  referenced key it changed, :func:`parent_changed` applies each referencing
  foreign key's ON DELETE / ON UPDATE action: CASCADE, SET NULL, SET DEFAULT,
  or RESTRICT / NO ACTION (an error if a row still refers to a value gone);
* commit: a foreign key declared ``DEFERRABLE INITIALLY DEFERRED`` is not
  checked per statement; a statement that could break it marks it, and
  :meth:`Reference.validate` checks the whole child table at commit.

Checking at the end of the statement, as PostgreSQL does for NO ACTION, lets
one statement insert rows that refer to each other.  Actions change rows
through the transaction's undo log, so a failing statement undoes its
cascades too.  Foreign keys can be turned off per engine with
``memory://?foreign_keys=off`` (SQLite's default, for code that relies on it).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import CheckConstraint

from .errors import IntegrityError, NotSupportedError
from .store import Row, Store, TableData

Key = Tuple[Optional[str], str]
_NO_PARAMS: Dict[str, Any] = {}


class Reference:
    """One FOREIGN KEY constraint: child columns referring to parent columns."""

    def __init__(self, td: TableData, fk: Any) -> None:
        self.name = str(fk.name)
        self.child = td  # this layout of the child table
        self.child_key: Key = (td.schema, td.name)
        self.child_names = tuple(c.name for c in fk.columns)
        self.child_positions = tuple(td.position[n] for n in self.child_names)
        schema, table, _ = fk.elements[0]._column_tokens
        self.parent_key: Key = (schema, table)
        self.parent_names = tuple(e._column_tokens[2] or e.parent.name for e in fk.elements)
        self.ondelete = (fk.ondelete or "NO ACTION").upper()
        self.onupdate = (fk.onupdate or "NO ACTION").upper()
        # INITIALLY DEFERRED implies DEFERRABLE, as in PostgreSQL
        self.deferred = (fk.initially or "").upper() == "DEFERRED"
        self.match_full = (fk.match or "").upper() == "FULL"
        # the child's value, in FK column order; a scalar for one column
        self.value_of: Callable[[Row], Any] = itemgetter(*self.child_positions)
        self.single = len(self.child_positions) == 1

    def __repr__(self) -> str:
        return "Reference(%s)" % self.name

    # -- the parent side --------------------------------------------------------
    def parent(self, txn: Any) -> TableData:
        """The parent table as the writing connection sees it (its own
        temporary table of that name first)."""
        td = txn.visible_table(self.parent_key)
        if td is None:
            raise IntegrityError(
                "FOREIGN KEY constraint failed: %s refers to table %s, which does not exist"
                % (self.name, _qualified(self.parent_key))
            )
        return td

    def parent_positions(self, parent: TableData) -> Tuple[int, ...]:
        try:
            return tuple(parent.position[n] for n in self.parent_names)
        except KeyError as missing:
            raise IntegrityError(
                "FOREIGN KEY constraint failed: %s refers to %s.%s, which does not exist"
                % (self.name, parent.name, missing.args[0])
            ) from None

    def finder(self, parent: TableData) -> Callable[[Any], bool]:
        """A test for "the parent has a row with this value" (child order),
        through the parent's primary key or an index on exactly the
        referenced columns, else one scan."""
        wanted = self.parent_positions(parent)
        targets: List[Tuple[Tuple[int, ...], Any]] = []
        if parent.key_of is not None:
            targets.append((parent.pk_positions, parent.rows))
        targets.extend((ix.positions, ix.entries if ix.entries is not None else ix) for ix in parent.indexes if ix.ordered or ix.entries is not None)
        for positions, container in targets:
            if sorted(positions) == sorted(wanted):
                return _member(container, [wanted.index(p) for p in positions], self.single)
        get = itemgetter(*wanted)
        values = {get(row) for row in parent.rows.values()}
        return values.__contains__

    def violation(self, value: Any) -> IntegrityError:
        return IntegrityError(
            "FOREIGN KEY constraint failed: %s (%s)=(%s) is not present in table %s (%s)"
            % (
                self.child_key[1],
                ", ".join(self.child_names),
                _show(value, self.single),
                _qualified(self.parent_key),
                self.name,
            )
        )

    def still_referenced(self, value: Any, parent: TableData) -> IntegrityError:
        return IntegrityError(
            "FOREIGN KEY constraint failed: %s (%s)=(%s) is still referenced from table %s (%s)"
            % (
                parent.name,
                ", ".join(self.parent_names),
                _show(value, self.single),
                self.child_key[1],
                self.name,
            )
        )

    def missing(self, row: Row) -> Any:
        """The row's FK value if it must exist in the parent, else None."""
        value = self.value_of(row)
        if self.single:
            return value
        if None in value:
            if self.match_full and any(v is not None for v in value):
                raise IntegrityError(
                    "FOREIGN KEY constraint failed: %s: MATCH FULL does not allow mixing NULL and non-NULL (%s)"
                    % (self.child_key[1], self.name)
                )
            return None
        return value

    def validate(self, txn: Any) -> None:
        """Check every child row (a deferred constraint, at commit)."""
        child = txn.visible_table(self.child_key)
        if child is self.child:
            check_rows(self, txn, child.rows.values())


def _member(container: Any, order: List[int], single: bool) -> Callable[[Any], bool]:
    if single:
        return container.__contains__
    if order == sorted(order) and len(order) > 1:
        return container.__contains__
    if len(order) == 1:
        return lambda v: v[order[0]] in container
    return lambda v: tuple([v[i] for i in order]) in container


def _show(value: Any, single: bool) -> str:
    return repr(value) if single else ", ".join(repr(v) for v in value)


def _qualified(key: Key) -> str:
    return "%s.%s" % key if key[0] else key[1]


def check_rows(ref: Reference, txn: Any, rows: Iterable[Row]) -> None:
    """Every non-NULL FK value of ``rows`` must exist in the parent."""
    found: Optional[Callable[[Any], bool]] = None
    for row in rows:
        value = ref.missing(row)
        if value is None:
            continue
        if found is None:
            found = ref.finder(ref.parent(txn))
        if not found(value):
            raise ref.violation(value)


def check_constraints(table: Any) -> List[Any]:
    """A table's CHECK constraints, table-level and column-level."""
    found = [c for c in table.constraints if isinstance(c, CheckConstraint)]
    for column in table.columns:
        found.extend(c for c in column.constraints if isinstance(c, CheckConstraint))
    return found


class Rules:
    """The CHECK constraints and outgoing foreign keys of one table layout."""

    def __init__(self, td: TableData) -> None:
        self.td = td
        self.check_constraints = check_constraints(td.table)
        self.references = [Reference(td, fk) for fk in td.table.foreign_key_constraints if fk.elements]
        self._checks: Optional[List[Tuple[str, Any, frozenset]]] = None
        self._row_checks: Dict[Any, Any] = {}

    def checks(self) -> List[Tuple[str, Any, frozenset]]:
        """``(name, compiled expression, column positions)`` per CHECK,
        compiled on first use (the expression may be SQL text)."""
        if self._checks is None:
            from sqlalchemy.sql import visitors

            from .expr import Scope, compile_expr

            td = self.td
            scope = Scope(None, [(td.table, td.position)])
            checks = []
            columns = td.table.c
            for cons in self.check_constraints:
                # a check written over unattached ``Column("x")`` objects
                # means this table's columns of those names
                sqltext = visitors.replacement_traverse(
                    cons.sqltext,
                    {},
                    lambda e: columns[e.name]
                    if e.__visit_name__ == "column" and e.table is None and e.name in columns
                    else None,
                )
                try:
                    fn = compile_expr(sqltext, scope)
                except NotSupportedError as err:
                    raise NotSupportedError(
                        "CHECK constraint %s on table %s: %s" % (cons.name, td.name, err)
                    ) from None
                names = {
                    e.name for e in visitors.iterate(cons.sqltext) if e.__visit_name__ == "column"
                }
                positions = frozenset(td.position[n] for n in names if n in td.position)
                checks.append((str(cons.name), fn, positions or frozenset(td.position.values())))
            self._checks = checks
        return self._checks

    def row_check(self, assigned: Optional[frozenset] = None) -> Optional[Callable[[Row], None]]:
        """The per-row CHECK step; for an UPDATE, only the constraints over
        ``assigned`` columns.  None when there is nothing to check.  Built
        once per column set: INSERT plans ask on every execution."""
        if not self.check_constraints:
            return None
        try:
            return self._row_checks[assigned]
        except KeyError:
            step = self._row_checks[assigned] = self._row_check(assigned)
            return step

    def _row_check(self, assigned: Optional[frozenset]) -> Optional[Callable[[Row], None]]:
        checks = [c for c in self.checks() if assigned is None or not assigned.isdisjoint(c[2])]
        if not checks:
            return None
        table = self.td.name

        def check(row: Row) -> None:
            for name, fn, _ in checks:
                result = fn(row, _NO_PARAMS)
                if result is not None and not result:
                    raise IntegrityError("CHECK constraint failed: %s on table %s" % (name, table))

        return check

    def outgoing(self, assigned: Optional[frozenset] = None) -> List[Reference]:
        """The foreign keys an INSERT (all) or an UPDATE of ``assigned``
        columns must check."""
        return [r for r in self.references if assigned is None or not assigned.isdisjoint(r.child_positions)]


# -- the statement-end steps the DML plans call ------------------------------------


def check_children(rt: Any, refs: List[Reference], rows: List[Row]) -> None:
    """After a statement wrote ``rows`` of a child table: their foreign keys."""
    if not rt.txn.foreign_keys:
        return
    for ref in refs:
        if ref.deferred:
            rt.txn.defer(ref)
        else:
            check_rows(ref, rt.txn, rows)


def incoming(rt: Any, td: TableData) -> List[Reference]:
    """The foreign keys of any table that refer to ``td``: the shared
    catalog's, cached until it changes, and the connection's temporary
    tables'."""
    store = rt.store
    temp = rt.txn.temp_tables
    if temp:
        # shared tables' keys name a shared parent, never a temporary one
        shared = store.tables.get((td.schema, td.name)) is td
        found = list(_shared_incoming(store, td)) if shared else []
        for child in temp.values():
            if child.rules is not None:
                found.extend(r for r in child.rules.references if r.parent_key == (td.schema, td.name))
        return found
    return _shared_incoming(store, td)


def _shared_incoming(store: Store, td: TableData) -> List[Reference]:
    cache = store.references
    if cache is None or cache[0] != store.catalog_version:
        by_parent: Dict[Key, List[Reference]] = {}
        for child in list(store.tables.values()):
            rules = child.rules
            if rules is not None:
                for ref in rules.references:
                    by_parent.setdefault(ref.parent_key, []).append(ref)
        cache = store.references = (store.catalog_version, by_parent)
    return cache[1].get((td.schema, td.name), [])


def check_drop(rt: Any, td: TableData) -> None:
    """DROP TABLE of a parent that rows of another table still refer to
    fails, as in SQLite (whose DROP deletes the rows first); PostgreSQL
    refuses even when no row refers to it, which would break
    ``metadata.drop_all()`` of tables with cyclic foreign keys."""
    if not rt.txn.foreign_keys:
        return
    for ref in incoming(rt, td):
        child = ref.child
        if child is td:
            continue
        for row in child.rows.values():
            value = ref.missing(row)
            if value is not None:
                raise IntegrityError(
                    "FOREIGN KEY constraint failed: cannot drop table %s, rows of %s refer to it (%s)"
                    % (td.name, child.name, ref.name)
                )


def validate_table(rt: Any, td: TableData) -> None:
    """Check every row of ``td`` against its CHECK constraints and foreign
    keys: for a constraint added to a table that has rows already."""
    rules = td.rules
    if rules is None:
        return
    check = rules.row_check()
    if check is not None:
        for row in td.rows.values():
            check(row)
    if rt.txn.foreign_keys:
        for ref in rules.references:
            check_rows(ref, rt.txn, td.rows.values())


def parent_changed(rt: Any, td: TableData, changes: List[Tuple[Row, Optional[Row]]], deleting: bool) -> None:
    """Apply the ON DELETE / ON UPDATE actions of the foreign keys referring
    to ``td`` for ``changes``: ``(old row, new row)`` pairs, ``new`` None for
    a deleted row.  Runs after the statement changed every row, so a value
    still present in ``td`` (re-inserted, or changed back) is not orphaned."""
    if not rt.txn.foreign_keys:
        return
    work = [(td, changes, deleting)]
    while work:
        parent, changed, is_delete = work.pop()
        for ref in incoming(rt, parent):
            _apply(rt, ref, parent, changed, is_delete, work)


def _apply(rt: Any, ref: Reference, parent: TableData, changes: List[Tuple[Row, Optional[Row]]], deleting: bool, work: List[Any]) -> None:
    positions = ref.parent_positions(parent)
    get = itemgetter(*positions)
    found = ref.finder(parent)
    gone: Dict[Any, Any] = {}  # old value -> new value (None: deleted)
    for old, new in changes:
        value = get(old)
        if value is None or (not ref.single and None in value):
            continue
        if new is not None and get(new) == value:
            continue
        if not found(value):
            gone[value] = get(new) if new is not None else None
    if not gone:
        return
    child = ref.child
    action = ref.ondelete if deleting else ref.onupdate
    index = child.index_on(ref.child_positions)
    referencing: List[Tuple[Any, Row, Any]] = []
    for value, replacement in gone.items():
        keys = index.equal_keys(value) if index is not None else None
        if keys is None:
            keys = [k for k, r in child.rows.items() if ref.value_of(r) == value]
        for k in keys:
            row = child.rows.get(k)
            if row is not None:
                referencing.append((k, row, replacement))
    if not referencing:
        return
    if action in ("NO ACTION", "RESTRICT"):
        if ref.deferred and action == "NO ACTION":
            rt.txn.defer(ref)
            return
        raise ref.still_referenced(ref.value_of(referencing[0][1]), parent)
    txn = rt.txn
    txn.writing(child)
    if action == "CASCADE" and deleting:
        removed = []
        for k, _, _ in referencing:
            if k in child.rows:
                removed.append((txn.remove(child, k), None))
        work.append((child, removed, True))
        return
    if action == "CASCADE":
        fill = lambda row, replacement: replacement  # noqa: E731
    elif action == "SET NULL":
        fill = lambda row, replacement: None  # noqa: E731
    elif action == "SET DEFAULT":
        defaults = _defaults(child, ref)
        fill = lambda row, replacement: defaults  # noqa: E731
    else:
        raise NotSupportedError("foreign key action %s of %s" % (action, ref.name))
    updated = _set_columns(rt, child, ref, referencing, fill)
    if action == "SET DEFAULT":
        check_rows(ref, rt.txn, [new for _, new in updated])
    work.append((child, updated, False))


def _defaults(child: TableData, ref: Reference) -> Any:
    from .dml import server_default

    values = []
    for p in ref.child_positions:
        fn = server_default(child.columns[p])
        values.append(fn(None, _NO_PARAMS) if fn is not None else None)
    return values[0] if ref.single else tuple(values)


def _set_columns(rt: Any, child: TableData, ref: Reference, referencing: List[Tuple[Any, Row, Any]], fill: Callable[[Row, Any], Any]) -> List[Tuple[Row, Optional[Row]]]:
    """Write new FK values into the referencing rows (CASCADE / SET NULL /
    SET DEFAULT), with the child's own NOT NULL, UNIQUE and CHECK checks."""
    txn = rt.txn
    positions = ref.child_positions
    assigned = frozenset(positions)
    touched = child.touched_by(assigned)
    check = child.rules.row_check(assigned) if child.rules is not None else None
    updated: List[Tuple[Row, Optional[Row]]] = []
    for key, old, replacement in referencing:
        current = child.rows.get(key)
        if current is not old:
            continue  # changed already by an earlier action of this statement
        values = list(old)
        value = fill(old, replacement)
        if ref.single:
            values[positions[0]] = value
        else:
            for p, v in zip(positions, value if value is not None else [None] * len(positions)):
                values[p] = v
        new = tuple(values)
        if check is not None:
            check(new)
        txn.rewrite(child, key, old, new, touched)
        updated.append((old, new))
    return updated
