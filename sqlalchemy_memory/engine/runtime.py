"""What a plan needs at execution: the store, the transaction, schema names.

Plans are cached on SQLAlchemy's compiled statements and shared between
connections and threads, so they hold no values: everything that varies per
execution arrives here or in the bind parameters.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional

from .errors import OperationalError
from .store import Row, Store, TableData
from .txn import Transaction


class TableRef(NamedTuple):
    """A table as a statement names it, before ``schema_translate_map``."""

    schema: Optional[str]
    name: str


def table_ref(table: Any) -> TableRef:
    return TableRef(getattr(table, "schema", None), table.name)


class Runtime:
    """One execution's view of the store."""

    __slots__ = ("store", "txn", "schema_map", "_ref", "_td", "trace")

    def __init__(
        self,
        store: Store,
        txn: Transaction,
        schema_map: Optional[Mapping[Optional[str], Optional[str]]] = None,
    ) -> None:
        self.store = store
        self.txn = txn
        self.schema_map = schema_map
        self._ref: Any = None  # the last table looked up, and what it was
        self._td: Any = None
        self.trace: Optional[List[str]] = None  # explain(): the access paths chosen

    def schema(self, schema: Optional[str]) -> Optional[str]:
        schema_map = self.schema_map
        if schema_map and schema in schema_map:
            return schema_map[schema]
        return schema

    def table(self, ref: TableRef) -> TableData:
        if ref is self._ref:
            return self._td  # type: ignore[no-any-return]
        td = self._lookup(ref)
        self._ref = ref
        self._td = td
        return td

    def _lookup(self, ref: TableRef) -> TableData:
        store = self.store
        writer = store.writer
        if self.txn.temp_tables or self.schema_map or (writer is not None and writer.replaced_tables and writer is not self.txn):
            key = (self.schema(ref.schema), ref.name)
            td = self.txn.visible_table(key)
            if td is None:
                raise OperationalError("no such table: %s" % ".".join(k for k in key if k))
            return td
        td = store.tables.get(ref)  # a TableRef is its own catalog key
        if td is None:
            return store.table(ref.schema, ref.name)  # raises "no such table"
        return td

    def catalog_table(self, schema: Optional[str], name: str) -> TableData:
        """The table ``(schema, name)`` (schema already translated) as this
        connection sees it: its own temporary table first."""
        td = self.txn.visible_table((schema, name))
        if td is None:
            raise OperationalError("no such table: %s" % ("%s.%s" % (schema, name) if schema else name))
        return td

    def view(self, ref: TableRef) -> Dict[Any, Row]:
        return self.txn.view(self.table(ref))
