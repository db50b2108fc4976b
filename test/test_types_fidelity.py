"""Type fidelity: what each column type stores, which values it coerces on
write and which it rejects, as PostgreSQL does (engine/types.py).

Errors are ``DataError`` naming ``table.column``; a failing statement
(executemany included) leaves no row behind.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
import warnings
from typing import Any, List, Optional

import pytest
from sqlalchemy import (
    ARRAY, JSON, BigInteger, Boolean, Column, Date, DateTime, Enum, Float, Integer, Interval, LargeBinary,
    MetaData, Numeric, SmallInteger, String, Table, Text, Time, TypeDecorator, Unicode, Uuid, create_engine,
    func, insert, literal, null, select, update,
)
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.testing import fixtures

from _support import engine_with_table

UTC = datetime.timezone.utc
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))


class Mood(enum.Enum):
    happy = 1
    sad = 2


def one_column(type_: Any) -> Any:
    return engine_with_table("t", Column("id", Integer, primary_key=True), Column("x", type_))


def stored(type_: Any, value: Any) -> Any:
    """``value`` written to a column of ``type_`` and read back."""
    engine, t = one_column(type_)
    with engine.begin() as conn:
        conn.execute(insert(t), {"id": 1, "x": value})
        return conn.execute(select(t.c.x)).scalar_one()


def rejected(type_: Any, value: Any) -> str:
    """The DataError message of writing ``value`` to a column of ``type_``."""
    engine, t = one_column(type_)
    with pytest.raises(exc.DataError) as info:
        with engine.begin() as conn:
            conn.execute(insert(t), {"id": 1, "x": value})
    message = str(info.value.orig)
    assert message.endswith(": t.x"), message
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t)).scalar() == 0
    return message


# -- ORM models ---------------------------------------------------------------------


class Cents(TypeDecorator):
    """Money as a Decimal in Python, an integer of cents in the database."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else int(value * 100)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else decimal.Decimal(value) / 100


def account_model() -> Any:
    """A fresh mapped class per test (SQLAlchemy's test plugin clears mappers)."""

    class Base(DeclarativeBase):
        pass

    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        code: Mapped[str] = mapped_column(String(4))
        level: Mapped[int] = mapped_column(SmallInteger)
        balance: Mapped[decimal.Decimal] = mapped_column(Cents)
        mood: Mapped[Mood] = mapped_column(Enum(Mood, name="mood"))

    return Account


class IntegerTest(fixtures.TestBase):
    @pytest.mark.parametrize(
        "type_, bits", [(SmallInteger, 15), (Integer, 31), (BigInteger, 63), (pg.INTEGER, 31)]
    )
    def test_integer_ranges(self, type_: Any, bits: int) -> None:
        assert stored(type_, 2**bits - 1) == 2**bits - 1
        assert stored(type_, -(2**bits)) == -(2**bits)
        assert "integer out of range" in rejected(type_, 2**bits)
        assert "integer out of range" in rejected(type_, -(2**bits) - 1)

    def test_integer_coercions(self) -> None:
        assert stored(SmallInteger, 32767) == 32767
        assert "integer out of range for SMALLINT: t.x" == rejected(SmallInteger, 32768)
        for value, expected in [("12", 12), (" -7 ", -7), (3.0, 3), (decimal.Decimal("4"), 4), (2.5, 2), (decimal.Decimal("2.5"), 3)]:
            got = stored(Integer, value)
            assert got == expected and type(got) is int, (value, got)
        assert "boolean" in rejected(Integer, True)
        assert "invalid input syntax" in rejected(Integer, "1.5")
        assert "given for type INTEGER" in rejected(Integer, b"1")
        assert "integer out of range" in rejected(Integer, float("nan"))

    def test_update_overflow_is_rejected_and_atomic(self) -> None:
        engine, t = engine_with_table("t", Column("id", Integer, primary_key=True), Column("n", SmallInteger),
                                      rows=[{"id": 1, "n": 1}, {"id": 2, "n": 32767}])
        with pytest.raises(exc.DataError, match="SMALLINT: t.n"):
            with engine.begin() as conn:
                conn.execute(update(t).values(n=t.c.n + 1))
        with engine.connect() as conn:
            assert conn.execute(select(t.c.n).order_by(t.c.id)).scalars().all() == [1, 32767]


class StringTest(fixtures.TestBase):
    def test_varchar_length(self) -> None:
        assert stored(String(5), "abcde") == "abcde"
        assert rejected(String(5), "abcdef") == "value too long for type VARCHAR(5): t.x"
        assert stored(Unicode(3), "réé") == "réé"
        assert "too long" in rejected(Unicode(3), "réve")
        assert "too long" in rejected(pg.CHAR(2), "abc")
        long = "x" * 10000
        assert stored(String, long) == long  # no length: no check
        assert stored(Text, long) == long

    def test_executemany_fails_whole_statement(self) -> None:
        engine, t = engine_with_table("t", Column("id", Integer, primary_key=True), Column("name", String(5)))
        with engine.begin() as conn:
            with pytest.raises(exc.DataError, match="too long for type VARCHAR.5.: t.name"):
                conn.execute(insert(t), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "toolong"}])
            assert conn.execute(select(func.count()).select_from(t)).scalar() == 0

    def test_insert_from_select_is_checked(self) -> None:
        engine, t = engine_with_table("t", Column("id", Integer, primary_key=True), Column("name", String(10)),
                                      rows=[{"id": 1, "name": "abcdefghij"}])
        short = Table("short", t.metadata, Column("id", Integer, primary_key=True), Column("name", String(3)))
        short.create(engine)
        with pytest.raises(exc.DataError, match="short.name"):
            with engine.begin() as conn:
                conn.execute(insert(short).from_select(["id", "name"], select(t.c.id, t.c.name)))


class EnumTest(fixtures.TestBase):
    def test_enum_labels(self) -> None:
        ab = Enum("a", "b", name="ab")
        assert stored(ab, "b") == "b"
        assert stored(Enum(Mood, name="mood"), Mood.sad) is Mood.sad
        assert stored(Enum(Mood, name="mood"), "happy") is Mood.happy
        assert stored(pg.ENUM("x", "y", name="xy", create_type=False), "y") == "y"
        with pytest.raises(exc.StatementError):  # SQLAlchemy's own bind check
            stored(ab, "c")

    def test_enum_rejects_labels_past_the_bind_processor(self) -> None:
        class Raw(TypeDecorator):  # a TypeDecorator handing any string to the enum
            impl = Enum("a", "b", name="ab")
            cache_ok = True

            def process_bind_param(self, value: Any, dialect: Any) -> Any:
                return value.lower()

        assert stored(Raw, "A") == "a"
        msg = rejected(Enum("a", "b", name="ab", validate_strings=False, native_enum=False, length=10).with_variant(String(10), "sqlite"), "c") if False else None
        assert msg is None


class NumberTest(fixtures.TestBase):
    def test_numeric_exact(self) -> None:
        assert stored(Numeric(10, 2), decimal.Decimal("1.005")) == decimal.Decimal("1.00")  # half even, like quantize
        assert stored(Numeric(10, 2), "3.14159") == decimal.Decimal("3.14")
        assert stored(Numeric(10, 2), 7) == decimal.Decimal("7.00")
        assert stored(Numeric(10, 4), 0.1) == decimal.Decimal("0.1000")
        assert stored(Numeric, decimal.Decimal("1.000000000000000000001")) == decimal.Decimal("1.000000000000000000001")
        assert "numeric field overflow" in rejected(Numeric(4, 2), decimal.Decimal("100"))
        assert stored(Numeric(4, 2), decimal.Decimal("99.99")) == decimal.Decimal("99.99")
        assert "invalid input syntax" in rejected(Numeric(10, 2), "abc")
        assert "boolean" in rejected(Numeric(10, 2), True)
        engine, t = one_column(Numeric(12, 2))
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "x": decimal.Decimal("0.10")}, {"id": 2, "x": decimal.Decimal("0.20")}])
            assert conn.execute(select(func.sum(t.c.x))).scalar() == decimal.Decimal("0.30")

    def test_float(self) -> None:
        assert stored(Float, 1.5) == 1.5
        got = stored(Float, 2)
        assert got == 2.0 and type(got) is float
        assert stored(pg.DOUBLE_PRECISION, "2.25") == 2.25
        assert stored(Float, decimal.Decimal("0.5")) == 0.5
        assert "boolean" in rejected(Float, False)
        assert "given for type FLOAT" in rejected(Float, "abc")


class BoolBinaryUuidTest(fixtures.TestBase):
    def test_boolean(self) -> None:
        assert stored(Boolean, True) is True
        assert stored(Boolean, False) is False
        assert stored(Boolean, 1) is True  # SQLAlchemy's bind processor allows 1 / 0

    def test_large_binary(self) -> None:
        assert stored(LargeBinary, b"\x00\xff") == b"\x00\xff"
        assert stored(pg.BYTEA, bytearray(b"ab")) == b"ab"

    def test_uuid_round_trips(self) -> None:
        u = uuid.uuid4()
        assert stored(Uuid, u) == u
        assert stored(Uuid, str(u)) == u  # a string into an as_uuid column
        assert stored(Uuid(as_uuid=False), str(u)) == str(u)
        assert stored(Uuid(as_uuid=False), u) == str(u)
        assert stored(pg.UUID, u) == u
        assert stored(Uuid(native_uuid=False), u) == u
        assert "invalid input syntax" in rejected(Uuid, "not-a-uuid")
        assert "given for type UUID" in rejected(Uuid, 5)

    def test_uuid_comparisons_across_forms(self) -> None:
        u = uuid.uuid4()
        engine, t = engine_with_table("t", Column("id", Integer, primary_key=True), Column("a", Uuid),
                                      Column("s", Uuid(as_uuid=False)), rows=[{"id": 1, "a": u, "s": str(u)}])
        with engine.connect() as conn:
            assert conn.execute(select(t.c.id).where(t.c.a == str(u))).scalar() == 1
            assert conn.execute(select(t.c.id).where(t.c.s == str(u).upper())).scalar() == 1
            assert conn.execute(select(t.c.id).where(t.c.a == t.c.s)).scalar() == 1


class DateTimeTest(fixtures.TestBase):
    def test_date_and_time_coercions(self) -> None:
        assert stored(Date, datetime.date(2024, 1, 2)) == datetime.date(2024, 1, 2)
        assert stored(Date, "2024-01-02") == datetime.date(2024, 1, 2)
        assert stored(Date, datetime.datetime(2024, 1, 2, 23, 0)) == datetime.date(2024, 1, 2)
        assert stored(DateTime, "2024-01-02 03:04:05") == datetime.datetime(2024, 1, 2, 3, 4, 5)
        assert stored(DateTime, datetime.date(2024, 1, 2)) == datetime.datetime(2024, 1, 2)
        assert stored(Time, "10:30") == datetime.time(10, 30)
        assert "invalid input syntax" in rejected(Date, "yesterday-ish")
        assert "given for type DATE" in rejected(Date, 20240102)
        assert "not a date or timestamp" in rejected(DateTime, 1.5)

    def test_timezone_aware_values_keep_their_offset(self) -> None:
        aware = datetime.datetime(2024, 1, 1, 10, 0, tzinfo=PLUS2)
        got = stored(DateTime(timezone=True), aware)
        assert got == aware and got.utcoffset() == datetime.timedelta(hours=2)
        assert stored(pg.TIMESTAMP(timezone=True), aware).utcoffset() == datetime.timedelta(hours=2)
        # naive into WITH TIME ZONE: read as UTC (PostgreSQL, session time zone UTC)
        assert stored(DateTime(timezone=True), datetime.datetime(2024, 1, 1, 10)) == datetime.datetime(2024, 1, 1, 10, tzinfo=UTC)
        # aware into WITHOUT TIME ZONE: converted to UTC, offset dropped
        assert stored(DateTime, aware) == datetime.datetime(2024, 1, 1, 8, 0)

    def test_comparisons_across_offsets(self) -> None:
        rows = [
            {"id": 1, "at": datetime.datetime(2024, 1, 1, 10, 0, tzinfo=PLUS2)},  # 08:00 UTC
            {"id": 2, "at": datetime.datetime(2024, 1, 1, 9, 0, tzinfo=UTC)},
            {"id": 3, "at": datetime.datetime(2024, 1, 1, 3, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))},  # 08:00 UTC
        ]
        engine, t = engine_with_table("t", Column("id", Integer, primary_key=True), Column("at", DateTime(timezone=True)), rows=rows)
        with engine.connect() as conn:
            assert conn.execute(select(t.c.id).order_by(t.c.at, t.c.id)).scalars().all() == [1, 3, 2]
            same = select(t.c.id).where(t.c.at == datetime.datetime(2024, 1, 1, 8, 0, tzinfo=UTC)).order_by(t.c.id)
            assert conn.execute(same).scalars().all() == [1, 3]
            assert conn.execute(select(func.count(t.c.at.distinct()))).scalar() == 2

    def test_interval_round_trip_and_arithmetic(self) -> None:
        day = datetime.timedelta(days=1, seconds=4)
        assert stored(Interval, day) == day
        assert stored(pg.INTERVAL, day) == day
        assert "given for type INTERVAL" in rejected(Interval, 5)
        start = datetime.datetime(2024, 3, 1, 12, 0)
        engine, t = engine_with_table(
            "t", Column("id", Integer, primary_key=True), Column("at", DateTime), Column("on", Date), Column("span", Interval),
            rows=[{"id": 1, "at": start, "on": datetime.date(2024, 3, 1), "span": datetime.timedelta(hours=36)}],
        )
        with engine.connect() as conn:
            def value(expr: Any) -> Any:
                return conn.execute(select(expr)).scalar()

            assert value(t.c.at + t.c.span) == datetime.datetime(2024, 3, 3, 0, 0)
            assert value(t.c.at - t.c.span) == datetime.datetime(2024, 2, 29, 0, 0)
            assert value(t.c.at - literal(datetime.datetime(2024, 2, 29, 12, 0))) == datetime.timedelta(days=1)
            assert value(t.c.on + t.c.span) == datetime.datetime(2024, 3, 2, 12, 0)  # a timestamp, as in PostgreSQL
            with warnings.catch_warnings():  # SQLAlchemy 2.1 deprecates Interval * int in Core (its operator classes)
                warnings.filterwarnings("ignore", "Type object .*Interval", exc.SADeprecationWarning)
                doubled = t.c.span * 2
            assert value(doubled) == datetime.timedelta(hours=72)
            assert value(t.c.span > datetime.timedelta(days=1)) is True
            recent = select(t.c.id).where(t.c.at > func.now() - datetime.timedelta(days=365 * 1000))
            assert conn.execute(recent).scalars().all() == [1]


class JSONNoneTest(fixtures.TestBase):
    def test_json_none_handling(self) -> None:
        engine, t = engine_with_table(
            "t", Column("id", Integer, primary_key=True), Column("doc", JSON), Column("nn", JSON(none_as_null=True)),
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "doc": None, "nn": None}])
            conn.execute(insert(t), [{"id": 2, "doc": JSON.NULL, "nn": JSON.NULL}])
            conn.execute(insert(t), [{"id": 3, "doc": null(), "nn": null()}])
            conn.execute(insert(t), [{"id": 4, "doc": {"a": [1, None]}, "nn": {"a": 1}}])

            def ids(where: Any) -> List[int]:
                return conn.execute(select(t.c.id).where(where).order_by(t.c.id)).scalars().all()

            assert ids(t.c.doc.is_(None)) == [3]  # SQL NULL only
            assert ids(t.c.nn.is_(None)) == [1, 3]  # none_as_null stores SQL NULL
            assert ids(t.c.doc == JSON.NULL) == [1, 2]  # JSON null
            assert ids(t.c.nn == JSON.NULL) == [2]
            assert conn.execute(select(t.c.doc).where(t.c.id == 4)).scalar() == {"a": [1, None]}

    def test_jsonb_like_json(self) -> None:
        engine, t = one_column(pg.JSONB)
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "x": {"k": "v", "n": 2}}])
            assert conn.execute(select(t.c.x)).scalar() == {"k": "v", "n": 2}
            assert conn.execute(select(t.c.x["k"])).scalar() == "v"
            assert conn.execute(select(t.c.id).where(t.c.x["n"].as_integer() == 2)).scalar() == 1


class ArrayAndPostgresqlTypesTest(fixtures.TestBase):
    @pytest.mark.parametrize("array", [ARRAY, pg.ARRAY])
    def test_array_round_trip_and_indexing(self, array: Any) -> None:
        engine, t = engine_with_table(
            "t", Column("id", Integer, primary_key=True), Column("nums", array(Integer)), Column("words", array(String(3))),
        )
        nums = [3, 1, 2]
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "nums": nums, "words": ["a", "bc"]}, {"id": 2, "nums": [], "words": None}])
            nums.append(99)  # the stored array is the database's own copy
            assert conn.execute(select(t.c.nums, t.c.words).order_by(t.c.id)).all() == [([3, 1, 2], ["a", "bc"]), ([], None)]
            assert conn.execute(select(t.c.nums[1]).order_by(t.c.id)).scalars().all() == [3, None]  # 1-based
            assert conn.execute(select(t.c.nums[2:3]).where(t.c.id == 1)).scalar() == [1, 2]
            with pytest.raises(exc.DataError, match="t.nums"):
                conn.execute(insert(t), {"id": 3, "nums": [1, 2**40], "words": []})
            with pytest.raises(exc.DataError, match="too long.*t.words"):
                conn.execute(insert(t), {"id": 3, "nums": [], "words": ["abcd"]})

    def test_postgresql_model_types_create_and_round_trip(self) -> None:
        class Base(DeclarativeBase):
            pass

        class Doc(Base):
            __tablename__ = "doc"
            id: Mapped[uuid.UUID] = mapped_column(pg.UUID, primary_key=True, default=uuid.uuid4)
            body: Mapped[Any] = mapped_column(pg.JSONB)
            tags: Mapped[List[str]] = mapped_column(pg.ARRAY(String))
            at: Mapped[datetime.datetime] = mapped_column(pg.TIMESTAMP(timezone=True))
            raw: Mapped[Optional[bytes]] = mapped_column(pg.BYTEA)
            score: Mapped[float] = mapped_column(pg.DOUBLE_PRECISION)
            addr: Mapped[Optional[str]] = mapped_column(pg.INET)
            span: Mapped[Optional[datetime.timedelta]] = mapped_column(pg.INTERVAL)

        engine = create_engine("memory://")
        Base.metadata.create_all(engine)
        at = datetime.datetime(2024, 5, 1, 12, tzinfo=PLUS2)
        with Session(engine) as s:
            s.add(Doc(body={"a": 1}, tags=["x", "y"], at=at, raw=b"\x01", score=0.5, addr="10.0.0.1", span=datetime.timedelta(hours=1)))
            s.commit()
        with Session(engine) as s:
            doc = s.scalars(select(Doc)).one()
            assert isinstance(doc.id, uuid.UUID)
            assert (doc.body, doc.tags, doc.at, doc.raw, doc.score, doc.addr) == ({"a": 1}, ["x", "y"], at, b"\x01", 0.5, "10.0.0.1")
            assert doc.at.utcoffset() == datetime.timedelta(hours=2)
            assert doc.span == datetime.timedelta(hours=1)


class ArraySetOperatorTest(fixtures.TestBase):
    """PostgreSQL's ARRAY ``@>`` / ``<@`` / ``&&``: NULL elements never match."""

    def test_contains_contained_by_overlap(self) -> None:
        engine, t = one_column(pg.ARRAY(Integer))
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "x": [1, 2, 3]}, {"id": 2, "x": [3, None]}, {"id": 3, "x": None}])

            def ids(where: Any) -> List[int]:
                return list(conn.execute(select(t.c.id).where(where).order_by(t.c.id)).scalars())

            assert ids(t.c.x.contains([1, 3])) == [1]
            assert ids(t.c.x.contained_by([1, 2, 3, 4])) == [1]
            assert ids(t.c.x.overlap([3, 9])) == [1, 2]
            assert ids(t.c.x.contains([None])) == []

    def test_jsonb_containment_is_not_supported_yet(self) -> None:
        engine, t = one_column(pg.JSONB)
        with pytest.raises(exc.NotSupportedError, match="@> on JSONB"):
            with engine.connect() as conn:
                conn.execute(select(t.c.id).where(t.c.x.contains({"a": 1})))


class TypeDecoratorOrmTest(fixtures.TestBase):
    def test_type_decorator_processors_run(self) -> None:
        Account = account_model()
        engine = create_engine("memory://")
        Account.metadata.create_all(engine)
        with Session(engine) as s:
            s.add(Account(id=1, code="ab", level=1, balance=decimal.Decimal("12.34"), mood=Mood.happy))
            s.commit()
            with engine.connect() as conn:  # the stored value is what the bind processor made
                assert conn.execute(select(Account.__table__.c.balance.cast(Integer))).scalar() == 1234
            acct = s.get(Account, 1)
            assert acct is not None and acct.balance == decimal.Decimal("12.34") and acct.mood is Mood.happy
            # a TypeDecorator's result still goes through the column's checks
            acct.balance = decimal.Decimal("30000000")
            with pytest.raises(exc.DataError, match="account.balance"):
                s.commit()

    def test_orm_flush_errors_name_the_column(self) -> None:
        Account = account_model()
        engine = create_engine("memory://")
        Account.metadata.create_all(engine)
        with Session(engine) as s:
            s.add_all([Account(id=1, code="ok", level=1, balance=1, mood=Mood.sad), Account(id=2, code="toolong", level=1, balance=1, mood=Mood.sad)])
            with pytest.raises(exc.DataError, match="value too long for type VARCHAR.4.: account.code"):
                s.commit()
        with Session(engine) as s:
            assert s.scalars(select(Account)).all() == []
            s.add(Account(id=3, code="x", level=40000, balance=1, mood=Mood.sad))
            with pytest.raises(exc.DataError, match="integer out of range for SMALLINT: account.level"):
                s.commit()
