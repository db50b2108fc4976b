"""Temporary tables and views: private to the DBAPI connection that created
them, shadowing a shared table of the same name, transactional, and dropped
when that connection closes (as in SQLite and PostgreSQL).
"""

import pytest
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    exc,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql import ddl as sa_ddl
from sqlalchemy.testing import fixtures

needs_ctas = pytest.mark.skipif(not hasattr(sa_ddl, "CreateTableAs"), reason="CREATE TABLE AS is SQLAlchemy 2.1")


def _perm(metadata=None):
    return Table(
        "t",
        metadata if metadata is not None else MetaData(),
        Column("id", Integer, primary_key=True),
        Column("x", String(20)),
    )


def _temp(name="t", *extra):
    return Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("y", Integer),
        Column("z", Integer),
        *extra,
        prefixes=["TEMPORARY"],
    )


@pytest.fixture
def engine():
    eng = create_engine("memory://")
    yield eng
    eng.dispose()


@pytest.fixture
def perm(engine):
    table = _perm()
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "x": "shared"}])
    return table


def _dbapi(conn):
    return conn.connection.dbapi_connection


class TestPrivate(fixtures.TestBase):
    def test_other_connection_does_not_see_it(self, engine):
        tmp = _temp()
        with engine.connect() as c1, engine.connect() as c2:
            assert _dbapi(c1) is not _dbapi(c2)
            tmp.create(c1)
            c1.execute(insert(tmp), {"id": 1, "y": 2, "z": 3})
            c1.commit()
            assert c1.execute(select(tmp)).all() == [(1, 2, 3)]
            with pytest.raises(exc.OperationalError, match="no such table: t"):
                c2.execute(select(tmp))
            c2.rollback()
            with pytest.raises(exc.OperationalError, match="no such table: t"):
                c2.exec_driver_sql("SELECT * FROM t")

    def test_shadows_shared_table(self, engine, perm):
        tmp = _temp()
        with engine.connect() as c1, engine.connect() as c2:
            tmp.create(c1)
            c1.execute(insert(tmp), {"id": 5, "y": 6, "z": 7})
            # the same SQL means the temporary table on c1, the shared one on c2
            for _ in range(2):
                assert c1.exec_driver_sql("SELECT * FROM t").all() == [(5, 6, 7)]
                assert c2.exec_driver_sql("SELECT * FROM t").all() == [(1, "shared")]
                assert c1.execute(select(tmp)).all() == [(5, 6, 7)]
                assert c2.execute(select(perm)).all() == [(1, "shared")]
            # dropping the temporary table uncovers the shared one
            c1.exec_driver_sql("DROP TABLE t")
            assert c1.execute(select(perm)).all() == [(1, "shared")]
            c1.commit()

    def test_shared_table_untouched_by_temp_writes(self, engine, perm):
        tmp = _temp()
        with engine.connect() as c1, engine.connect() as c2:
            tmp.create(c1)
            c1.execute(insert(tmp), {"id": 1, "y": 1, "z": 1})
            c1.execute(delete(tmp))
            c1.commit()
            assert c2.execute(select(perm)).all() == [(1, "shared")]

    def test_temp_writes_take_no_write_lock(self, engine, perm):
        """Another connection's open write transaction does not block work
        on a connection's own temporary tables."""
        tmp = _temp("scratch")
        with engine.connect() as c1, engine.connect() as c2:
            c1.execute(update(perm).values(x="changing"))  # c1 holds the write lock
            tmp.create(c2)
            c2.execute(insert(tmp), {"id": 1, "y": 1, "z": 1})
            c2.execute(update(tmp).values(y=2))
            c2.exec_driver_sql("CREATE TEMP TABLE copy (id INTEGER, x VARCHAR(20))")
            c2.exec_driver_sql("INSERT INTO copy SELECT * FROM t")
            assert c2.exec_driver_sql("SELECT x FROM copy").all() == [("shared",)]  # committed data
            c2.exec_driver_sql("CREATE INDEX ix_copy ON copy (x)")
            c2.exec_driver_sql("DROP TABLE copy")
            c2.rollback()
            assert not inspect(c2).has_table("scratch")
            c1.rollback()

    def test_same_name_on_two_connections(self, engine):
        tmp = _temp("scratch", Index("ix_scratch_y", "y"))
        stmt_all = select(tmp).order_by(tmp.c.id)
        by_y = select(tmp.c.id).where(tmp.c.y == 10)
        with engine.connect() as c1, engine.connect() as c2:
            tmp.create(c1)
            tmp.create(c2)  # same table name, same index name: no clash
            c1.execute(insert(tmp), [{"id": 1, "y": 10, "z": 0}, {"id": 2, "y": 20, "z": 0}])
            c2.execute(insert(tmp), [{"id": 7, "y": 10, "z": 1}])
            # the same compiled statements (one cached plan) on both
            for _ in range(3):
                assert c1.execute(stmt_all).all() == [(1, 10, 0), (2, 20, 0)]
                assert c2.execute(stmt_all).all() == [(7, 10, 1)]
                assert c1.execute(by_y).all() == [(1,)]
                assert c2.execute(by_y).all() == [(7,)]
            c1.execute(update(tmp).values(z=tmp.c.z + 1))
            c2.execute(delete(tmp).where(tmp.c.id == 7))
            assert c1.execute(stmt_all).all() == [(1, 10, 1), (2, 20, 1)]
            assert c2.execute(stmt_all).all() == []
            c1.commit()
            c2.commit()

    def test_cached_plan_follows_each_connections_layout(self, engine):
        """A statement planned against one connection's table is re-planned
        where the name means a table of another layout."""
        narrow = Table("w", MetaData(), Column("a", Integer), Column("b", Integer), prefixes=["TEMPORARY"])
        wide = Table(
            "w", MetaData(), Column("z", Integer), Column("b", Integer), Column("a", Integer), prefixes=["TEMPORARY"]
        )
        stmt = select(narrow.c.a, narrow.c.b).where(narrow.c.b > 0)
        with engine.connect() as c1, engine.connect() as c2:
            narrow.create(c1)
            wide.create(c2)
            c1.execute(insert(narrow), {"a": 1, "b": 2})
            c2.execute(insert(wide), {"z": 9, "b": 8, "a": 7})
            for _ in range(2):
                assert c1.execute(stmt).all() == [(1, 2)]
                assert c2.execute(stmt).all() == [(7, 8)]
            c1.rollback()
            c2.rollback()

    def test_temp_table_hides_shared_view_in_cached_plan(self, engine, perm):
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE VIEW v AS SELECT id, x FROM t")
        v = Table("v", MetaData(), Column("id", Integer), Column("x", String(20)))
        stmt = select(v.c.id, v.c.x)
        with engine.connect() as c1, engine.connect() as c2:
            c2.exec_driver_sql("CREATE TEMPORARY TABLE v (id INTEGER, x VARCHAR(20))")
            c2.exec_driver_sql("INSERT INTO v VALUES (42, 'mine')")
            for _ in range(2):
                assert c1.execute(stmt).all() == [(1, "shared")]
                assert c2.execute(stmt).all() == [(42, "mine")]
                assert c1.exec_driver_sql("SELECT id, x FROM v").all() == [(1, "shared")]
                assert c2.exec_driver_sql("SELECT id, x FROM v").all() == [(42, "mine")]
            c2.rollback()


class TestLifetime(fixtures.TestBase):
    def test_dropped_when_dbapi_connection_closes(self, engine):
        raw = engine.raw_connection()
        dbapi_conn = raw.dbapi_connection
        cur = raw.cursor()
        cur.execute("CREATE TEMP TABLE scratch (a INTEGER)")
        cur.execute("INSERT INTO scratch VALUES (1)")
        raw.commit()
        assert dbapi_conn.txn.temp_tables
        dbapi_conn.close()
        assert not dbapi_conn.txn.temp_tables
        raw.invalidate()

    def test_pooled_connection_keeps_it_until_invalidated(self, engine):
        """Check-in does not close a pooled DBAPI connection: its temporary
        tables stay, as with SQLite and PostgreSQL, until it is invalidated
        (or the pool disposed)."""
        tmp = _temp()
        with engine.connect() as c1:
            first = _dbapi(c1)
            tmp.create(c1)
            c1.commit()
        with engine.connect() as c1:
            assert _dbapi(c1) is first  # the pool hands it out again
            assert inspect(c1).get_temp_table_names() == ["t"]
            c1.invalidate()
        with engine.connect() as c2:
            assert _dbapi(c2) is not first
            assert inspect(c2).get_temp_table_names() == []
            with pytest.raises(exc.OperationalError, match="no such table"):
                c2.execute(select(tmp))

    def test_dispose_drops_them(self, engine):
        tmp = _temp()
        with engine.connect() as c1:
            tmp.create(c1)
            c1.commit()
        engine.dispose()
        with engine.connect() as c2:
            assert not inspect(c2).has_table("t")

    def test_create_rolls_back(self, engine):
        tmp = _temp()
        with engine.connect() as c1:
            tmp.create(c1)
            c1.execute(insert(tmp), {"id": 1, "y": 1, "z": 1})
            c1.rollback()
            assert not inspect(c1).has_table("t")
            with pytest.raises(exc.OperationalError, match="no such table"):
                c1.execute(select(tmp))
            c1.rollback()
            # created and committed: a later DROP rolls back too
            tmp.create(c1)
            c1.execute(insert(tmp), {"id": 1, "y": 1, "z": 1})
            c1.commit()
            tmp.drop(c1)
            assert not inspect(c1).has_table("t")
            c1.rollback()
            assert c1.execute(select(tmp)).all() == [(1, 1, 1)]
            # rows follow the transaction as in any table
            c1.execute(insert(tmp), {"id": 2, "y": 2, "z": 2})
            c1.rollback()
            assert c1.execute(select(tmp)).all() == [(1, 1, 1)]

    def test_savepoint(self, engine):
        tmp = _temp()
        with engine.connect() as c1:
            sp = c1.begin_nested()
            tmp.create(c1)
            sp.rollback()
            assert not inspect(c1).has_table("t")
            c1.rollback()

    def test_already_exists(self, engine):
        tmp = _temp()
        with engine.connect() as c1:
            tmp.create(c1)
            with pytest.raises(exc.OperationalError, match="already exists"):
                tmp.create(c1)
            c1.rollback()
            c1.exec_driver_sql("CREATE TEMP TABLE t (a INTEGER)")
            c1.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS t (b INTEGER)")
            assert [c["name"] for c in inspect(c1).get_columns("t")] == ["a"]
            c1.rollback()


class TestReflection(fixtures.TestBase):
    def test_names_per_connection(self, engine, perm):
        tmp = _temp("scratch", Index("ix_scratch_y", "y", unique=True))
        with engine.connect() as c1, engine.connect() as c2:
            tmp.create(c1)
            insp1, insp2 = inspect(c1), inspect(c2)
            assert insp1.get_temp_table_names() == ["scratch"]
            assert insp1.get_table_names() == ["t"]
            assert insp2.get_temp_table_names() == []
            assert insp2.get_table_names() == ["t"]
            assert insp1.has_table("scratch")
            assert not insp2.has_table("scratch")
            assert [c["name"] for c in insp1.get_columns("scratch")] == ["id", "y", "z"]
            assert insp1.get_pk_constraint("scratch")["constrained_columns"] == ["id"]
            assert [i["name"] for i in insp1.get_indexes("scratch")] == ["ix_scratch_y"]
            with pytest.raises(exc.NoSuchTableError):
                insp2.get_columns("scratch")
            reflected = Table("scratch", MetaData(), autoload_with=c1)
            assert [c.name for c in reflected.c] == ["id", "y", "z"]
            c1.rollback()

    def test_shadowing_table_reflects_as_temporary(self, engine, perm):
        with engine.connect() as c1:
            _temp().create(c1)
            insp = inspect(c1)
            assert insp.get_table_names() == ["t"]
            assert insp.get_temp_table_names() == ["t"]
            assert [c["name"] for c in insp.get_columns("t")] == ["id", "y", "z"]
            c1.rollback()

    def test_temp_view(self, engine, perm):
        with engine.connect() as c1, engine.connect() as c2:
            c1.exec_driver_sql("CREATE TEMPORARY VIEW tv AS SELECT id FROM t")
            c1.commit()
            assert c1.exec_driver_sql("SELECT * FROM tv").all() == [(1,)]
            assert inspect(c1).get_temp_view_names() == ["tv"]
            assert inspect(c1).get_view_names() == []
            assert inspect(c2).get_temp_view_names() == []
            with pytest.raises(exc.OperationalError, match="no such table"):
                c2.exec_driver_sql("SELECT * FROM tv")
            c2.rollback()
            c1.exec_driver_sql("DROP VIEW tv")
            assert inspect(c1).get_temp_view_names() == []
            c1.rollback()
            assert inspect(c1).get_temp_view_names() == ["tv"]
            c1.commit()
        engine.dispose()
        with engine.connect() as c3:
            assert inspect(c3).get_temp_view_names() == []


class TestSQLText(fixtures.TestBase):
    def test_create_temp_table(self, engine, perm):
        with engine.connect() as c1, engine.connect() as c2:
            c1.execute(text("CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, note TEXT)"))
            c1.execute(text("INSERT INTO t (id, note) VALUES (:i, :n)"), [{"i": 1, "n": "a"}, {"i": 2, "n": "b"}])
            c1.execute(text("CREATE INDEX ix_note ON t (note)"))
            assert c1.execute(text("SELECT note FROM t WHERE note = 'b'")).all() == [("b",)]
            assert c2.execute(text("SELECT x FROM t")).all() == [("shared",)]
            c1.execute(text("DROP TABLE t"))
            assert c1.execute(text("SELECT x FROM t")).all() == [("shared",)]
            c1.commit()

    @needs_ctas
    def test_create_temporary_table_as(self, engine, perm):
        with engine.connect() as c1, engine.connect() as c2:
            c1.exec_driver_sql("CREATE TEMPORARY TABLE copy AS SELECT id, x FROM t")
            assert c1.exec_driver_sql("SELECT * FROM copy").all() == [(1, "shared")]
            assert inspect(c1).get_temp_table_names() == ["copy"]
            assert not inspect(c2).has_table("copy")
            c1.commit()

    @needs_ctas
    def test_core_create_table_as(self, engine, perm):
        with engine.connect() as c1, engine.connect() as c2:
            c1.execute(sa_ddl.CreateTableAs(select(perm), "snap", temporary=True))
            assert c1.exec_driver_sql("SELECT * FROM snap").all() == [(1, "shared")]
            assert inspect(c1).get_temp_table_names() == ["snap"]
            assert inspect(c2).get_temp_table_names() == []
            c1.rollback()
            assert inspect(c1).get_temp_table_names() == []


class TestORM(fixtures.TestBase):
    def test_session_on_one_connection(self, engine):
        class Base(DeclarativeBase):
            pass

        class Scratch(Base):
            __tablename__ = "scratch"
            __table_args__ = {"prefixes": ["TEMPORARY"]}
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(20))

        with engine.connect() as conn:
            Base.metadata.create_all(conn)
            with Session(bind=conn) as session:
                session.add_all([Scratch(id=1, name="a"), Scratch(id=2, name="b")])
                session.flush()
                session.get(Scratch, 2).name = "B"
                session.flush()
                assert session.scalars(select(Scratch.name).order_by(Scratch.id)).all() == ["a", "B"]
            conn.commit()
            with engine.connect() as other, Session(bind=other) as session:
                with pytest.raises(exc.OperationalError, match="no such table"):
                    session.scalars(select(Scratch)).all()
