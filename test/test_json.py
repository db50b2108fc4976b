"""JSON element and path access: ``doc["a"]``, ``doc[0]``, ``doc[("a", 1)]``,
``as_string()`` / ``as_integer()``... and JSON null against SQL NULL.

Where SQLite gives the same answer the query runs on ``memory://`` and on
SQLite and the results must match.  The dialect follows PostgreSQL's ``->``
/ ``#>`` where SQLite differs (JSON-typed elements: a missing element is
SQL NULL, JSON ``null`` is the JSON text ``null``; ``as_string()`` of
``true`` is ``'true'``); those cases are checked against expected values.
"""

from __future__ import annotations

import decimal
import json
from typing import Any, List

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, cast, create_engine, exc, func, null, select, text
from sqlalchemy.testing import fixtures

from _support import populated_engines

metadata = MetaData()
docs = Table(
    "docs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("data", JSON),
    Column("nulldata", JSON(none_as_null=True)),
)
DOC1 = {
    "a": {"b": [1, 2, {"c": "x"}]},
    "s": "some string",
    "u": "réve🐍 illé",
    "i": 15,
    "f": 28.5,
    "n": 99939.983485848,
    "t": True,
    "z": None,
    "key two": "value2",
}
ROWS = [
    {"id": 1, "data": DOC1, "nulldata": DOC1},
    {"id": 2, "data": [10, "two", None, {"k": 3}], "nulldata": [1]},
    {"id": 3, "data": None, "nulldata": None},  # JSON null / SQL NULL
    {"id": 4, "data": JSON.NULL, "nulldata": JSON.NULL},  # JSON null in both
    {"id": 5, "data": {"i": 7, "s": "other", "t": False}, "nulldata": null()},
]
d = docs.c.data


class Engines:
    def __init__(self) -> None:
        self.memory, self.sqlite = populated_engines(metadata, [(docs, ROWS)])

    def values(self, engine: Any, expr: Any) -> List[Any]:
        with engine.connect() as conn:
            return [r[1] for r in conn.execute(select(docs.c.id, expr).order_by(docs.c.id))]

    def ids(self, engine: Any, where: Any) -> List[int]:
        with engine.connect() as conn:
            return list(conn.scalars(select(docs.c.id).where(where).order_by(docs.c.id)))

    def check(self, expr: Any) -> List[Any]:
        mine = self.values(self.memory, expr)
        assert mine == self.values(self.sqlite, expr), expr
        return mine

    def check_where(self, where: Any) -> List[int]:
        mine = self.ids(self.memory, where)
        assert mine == self.ids(self.sqlite, where), where
        return mine


class JSONAccessTest(fixtures.TestBase):
    dbs: Engines

    @classmethod
    def setup_test_class(cls) -> None:
        cls.dbs = Engines()

    # -- against SQLite ----------------------------------------------------------

    def test_element_as_json(self) -> None:
        assert self.dbs.check(d["a"]) == [{"b": [1, 2, {"c": "x"}]}, None, None, None, None]
        assert self.dbs.check(d["a"]["b"]) == [[1, 2, {"c": "x"}], None, None, None, None]
        assert self.dbs.check(d[("a", "b", 2)]) == [{"c": "x"}, None, None, None, None]
        assert self.dbs.check(d[3]) == [None, {"k": 3}, None, None, None]
        assert self.dbs.check(d["a"].as_json()) == self.dbs.values(self.dbs.memory, d["a"])

    def test_typed_access(self) -> None:
        assert self.dbs.check(d["s"].as_string()) == ["some string", None, None, None, "other"]
        assert self.dbs.check(d["u"].as_string())[0] == "réve🐍 illé"
        assert self.dbs.check(d["i"].as_integer()) == [15, None, None, None, 7]
        assert self.dbs.check(d["f"].as_float()) == [28.5, None, None, None, None]
        assert self.dbs.check(d["t"].as_boolean()) == [True, None, None, None, False]
        assert self.dbs.check(d["n"].as_numeric(14, 9))[0] == decimal.Decimal("99939.983485848")
        assert self.dbs.check(d[1].as_string()) == [None, "two", None, None, None]
        assert self.dbs.check(d[("a", "b", 2, "c")].as_string()) == ["x", None, None, None, None]
        assert self.dbs.check(d[(3, "k")].as_integer()) == [None, 3, None, None, None]
        assert self.dbs.check(d["z"].as_string()) == [None] * 5  # JSON null: SQL NULL
        # SQLAlchemy 2.0's SQLite rendering of as_string() does not CAST (it returns 15)
        assert self.dbs.values(self.dbs.memory, d["i"].as_string()) == ["15", None, None, None, "7"]

    def test_typed_comparisons(self) -> None:
        assert self.dbs.check_where(d["s"].as_string() == "other") == [5]
        assert self.dbs.check_where(d["i"].as_integer() > 10) == [1]
        assert self.dbs.check_where(d["f"].as_float() == 28.5) == [1]
        assert self.dbs.check_where(d["t"].as_boolean()) == [1]
        assert self.dbs.check_where(d["t"].as_boolean() == False) == [5]  # noqa: E712
        assert self.dbs.check_where(d["n"].as_numeric(14, 9) == decimal.Decimal("99939.983485848")) == [1]
        assert self.dbs.check_where(d[("a", "b", 2, "c")].as_string() == "x") == [1]
        assert self.dbs.check_where(d["i"].as_integer().is_(None)) == [2, 3, 4]
        assert self.dbs.check_where(d["i"].as_integer().in_([7, 8])) == [5]

    def test_legacy_string_cast(self) -> None:
        assert self.dbs.check_where(cast(d["key two"], String) == '"value2"') == [1]
        assert self.dbs.check_where(cast(d[1], String) == '"two"') == [2]

    def test_json_null_and_sql_null(self) -> None:
        # none_as_null=False: None is stored as JSON null; null() as SQL NULL
        assert self.dbs.check_where(d == JSON.NULL) == [3, 4]
        assert self.dbs.check_where(d.is_(None)) == []
        assert self.dbs.check_where(docs.c.nulldata.is_(None)) == [3, 5]
        assert self.dbs.check_where(docs.c.nulldata == JSON.NULL) == [4]
        assert self.dbs.check(docs.c.nulldata)[2:] == [None, None, None]

    def test_order_and_group_by_element(self) -> None:
        expr = d["i"].as_integer()
        for db in (self.dbs.memory, self.dbs.sqlite):
            with db.connect() as conn:
                got = conn.execute(select(docs.c.id).where(expr.is_not(None)).order_by(expr.desc())).scalars().all()
                assert got == [1, 5]
                counted = conn.execute(select(d["t"].as_boolean(), func.count()).group_by(d["t"].as_boolean()).order_by(d["t"].as_boolean())).all()
                assert counted == [(None, 3), (False, 1), (True, 1)]

    # -- PostgreSQL's semantics ---------------------------------------------------

    def test_missing_element_is_sql_null_json_null_is_json(self) -> None:
        with self.dbs.memory.connect() as conn:
            ids = conn.scalars(select(docs.c.id).where(d["z"].is_(None)).order_by(docs.c.id)).all()
            assert ids == [2, 3, 4, 5]  # row 1 holds "z": null, the JSON value null
            raw = conn.execute(select(func.coalesce(cast(d["z"], String), "missing")).order_by(docs.c.id)).scalars().all()
            assert raw == ["null", "missing", "missing", "missing", "missing"]

    def test_as_string_of_non_strings(self) -> None:
        values = self.dbs.values(self.dbs.memory, d["t"].as_string())
        assert values == ["true", None, None, None, "false"]  # SQLite: '1' / '0'
        assert json.loads(self.dbs.values(self.dbs.memory, d["a"].as_string())[0]) == DOC1["a"]

    def test_negative_array_index(self) -> None:
        assert self.dbs.values(self.dbs.memory, d[-1])[1] == {"k": 3}

    def test_json_element_comparison(self) -> None:
        # JSON-typed comparisons compare JSON texts as the serializer writes them
        assert self.dbs.ids(self.dbs.memory, d["a"] == {"b": [1, 2, {"c": "x"}]}) == [1]
        # a str compared with a JSON element is bound as text, not JSON: no match (as SQLite)
        assert self.dbs.check_where(d["s"] == "other") == []
        assert self.dbs.ids(self.dbs.memory, d["s"] == '"other"') == [5]

    def test_bad_cast_raises(self) -> None:
        with self.dbs.memory.connect() as conn:
            with pytest.raises(exc.DataError):
                conn.execute(select(d["a"].as_integer()).where(docs.c.id == 1)).all()

    def test_logged_sql_and_sql_text(self) -> None:
        stmt = select(docs.c.id).where(d[("a", "b", 2, "c")].as_string() == "x")
        assert "#>>" in str(stmt.compile(self.dbs.memory))
        literal = str(stmt.compile(self.dbs.memory, compile_kwargs={"literal_binds": True}))
        with self.dbs.memory.connect() as conn:
            assert conn.exec_driver_sql(literal).scalars().all() == [1]
            got = conn.execute(text("SELECT id FROM docs WHERE data #> '{a,b,0}' = '1' ORDER BY id")).scalars().all()
            assert got == [1]
            got = conn.execute(text("""SELECT data #>> '{"key two"}' FROM docs WHERE id = 1""")).scalar()
            assert got == "value2"


class JSONSerializerTest(fixtures.TestBase):
    def test_custom_serializer_round_trip_and_compare(self) -> None:
        engine = create_engine("memory://", json_serializer=lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")))
        md = MetaData()
        t = Table("t", md, Column("id", Integer, primary_key=True), Column("data", JSON))
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), [{"id": 1, "data": {"a": {"é": [1, 2]}}}])
            assert conn.scalar(select(t.c.data["a"])) == {"é": [1, 2]}
            assert conn.scalar(select(t.c.id).where(t.c.data["a"] == {"é": [1, 2]})) == 1


class JSONBAsTextTest(fixtures.TestBase):
    """PostgreSQL's ``JSONB`` ``.astext`` (``->>``, and ``#>>`` for paths):
    the element as text, SQL NULL for a JSON null or a missing key."""

    def test_astext(self):
        from sqlalchemy import insert
        from sqlalchemy.dialects.postgresql import JSONB

        engine = create_engine("memory://")
        table = Table("docs", MetaData(), Column("id", Integer, primary_key=True), Column("d", JSONB))
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": 1, "d": {"k": "x", "n": 5, "a": {"b": [1, 2]}}}, {"id": 2, "d": {"k": None}}])
            d = table.c.d
            rows = conn.execute(select(table.c.id, d["k"].astext, d["n"].astext, d[("a", "b")].astext, d["zz"].astext).order_by(table.c.id)).all()
            assert rows == [(1, "x", "5", "[1, 2]", None), (2, None, None, None, None)]
            assert conn.execute(select(table.c.id).where(d["k"].astext == "x")).scalars().all() == [1]
