"""Creating, reflecting and autogenerating against every kind of column runs
without a single warning (warnings are errors here): SQLAlchemy 2.1
deprecates ``Identity(on_null=..., order=...)``, which reflection used to
report, and a reflected type must compare equal in Alembic's autogenerate.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
import warnings
from typing import Any, Iterator

import pytest
from sqlalchemy import (
    ARRAY, JSON, BigInteger, Boolean, CheckConstraint, Column, Computed, Date, DateTime, Double, Enum, Float,
    ForeignKey, Identity, Index, Integer, Interval, LargeBinary, MetaData, Numeric, PickleType, Sequence,
    SmallInteger, String, Table, Text, Time, Unicode, UnicodeText, UniqueConstraint, Uuid, create_engine, func,
    inspect, select, text,
)
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.testing import fixtures


class Color(enum.Enum):
    red = 1
    blue = 2


def _metadata() -> MetaData:
    m = MetaData()
    Table("parent", m, Column("id", Integer, primary_key=True), comment="parents")
    Table(
        "kinds",
        m,
        Column("id", Integer, Identity(start=10, increment=2), primary_key=True),
        Column("always", BigInteger, Identity(always=True, start=1, minvalue=1, maxvalue=1000, cycle=True, cache=3)),
        Column("si", SmallInteger, server_default=text("3")),
        Column("s", String(20), nullable=False, server_default="x", comment="a string"),
        Column("txt", Text),
        Column("u", Unicode(10)),
        Column("ut", UnicodeText),
        Column("e", Enum(Color, name="color")),
        Column("e2", Enum("a", "b", name="ab", native_enum=False, create_constraint=True)),
        Column("b", Boolean(create_constraint=True, name="ck_b")),
        Column("n", Numeric(10, 2)),
        Column("f", Float),
        Column("dbl", Double),
        Column("d", Date),
        Column("dt", DateTime),
        Column("dtz", DateTime(timezone=True)),
        Column("tm", Time),
        Column("iv", Interval),
        Column("bin", LargeBinary),
        Column("pickled", PickleType),
        Column("j", JSON),
        Column("uid", Uuid),
        Column("arr", ARRAY(Integer)),
        Column("jb", pg.JSONB),
        Column("inet", pg.INET),
        Column("pgu", pg.UUID),
        Column("by", pg.BYTEA),
        Column("c", Integer, Computed("si * 2")),
        Column("cp", Integer, Computed("si + 1", persisted=True)),
        Column("seqcol", Integer, Sequence("kinds_seq", start=5)),
        Column("pid", ForeignKey("parent.id", ondelete="CASCADE", name="fk_parent")),
        UniqueConstraint("s", "u", name="uq_s_u"),
        CheckConstraint("si > 0", name="ck_si"),
        Index("ix_txt", "txt"),
        Index("ix_lower_s", func.lower(text("s"))),
        comment="every kind of column",
    )
    return m


@pytest.fixture
def errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


class NoWarningsTest(fixtures.TestBase):
    def _engine(self) -> Any:
        engine = create_engine("memory://")
        m = _metadata()
        m.create_all(engine)
        with engine.begin() as conn:
            conn.execute(m.tables["parent"].insert(), {"id": 1})
            conn.execute(
                m.tables["kinds"].insert(),
                {
                    "s": "a", "u": "b", "pid": 1, "e": Color.red, "e2": "a", "b": True, "n": decimal.Decimal("1.25"),
                    "iv": datetime.timedelta(days=1), "arr": [1, 2], "j": {"a": 1}, "uid": uuid.UUID(int=1),
                    "pickled": {"p": 1},
                },
            )
        return engine

    def test_create_insert_select(self, errors: None) -> None:
        engine = self._engine()
        with engine.connect() as conn:
            row = conn.execute(select(_metadata().tables["kinds"])).one()
        assert (row.id, row.always, row.c, row.cp, row.seqcol) == (10, 1, 6, 4, 5)

    def test_inspector_on_every_table(self, errors: None) -> None:
        engine = self._engine()
        insp = inspect(engine)
        for name in insp.get_table_names():
            insp.get_columns(name)
            insp.get_pk_constraint(name)
            insp.get_foreign_keys(name)
            insp.get_indexes(name)
            insp.get_unique_constraints(name)
            insp.get_check_constraints(name)
            insp.get_table_comment(name)
            insp.get_table_options(name)
        insp.get_multi_columns()
        identity = {c["name"]: c.get("identity") for c in insp.get_columns("kinds")}
        assert identity["id"] == {
            "always": False, "start": 10, "increment": 2, "minvalue": 1, "maxvalue": 2147483647,
            "cycle": False, "cache": 1,
        }
        assert identity["always"] is not None and identity["always"]["always"] is True
        assert insp.get_sequence_names() == ["kinds_seq"]

    def test_reflect_and_recreate(self, errors: None) -> None:
        engine = self._engine()
        reflected = MetaData()
        reflected.reflect(engine)
        kinds = reflected.tables["kinds"]
        assert kinds.c.id.identity is not None and kinds.c.id.identity.start == 10
        assert kinds.c.always.identity.always is True
        assert kinds.c.c.computed is not None
        assert isinstance(kinds.c.iv.type, Interval)
        again = MetaData()
        for table in reflected.sorted_tables:
            table.to_metadata(again)
        again.create_all(create_engine("memory://"))
        single = MetaData()
        Table("kinds", single, autoload_with=engine)

    def test_alembic_compare_metadata(self, errors: None) -> None:
        pytest.importorskip("alembic")
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        engine = self._engine()
        reflected = MetaData()
        reflected.reflect(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            assert compare_metadata(context, _metadata()) == []
            assert compare_metadata(context, reflected) == []
