"""Generated values: ``Computed()`` and ``Identity()`` columns.

A :class:`Generated` belongs to one :class:`~.store.TableData` layout and
exists only for tables with such columns (``TableData.generated`` is None
otherwise, so plain tables pay nothing per row).  It gives the DML plans one
step per written row, run where a plain table would apply its type
conversions:

* on INSERT, identity columns left out (or given NULL) take their column's
  next value, then the row's values are converted, then computed columns are
  evaluated over the converted row, in column order;
* on UPDATE, the row is converted and computed columns re-evaluated.

Computed columns are always stored: ``persisted=False`` (virtual) and
``persisted=True`` (stored) behave the same, which no query can tell apart.
Each identity column has its own counter, a :class:`~.store.SequenceData`
honouring start, increment, minvalue, maxvalue and cycle; like a sequence it
is not rolled back.  Writing a computed column, or a ``GENERATED ALWAYS``
identity column, raises ``ProgrammingError`` as PostgreSQL does.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from sqlalchemy.sql import visitors

from .errors import ProgrammingError
from .expr import Fn, Scope, compile_expr
from .store import SequenceData, TableData

Step = Callable[[List[Any]], None]
_NO_PARAMS: Dict[str, Any] = {}


class Generated:
    """The computed and identity columns of one table layout."""

    def __init__(self, td: TableData) -> None:
        self.td = td
        self.computed_names: FrozenSet[str] = frozenset(c.name for c in td.columns if c.computed is not None)
        self.computed_positions: FrozenSet[int] = frozenset(td.position[n] for n in self.computed_names)
        self.always_names: FrozenSet[str] = frozenset(
            c.name for c in td.columns if c.identity is not None and c.identity.always
        )
        # position -> its own counter
        self.identities: List[Tuple[int, SequenceData]] = [
            (i, SequenceData(c.identity, c.type)) for i, c in enumerate(td.columns) if c.identity is not None
        ]
        self._computed: Optional[List[Tuple[int, Fn, Any]]] = None
        self._insert_step: Optional[Step] = None
        self._update_step: Optional[Step] = None

    # -- plan-time checks ------------------------------------------------------
    def check_insert(self, names: Any) -> None:
        """Reject an INSERT giving a value to a generated column."""
        for name in names:
            if name in self.computed_names:
                raise ProgrammingError(
                    'cannot insert a non-DEFAULT value into column "%s": column "%s" is a generated column' % (name, name)
                )
            if name in self.always_names:
                raise ProgrammingError(
                    'cannot insert a non-DEFAULT value into column "%s": column "%s" is an identity column defined as GENERATED ALWAYS'
                    % (name, name)
                )

    def check_update(self, names: Any) -> None:
        """Reject an UPDATE assigning to a generated column."""
        for name in names:
            if name in self.computed_names:
                raise ProgrammingError('column "%s" can only be updated to DEFAULT: it is a generated column' % name)
            if name in self.always_names:
                raise ProgrammingError(
                    'column "%s" can only be updated to DEFAULT: it is an identity column defined as GENERATED ALWAYS' % name
                )

    # -- per-row steps ---------------------------------------------------------
    def computed(self) -> List[Tuple[int, Fn, Any]]:
        """(position, evaluator, conversion) per computed column, compiled
        once per layout against the store's own table."""
        if self._computed is None:
            td = self.td
            scope = Scope(None, [(td.table, td.position)])
            conversions = dict(td.conversions)
            out = []
            for i, c in enumerate(td.columns):
                if c.computed is not None:
                    expr = _on_table(c.computed.sqltext, td.table)
                    out.append((i, compile_expr(expr, scope), conversions.get(i)))
            self._computed = out
        return self._computed

    def insert_step(self) -> Step:
        if self._insert_step is None:
            self._insert_step = self._step(self.identities)
        return self._insert_step

    def update_step(self) -> Optional[Step]:
        """The UPDATE step: None when a row needs nothing, the plain type
        conversion when the table has no computed column."""
        if not self.computed_names:
            td = self.td
            return td.convert if td.conversions else None
        if self._update_step is None:
            self._update_step = self._step([])
        return self._update_step

    def _step(self, identities: List[Tuple[int, SequenceData]]) -> Step:
        td = self.td
        convert = td.convert if td.conversions else None
        computed = self.computed()
        params = _NO_PARAMS

        def step(values: List[Any]) -> None:
            for p, seq in identities:
                if values[p] is None:
                    values[p] = seq.next_value()
            if convert is not None:
                convert(values)
            for p, fn, conv in computed:
                v = fn(values, params)
                values[p] = conv(v) if conv is not None and v is not None else v

        return step


def _on_table(expr: Any, table: Any) -> Any:
    """``expr`` with columns of the user's table (``Column._copy`` keeps a
    Core ``Computed`` expression on them) replaced by the store copy's."""

    def replace(element: Any) -> Any:
        owner = getattr(element, "table", None)
        if element.__visit_name__ == "column" and owner is not None and owner is not table:
            if getattr(owner, "name", None) == table.name and element.name in table.c:
                return table.c[element.name]
        return None

    return visitors.replacement_traverse(expr, {}, replace)
