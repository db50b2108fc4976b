"""SQL type names (as sqlglot parses them) to SQLAlchemy types."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from sqlalchemy import types as sqltypes
from sqlglot import exp

_DT = exp.DataType.Type


def _length(cls: Any) -> Callable[[List[int]], Any]:
    return lambda args: cls(args[0]) if args else cls()


def _numeric(args: List[int]) -> Any:
    return sqltypes.Numeric(*args[:2])


_SIMPLE: Dict[Any, Callable[[List[int]], Any]] = {
    _DT.INT: lambda a: sqltypes.Integer(),
    _DT.UINT: lambda a: sqltypes.Integer(),
    _DT.MEDIUMINT: lambda a: sqltypes.Integer(),
    _DT.BIGINT: lambda a: sqltypes.BigInteger(),
    _DT.UBIGINT: lambda a: sqltypes.BigInteger(),
    _DT.SMALLINT: lambda a: sqltypes.SmallInteger(),
    _DT.TINYINT: lambda a: sqltypes.SmallInteger(),
    _DT.BOOLEAN: lambda a: sqltypes.Boolean(),
    _DT.FLOAT: lambda a: sqltypes.Float(),
    _DT.DOUBLE: lambda a: sqltypes.Double(),
    _DT.DECIMAL: _numeric,
    _DT.BIGDECIMAL: _numeric,
    _DT.MONEY: _numeric,
    _DT.VARCHAR: _length(sqltypes.String),
    _DT.NVARCHAR: _length(sqltypes.Unicode),
    _DT.CHAR: _length(sqltypes.CHAR),
    _DT.NCHAR: _length(sqltypes.NCHAR),
    _DT.TEXT: lambda a: sqltypes.Text(),
    _DT.MEDIUMTEXT: lambda a: sqltypes.Text(),
    _DT.LONGTEXT: lambda a: sqltypes.Text(),
    _DT.DATE: lambda a: sqltypes.Date(),
    _DT.DATETIME: lambda a: sqltypes.DateTime(),
    _DT.TIMESTAMP: lambda a: sqltypes.DateTime(),
    _DT.TIMESTAMPTZ: lambda a: sqltypes.DateTime(timezone=True),
    _DT.TIME: lambda a: sqltypes.Time(),
    _DT.INTERVAL: lambda a: sqltypes.Interval(),
    _DT.BLOB: lambda a: sqltypes.LargeBinary(),
    _DT.BINARY: _length(sqltypes.BINARY),
    _DT.VARBINARY: lambda a: sqltypes.VARBINARY(a[0]) if a else sqltypes.LargeBinary(),
    _DT.UUID: lambda a: sqltypes.Uuid(),
    _DT.JSON: lambda a: sqltypes.JSON(),
    _DT.JSONB: lambda a: sqltypes.JSON(),
}


def to_type(node: exp.DataType) -> Any:
    """A SQLAlchemy type instance; unknown names give ``NullType`` (stored as
    given, like SQLite's flexible typing)."""
    build = _SIMPLE.get(node.this)
    if build is None:
        return sqltypes.NullType()
    args: List[int] = []
    for param in node.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(value, exp.Literal) and not value.is_string:
            try:
                args.append(int(value.this))
            except ValueError:
                pass
    return build(args)
