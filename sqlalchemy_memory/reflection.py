"""Reflection (``Inspector`` support) for the memory dialect.

The store keeps its own copy of every table (``TableData.table``), so
reflection reads SQLAlchemy ``Table`` objects rather than a system catalog.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy import exc
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.types import TypeDecorator


class MemoryReflection:
    """Mixin for ``MemoryDialect``: every ``Inspector`` hook."""

    store: Any

    def _table(self, connection: Any, table_name: str, schema: Optional[str]) -> Any:
        td = self.store.tables.get((schema, table_name))
        if td is None:
            raise exc.NoSuchTableError(table_name if schema is None else "%s.%s" % (schema, table_name))
        return td.table

    def has_table(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        self._ensure_has_table_connection(connection)
        return (schema, table_name) in self.store.tables

    def has_sequence(self, connection: Any, sequence_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        return (schema, sequence_name) in self.store.sequences

    def has_index(self, connection: Any, table_name: str, index_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        table = self._table(connection, table_name, schema)
        return any(i.name == index_name for i in table.indexes)

    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name in self.store.schemas

    def get_schema_names(self, connection: Any, **kw: Any) -> List[str]:
        return sorted(self.store.schemas)

    def get_table_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return sorted(name for s, name in self.store.tables if s == schema)

    def get_temp_table_names(self, connection: Any, **kw: Any) -> List[str]:
        return []

    def get_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return []

    def get_sequence_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return sorted(name for s, name in self.store.sequences if s == schema)

    def get_columns(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[ReflectedColumn]:
        table = self._table(connection, table_name, schema)
        auto = table.autoincrement_column
        columns: List[ReflectedColumn] = []
        for c in table.columns:
            entry: Dict[str, Any] = {
                "name": c.name,
                "type": _reflected_type(c.type),
                "nullable": c.nullable,
                "default": self._default_sql(c),
                "autoincrement": c is auto,
                "comment": c.comment,
            }
            columns.append(entry)  # type: ignore[arg-type]
        return columns

    def _default_sql(self, column: Any) -> Optional[str]:
        default = column.server_default
        if default is None or not hasattr(default, "arg"):
            return None
        arg = default.arg
        if isinstance(arg, str):
            return "'%s'" % arg.replace("'", "''")
        if hasattr(arg, "text"):
            return str(arg.text)
        return str(arg.compile(dialect=self, compile_kwargs={"literal_binds": True}))

    def get_pk_constraint(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        table = self._table(connection, table_name, schema)
        pk = table.primary_key
        return {
            "constrained_columns": [c.name for c in pk.columns],
            "name": pk.name if pk.columns else None,
        }

    def get_foreign_keys(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        out = []
        for fk in table.foreign_key_constraints:
            elements = fk.elements
            if not elements:
                continue
            ref_schema, ref_table, _ = elements[0]._column_tokens
            out.append(
                {
                    "name": fk.name,
                    "constrained_columns": [e.parent.name for e in elements],
                    "referred_schema": ref_schema,
                    "referred_table": ref_table,
                    "referred_columns": [e._column_tokens[2] or e.parent.name for e in elements],
                    "options": {
                        k: v
                        for k, v in (
                            ("onupdate", fk.onupdate),
                            ("ondelete", fk.ondelete),
                            ("deferrable", fk.deferrable),
                            ("initially", fk.initially),
                        )
                        if v is not None
                    },
                }
            )
        return out

    def get_indexes(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [
            {
                "name": i.name,
                "column_names": [getattr(e, "name", None) for e in i.expressions],
                "unique": bool(i.unique),
                "dialect_options": {},
            }
            for i in sorted(table.indexes, key=lambda i: str(i.name))
        ]

    def get_unique_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        return [
            {"name": c.name, "column_names": [col.name for col in c.columns]}
            for c in table.constraints
            if c.__visit_name__ == "unique_constraint"
        ]

    def get_check_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> List[Dict[str, Any]]:
        table = self._table(connection, table_name, schema)
        out = []
        for c in table.constraints:
            if c.__visit_name__ == "check_constraint":
                sqltext = c.sqltext
                text = sqltext.text if hasattr(sqltext, "text") else str(sqltext.compile(dialect=self, compile_kwargs={"literal_binds": True}))
                out.append({"name": c.name, "sqltext": text})
        return out

    def get_table_comment(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
        return {"text": self._table(connection, table_name, schema).comment}


def _reflected_type(type_: Any) -> Any:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


