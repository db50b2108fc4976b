"""The dialect's and DBAPI module's outward API: PEP 249 type objects and
``cursor.description`` type codes, the default schema name that
``schema_translate_map`` needs, and engine faults surfacing as
``sqlalchemy.exc`` errors.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from sqlalchemy import (
    ARRAY, JSON, BigInteger, Boolean, Column, Date, DateTime, Enum, Float, Integer, Interval, LargeBinary,
    MetaData, Numeric, String, Table, Text, Time, TypeDecorator, Uuid, create_engine, exc, func, inspect,
    literal_column, select, text,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateSchema
from sqlalchemy.testing import fixtures

from sqlalchemy_memory import dbapi
from sqlalchemy_memory.engine import planner


class Upper(TypeDecorator):  # type: ignore[type-arg]
    """A user's TypeDecorator: described as its implementation's type."""

    impl = String(10)
    cache_ok = True


KINDS = [
    # (column type, value, type code, PEP 249 type object or None)
    (Integer(), 7, "INTEGER", dbapi.NUMBER),
    (BigInteger(), 2**40, "INTEGER", dbapi.NUMBER),
    (Numeric(10, 2), decimal.Decimal("1.50"), "NUMERIC", dbapi.NUMBER),
    (Float(), 1.5, "FLOAT", dbapi.NUMBER),
    (Boolean(), True, "BOOLEAN", dbapi.NUMBER),
    (String(10), "s", "VARCHAR", dbapi.STRING),
    (Upper(), "u", "VARCHAR", dbapi.STRING),
    (Text(), "t", "TEXT", dbapi.STRING),
    (Enum("a", "b", name="ab"), "a", "ENUM", dbapi.STRING),
    (LargeBinary(), b"\x00", "BYTEA", dbapi.BINARY),
    (DateTime(), datetime.datetime(2024, 1, 2, 3, 4), "TIMESTAMP", dbapi.DATETIME),
    (Date(), datetime.date(2024, 1, 2), "DATE", dbapi.DATETIME),
    (Time(), datetime.time(3, 4), "TIME", dbapi.DATETIME),
    (Interval(), datetime.timedelta(days=1), "INTERVAL", dbapi.DATETIME),
    (JSON(), {"a": 1}, "JSON", None),
    (Uuid(), uuid.UUID(int=5), "UUID", None),
    (ARRAY(Integer), [1, 2], "ARRAY", None),
]
GROUPS = [dbapi.STRING, dbapi.BINARY, dbapi.NUMBER, dbapi.DATETIME, dbapi.ROWID]


class TypeObjectTest(fixtures.TestBase):
    @classmethod
    def setup_test_class(cls) -> None:
        cls.engine = create_engine("memory://")
        columns = [Column("c%d" % i, type_) for i, (type_, _, _, _) in enumerate(KINDS)]
        cls.table = Table("kinds", MetaData(), Column("id", Integer, primary_key=True), *columns)
        cls.table.metadata.create_all(cls.engine)
        with cls.engine.begin() as conn:
            conn.execute(cls.table.insert(), {"id": 1, **{"c%d" % i: v for i, (_, v, _, _) in enumerate(KINDS)}})

    @classmethod
    def teardown_test_class(cls) -> None:
        cls.engine.dispose()

    def test_module_attributes(self) -> None:
        for name in ("STRING", "BINARY", "NUMBER", "DATETIME", "ROWID", "Date", "Time", "Timestamp",
                     "DateFromTicks", "TimeFromTicks", "TimestampFromTicks", "Binary"):
            assert name in dbapi.__all__ and hasattr(dbapi, name)
        assert dbapi.Timestamp(2024, 1, 2) == datetime.datetime(2024, 1, 2)
        assert dbapi.DateFromTicks(0) == datetime.date.fromtimestamp(0)
        assert dbapi.TimestampFromTicks(0) == datetime.datetime.fromtimestamp(0)
        assert dbapi.TimeFromTicks(0) == datetime.datetime.fromtimestamp(0).time()

    def test_type_objects_compare_with_codes(self) -> None:
        assert dbapi.NUMBER == "INTEGER" and "INTEGER" == dbapi.NUMBER
        assert dbapi.NUMBER != "VARCHAR" and dbapi.STRING == "VARCHAR"
        assert dbapi.NUMBER != dbapi.STRING and dbapi.NUMBER == dbapi.NUMBER
        assert dbapi.ROWID == "ROWID"
        assert None not in (dbapi.STRING, dbapi.NUMBER)  # an unknown type belongs to no group
        assert len({*GROUPS}) == 5  # hashable, all distinct

    def test_description_of_a_select(self) -> None:
        with self.engine.connect() as conn:
            description = conn.execute(select(self.table)).cursor.description
        assert description[0][:2] == ("id", "INTEGER")
        for (type_, _, code, group), entry in zip(KINDS, description[1:]):
            assert entry[1] == code, type_
            assert [g for g in GROUPS if g == entry[1]] == ([group] if group is not None else [])
            assert len(entry) == 7

    def test_description_of_expressions_and_unknown_types(self) -> None:
        t = self.table
        stmt = select(func.count(), t.c.c5 + "x", literal_column("1"), func.max(t.c.c10))
        with self.engine.connect() as conn:
            codes = [d[1] for d in conn.execute(stmt).cursor.description]
        assert codes == ["INTEGER", "VARCHAR", None, "TIMESTAMP"]

    def test_description_of_sql_text(self) -> None:
        with self.engine.connect() as conn:
            typed = conn.execute(text("SELECT id, c5 FROM kinds").columns(id=Integer, c5=String)).cursor.description
            driver = conn.exec_driver_sql("SELECT id, c5, c10 FROM kinds").cursor.description
        assert [d[1] for d in typed] == ["INTEGER", "VARCHAR"]
        assert [d[1] for d in driver] == ["INTEGER", "VARCHAR", "TIMESTAMP"]

    def test_no_description_without_rows(self) -> None:
        with self.engine.begin() as conn:
            result = conn.execute(self.table.update().values(c0=8))
            assert not result.returns_rows and result.rowcount == 1
            assert result.context.cursor.description is None


class SchemaTranslateTest(fixtures.TestBase):
    """Statements compiled with ``schema_translate_map`` render the default
    schema's name where a schema is translated to None."""

    def _engine(self) -> Any:
        engine = create_engine("memory://")
        with engine.begin() as conn:
            conn.execute(CreateSchema("other"))
        return engine

    def test_default_schema_name(self) -> None:
        engine = self._engine()
        assert engine.dialect.default_schema_name == "public"
        assert inspect(engine).default_schema_name == "public"

    def test_none_to_a_schema_and_back_with_a_shared_cache(self) -> None:
        """As SQLAlchemy's own test: one cached statement first translated
        to a schema, then to None (the default schema), then untranslated."""
        engine = self._engine()
        m = MetaData()
        Table("x", m, Column("q", Integer))
        Table("x", m, Column("q", Integer), schema="other")
        m.create_all(engine)
        t = Table("x", MetaData(), Column("q", Integer))
        stmt = select(t.c.q)
        cache: dict = {}
        with engine.begin() as connection:
            conn = connection.execution_options(compiled_cache=cache)
            conn.execute(t.insert(), {"q": 1})
            assert conn.scalar(stmt) == 1
            conn = connection.execution_options(compiled_cache=cache, schema_translate_map={None: "other"})
            conn.execute(t.insert(), {"q": 2})
            assert conn.scalar(stmt) == 2
            conn = connection.execution_options(compiled_cache=cache, schema_translate_map={None: None})
            assert conn.scalar(stmt) == 1
            assert connection.execution_options(compiled_cache=cache).scalar(stmt) == 1

    @pytest.mark.parametrize("target", [None, "public"], ids=["none", "default-name"])
    def test_schema_translated_to_the_default(self, target: Any) -> None:
        engine = self._engine()
        plain = Table("t", MetaData(), Column("id", Integer, primary_key=True))
        plain.metadata.create_all(engine)
        named = Table("t", MetaData(), Column("id", Integer, primary_key=True), schema="other")
        with engine.begin() as conn:
            conn.execute(plain.insert(), [{"id": 1}, {"id": 2}])
            translated = conn.execution_options(schema_translate_map={"other": target})
            assert translated.execute(select(named.c.id).order_by(named.c.id)).scalars().all() == [1, 2]
            translated.execute(named.delete().where(named.c.id == 1))
            assert conn.execute(select(plain.c.id)).scalars().all() == [2]

    def test_ddl_dml_and_orm_translated_to_a_schema(self) -> None:
        engine = self._engine()
        t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", String(5)))
        other = engine.execution_options(schema_translate_map={None: "other"})
        t.metadata.create_all(other)
        with other.begin() as conn:
            conn.execute(t.insert(), {"id": 1, "v": "a"})
        with Session(other) as s:
            assert s.execute(select(t)).all() == [(1, "a")]
        assert inspect(engine).get_table_names(schema="other") == ["t"]
        assert inspect(engine).get_table_names() == []


class EngineFaultTest(fixtures.TestBase):
    def test_python_error_in_the_engine_is_an_internal_error(self, monkeypatch: Any) -> None:
        """A bug that raises IndexError inside the engine reaches the caller
        as ``sqlalchemy.exc.InternalError`` naming the statement, not bare."""
        engine = create_engine("memory://")

        def broken(compiled: Any, rt: Any, params_list: Any, stream: bool = False) -> Any:
            return ()[1]

        monkeypatch.setattr(planner, "run_compiled", broken)
        with engine.connect() as conn:
            with pytest.raises(exc.InternalError, match="IndexError") as caught:
                conn.execute(select(literal_column("1")))
        assert "Select" in str(caught.value)
