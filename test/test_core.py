"""Core statements against ``memory://``: INSERT, SELECT, UPDATE, DELETE.

Every test builds its own ``create_engine("memory://")``, which is a fresh,
private database, so tests share no state.  The classes derive from
``fixtures.TestBase`` because SQLAlchemy's pytest plugin collects only those.
"""

import itertools

from sqlalchemy import (
    Column,
    Integer,
    String,
    and_,
    bindparam,
    create_engine,
    delete,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.testing import fixtures

from _support import engine_with_table, snapshot


def _setup(rows=None):
    """A fresh engine with table ``t(id PK autoinc, name, x, s)``, holding ``rows``."""
    return engine_with_table(
        "t",
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("x", Integer, nullable=True),
        Column("s", String(50), nullable=True),
        rows=rows,
    )


# id:    1      2      3      4      5      6
# x:     1      2      3      None   5      None
# s:     "abc"  "aBd"  "x_y"  "x%y"  None   "ABC"
ROWS = [
    {"id": 1, "name": "one", "x": 1, "s": "abc"},
    {"id": 2, "name": "two", "x": 2, "s": "aBd"},
    {"id": 3, "name": "three", "x": 3, "s": "x_y"},
    {"id": 4, "name": "four", "x": None, "s": "x%y"},
    {"id": 5, "name": "five", "x": 5, "s": None},
    {"id": 6, "name": "six", "x": None, "s": "ABC"},
]


def _populated():
    return _setup(rows=ROWS)


def _ids(engine, stmt, **params):
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt, params))


class InsertTest(fixtures.TestBase):
    def test_single_row(self):
        engine, t = _setup()
        with engine.begin() as conn:
            result = conn.execute(insert(t).values(id=7, name="seven", x=70))
            assert result.rowcount == 1
            assert result.inserted_primary_key == (7,)
        assert snapshot(engine, t) == [(7, "seven", 70, None)]

    def test_autoincrement_primary_key(self):
        engine, t = _setup()
        with engine.begin() as conn:
            pks = [
                conn.execute(insert(t).values(name=n)).inserted_primary_key
                for n in ("a", "b", "c")
            ]
        assert [tuple(pk) for pk in pks] == [(1,), (2,), (3,)]
        assert snapshot(engine, t) == [
            (1, "a", None, None),
            (2, "b", None, None),
            (3, "c", None, None),
        ]

    def test_autoincrement_continues_after_explicit_pk(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=10, name="ten"))
            pk = conn.execute(insert(t).values(name="next")).inserted_primary_key
        assert tuple(pk) == (11,)
        assert [r.id for r in snapshot(engine, t)] == [10, 11]

    def test_executemany(self):
        engine, t = _setup()
        with engine.begin() as conn:
            result = conn.execute(insert(t), ROWS)
            assert result.rowcount == len(ROWS)
        assert [r._asdict() for r in snapshot(engine, t)] == ROWS

    def test_executemany_autoincrement(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t), [{"name": "a"}, {"name": "b"}, {"name": "c"}])
        assert [(r.id, r.name) for r in snapshot(engine, t)] == [(1, "a"), (2, "b"), (3, "c")]

    def test_multi_values(self):
        engine, t = _setup()
        with engine.begin() as conn:
            result = conn.execute(
                insert(t).values(
                    [
                        {"id": 1, "name": "a", "x": 10},
                        {"id": 2, "name": "b", "x": None},
                        {"id": 3, "name": "c", "x": 30},
                    ]
                )
            )
            assert result.rowcount == 3
        assert snapshot(engine, t) == [
            (1, "a", 10, None),
            (2, "b", None, None),
            (3, "c", 30, None),
        ]

    def test_multi_values_autoincrement(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values([{"name": "a"}, {"name": "b"}]))
        assert [(r.id, r.name) for r in snapshot(engine, t)] == [(1, "a"), (2, "b")]

    def test_insert_with_sql_expression_value(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1, name=func.upper("abc"), x=literal(2) + 3))
        assert snapshot(engine, t) == [(1, "ABC", 5, None)]

    def test_returning(self):
        engine, t = _setup()
        with engine.begin() as conn:
            row = conn.execute(
                insert(t).values(name="a", x=4).returning(t.c.id, t.c.name, t.c.x * 2)
            ).one()
        assert tuple(row) == (1, "a", 8)

    def test_returning_executemany_in_parameter_order(self):
        engine, t = _setup()
        with engine.begin() as conn:
            result = conn.execute(
                insert(t).returning(t.c.id, t.c.name, sort_by_parameter_order=True),
                [{"id": 5, "name": "e"}, {"id": 2, "name": "b"}, {"id": 9, "name": "i"}],
            )
            assert [tuple(r) for r in result] == [(5, "e"), (2, "b"), (9, "i")]

    def test_returning_autoincrement_executemany(self):
        engine, t = _setup()
        with engine.begin() as conn:
            result = conn.execute(
                insert(t).returning(t.c.id, sort_by_parameter_order=True),
                [{"name": "a"}, {"name": "b"}],
            )
            assert [r.id for r in result] == [1, 2]

    def test_python_defaults_scalar_and_callable(self):
        counter = itertools.count(100)
        engine, t = engine_with_table(
            "d",
            Column("id", Integer, primary_key=True),
            Column("scalar", String(10), default="dflt"),
            Column("called", Integer, default=lambda: next(counter)),
        )
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1))
            conn.execute(insert(t), [{"id": 2}, {"id": 3}])
            conn.execute(insert(t).values(id=5, scalar="given"))
            conn.execute(insert(t).values(id=4, called=7))
        with engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.id)).all()
        assert rows == [
            (1, "dflt", 100),
            (2, "dflt", 101),
            (3, "dflt", 102),
            (4, "dflt", 7),
            (5, "given", 103),
        ]

    def test_server_defaults(self):
        engine, t = engine_with_table(
            "sd",
            Column("id", Integer, primary_key=True),
            Column("label", String(10), server_default="hello"),
            Column("n", Integer, server_default=text("0")),
            Column("m", Integer, server_default=text("42"), nullable=False),
        )
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1))
            conn.execute(insert(t).values(id=2, label="given", n=5, m=6))
            conn.execute(insert(t), [{"id": 3}, {"id": 4}])
        with engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.id)).all()
        assert rows == [
            (1, "hello", 0, 42),
            (2, "given", 5, 6),
            (3, "hello", 0, 42),
            (4, "hello", 0, 42),
        ]

    def test_server_default_returning(self):
        engine, t = engine_with_table(
            "sd",
            Column("id", Integer, primary_key=True),
            Column("n", Integer, server_default=text("0")),
        )
        with engine.begin() as conn:
            row = conn.execute(insert(t).values(id=1).returning(t.c.n)).one()
        assert row.n == 0

    def test_insert_explicit_null(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1, name=None, x=None))
        assert snapshot(engine, t) == [(1, None, None, None)]


class DefaultsAndTypesTest(fixtures.TestBase):
    def test_insert_default_values(self):
        engine, t = engine_with_table(
            "dv",
            Column("id", Integer, primary_key=True),
            Column("n", Integer, server_default=text("7")),
            Column("label", String(10)),
        )
        with engine.begin() as conn:
            r = conn.execute(insert(t))
            assert tuple(r.inserted_primary_key) == (1,)
            conn.execute(insert(t))
        with engine.connect() as conn:
            assert conn.execute(select(t).order_by(t.c.id)).all() == [(1, 7, None), (2, 7, None)]

    def test_context_sensitive_default(self):
        def twice(context):
            return context.get_current_parameters()["n"] * 2

        engine, t = engine_with_table(
            "cd",
            Column("id", Integer, primary_key=True),
            Column("n", Integer),
            Column("m", Integer, default=twice),
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "n": 2}, {"id": 2, "n": 5}])
        with engine.connect() as conn:
            assert conn.execute(select(t).order_by(t.c.id)).all() == [(1, 2, 4), (2, 5, 10)]

    def test_sql_expression_default(self):
        engine, t = engine_with_table(
            "sx",
            Column("id", Integer, primary_key=True),
            Column("n", Integer, default=literal(3) * 4),
        )
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1))
            conn.execute(insert(t), [{"id": 2}, {"id": 3}])
        with engine.connect() as conn:
            assert conn.execute(select(t.c.n).order_by(t.c.id)).scalars().all() == [12, 12, 12]

    def test_onupdate(self):
        counter = itertools.count(1)
        engine, t = engine_with_table(
            "ou",
            Column("id", Integer, primary_key=True),
            Column("name", String(10)),
            Column("touched", String(10), onupdate="yes"),
            Column("version", Integer, default=0, onupdate=lambda: next(counter)),
        )
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            conn.execute(update(t).where(t.c.id == 2).values(name="bb"))
            conn.execute(update(t).where(t.c.id == 2).values(name="bbb", version=40))
        with engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.id)).all()
        assert rows == [(1, "a", None, 0), (2, "bbb", "yes", 40)]

    def test_types_round_trip(self):
        import datetime
        import decimal
        import enum
        import uuid as uuid_module

        from sqlalchemy import (
            Boolean,
            Date,
            DateTime,
            Enum,
            Float,
            LargeBinary,
            Numeric,
            Uuid,
        )

        class Color(enum.Enum):
            red = 1
            green = 2

        engine, t = engine_with_table(
            "types",
            Column("id", Integer, primary_key=True),
            Column("flag", Boolean),
            Column("day", Date),
            Column("moment", DateTime),
            Column("amount", Numeric(10, 2)),
            Column("ratio", Float),
            Column("blob", LargeBinary),
            Column("color", Enum(Color)),
            Column("uid", Uuid),
        )
        uid = uuid_module.uuid4()
        values = {
            "id": 1,
            "flag": True,
            "day": datetime.date(2024, 2, 29),
            "moment": datetime.datetime(2024, 2, 29, 12, 30, 1, 5),
            "amount": decimal.Decimal("12.34"),
            "ratio": 0.25,
            "blob": b"\x00\xffdata",
            "color": Color.green,
            "uid": uid,
        }
        with engine.begin() as conn:
            conn.execute(insert(t).values(**values))
            conn.execute(insert(t).values(id=2))
        with engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == 1)).one()
            assert row._asdict() == values
            assert conn.execute(select(t).where(t.c.id == 2)).one()._asdict() == {
                "id": 2, "flag": None, "day": None, "moment": None, "amount": None,
                "ratio": None, "blob": None, "color": None, "uid": None,
            }
            # comparisons use the Python values
            assert conn.scalars(select(t.c.id).where(t.c.day > datetime.date(2024, 1, 1))).all() == [1]
            assert conn.scalars(select(t.c.id).where(t.c.flag.is_(True))).all() == [1]
            assert conn.scalars(select(t.c.id).where(t.c.color == Color.green)).all() == [1]
            assert conn.scalars(select(t.c.id).where(t.c.uid == uid)).all() == [1]
            assert conn.scalars(select(t.c.id).where(t.c.amount >= decimal.Decimal("12"))).all() == [1]


class JSONTest(fixtures.TestBase):
    def test_json_round_trip(self):
        from sqlalchemy import JSON

        engine, t = engine_with_table(
            "j",
            Column("id", Integer, primary_key=True),
            Column("doc", JSON),
        )
        doc = {"a": [1, 2, {"b": None}], "s": "text"}
        with engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "doc": doc}, {"id": 2, "doc": [1, "x"]}])
        with engine.connect() as conn:
            assert conn.execute(select(t.c.doc).order_by(t.c.id)).scalars().all() == [doc, [1, "x"]]


class WhereTest(fixtures.TestBase):
    def test_comparison_operators(self):
        engine, t = _populated()
        x = t.c.x
        assert _ids(engine, select(t.c.id).where(x == 2)) == [2]
        assert _ids(engine, select(t.c.id).where(x != 2)) == [1, 3, 5]
        assert _ids(engine, select(t.c.id).where(x < 3)) == [1, 2]
        assert _ids(engine, select(t.c.id).where(x <= 3)) == [1, 2, 3]
        assert _ids(engine, select(t.c.id).where(x > 3)) == [5]
        assert _ids(engine, select(t.c.id).where(x >= 3)) == [3, 5]

    def test_comparison_reversed_operands(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(literal(3) > t.c.x)) == [1, 2]

    def test_comparison_column_to_column(self):
        engine, t = _populated()
        # id == x for rows 1, 2, 3, 5; NULL x never equal
        assert _ids(engine, select(t.c.id).where(t.c.id == t.c.x)) == [1, 2, 3, 5]
        assert _ids(engine, select(t.c.id).where(t.c.id != t.c.x)) == []

    def test_comparison_with_null_bind_matches_nothing(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(t.c.x == bindparam("v"))
        assert _ids(engine, stmt, v=None) == []
        assert _ids(engine, stmt, v=2) == [2]
        stmt = select(t.c.id).where(t.c.x != bindparam("v"))
        assert _ids(engine, stmt, v=None) == []

    def test_primary_key_equality(self):
        engine, t = _populated()
        stmt = select(t).where(t.c.id == bindparam("id"))
        with engine.connect() as conn:
            assert conn.execute(stmt, {"id": 3}).all() == [(3, "three", 3, "x_y")]
            assert conn.execute(stmt, {"id": 99}).all() == []
            assert conn.execute(stmt, {"id": None}).all() == []
        # pk equality plus another condition
        assert _ids(engine, select(t.c.id).where(t.c.id == 3, t.c.x == 3)) == [3]
        assert _ids(engine, select(t.c.id).where(t.c.id == 3, t.c.x == 4)) == []

    def test_in(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x.in_([1, 3, 99]))) == [1, 3]
        assert _ids(engine, select(t.c.id).where(t.c.s.in_(["abc", "ABC"]))) == [1, 6]

    def test_not_in(self):
        engine, t = _populated()
        # NULL x: NULL NOT IN (...) is NULL, so rows 4 and 6 are excluded
        assert _ids(engine, select(t.c.id).where(t.c.x.not_in([1, 3]))) == [2, 5]

    def test_in_empty_list(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x.in_([]))) == []
        # x NOT IN () is TRUE for every row, NULL x included
        assert _ids(engine, select(t.c.id).where(t.c.x.not_in([]))) == [1, 2, 3, 4, 5, 6]

    def test_in_expanding_bind(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(t.c.x.in_(bindparam("xs", expanding=True)))
        with engine.connect() as conn:
            assert sorted(conn.scalars(stmt, {"xs": [2, 5]})) == [2, 5]
            assert sorted(conn.scalars(stmt, {"xs": [1]})) == [1]
            assert sorted(conn.scalars(stmt, {"xs": []})) == []
        stmt = select(t.c.id).where(t.c.x.not_in(bindparam("xs", expanding=True)))
        with engine.connect() as conn:
            assert sorted(conn.scalars(stmt, {"xs": [2, 5]})) == [1, 3]
            assert sorted(conn.scalars(stmt, {"xs": []})) == [1, 2, 3, 4, 5, 6]

    def test_in_list_with_null(self):
        engine, t = _populated()
        # x IN (1, NULL): TRUE for x=1, NULL otherwise (never TRUE for NULL x)
        assert _ids(engine, select(t.c.id).where(t.c.x.in_([1, None]))) == [1]
        # x NOT IN (1, NULL): never TRUE
        assert _ids(engine, select(t.c.id).where(t.c.x.not_in([1, None]))) == []
        # NOT (x IN (1, NULL)): never TRUE either
        assert _ids(engine, select(t.c.id).where(not_(t.c.x.in_([1, None])))) == []

    def test_in_expanding_with_null(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(t.c.x.in_(bindparam("xs", expanding=True)))
        with engine.connect() as conn:
            assert sorted(conn.scalars(stmt, {"xs": [3, None]})) == [3]
        stmt = select(t.c.id).where(t.c.x.not_in(bindparam("xs", expanding=True)))
        with engine.connect() as conn:
            assert sorted(conn.scalars(stmt, {"xs": [3, None]})) == []

    def test_tuple_in(self):
        from sqlalchemy import tuple_

        engine, t = _populated()
        stmt = select(t.c.id).where(tuple_(t.c.id, t.c.x).in_([(1, 1), (2, 3), (3, 3)]))
        assert _ids(engine, stmt) == [1, 3]

    def test_between(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x.between(2, 5))) == [2, 3, 5]
        assert _ids(engine, select(t.c.id).where(~t.c.x.between(2, 3))) == [1, 5]
        assert _ids(engine, select(t.c.id).where(t.c.x.between(5, 2))) == []
        assert _ids(engine, select(t.c.id).where(t.c.x.between(5, 2, symmetric=True))) == [2, 3, 5]

    def test_like(self):
        engine, t = _populated()
        s = t.c.s
        assert _ids(engine, select(t.c.id).where(s.like("a%"))) == [1, 2]
        assert _ids(engine, select(t.c.id).where(s.like("a_c"))) == [1]
        # LIKE is case sensitive here (SQLAlchemy's generic LIKE semantics)
        assert _ids(engine, select(t.c.id).where(s.like("A%"))) == [6]
        assert _ids(engine, select(t.c.id).where(s.like("%"))) == [1, 2, 3, 4, 6]
        # NOT LIKE excludes NULLs
        assert _ids(engine, select(t.c.id).where(s.not_like("a%"))) == [3, 4, 6]

    def test_ilike(self):
        engine, t = _populated()
        s = t.c.s
        assert _ids(engine, select(t.c.id).where(s.ilike("a%"))) == [1, 2, 6]
        assert _ids(engine, select(t.c.id).where(s.ilike("ab_"))) == [1, 2, 6]
        assert _ids(engine, select(t.c.id).where(s.ilike("abc"))) == [1, 6]
        assert _ids(engine, select(t.c.id).where(s.not_ilike("ab%"))) == [3, 4]

    def test_like_escape(self):
        engine, t = _populated()
        s = t.c.s
        # "x_y" and "x%y" both match the unescaped pattern
        assert _ids(engine, select(t.c.id).where(s.like("x_y"))) == [3, 4]
        assert _ids(engine, select(t.c.id).where(s.like("x/_y", escape="/"))) == [3]
        assert _ids(engine, select(t.c.id).where(s.like("x/%y", escape="/"))) == [4]
        assert _ids(engine, select(t.c.id).where(s.like("x#%%", escape="#"))) == [4]
        assert _ids(engine, select(t.c.id).where(s.ilike("X/_Y", escape="/"))) == [3]

    def test_like_special_regex_characters_are_literal(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(
                insert(t),
                [{"id": 1, "s": "a.c"}, {"id": 2, "s": "abc"}, {"id": 3, "s": "(x)*"}],
            )
        assert _ids(engine, select(t.c.id).where(t.c.s.like("a.c"))) == [1]
        assert _ids(engine, select(t.c.id).where(t.c.s.like("(x)*"))) == [3]

    def test_startswith_contains_autoescape(self):
        engine, t = _populated()
        s = t.c.s
        assert _ids(engine, select(t.c.id).where(s.startswith("x"))) == [3, 4]
        assert _ids(engine, select(t.c.id).where(s.contains("%", autoescape=True))) == [4]
        assert _ids(engine, select(t.c.id).where(s.contains("_", autoescape=True))) == [3]
        assert _ids(engine, select(t.c.id).where(s.endswith("C"))) == [6]

    def test_is_null(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x.is_(None))) == [4, 6]
        assert _ids(engine, select(t.c.id).where(t.c.x == None)) == [4, 6]  # noqa: E711
        assert _ids(engine, select(t.c.id).where(t.c.x.is_not(None))) == [1, 2, 3, 5]
        assert _ids(engine, select(t.c.id).where(t.c.x != None)) == [1, 2, 3, 5]  # noqa: E711

    def test_is_distinct_from(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x.is_distinct_from(2))) == [1, 3, 4, 5, 6]
        assert _ids(engine, select(t.c.id).where(t.c.x.is_not_distinct_from(None))) == [4, 6]

    def test_and_or(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(and_(t.c.x > 1, t.c.s.like("a%")))
        assert _ids(engine, stmt) == [2]
        stmt = select(t.c.id).where(or_(t.c.x == 1, t.c.s == "ABC"))
        assert _ids(engine, stmt) == [1, 6]
        stmt = select(t.c.id).where(or_(t.c.x > 2, t.c.x.is_(None)))
        assert _ids(engine, stmt) == [3, 4, 5, 6]
        # several where() calls AND together
        stmt = select(t.c.id).where(t.c.x > 1).where(t.c.x < 5)
        assert _ids(engine, stmt) == [2, 3]

    def test_not_three_valued(self):
        engine, t = _populated()
        # NOT (x > 1) must not return the rows where x IS NULL
        assert _ids(engine, select(t.c.id).where(not_(t.c.x > 1))) == [1]
        assert _ids(engine, select(t.c.id).where(~(t.c.x == 2))) == [1, 3, 5]

    def test_and_or_three_valued(self):
        engine, t = _populated()
        # row 4: x NULL, s "x%y"; row 5: x 5, s NULL; row 6: x NULL, s "ABC"
        # x > 2 AND s = 'x%y': NULL AND TRUE -> NULL (row 4 not returned)
        stmt = select(t.c.id).where(and_(t.c.x > 2, t.c.s == "x%y"))
        assert _ids(engine, stmt) == []
        # NOT (x > 2 AND s = 'zzz'): FALSE AND for rows with s known -> TRUE;
        # row 5: TRUE AND NULL -> NULL -> NOT NULL -> excluded
        # rows 4, 6: NULL AND FALSE -> FALSE -> NOT -> TRUE
        stmt = select(t.c.id).where(not_(and_(t.c.x > 2, t.c.s == "zzz")))
        assert _ids(engine, stmt) == [1, 2, 3, 4, 6]
        # NOT (x > 2 OR s = 'abc'):
        # 1: F or T -> T -> F; 2: F or F -> T; 3: T -> F; 4: NULL or F -> NULL;
        # 5: T or NULL -> T -> F; 6: NULL or F -> NULL
        stmt = select(t.c.id).where(not_(or_(t.c.x > 2, t.c.s == "abc")))
        assert _ids(engine, stmt) == [2]

    def test_where_constant_true_false_null(self):
        from sqlalchemy import false, true

        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(true())) == [1, 2, 3, 4, 5, 6]
        assert _ids(engine, select(t.c.id).where(false())) == []
        assert _ids(engine, select(t.c.id).where(null())) == []

    def test_arithmetic_in_where(self):
        engine, t = _populated()
        assert _ids(engine, select(t.c.id).where(t.c.x * 2 + 1 == 7)) == [3]
        # NULL propagates through arithmetic
        assert _ids(engine, select(t.c.id).where((t.c.x + 1).is_(None))) == [4, 6]


class OrderLimitTest(fixtures.TestBase):
    def test_order_by_asc_nulls_smallest(self):
        engine, t = _populated()
        with engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c.x).order_by(t.c.x, t.c.id)).all()
        assert rows == [(4, None), (6, None), (1, 1), (2, 2), (3, 3), (5, 5)]

    def test_order_by_desc_nulls_last(self):
        engine, t = _populated()
        with engine.connect() as conn:
            rows = conn.execute(select(t.c.id, t.c.x).order_by(t.c.x.desc(), t.c.id)).all()
        assert rows == [(5, 5), (3, 3), (2, 2), (1, 1), (4, None), (6, None)]

    def test_nulls_first_last(self):
        engine, t = _populated()
        with engine.connect() as conn:
            asc_last = conn.scalars(select(t.c.id).order_by(t.c.x.asc().nulls_last(), t.c.id)).all()
            desc_first = conn.scalars(select(t.c.id).order_by(t.c.x.desc().nulls_first(), t.c.id)).all()
            asc_first = conn.scalars(select(t.c.id).order_by(t.c.x.asc().nulls_first(), t.c.id)).all()
            desc_last = conn.scalars(select(t.c.id).order_by(t.c.x.desc().nulls_last(), t.c.id)).all()
        assert asc_last == [1, 2, 3, 5, 4, 6]
        assert desc_first == [4, 6, 5, 3, 2, 1]
        assert asc_first == [4, 6, 1, 2, 3, 5]
        assert desc_last == [5, 3, 2, 1, 4, 6]

    def test_order_by_several_keys(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(
                insert(t),
                [
                    {"id": 1, "name": "b", "x": 1},
                    {"id": 2, "name": "a", "x": 2},
                    {"id": 3, "name": "b", "x": 3},
                    {"id": 4, "name": "a", "x": 1},
                ],
            )
            rows = conn.execute(select(t.c.id).order_by(t.c.name, t.c.x.desc())).scalars().all()
        assert rows == [2, 4, 3, 1]

    def test_order_by_label_and_expression(self):
        engine, t = _populated()
        with engine.connect() as conn:
            neg = (-t.c.x).label("neg")
            rows = conn.execute(
                select(t.c.id, neg).where(t.c.x.is_not(None)).order_by(neg)
            ).all()
            assert rows == [(5, -5), (3, -3), (2, -2), (1, -1)]
            rows = conn.execute(
                select(t.c.id).where(t.c.x.is_not(None)).order_by(t.c.x % 2, t.c.id)
            ).scalars().all()
            assert rows == [2, 1, 3, 5]

    def test_limit_offset(self):
        engine, t = _populated()
        with engine.connect() as conn:
            base = select(t.c.id).order_by(t.c.id)
            assert conn.scalars(base.limit(2)).all() == [1, 2]
            assert conn.scalars(base.limit(2).offset(3)).all() == [4, 5]
            assert conn.scalars(base.offset(4)).all() == [5, 6]
            assert conn.scalars(base.limit(0)).all() == []
            assert conn.scalars(base.limit(10).offset(10)).all() == []
            assert conn.scalars(base.limit(3).offset(0)).all() == [1, 2, 3]

    def test_limit_offset_bound(self):
        engine, t = _populated()
        with engine.connect() as conn:
            stmt = select(t.c.id).order_by(t.c.id.desc()).limit(bindparam("n")).offset(bindparam("o"))
            assert conn.scalars(stmt, {"n": 2, "o": 1}).all() == [5, 4]
            assert conn.scalars(stmt, {"n": 1, "o": 0}).all() == [6]

    def test_limit_without_order_returns_that_many(self):
        engine, t = _populated()
        with engine.connect() as conn:
            assert len(conn.execute(select(t).limit(4)).all()) == 4

    def test_fetch(self):
        engine, t = _populated()
        with engine.connect() as conn:
            assert conn.scalars(select(t.c.id).order_by(t.c.id).offset(1).fetch(2)).all() == [2, 3]

    def test_fetch_percent_and_with_ties(self):
        engine, t = _populated()
        with engine.connect() as conn:
            # 50 percent of 6 rows; a fractional row count rounds up
            assert conn.scalars(select(t.c.id).order_by(t.c.id).fetch(50, percent=True)).all() == [1, 2, 3]
            assert conn.scalars(select(t.c.id).order_by(t.c.id).fetch(40, percent=True)).all() == [1, 2, 3]
            # x NULLs sort first: 4 and 6 tie on NULL
            assert conn.scalars(select(t.c.id).order_by(t.c.x).fetch(1, with_ties=True)).all() == [4, 6]
            assert conn.scalars(select(t.c.id).order_by(t.c.x).fetch(3, with_ties=True)).all() == [4, 6, 1]

    def test_distinct(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(
                insert(t),
                [
                    {"id": 1, "name": "a", "x": 1},
                    {"id": 2, "name": "a", "x": 1},
                    {"id": 3, "name": "b", "x": None},
                    {"id": 4, "name": "b", "x": None},
                    {"id": 5, "name": "a", "x": 2},
                ],
            )
            rows = conn.execute(
                select(t.c.name, t.c.x).distinct().order_by(t.c.name, t.c.x)
            ).all()
            assert rows == [("a", 1), ("a", 2), ("b", None)]
            names = conn.scalars(select(t.c.name).distinct().order_by(t.c.name)).all()
            assert names == ["a", "b"]
            # DISTINCT applies before LIMIT
            assert conn.scalars(select(t.c.name).distinct().order_by(t.c.name).limit(2)).all() == ["a", "b"]


class AggregateTest(fixtures.TestBase):
    def test_count_star(self):
        engine, t = _populated()
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(t)) == 6
            assert conn.scalar(select(func.count("*")).select_from(t)) == 6
            assert conn.scalar(select(func.count()).select_from(t).where(t.c.x > 1)) == 3

    def test_count_empty_table(self):
        engine, t = _setup()
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(t)) == 0
            assert conn.scalar(select(func.max(t.c.x))) is None

    def test_count_column_ignores_nulls(self):
        engine, t = _populated()
        with engine.connect() as conn:
            assert conn.scalar(select(func.count(t.c.x))) == 4
            assert conn.scalar(select(func.count(t.c.x.distinct()))) == 4

    def test_min_max_sum(self):
        engine, t = _populated()
        with engine.connect() as conn:
            row = conn.execute(select(func.min(t.c.x), func.max(t.c.x), func.sum(t.c.x))).one()
        assert tuple(row) == (1, 5, 11)

    def test_group_by(self):
        engine, t = _setup()
        with engine.begin() as conn:
            conn.execute(
                insert(t),
                [
                    {"id": 1, "name": "a", "x": 1},
                    {"id": 2, "name": "a", "x": 2},
                    {"id": 3, "name": "b", "x": 5},
                ],
            )
            rows = conn.execute(
                select(t.c.name, func.count(), func.sum(t.c.x)).group_by(t.c.name).order_by(t.c.name)
            ).all()
        assert rows == [("a", 2, 3), ("b", 1, 5)]


class UpdateDeleteTest(fixtures.TestBase):
    def test_update_where_rowcount(self):
        engine, t = _populated()
        with engine.begin() as conn:
            result = conn.execute(update(t).where(t.c.x > 1).values(name="big"))
            assert result.rowcount == 3
        names = {r.id: r.name for r in snapshot(engine, t)}
        assert names == {1: "one", 2: "big", 3: "big", 4: "four", 5: "big", 6: "six"}

    def test_update_no_match_rowcount_zero(self):
        engine, t = _populated()
        with engine.begin() as conn:
            assert conn.execute(update(t).where(t.c.x == 99).values(name="z")).rowcount == 0
            assert conn.execute(update(t).where(t.c.id == 99).values(name="z")).rowcount == 0
        assert [r._asdict() for r in snapshot(engine, t)] == ROWS

    def test_update_rowcount_counts_matched_rows(self):
        engine, t = _populated()
        with engine.begin() as conn:
            # rows 1 and 2 already hold the value: rowcount counts matched rows
            conn.execute(update(t).where(t.c.id.in_([1, 2])).values(name="same"))
            assert conn.execute(update(t).where(t.c.id.in_([1, 2, 3])).values(name="same")).rowcount == 3

    def test_update_all_rows(self):
        engine, t = _populated()
        with engine.begin() as conn:
            assert conn.execute(update(t).values(s="same")).rowcount == 6
        assert {r.s for r in snapshot(engine, t)} == {"same"}

    def test_update_by_primary_key(self):
        engine, t = _populated()
        with engine.begin() as conn:
            assert conn.execute(update(t).where(t.c.id == 4).values(x=40)).rowcount == 1
        assert snapshot(engine, t)[3] == (4, "four", 40, "x%y")

    def test_update_with_expression(self):
        engine, t = _populated()
        with engine.begin() as conn:
            conn.execute(update(t).values(x=t.c.x + 10, s=func.upper(t.c.s)))
        rows = [(r.x, r.s) for r in snapshot(engine, t)]
        assert rows == [
            (11, "ABC"),
            (12, "ABD"),
            (13, "X_Y"),
            (None, "X%Y"),
            (15, None),
            (None, "ABC"),
        ]

    def test_update_uses_old_values(self):
        engine, t = _populated()
        # SET x = id, id = x + 100: both right-hand sides read the old row
        with engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == 2).values(id=t.c.x + 100, x=t.c.id))
        assert (102, "two", 2, "aBd") in snapshot(engine, t)

    def test_update_primary_key(self):
        engine, t = _populated()
        with engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == 1).values(id=100))
        ids = [r.id for r in snapshot(engine, t)]
        assert ids == [2, 3, 4, 5, 6, 100]
        with engine.connect() as conn:
            assert conn.execute(select(t.c.name).where(t.c.id == 100)).scalar() == "one"
            assert conn.execute(select(t.c.name).where(t.c.id == 1)).all() == []

    def test_update_executemany(self):
        engine, t = _populated()
        stmt = update(t).where(t.c.id == bindparam("b_id")).values(name=bindparam("b_name"))
        with engine.begin() as conn:
            result = conn.execute(
                stmt,
                [{"b_id": 1, "b_name": "uno"}, {"b_id": 2, "b_name": "dos"}, {"b_id": 99, "b_name": "x"}],
            )
            assert result.rowcount == 2
        assert [r.name for r in snapshot(engine, t)][:3] == ["uno", "dos", "three"]

    def test_update_returning(self):
        engine, t = _populated()
        with engine.begin() as conn:
            rows = conn.execute(
                update(t).where(t.c.x >= 3).values(x=t.c.x * 2).returning(t.c.id, t.c.x)
            ).all()
        assert sorted(tuple(r) for r in rows) == [(3, 6), (5, 10)]

    def test_delete_where_rowcount(self):
        engine, t = _populated()
        with engine.begin() as conn:
            result = conn.execute(delete(t).where(t.c.x.is_(None)))
            assert result.rowcount == 2
        assert [r.id for r in snapshot(engine, t)] == [1, 2, 3, 5]

    def test_delete_three_valued_where(self):
        engine, t = _populated()
        with engine.begin() as conn:
            assert conn.execute(delete(t).where(not_(t.c.x > 2))).rowcount == 2
        assert [r.id for r in snapshot(engine, t)] == [3, 4, 5, 6]

    def test_delete_by_primary_key_and_all(self):
        engine, t = _populated()
        with engine.begin() as conn:
            assert conn.execute(delete(t).where(t.c.id == 2)).rowcount == 1
            assert conn.execute(delete(t).where(t.c.id == 2)).rowcount == 0
            assert conn.execute(delete(t)).rowcount == 5
        assert snapshot(engine, t) == []

    def test_delete_returning(self):
        engine, t = _populated()
        with engine.begin() as conn:
            rows = conn.execute(delete(t).where(t.c.id.in_([2, 3])).returning(t.c.id, t.c.name)).all()
        assert sorted(tuple(r) for r in rows) == [(2, "two"), (3, "three")]
        assert [r.id for r in snapshot(engine, t)] == [1, 4, 5, 6]

    def test_delete_executemany(self):
        engine, t = _populated()
        with engine.begin() as conn:
            result = conn.execute(delete(t).where(t.c.id == bindparam("i")), [{"i": 1}, {"i": 6}, {"i": 42}])
            assert result.rowcount == 2
        assert [r.id for r in snapshot(engine, t)] == [2, 3, 4, 5]


class UniqueIndexLookupTest(fixtures.TestBase):
    def test_unique_column_lookup(self):
        engine, u = engine_with_table(
            "u",
            Column("id", Integer, primary_key=True),
            Column("email", String(50), unique=True),
            Column("tag", String(10), index=True),
        )
        with engine.begin() as conn:
            conn.execute(
                insert(u),
                [
                    {"id": 1, "email": "a@x", "tag": "t1"},
                    {"id": 2, "email": "b@x", "tag": "t1"},
                    {"id": 3, "email": None, "tag": "t2"},
                ],
            )
            assert conn.scalars(select(u.c.id).where(u.c.email == "b@x")).all() == [2]
            assert conn.scalars(select(u.c.id).where(u.c.email == "zzz")).all() == []
            assert sorted(conn.scalars(select(u.c.id).where(u.c.tag == "t1"))) == [1, 2]
            assert conn.scalars(select(u.c.id).where(u.c.tag == "t1", u.c.id > 1)).all() == [2]
            # after changing the indexed value the index follows
            conn.execute(update(u).where(u.c.id == 1).values(email="c@x", tag="t2"))
            assert conn.scalars(select(u.c.id).where(u.c.email == "a@x")).all() == []
            assert conn.scalars(select(u.c.id).where(u.c.email == "c@x")).all() == [1]
            assert sorted(conn.scalars(select(u.c.id).where(u.c.tag == "t2"))) == [1, 3]
            conn.execute(delete(u).where(u.c.id == 3))
            assert sorted(conn.scalars(select(u.c.id).where(u.c.tag == "t2"))) == [1]


class ProjectionTest(fixtures.TestBase):
    def test_select_columns_and_expressions(self):
        engine, t = _populated()
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.name, (t.c.x + 1).label("x1"), literal("k")).where(t.c.id <= 2).order_by(t.c.id)
            ).all()
            assert rows == [("one", 2, "k"), ("two", 3, "k")]
            assert rows[0]._mapping["x1"] == 2

    def test_select_without_from(self):
        engine = create_engine("memory://")
        with engine.connect() as conn:
            assert conn.execute(select(literal(1) + 2, literal("a"))).one() == (3, "a")

    def test_result_keys(self):
        engine, t = _populated()
        with engine.connect() as conn:
            result = conn.execute(select(t).where(t.c.id == 1))
            assert list(result.keys()) == ["id", "name", "x", "s"]
            assert result.one()._asdict() == ROWS[0]


class PlanCacheTest(fixtures.TestBase):
    def test_plan_built_once_for_repeated_statement(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(t.c.x > bindparam("v"))
        with engine.connect() as conn:
            r1 = conn.execute(stmt, {"v": 1})
            assert sorted(r1.scalars()) == [2, 3, 5]
            compiled1 = r1.context.compiled
            plan1 = compiled1._memory_plan
            r2 = conn.execute(stmt, {"v": 2})
            assert sorted(r2.scalars()) == [3, 5]
            assert r2.context.compiled is compiled1
            assert r2.context.compiled._memory_plan is plan1
        # an equal statement built anew hits the statement cache too
        with engine.connect() as conn:
            r3 = conn.execute(select(t.c.id).where(t.c.x > bindparam("v")), {"v": 4})
            assert r3.scalars().all() == [5]
            assert r3.context.compiled._memory_plan is plan1

    def test_plan_cached_for_dml(self):
        engine, t = _setup()
        stmt = insert(t)
        with engine.begin() as conn:
            r1 = conn.execute(stmt, {"id": 1, "name": "a"})
            plan = r1.context.compiled._memory_plan
            r2 = conn.execute(stmt, {"id": 2, "name": "b"})
            assert r2.context.compiled._memory_plan is plan
        assert [r.id for r in snapshot(engine, t)] == [1, 2]

    def test_plan_rebuilt_after_table_recreated(self):
        engine, t = _populated()
        stmt = select(t.c.id).where(t.c.id == 1)
        with engine.connect() as conn:
            assert conn.scalars(stmt).all() == [1]
        t.drop(engine)
        t.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1, name="again"))
            assert conn.scalars(stmt).all() == [1]
            assert conn.scalar(select(t.c.name).where(t.c.id == 1)) == "again"
