"""Alembic support: the migration implementation for ``memory://``.

Alembic finds the implementation of a dialect by its name among the
subclasses of ``alembic.ddl.impl.DefaultImpl``; the dialect module imports
this module when Alembic is installed, so ``alembic upgrade`` and
``compare_metadata`` work with no configuration.  Every ALTER Alembic emits
runs in place and transactionally, so batch mode is not needed.

Alembic's own DDL elements (``alembic.ddl.base.AddColumn``, ``ColumnType``,
``RenameTable``...) reach the engine like any DDL element and become the
engine's ALTER TABLE actions there (``engine/alter.py``).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from alembic.ddl.base import ColumnComment, format_column_name, format_table_name
from alembic.ddl.impl import DefaultImpl
from sqlalchemy import Integer, Numeric, String
from sqlalchemy.ext.compiler import compiles


class MemoryImpl(DefaultImpl):
    __dialect__ = "memory"
    transactional_ddl = True
    # Oracle's identity options (SQLAlchemy 2.1 spells them as dialect
    # options): the memory dialect has no use for them
    identity_attrs_ignore = DefaultImpl.identity_attrs_ignore + ("oracle_on_null", "oracle_order")

    def compare_server_default(
        self,
        inspector_column: Any,
        metadata_column: Any,
        rendered_metadata_default: Optional[str],
        rendered_inspector_default: Optional[str],
    ) -> bool:
        # reflection reports a string default as its SQL literal ('x'), as
        # PostgreSQL does, and a metadata default given as a Python string
        # is that literal's value; a number compares as a number either way
        numeric = any(isinstance(c.type, (Integer, Numeric)) for c in (inspector_column, metadata_column))
        arg = getattr(metadata_column.server_default, "arg", None)
        if isinstance(arg, str) and not numeric:
            rendered_metadata_default = "'%s'" % arg.replace("'", "''")
        return _normal(rendered_inspector_default, numeric) != _normal(rendered_metadata_default, numeric)

@compiles(ColumnComment, "memory")
def _column_comment(element: ColumnComment, compiler: Any, **kw: Any) -> str:
    # Alembic renders a column comment per dialect; the SQL is for logging
    comment = "NULL" if element.comment is None else compiler.sql_compiler.render_literal_value(element.comment, String())
    return "COMMENT ON COLUMN %s.%s IS %s" % (
        format_table_name(compiler, element.table_name, element.schema),
        format_column_name(compiler, element.column_name),
        comment,
    )


def _normal(sql: Optional[str], numeric: bool) -> Optional[str]:
    """``sql`` without parentheses around all of it, and for a number
    without quotes."""
    while sql is not None and re.match(r"^\((.*)\)$", sql) and _balanced(sql[1:-1]):
        sql = sql[1:-1]
    if numeric and sql is not None and re.match(r"^'[^']*'$", sql):
        sql = sql[1:-1]
    return sql


def _balanced(sql: str) -> bool:
    depth = 0
    for ch in sql:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0
