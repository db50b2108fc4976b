"""CHECK and FOREIGN KEY constraints: enforced per statement, with every
ON DELETE / ON UPDATE action, deferred foreign keys checked at commit, and
statement atomicity (a violation on the 500th row leaves no row behind)."""

import enum

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    delete,
    exc,
    inspect,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.testing import fixtures

from _support import declarative_base, rows_by_id, snapshot, unchanged


def _parent_child(ondelete=None, onupdate=None, url="memory://", **fk_kw):
    engine = create_engine(url)
    metadata = MetaData()
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", Integer, ForeignKey("parent.id", ondelete=ondelete, onupdate=onupdate, **fk_kw), server_default="1"),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(parent), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}])
        conn.execute(insert(child), [{"id": 10, "parent_id": 2}, {"id": 11, "parent_id": 2}, {"id": 12, "parent_id": 3}, {"id": 13, "parent_id": None}])
    return engine, parent, child


# -- CHECK ----------------------------------------------------------------------


def _checked_engine():
    engine = create_engine("memory://")
    metadata = MetaData()
    table = Table(
        "account",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("balance", Integer, CheckConstraint("balance >= 0", name="ck_balance")),
        Column("low", Integer),
        Column("high", Integer),
        CheckConstraint(Column("low") <= Column("high"), name="ck_range"),
    )
    metadata.create_all(engine)
    return engine, table



class CheckTest(fixtures.TestBase):
    """CHECK constraints, table- and column-level, expression or SQL text."""


    @pytest.mark.parametrize(
        "values, name",
        [({"balance": -1}, "ck_balance"), ({"balance": 0, "low": 5, "high": 1}, "ck_range")],
    )
    def test_check_rejects_insert_naming_constraint_and_table(self, values, name):
        engine, table = _checked_engine()
        with pytest.raises(exc.IntegrityError, match="CHECK constraint failed: %s on table account" % name):
            with engine.begin() as conn:
                conn.execute(insert(table).values(id=1, **values))
        assert snapshot(engine, table) == []


    def test_check_passes_null_and_true(self):
        engine, table = _checked_engine()
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": 1, "balance": None, "low": None, "high": 1}, {"id": 2, "balance": 0, "low": 1, "high": 1}])
        assert [r.id for r in snapshot(engine, table)] == [1, 2]


    def test_check_on_update_and_statement_atomicity(self):
        engine, table = _checked_engine()
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": i, "balance": 10 - i} for i in range(1, 11)])
        with unchanged(engine, table), pytest.raises(exc.IntegrityError, match="ck_balance"):
            with engine.begin() as conn:
                conn.execute(update(table).values(balance=table.c.balance - 5))  # ids 6..10 go negative


    def test_check_fails_on_500th_row_of_executemany(self):
        engine, table = _checked_engine()
        rows = [{"id": i, "balance": 1} for i in range(1, 500)] + [{"id": 500, "balance": -1}]
        with pytest.raises(exc.IntegrityError, match="ck_balance"):
            with engine.begin() as conn:
                conn.execute(insert(table), rows)
        assert snapshot(engine, table) == []


    def test_check_declared_in_sql_text(self):
        engine = create_engine("memory://")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty BETWEEN 1 AND 9), "
                "CONSTRAINT ck_name CHECK (length(name) > 1), name VARCHAR(10))"
            )
            conn.exec_driver_sql("INSERT INTO t (id, qty, name) VALUES (1, 5, 'ok')")
        for sql in ("INSERT INTO t (id, qty, name) VALUES (2, 10, 'ok')", "INSERT INTO t (id, qty, name) VALUES (2, 1, 'x')"):
            with pytest.raises(exc.IntegrityError, match="CHECK constraint failed"):
                with engine.begin() as conn:
                    conn.exec_driver_sql(sql)


    def test_enum_check_constraint_when_created(self):
        class Mood(enum.Enum):
            happy = 1
            sad = 2

        engine = create_engine("memory://")
        metadata = MetaData()
        table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("mood", Enum(Mood, create_constraint=True, name="mood")))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table).values(id=1, mood=Mood.happy))
        with pytest.raises((exc.IntegrityError, exc.DataError)):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t (id, mood) VALUES (2, 'angry')"))


# -- FOREIGN KEY: the child side --------------------------------------------------




class ChildSideTest(fixtures.TestBase):
    """A child row's foreign key must find its parent."""


    def test_insert_with_missing_parent_fails_naming_constraint(self):
        engine, parent, child = _parent_child()
        with unchanged(engine, child), pytest.raises(exc.IntegrityError) as err:
            with engine.begin() as conn:
                conn.execute(insert(child).values(id=20, parent_id=99))
        message = str(err.value.orig)
        assert "FOREIGN KEY constraint failed" in message
        assert "child_parent_id_fkey" in message and "parent" in message and "99" in message


    def test_update_to_missing_parent_fails(self):
        engine, parent, child = _parent_child()
        with unchanged(engine, child), pytest.raises(exc.IntegrityError, match="is not present in table parent"):
            with engine.begin() as conn:
                conn.execute(update(child).where(child.c.id == 10).values(parent_id=42))


    def test_null_foreign_key_needs_no_parent(self):
        engine, parent, child = _parent_child()
        with engine.begin() as conn:
            conn.execute(insert(child).values(id=20, parent_id=None))
            conn.execute(update(child).where(child.c.id == 10).values(parent_id=None))


    def test_fk_violation_on_500th_row_leaves_no_row(self):
        engine, parent, child = _parent_child()
        rows = [{"id": 100 + i, "parent_id": 1 + i % 3} for i in range(499)] + [{"id": 999, "parent_id": 77}]
        with unchanged(engine, child), pytest.raises(exc.IntegrityError, match="77"):
            with engine.begin() as conn:
                conn.execute(insert(child), rows)


    def test_self_reference_inserted_in_one_statement(self):
        """Checked at the end of the statement (as PostgreSQL's NO ACTION):
        a row may refer to a row inserted after it by the same statement."""
        engine = create_engine("memory://")
        metadata = MetaData()
        node = Table("node", metadata, Column("id", Integer, primary_key=True), Column("up", Integer, ForeignKey("node.id")))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(node).values([{"id": 1, "up": 2}, {"id": 2, "up": None}]))
            conn.execute(delete(node))  # both rows go in one statement: no orphan left
        assert snapshot(engine, node) == []


    def test_composite_fk_to_unique_columns_in_other_order(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        Table("a", metadata, Column("id", Integer, primary_key=True), Column("x", Integer), Column("y", String(5)), UniqueConstraint("x", "y"))
        b = Table(
            "b",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("bx", Integer),
            Column("by", String(5)),
            ForeignKeyConstraint(["by", "bx"], ["a.y", "a.x"], name="fk_b_a"),
        )
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO a (id, x, y) VALUES (1, 1, 'p')"))
            conn.execute(insert(b), [{"id": 1, "bx": 1, "by": "p"}, {"id": 2, "bx": None, "by": "zz"}])
        with pytest.raises(exc.IntegrityError, match="fk_b_a"):
            with engine.begin() as conn:
                conn.execute(insert(b).values(id=3, bx=2, by="p"))


    def test_foreign_keys_can_be_turned_off(self):
        engine, parent, child = _parent_child(url="memory://?foreign_keys=off")
        with engine.begin() as conn:
            conn.execute(insert(child).values(id=20, parent_id=99))
            conn.execute(delete(parent))
        assert len(snapshot(engine, child)) == 5


    def test_foreign_keys_option_rejects_nonsense(self):
        with pytest.raises(exc.ArgumentError, match="foreign_keys"):
            create_engine("memory://?foreign_keys=maybe").connect()


# -- FOREIGN KEY: actions on the parent --------------------------------------------


class ParentActionTest(fixtures.TestBase):
    """ON DELETE / ON UPDATE actions."""


    @pytest.mark.parametrize("action", [None, "NO ACTION", "RESTRICT"])
    def test_delete_of_referenced_parent_is_refused(self, action):
        engine, parent, child = _parent_child(ondelete=action)
        with unchanged(engine, parent), pytest.raises(exc.IntegrityError, match="is still referenced from table child"):
            with engine.begin() as conn:
                conn.execute(delete(parent).where(parent.c.id == 2))
        with engine.begin() as conn:  # an unreferenced parent can go
            conn.execute(delete(parent).where(parent.c.id == 1))


    def test_delete_cascade_recurses_and_rolls_back(self):
        engine, parent, child = _parent_child(ondelete="CASCADE")
        metadata = child.metadata
        toy = Table("toy", metadata, Column("id", Integer, primary_key=True), Column("child_id", ForeignKey("child.id", ondelete="CASCADE")))
        toy.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(toy), [{"id": 1, "child_id": 10}, {"id": 2, "child_id": 12}])
        with engine.connect() as conn:
            conn.execute(delete(parent).where(parent.c.id == 2))
            assert [r.id for r in rows_by_id(conn, child)] == [12, 13]
            assert [r.id for r in rows_by_id(conn, toy)] == [2]
            conn.rollback()
        assert [r.id for r in snapshot(engine, toy)] == [1, 2]
        assert len(snapshot(engine, child)) == 4


    def test_delete_set_null_and_set_default(self):
        engine, parent, child = _parent_child(ondelete="SET NULL")
        with engine.begin() as conn:
            conn.execute(delete(parent).where(parent.c.id == 2))
        assert [tuple(r) for r in snapshot(engine, child)] == [(10, None), (11, None), (12, 3), (13, None)]

        engine, parent, child = _parent_child(ondelete="SET DEFAULT")
        with engine.begin() as conn:
            conn.execute(delete(parent).where(parent.c.id == 3))
        assert [tuple(r) for r in snapshot(engine, child)][2] == (12, 1)  # server default 1
        with pytest.raises(exc.IntegrityError, match="is not present in table parent"):
            with engine.begin() as conn:  # the default (1) must exist itself
                conn.execute(delete(parent).where(parent.c.id.in_([1, 2])))


    def test_set_null_into_not_null_column_fails(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        Table("p", metadata, Column("id", Integer, primary_key=True))
        c = Table("c", metadata, Column("id", Integer, primary_key=True), Column("pid", ForeignKey("p.id", ondelete="SET NULL"), nullable=False))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO p VALUES (1)"))
            conn.execute(insert(c).values(id=1, pid=1))
        with pytest.raises(exc.IntegrityError, match="NOT NULL constraint failed: c.pid"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM p"))
        assert len(snapshot(engine, c)) == 1


    def test_update_cascade_moves_child_keys(self):
        """ON UPDATE CASCADE into a column of the child's primary key (an
        association table) moves the child rows to their new keys."""
        engine = create_engine("memory://")
        metadata = MetaData()
        p = Table("p", metadata, Column("id", Integer, primary_key=True))
        link = Table(
            "link",
            metadata,
            Column("p_id", ForeignKey("p.id", onupdate="CASCADE"), primary_key=True),
            Column("tag", String(5), primary_key=True),
        )
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(p), [{"id": 1}, {"id": 2}])
            conn.execute(insert(link), [{"p_id": 1, "tag": "x"}, {"p_id": 1, "tag": "y"}, {"p_id": 2, "tag": "x"}])
            conn.execute(update(p).where(p.c.id == 1).values(id=5))
            assert sorted(conn.execute(select(link)).all()) == [(2, "x"), (5, "x"), (5, "y")]
            assert conn.execute(select(link).where(link.c.p_id == 5, link.c.tag == "y")).one() == (5, "y")


    @pytest.mark.parametrize("action, expected", [("SET NULL", None), ("CASCADE", 20)])
    def test_update_actions(self, action, expected):
        engine, parent, child = _parent_child(onupdate=action)
        with engine.begin() as conn:
            conn.execute(update(parent).where(parent.c.id == 2).values(id=20))
            conn.execute(update(parent).where(parent.c.id == 1).values(name="renamed"))  # key unchanged
        assert [r.parent_id for r in snapshot(engine, child)][:2] == [expected, expected]


    def test_update_of_referenced_key_without_action_is_refused(self):
        engine, parent, child = _parent_child()
        with unchanged(engine, parent), pytest.raises(exc.IntegrityError, match="still referenced"):
            with engine.begin() as conn:
                conn.execute(update(parent).where(parent.c.id == 3).values(id=30))
        with engine.begin() as conn:  # an unreferenced key may change
            conn.execute(update(parent).where(parent.c.id == 1).values(id=100))


    def test_self_referencing_cascade(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        node = Table("node", metadata, Column("id", Integer, primary_key=True), Column("up", ForeignKey("node.id", ondelete="CASCADE")))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(node), [{"id": 1, "up": None}, {"id": 2, "up": 1}, {"id": 3, "up": 2}, {"id": 4, "up": None}])
            conn.execute(delete(node).where(node.c.id == 1))
            assert [r.id for r in rows_by_id(conn, node)] == [4]


    def test_cascade_failure_undoes_the_whole_statement(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        p = Table("p", metadata, Column("id", Integer, primary_key=True))
        Table("c", metadata, Column("id", Integer, primary_key=True), Column("pid", ForeignKey("p.id", ondelete="CASCADE")))
        Table("g", metadata, Column("id", Integer, primary_key=True), Column("cid", ForeignKey("c.id", ondelete="RESTRICT")))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO p VALUES (1), (2)"))
            conn.execute(text("INSERT INTO c VALUES (10, 1), (20, 2)"))
            conn.execute(text("INSERT INTO g VALUES (100, 20)"))
        with engine.connect() as conn:
            with pytest.raises(exc.IntegrityError, match="still referenced from table g"):
                conn.execute(text("DELETE FROM p"))
            assert conn.execute(text("SELECT count(*) FROM c")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM p")).scalar() == 2


    @pytest.mark.parametrize("kind", ["", "TEMPORARY "])
    def test_references_declared_in_sql_text(self, kind):
        """Shared tables, and a connection's temporary tables alike."""
        engine = create_engine("memory://")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE %sTABLE p (id INTEGER PRIMARY KEY)" % kind)
            conn.exec_driver_sql("CREATE %sTABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE CASCADE)" % kind)
            conn.exec_driver_sql("INSERT INTO p VALUES (1), (2)")
            conn.exec_driver_sql("INSERT INTO c VALUES (1, 1), (2, 2)")
            conn.exec_driver_sql("DELETE FROM p WHERE id = 1")
            assert conn.exec_driver_sql("SELECT id FROM c").scalars().all() == [2]
            with pytest.raises(exc.IntegrityError, match="FOREIGN KEY"):
                conn.exec_driver_sql("INSERT INTO c VALUES (3, 5)")


# -- deferred foreign keys ------------------------------------------------------------


class DeferredTest(fixtures.TestBase):
    """DEFERRABLE INITIALLY DEFERRED foreign keys, checked at commit."""


    def test_deferred_fk_checked_at_commit(self):
        engine, parent, child = _parent_child(deferrable=True, initially="DEFERRED")
        with engine.begin() as conn:  # child first, parent later: fine at commit
            conn.execute(insert(child).values(id=20, parent_id=50))
            conn.execute(insert(parent).values(id=50, name="late"))
        conn = engine.connect()
        conn.execute(insert(child).values(id=21, parent_id=60))
        conn.execute(delete(parent).where(parent.c.id == 3))
        with pytest.raises(exc.IntegrityError, match="FOREIGN KEY constraint failed"):
            conn.commit()
        conn.close()
        # the failed commit rolled everything back
        assert [r.id for r in snapshot(engine, child)] == [10, 11, 12, 13, 20]
        assert [r.id for r in snapshot(engine, parent)] == [1, 2, 3, 50]


    def test_deferred_fk_in_autocommit_checked_per_statement(self):
        engine, parent, child = _parent_child(deferrable=True, initially="DEFERRED")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(child).values(id=20, parent_id=50))
        assert len(snapshot(engine, child)) == 4


    def test_deferrable_initially_immediate_is_checked_per_statement(self):
        engine, parent, child = _parent_child(deferrable=True, initially="IMMEDIATE")
        with pytest.raises(exc.IntegrityError):
            with engine.begin() as conn:
                conn.execute(insert(child).values(id=20, parent_id=50))


# -- the ORM ---------------------------------------------------------------------------


class OrmTest(fixtures.TestBase):
    """Constraints through the ORM's unit of work."""


    def test_orm_cascades_through_the_database(self):
        Base = declarative_base()

        class Author(Base):
            __tablename__ = "author"
            id: Mapped[int] = mapped_column(primary_key=True)
            books: Mapped[list["Book"]] = relationship(passive_deletes=True)

        class Book(Base):
            __tablename__ = "book"
            id: Mapped[int] = mapped_column(primary_key=True)
            author_id: Mapped[int] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))

        engine = create_engine("memory://")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            session.add(Author(id=1, books=[Book(id=1), Book(id=2)]))
            session.commit()
            session.delete(session.get(Author, 1))
            session.commit()
            assert session.scalars(select(Book)).all() == []
        with Session(engine) as session:
            session.add(Book(id=3, author_id=7))
            with pytest.raises(exc.IntegrityError, match="FOREIGN KEY"):
                session.commit()


class DropTest(fixtures.TestBase):
    """DROP TABLE of a parent whose rows are still referred to."""

    def test_drop_referenced_parent_fails_until_children_go(self):
        engine, parent, child = _parent_child()
        with pytest.raises(exc.IntegrityError, match="cannot drop table parent, rows of child refer to it"):
            parent.drop(engine)
        with engine.begin() as conn:
            conn.execute(update(child).values(parent_id=None))
        parent.drop(engine)
        child.metadata.drop_all(engine)

    def test_drop_all_in_dependency_order(self):
        engine, parent, child = _parent_child()
        child.metadata.drop_all(engine)  # child first: its rows go with it
        assert inspect(engine).get_table_names() == []



class UseAlterTest(fixtures.TestBase):
    """Cyclic foreign keys: ``use_alter=True`` ones come as ALTER TABLE ADD
    CONSTRAINT after both tables exist, and go first on drop_all."""

    def test_cycle_created_enforced_and_dropped(self):
        engine = create_engine("memory://")
        metadata = MetaData()
        a = Table("a", metadata, Column("id", Integer, primary_key=True), Column("b_id", ForeignKey("b.id", use_alter=True, name="fk_a_b")))
        b = Table("b", metadata, Column("id", Integer, primary_key=True), Column("a_id", ForeignKey("a.id")))
        metadata.create_all(engine)
        assert [fk["name"] for fk in inspect(engine).get_foreign_keys("a")] == ["fk_a_b"]
        with engine.begin() as conn:
            conn.execute(insert(a).values(id=1))
            conn.execute(insert(b).values(id=1, a_id=1))
            conn.execute(update(a).values(b_id=1))
        with pytest.raises(exc.IntegrityError, match="fk_a_b"):
            with engine.begin() as conn:
                conn.execute(update(a).values(b_id=5))
        metadata.drop_all(engine)
        assert inspect(engine).get_table_names() == []
