"""Name resolution: SQL identifiers to SQLAlchemy tables and columns.

SQL folds unquoted identifiers to one case, while SQLAlchemy names are
case-sensitive strings (lower case meaning "case-insensitive").  An unquoted
identifier therefore matches a name exactly or, failing that, ignoring case;
a quoted one matches exactly.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa
from sqlglot import exp

from ..engine.errors import OperationalError, ProgrammingError


def ident(node: Any) -> Tuple[str, bool]:
    """``(text, quoted)`` of an Identifier (or a bare string)."""
    if isinstance(node, exp.Identifier):
        return node.this, bool(node.args.get("quoted"))
    if isinstance(node, exp.Expression):
        inner = node.this if isinstance(node.this, (exp.Identifier, str)) else node.name
        return ident(inner)
    return str(node), False


def pick(candidates: Iterable[Any], name: Tuple[str, bool], key: Any = lambda c: c) -> List[Any]:
    """The candidates that ``name`` designates: exact matches, else
    case-insensitive ones for an unquoted name."""
    text, quoted = name
    items = list(candidates)
    exact = [c for c in items if key(c) == text]
    if exact or quoted:
        return exact
    folded = text.lower()
    return [c for c in items if isinstance(key(c), str) and key(c).lower() == folded]


class Catalog:
    """The store's tables and views, looked up by SQL name."""

    def __init__(self, store: Any, txn: Any = None) -> None:
        self.store = store
        self.txn = txn  # the connection's transaction: what it may see
        # (catalog name, key) -> object, for cache validity checks
        self.used: Dict[Tuple[str, Tuple[Optional[str], str]], Any] = {}

    def table_data(self, node: exp.Table) -> Any:
        """The ``TableData`` (or view entry) named; both have ``.table``."""
        schema = ident(node.args["db"]) if node.args.get("db") else None
        name = ident(node.this)
        for kind, entries in catalogs(self.store, self.txn):
            keys = [k for k in entries if _schema_matches(k[0], schema)]
            hits = pick(keys, name, key=lambda k: k[1])
            if len(hits) > 1:
                raise ProgrammingError("ambiguous table name: %s" % _qualified(schema, name))
            if hits:
                found = entries[hits[0]]
                self.used[(kind, hits[0])] = found
                return found
        raise OperationalError("no such table: %s" % _qualified(schema, name))

    def schema_of(self, node: exp.Table) -> Optional[str]:
        if not node.args.get("db"):
            return None
        text, quoted = ident(node.args["db"])
        hits = pick(self.store.schemas, (text, quoted))
        return hits[0] if hits else text


def catalogs(store: Any, txn: Any = None) -> List[Tuple[str, Dict[Any, Any]]]:
    """Where names live: tables, then views (``engine/views.py`` keeps them
    in ``store.views``).  With ``txn``, the tables as that transaction may
    see them: another connection's uncommitted CREATE, DROP or ALTER TABLE
    is not visible (``Transaction.visible_table``)."""
    tables = visible_tables(store, txn)
    views = getattr(store, "views", None) or {}
    temp_views = getattr(txn, "temp_views", None)
    if temp_views:  # the connection's temporary views hide shared names
        tables = {k: v for k, v in tables.items() if k not in temp_views}
        views = {**views, **temp_views}
    return [("tables", tables), ("views", views)]


def visible_tables(store: Any, txn: Any) -> Dict[Any, Any]:
    """The shared tables ``txn`` may see, under its own temporary tables."""
    tables = store.tables
    writer = store.writer
    replaced = getattr(writer, "replaced_tables", None)
    temp = getattr(txn, "temp_tables", None)
    if txn is None or writer is None or writer is txn or not replaced:
        return {**tables, **temp} if temp else tables  # type: ignore[no-any-return]
    from ..engine.store import MISSING

    tables = dict(tables)
    for key, old in replaced.items():
        if old is MISSING:
            tables.pop(key, None)
        else:
            tables[key] = old
    if temp:
        tables.update(temp)
    return tables  # type: ignore[no-any-return]


def _qualified(schema: Optional[Tuple[str, bool]], name: Tuple[str, bool]) -> str:
    return "%s.%s" % (schema[0], name[0]) if schema else name[0]


def _schema_matches(schema: Optional[str], wanted: Optional[Tuple[str, bool]]) -> bool:
    if wanted is None:
        return schema is None
    return schema is not None and bool(pick([schema], wanted))


class Names:
    """The names one query level can see: its FROM items and, for ORDER BY,
    its select-list aliases; unresolved names go to the enclosing level."""

    def __init__(self, outer: Optional["Names"] = None) -> None:
        self.froms: List[Tuple[Optional[str], Any]] = []  # (exposed name, FromClause)
        self.aliases: Dict[str, Any] = {}
        self.outer = outer

    def add(self, name: Optional[str], from_: Any) -> None:
        self.froms.append((name, from_))

    def from_named(self, qualifier: Tuple[str, bool]) -> Optional[Any]:
        hits = pick(self.froms, qualifier, key=lambda f: f[0])
        if len(hits) > 1:
            raise ProgrammingError("ambiguous table name: %s" % qualifier[0])
        if hits:
            return hits[0][1]
        return self.outer.from_named(qualifier) if self.outer is not None else None

    def column(self, node: exp.Column, aliases_first: bool = False) -> Any:
        name = ident(node.this)
        qualifier = ident(node.args["table"]) if node.args.get("table") else None
        if qualifier is not None:
            from_ = self.from_named(qualifier)
            if from_ is None:
                raise OperationalError("no such table: %s" % qualifier[0])
            hits = pick(from_.c, name, key=lambda c: c.name)
            if not hits:
                raise OperationalError("no such column: %s.%s" % (qualifier[0], name[0]))
            return hits[0]
        if aliases_first:
            hits = pick(self.aliases, name)
            if hits:
                return self.aliases[hits[0]]
        found = self._unqualified(name)
        if found is not None:
            return found
        hits = pick(self.aliases, name)
        if hits:
            return self.aliases[hits[0]]
        raise OperationalError("no such column: %s" % name[0])

    def _unqualified(self, name: Tuple[str, bool]) -> Optional[Any]:
        hits = [c for _, from_ in self.froms for c in pick(from_.c, name, key=lambda c: c.name)]
        if len(hits) > 1:
            raise ProgrammingError("ambiguous column name: %s" % name[0])
        if hits:
            return hits[0]
        return self.outer._unqualified(name) if self.outer is not None else None

    def star(self, qualifier: Optional[Tuple[str, bool]] = None) -> List[Any]:
        if qualifier is None:
            return [c for _, from_ in self.froms for c in from_.c]
        from_ = self.from_named(qualifier)
        if from_ is None:
            raise OperationalError("no such table: %s" % qualifier[0])
        return list(from_.c)


def names_for_scope(scope: Any) -> Names:
    """Names over an evaluator ``Scope``: its FROM clauses (joins searched
    table by table), then its labels, then the enclosing scope's."""
    parent = getattr(scope, "parent", None)
    names = Names(names_for_scope(parent) if parent is not None else None)
    for from_, positions in getattr(scope, "sources", ()):
        for part in _flatten(from_):
            if part is from_ and not len(getattr(part, "c", ())) and positions:
                part = _StoredColumns(part, positions)  # table("t"): its stored columns
            names.add(getattr(part, "name", None), part)
    names.aliases.update(getattr(scope, "labels", None) or {})
    return names


class _StoredColumns:
    """A FROM entry that lists no columns (``table("t")``) seen with the
    columns of its stored layout, each a column of that entry."""

    def __init__(self, from_: Any, positions: Dict[str, int]) -> None:
        self.name = getattr(from_, "name", None)
        self.c: List[Any] = [sa.column(name, _selectable=from_) for name in sorted(positions, key=positions.__getitem__)]


def _flatten(from_: Any) -> List[Any]:
    if getattr(from_, "__visit_name__", None) == "join":
        return _flatten(from_.left) + _flatten(from_.right)
    return [from_]
