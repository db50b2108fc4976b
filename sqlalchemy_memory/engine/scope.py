"""Name resolution for plans: which row position a column is, which params
key a bind is, and how a subquery reads its enclosing query's row.

One ``PlanContext`` is shared by every scope of a statement's plan; a
``Scope`` exists per SELECT (and per helper view of a join's sides).
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy.sql.elements import ColumnElement

from .errors import NotSupportedError, ProgrammingError

RUNTIME_KEY = "\x00runtime"


def runtime_of(params: Any) -> Any:
    """The execution's ``Runtime``: subqueries inside expressions need it,
    and ``fn(row, params)`` has no other way in.  Plans that run nested
    queries put it into their (copied) params."""
    try:
        return params[RUNTIME_KEY]
    except KeyError:
        raise NotSupportedError("a subquery here needs the statement's plan to provide the runtime") from None


class PlanContext:
    """Shared by every scope of one statement's plan: the compiled object,
    the tables the plan depends on, and a counter for private param keys."""

    def __init__(self, compiled: Any, store: Any = None, rt: Any = None) -> None:
        self.compiled = compiled
        self.store = store
        self.rt = rt
        self.layouts: List[Tuple[Any, Any]] = []  # (ref, names tuple | ViewData)
        self._keys = 0
        # recursive CTEs being planned: id(CTE) -> (params key, width)
        self.working: Dict[int, Tuple[str, int]] = {}
        # id(TextualSelect) -> (it, the Core query its SQL means), see select.textual_query
        self.textual: Dict[int, Tuple[Any, Any]] = {}

    def private_key(self, what: str) -> str:
        """A params key no bind name can take (they never hold NUL); unique
        process-wide, so scopes of one statement never collide."""
        self._keys += 1
        return "\x00%s%d" % (what, next(_KEY_COUNTER))


_KEY_COUNTER = itertools.count(1)


class Scope:
    """Resolves columns to row positions and bind parameters to names.

    ``sources`` lists ``(FromClause, name -> absolute position)``: a row of a
    multi-source plan is the concatenation of the sources' rows.  A nested
    scope (subquery) has a ``parent``: a column found only there compiles to
    a read of the enclosing row, which the subquery's caller stores in
    ``params[parent.row_key]`` before running the inner plan.
    """

    def __init__(
        self,
        compiled: Any,
        sources: Sequence[Tuple[Any, Dict[str, int]]] = (),
        store: Any = None,
        parent: Optional["Scope"] = None,
        ctx: Optional[PlanContext] = None,
    ) -> None:
        self.compiled = compiled
        self.store = store  # for sequences; plans are cached per engine, hence per store
        self.sources = list(sources)  # (FromClause, column name -> position)
        self.by_id: Dict[int, int] = {}  # id(column) -> position, for derived outputs
        self.by_name: Dict[str, int] = {}  # output name -> position (compound ORDER BY)
        self.aggregates: Dict[int, int] = {}  # id(aggregate element) -> position
        self.labels: Dict[str, ColumnElement[Any]] = {}
        self.parent = parent
        self.ctx = ctx if ctx is not None else (parent.ctx if parent is not None else PlanContext(compiled, store))
        self.row_key: Optional[str] = None  # set once a nested scope reads this scope's row
        self.correlated = False  # reads a row of an enclosing scope
        self.correlate_froms: Any = frozenset()  # SQLAlchemy's correlation sets
        self.asfrom_froms: Any = frozenset()
        self.owner: Optional[Scope] = None  # the scope a helper scope stands in for
        self.subplans: List[Tuple[str, Any]] = []  # (label, plan) of expression subqueries, for explain
        # id(custom construct) -> (construct, the Core element its SQL translates to): see custom.py
        self.translated: Dict[int, Tuple[Any, Any]] = {}

    def find(self, column: ColumnElement[Any]) -> Optional[int]:
        """The position of ``column`` in this scope's rows, or None (also
        when the column belongs to an enclosing scope's FROM)."""
        if self.by_id:
            found = self.by_id.get(id(column))
            if found is not None:
                return found
        found = self._direct(column)
        if found is not None:
            return found
        scope = self.parent
        while scope is not None:
            if scope._direct(column) is not None:
                return None  # an outer table, even if an alias here proxies it
            scope = scope.parent
        found = self._corresponding(column)
        if found is None and self.by_name:
            return self.by_name.get(getattr(column, "name", None))  # type: ignore[arg-type]
        return found

    def _direct(self, column: ColumnElement[Any]) -> Optional[int]:
        """A column of one of this scope's FROM entries itself."""
        table = getattr(column, "table", None)
        if table is None:
            return None
        base = table._deannotate() if hasattr(table, "_deannotate") else table
        for from_, positions in self.sources:
            if table is from_ or base is from_:
                return positions.get(column.name)
        return None

    def _corresponding(self, column: ColumnElement[Any]) -> Optional[int]:
        """A column reached through a FROM entry that proxies it (an alias
        or subquery of its table, an ORM entity's selectable)."""
        for from_, positions in self.sources:
            try:
                corresponding = from_.corresponding_column(column, require_embedded=True)
            except AttributeError:
                continue
            if corresponding is not None:
                found = positions.get(corresponding.name)
                if found is not None:
                    return found
        return None

    def named(self, name: str) -> Optional[int]:
        """The position of the FROM column a bare SQL name means (a
        tableless ``column("x")``, ``order_by("x")`` over ``table("t")``,
        which lists no columns): found in the stored layouts, exactly, else
        ignoring case; None when no FROM entry has it.  A name two FROM
        entries have is ambiguous, as in SQL."""
        for exact in (True, False):
            folded = name.lower()
            found = {
                pos
                for _, positions in self.sources
                for key, pos in positions.items()
                if (key == name if exact else key.lower() == folded)
            }
            if len(found) > 1:
                raise ProgrammingError("ambiguous column name: %s" % name)
            if found:
                return found.pop()
        return None

    def position(self, column: ColumnElement[Any]) -> int:
        found = self.find(column)
        if found is None:
            raise NotSupportedError(
                "column %s is not in the FROM clause of this statement (%s)"
                % (_describe(column), ", ".join(str(getattr(f, "name", f)) for f, _ in self.sources) or "no FROM")
            )
        return found

    def outer(self, column: ColumnElement[Any]) -> Optional[Tuple[str, int]]:
        """``(params key, position)`` of a column of an enclosing scope."""
        for lookup in (Scope._direct, Scope._corresponding):
            scope = self.parent
            while scope is not None:
                pos = lookup(scope, column)
                if pos is None and scope.by_id:
                    pos = scope.by_id.get(id(column))
                if pos is not None:
                    self._mark_correlated(scope)
                    if scope.row_key is None:
                        scope.row_key = self.ctx.private_key("row")
                    return scope.row_key, pos
                scope = scope.parent
        return None

    def is_outer(self, column: ColumnElement[Any]) -> bool:
        """Whether ``column`` is not here but in an enclosing scope (a
        constant while this scope's query runs); marks nothing."""
        if self.find(column) is not None:
            return False
        scope = self.parent
        while scope is not None:
            if scope._direct(column) is not None or scope._corresponding(column) is not None or id(column) in scope.by_id:
                return True
            scope = scope.parent
        return False

    def _mark_correlated(self, upto: "Scope") -> None:
        s: Optional[Scope] = self
        while s is not upto and s is not None:
            s.correlated = True
            owner = s.owner
            while owner is not None:
                owner.correlated = True
                owner = owner.owner
            s = s.parent

    def bind_name(self, bind: Any) -> Optional[str]:
        compiled = self.compiled
        if compiled is None:
            return None
        name = compiled.bind_names.get(bind)
        if name is None:
            name = compiled.truncated_names.get(("bindparam", bind.key))
        if name is None and bind.key in compiled.binds:
            name = bind.key
        escaped = compiled.escaped_bind_names
        if escaped and name in escaped:
            name = escaped[name]  # the DBAPI parameters use the escaped names
        return name


def _describe(element: Any) -> str:
    table = getattr(element, "table", None)
    name = getattr(element, "name", None)
    if table is not None and name is not None:
        return "%s.%s" % (getattr(table, "name", table), name)
    return type(element).__name__
