"""ALTER TABLE through SQL text: each form, data kept, transactional (rollback,
isolation from other connections), cached plans rebuilt, reflection.
"""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, exc, insert, inspect, select, text
from sqlalchemy.testing import fixtures

from _support import two_connections


def _engine():
    engine = create_engine("memory://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20) UNIQUE, x INTEGER)")
        conn.exec_driver_sql("CREATE INDEX ix_t_x ON t (x)")
        conn.exec_driver_sql("INSERT INTO t (id, name, x) VALUES (1, 'a', 10), (2, 'b', 20)")
    return engine


def _rows(conn, sql="SELECT * FROM t ORDER BY id"):
    return conn.exec_driver_sql(sql).all()


def _columns(engine, table="t"):
    return [c["name"] for c in inspect(engine).get_columns(table)]


def _run(engine, *statements):
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def _error(engine, sql, error):
    with pytest.raises(error) as info:
        _run(engine, sql)
    return str(info.value.orig)


class AddColumnTest(fixtures.TestBase):
    def test_add_column_nullable(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD COLUMN note VARCHAR(10)")
        with engine.connect() as conn:
            assert _rows(conn) == [(1, "a", 10, None), (2, "b", 20, None)]
        assert _columns(engine) == ["id", "name", "x", "note"]

    def test_add_without_column_keyword_default_not_null(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD score INTEGER NOT NULL DEFAULT 5")
        with engine.begin() as conn:
            assert _rows(conn) == [(1, "a", 10, 5), (2, "b", 20, 5)]
            conn.exec_driver_sql("INSERT INTO t (id, name) VALUES (3, 'c')")
            assert _rows(conn, "SELECT score FROM t WHERE id = 3") == [(5,)]
        (score,) = [c for c in inspect(engine).get_columns("t") if c["name"] == "score"]
        assert score["nullable"] is False
        assert score["default"] == "5"

    def test_add_not_null_without_default(self):
        engine = _engine()
        message = _error(engine, "ALTER TABLE t ADD COLUMN z INTEGER NOT NULL", exc.IntegrityError)
        assert "t.z" in message
        assert _columns(engine) == ["id", "name", "x"]
        empty = create_engine("memory://")
        _run(empty, "CREATE TABLE e (id INTEGER PRIMARY KEY)", "ALTER TABLE e ADD COLUMN z INTEGER NOT NULL")
        with pytest.raises(exc.IntegrityError):
            _run(empty, "INSERT INTO e (id) VALUES (1)")

    def test_add_existing_and_primary_key_column(self):
        engine = _engine()
        assert "duplicate column name: x" in _error(engine, "ALTER TABLE t ADD COLUMN x INTEGER", exc.OperationalError)
        assert "PRIMARY KEY" in _error(engine, "ALTER TABLE t ADD COLUMN k INTEGER PRIMARY KEY", exc.OperationalError)

    def test_unparsed_alter_is_not_supported(self):
        engine = _engine()
        message = _error(engine, "ALTER TABLE t ADD COLUMN a INTEGER, DROP COLUMN x", exc.NotSupportedError)
        assert "ALTER TABLE t ADD COLUMN a INTEGER, DROP COLUMN x" in message

    def test_add_unique_column_is_enforced(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD COLUMN code VARCHAR(5) UNIQUE")
        _run(engine, "UPDATE t SET code = 'k' WHERE id = 1")
        with pytest.raises(exc.IntegrityError):
            _run(engine, "UPDATE t SET code = 'k' WHERE id = 2")
        assert [u["column_names"] for u in inspect(engine).get_unique_constraints("t")] == [["code"], ["name"]]

    def test_several_actions_in_one_statement(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD COLUMN a INTEGER DEFAULT 1, ADD COLUMN b INTEGER DEFAULT 2")
        with engine.connect() as conn:
            assert _rows(conn, "SELECT a, b FROM t") == [(1, 2), (1, 2)]


class DropColumnTest(fixtures.TestBase):
    def test_drop_column(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD COLUMN note VARCHAR(10) DEFAULT 'n'", "ALTER TABLE t DROP COLUMN note")
        _run(engine, "ALTER TABLE t ADD COLUMN other INTEGER", "ALTER TABLE t DROP other")
        with engine.connect() as conn:
            assert _rows(conn) == [(1, "a", 10), (2, "b", 20)]
        assert _columns(engine) == ["id", "name", "x"]

    def test_drop_column_keeps_indexes_and_lookups(self):
        engine = create_engine("memory://")
        _run(
            engine,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, junk INTEGER, x INTEGER)",
            "CREATE UNIQUE INDEX ux ON t (x)",
            "INSERT INTO t VALUES (1, 0, 10), (2, 0, 20)",
            "ALTER TABLE t DROP COLUMN junk",
        )
        with engine.connect() as conn:
            assert _rows(conn, "SELECT id FROM t WHERE x = 20") == [(2,)]
        with pytest.raises(exc.IntegrityError):
            _run(engine, "INSERT INTO t VALUES (3, 10)")
        assert inspect(engine).get_indexes("t")[0]["column_names"] == ["x"]

    def test_refused_drops(self):
        engine = _engine()
        assert "PRIMARY KEY" in _error(engine, "ALTER TABLE t DROP COLUMN id", exc.OperationalError)
        assert "UNIQUE" in _error(engine, "ALTER TABLE t DROP COLUMN name", exc.OperationalError)
        assert "ix_t_x" in _error(engine, "ALTER TABLE t DROP COLUMN x", exc.OperationalError)
        assert _columns(engine) == ["id", "name", "x"]

    def test_refused_drop_of_referenced_column(self):
        engine = _engine()
        _run(engine, "CREATE TABLE child (id INTEGER PRIMARY KEY, t_name VARCHAR(20) REFERENCES t (name))")
        _run(engine, "CREATE TABLE parent2 (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES t (id), y INTEGER)")
        assert "foreign key" in _error(engine, "ALTER TABLE parent2 DROP COLUMN ref", exc.OperationalError)
        _run(engine, "ALTER TABLE parent2 DROP COLUMN y")

    def test_unknown_column_and_table(self):
        engine = _engine()
        assert "no such column: t.nope" in _error(engine, "ALTER TABLE t DROP COLUMN nope", exc.OperationalError)
        assert "no such table: nope" in _error(engine, "ALTER TABLE nope ADD COLUMN c INTEGER", exc.OperationalError)
        assert "t.nope" in _error(engine, "ALTER TABLE t RENAME COLUMN nope TO b", exc.OperationalError)
        _run(engine, "ALTER TABLE t DROP COLUMN IF EXISTS nope", "ALTER TABLE IF EXISTS nope ADD COLUMN c INTEGER")


class RenameTest(fixtures.TestBase):
    def test_rename_column(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t RENAME COLUMN name TO title", "ALTER TABLE t RENAME x TO y")
        with engine.connect() as conn:
            assert _rows(conn, "SELECT title, y FROM t ORDER BY id") == [("a", 10), ("b", 20)]
            assert conn.execute(text("SELECT id FROM t WHERE y = 20")).all() == [(2,)]
        insp = inspect(engine)
        assert _columns(engine) == ["id", "title", "y"]
        assert insp.get_indexes("t")[0]["column_names"] == ["y"]
        assert insp.get_unique_constraints("t")[0]["column_names"] == ["title"]
        with pytest.raises(exc.IntegrityError):
            _run(engine, "INSERT INTO t (id, title) VALUES (3, 'a')")
        assert "duplicate column name" in _error(engine, "ALTER TABLE t RENAME COLUMN y TO title", exc.OperationalError)

    def test_rename_table(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t RENAME TO u")
        with engine.connect() as conn:
            assert _rows(conn, "SELECT * FROM u ORDER BY id") == [(1, "a", 10), (2, "b", 20)]
            with pytest.raises(exc.OperationalError):
                conn.exec_driver_sql("SELECT * FROM t")
        insp = inspect(engine)
        assert insp.get_table_names() == ["u"]
        assert insp.get_indexes("u")[0]["name"] == "ix_t_x"
        _run(engine, "DROP INDEX ix_t_x")  # the index moved with its table
        assert inspect(engine).get_indexes("u") == []
        _run(engine, "CREATE TABLE v (id INTEGER PRIMARY KEY)")
        assert "already" in _error(engine, "ALTER TABLE u RENAME TO v", exc.OperationalError)

    def test_foreign_keys_follow_renames(self):
        engine = _engine()
        _run(
            engine,
            "CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id))",
            "ALTER TABLE t RENAME COLUMN id TO tid",
            "ALTER TABLE t RENAME TO parent",
        )
        (fk,) = inspect(engine).get_foreign_keys("child")
        assert (fk["referred_table"], fk["referred_columns"]) == ("parent", ["tid"])


class AlterColumnTest(fixtures.TestBase):
    def test_set_and_drop_not_null(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ALTER COLUMN x SET NOT NULL")
        with pytest.raises(exc.IntegrityError):
            _run(engine, "INSERT INTO t (id, name) VALUES (3, 'c')")
        _run(engine, "ALTER TABLE t ALTER COLUMN x DROP NOT NULL", "INSERT INTO t (id, name) VALUES (3, 'c')")
        _run(engine, "UPDATE t SET x = NULL WHERE id = 1")
        assert "t.x" in _error(engine, "ALTER TABLE t ALTER COLUMN x SET NOT NULL", exc.IntegrityError)

    def test_set_and_drop_default(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ALTER COLUMN x SET DEFAULT 7", "INSERT INTO t (id, name) VALUES (3, 'c')")
        (x,) = [c for c in inspect(engine).get_columns("t") if c["name"] == "x"]
        assert x["default"] == "7"
        _run(engine, "ALTER TABLE t ALTER COLUMN x DROP DEFAULT", "INSERT INTO t (id, name) VALUES (4, 'd')")
        with engine.connect() as conn:
            assert _rows(conn, "SELECT x FROM t WHERE id > 2 ORDER BY id") == [(7,), (None,)]

    def test_type(self):
        import decimal

        engine = _engine()
        _run(engine, "ALTER TABLE t ALTER COLUMN x TYPE NUMERIC(10, 2)")
        with engine.connect() as conn:
            assert _rows(conn, "SELECT x FROM t ORDER BY id") == [(decimal.Decimal("10.00"),), (decimal.Decimal("20.00"),)]
        (x,) = [c for c in inspect(engine).get_columns("t") if c["name"] == "x"]
        assert (x["type"].precision, x["type"].scale) == (10, 2)

    def test_unsupported_forms(self):
        engine = _engine()
        for sql in (
            "ALTER TABLE t DROP CONSTRAINT t_name_key CASCADE",
            "ALTER TABLE t ALTER COLUMN x TYPE INTEGER USING x + 1",
        ):
            message = _error(engine, sql, exc.NotSupportedError)
            assert "ALTER TABLE t" in message


class TransactionalTest(fixtures.TestBase):
    def test_rollback_restores_the_old_table(self):
        engine = _engine()
        with engine.connect() as conn:
            conn.exec_driver_sql("ALTER TABLE t ADD COLUMN note VARCHAR(5) DEFAULT 'n'")
            conn.exec_driver_sql("ALTER TABLE t RENAME COLUMN name TO title")
            conn.exec_driver_sql("INSERT INTO t (id, title, x) VALUES (3, 'c', 30)")
            conn.exec_driver_sql("ALTER TABLE t RENAME TO u")
            assert _rows(conn, "SELECT * FROM u ORDER BY id")[-1] == (3, "c", 30, "n")
            conn.rollback()
            assert _rows(conn) == [(1, "a", 10), (2, "b", 20)]
        assert inspect(engine).get_table_names() == ["t"]
        assert _columns(engine) == ["id", "name", "x"]
        with pytest.raises(exc.IntegrityError):  # the unique index is the old table's again
            _run(engine, "INSERT INTO t (id, name) VALUES (5, 'a')")
        _run(engine, "DROP INDEX ix_t_x")

    def test_failed_statement_is_atomic(self):
        engine = _engine()
        with engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.exec_driver_sql("ALTER TABLE t ADD COLUMN a INTEGER, ADD COLUMN b INTEGER NOT NULL")
            assert _rows(conn) == [(1, "a", 10), (2, "b", 20)]
            conn.commit()

    def test_savepoint(self):
        engine = _engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE t ADD COLUMN a INTEGER")
            with conn.begin_nested() as sp:
                conn.exec_driver_sql("ALTER TABLE t DROP COLUMN a")
                sp.rollback()
            conn.exec_driver_sql("UPDATE t SET a = 1")
        assert _columns(engine) == ["id", "name", "x", "a"]

    def test_other_connection_sees_committed_layout(self):
        engine = _engine()
        t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
        with two_connections(engine) as (writer, reader):
            writer.exec_driver_sql("UPDATE t SET name = 'z' WHERE id = 1")
            writer.exec_driver_sql("ALTER TABLE t ADD COLUMN extra INTEGER DEFAULT 3")
            writer.exec_driver_sql("DROP INDEX ix_t_x")
            writer.exec_driver_sql("ALTER TABLE t DROP COLUMN x")
            assert _rows(writer) == [(1, "z", 3), (2, "b", 3)]
            assert _rows(reader) == [(1, "a", 10), (2, "b", 20)]
            assert reader.execute(select(t).order_by(t.c.id)).all() == [(1, "a"), (2, "b")]
            assert [c["name"] for c in inspect(reader).get_columns("t")] == ["id", "name", "x"]
            writer.commit()
            assert _rows(reader) == [(1, "z", 3), (2, "b", 3)]
            assert [c["name"] for c in inspect(reader).get_columns("t")] == ["id", "name", "extra"]


class CachedPlanTest(fixtures.TestBase):
    def test_core_statements_compiled_before_alter(self):
        engine = _engine()
        t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(20)))
        query = select(t.c.id, t.c.name).where(t.c.name == "b")
        ins = insert(t)
        by_name = text("SELECT id FROM t WHERE name = :n")
        with engine.begin() as conn:
            assert conn.execute(query).all() == [(2, "b")]
            conn.execute(ins, {"id": 3, "name": "c"})
            assert conn.execute(by_name, {"n": "c"}).all() == [(3,)]
        _run(engine, "DROP INDEX ix_t_x", "ALTER TABLE t ADD COLUMN pre INTEGER DEFAULT 0", "ALTER TABLE t DROP COLUMN x")
        _run(engine, "ALTER TABLE t RENAME COLUMN pre TO first")
        with engine.begin() as conn:
            assert conn.execute(query).all() == [(2, "b")]
            conn.execute(ins, {"id": 4, "name": "d"})
            assert conn.execute(by_name, {"n": "d"}).all() == [(4,)]
            assert _rows(conn, "SELECT id, name, first FROM t WHERE id = 4") == [(4, "d", 0)]
        _run(engine, "ALTER TABLE t RENAME COLUMN name TO title")
        with engine.connect() as conn:
            with pytest.raises(exc.DBAPIError):
                conn.execute(query)

    def test_orm_style_reflection_after_alter(self):
        engine = _engine()
        _run(engine, "ALTER TABLE t ADD COLUMN note VARCHAR(10) DEFAULT 'hi'")
        reflected = Table("t", MetaData(), autoload_with=engine)
        assert [c.name for c in reflected.columns] == ["id", "name", "x", "note"]
        with engine.connect() as conn:
            assert conn.execute(select(reflected.c.note).where(reflected.c.id == 1)).scalar() == "hi"


def _parent_child():
    engine = create_engine("memory://")
    _run(
        engine,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code VARCHAR(10))",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, pid INTEGER)",
        "INSERT INTO p (id, code) VALUES (1, 'x'), (2, 'y')",
        "INSERT INTO c (id, a, b, pid) VALUES (1, 1, 1, 1), (2, 1, 2, 2)",
    )
    return engine


class ConstraintTextTest(fixtures.TestBase):
    """ALTER TABLE ... ADD / DROP CONSTRAINT through SQL text."""

    def test_add_constraints_reflect_and_hold(self):
        engine = _parent_child()
        _run(
            engine,
            "ALTER TABLE c ADD CONSTRAINT uq_ab UNIQUE (a, b)",
            "ALTER TABLE c ADD CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE",
            "ALTER TABLE c ADD CONSTRAINT ck_b CHECK (b > 0)",
            "ALTER TABLE p ADD UNIQUE (code)",
        )
        insp = inspect(engine)
        assert [(u["name"], u["column_names"]) for u in insp.get_unique_constraints("c")] == [("uq_ab", ["a", "b"])]
        assert [(u["name"], u["column_names"]) for u in insp.get_unique_constraints("p")] == [("p_code_key", ["code"])]
        (fk,) = insp.get_foreign_keys("c")
        assert (fk["name"], fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
            "fk_p",
            ["pid"],
            "p",
            ["id"],
        )
        assert fk["options"] == {"ondelete": "CASCADE"}
        assert [(k["name"], k["sqltext"]) for k in insp.get_check_constraints("c")] == [("ck_b", "b > 0")]
        with engine.begin() as conn:
            assert _rows(conn, "SELECT * FROM c ORDER BY id") == [(1, 1, 1, 1), (2, 1, 2, 2)]
        for sql in (
            "INSERT INTO c (id, a, b) VALUES (3, 1, 1)",  # UNIQUE (a, b)
            "INSERT INTO c (id, a, b) VALUES (3, 5, 0)",  # CHECK
            "INSERT INTO c (id, a, b, pid) VALUES (3, 5, 5, 9)",  # FOREIGN KEY
            "INSERT INTO p (id, code) VALUES (3, 'x')",  # UNIQUE (code)
        ):
            _error(engine, sql, exc.IntegrityError)
        _run(engine, "DELETE FROM p WHERE id = 2")  # ON DELETE CASCADE
        with engine.connect() as conn:
            assert _rows(conn, "SELECT id FROM c") == [(1,)]

    def test_rows_that_break_the_new_constraint(self):
        engine = _parent_child()
        _run(engine, "INSERT INTO c (id, a, b, pid) VALUES (3, 1, 1, 9)")
        for sql, fragment in (
            ("ALTER TABLE c ADD CONSTRAINT uq_a UNIQUE (a)", "UNIQUE"),
            ("ALTER TABLE c ADD CONSTRAINT uq_ab UNIQUE (a, b)", "UNIQUE"),
            ("ALTER TABLE c ADD CONSTRAINT ck CHECK (b > 1)", "CHECK"),
            ("ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id)", "FOREIGN KEY"),
            ("ALTER TABLE c ADD PRIMARY KEY (a)", "primary key"),
        ):
            assert fragment in _error(engine, sql, exc.DatabaseError)
        insp = inspect(engine)
        assert insp.get_unique_constraints("c") == []
        assert insp.get_check_constraints("c") == []
        assert insp.get_foreign_keys("c") == []
        with engine.connect() as conn:
            assert _rows(conn, "SELECT * FROM c ORDER BY id") == [(1, 1, 1, 1), (2, 1, 2, 2), (3, 1, 1, 9)]

    def test_drop_constraints(self):
        engine = _parent_child()
        _run(
            engine,
            "ALTER TABLE c ADD CONSTRAINT uq_ab UNIQUE (a, b)",
            "ALTER TABLE c ADD CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id)",
            "ALTER TABLE c ADD CONSTRAINT ck_b CHECK (b > 0)",
        )
        _run(
            engine,
            "ALTER TABLE c DROP CONSTRAINT uq_ab",
            "ALTER TABLE c DROP CONSTRAINT FK_P",  # unquoted: any case
            "ALTER TABLE c DROP CONSTRAINT ck_b",
            "ALTER TABLE c DROP CONSTRAINT IF EXISTS ck_b",
        )
        insp = inspect(engine)
        assert insp.get_unique_constraints("c") == insp.get_foreign_keys("c") == insp.get_check_constraints("c") == []
        _run(engine, "INSERT INTO c (id, a, b, pid) VALUES (3, 1, 1, 9)", "INSERT INTO c (id, a, b) VALUES (4, 0, -1)")
        assert "no such constraint: ck_b" in _error(engine, "ALTER TABLE c DROP CONSTRAINT ck_b", exc.OperationalError)

    def test_primary_key(self):
        engine = _parent_child()
        _run(engine, "ALTER TABLE c ADD CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id)")
        assert "fk_p" in _error(engine, "ALTER TABLE p DROP CONSTRAINT p_pkey", exc.OperationalError)
        _run(engine, "ALTER TABLE c DROP CONSTRAINT c_pkey")
        assert inspect(engine).get_pk_constraint("c")["constrained_columns"] == []
        _run(engine, "INSERT INTO c (id, a, b) VALUES (1, 7, 7)")  # id is no key now
        assert "already has a primary key" in _error(engine, "ALTER TABLE p ADD PRIMARY KEY (code)", exc.OperationalError)
        assert "UNIQUE" in _error(engine, "ALTER TABLE c ADD CONSTRAINT c_pk PRIMARY KEY (id)", exc.IntegrityError)
        _run(engine, "DELETE FROM c WHERE a = 7", "ALTER TABLE c ADD CONSTRAINT c_pk PRIMARY KEY (id)")
        assert inspect(engine).get_pk_constraint("c") == {"constrained_columns": ["id"], "name": "c_pk", "comment": None}
        _error(engine, "INSERT INTO c (id, a) VALUES (1, 9)", exc.IntegrityError)
        with engine.connect() as conn:
            assert _rows(conn, "SELECT id, a FROM c WHERE id = 2") == [(2, 1)]

    def test_rollback(self):
        engine = _parent_child()
        with engine.connect() as conn:
            with conn.begin():
                conn.exec_driver_sql("ALTER TABLE c ADD CONSTRAINT uq_a UNIQUE (b)")
                conn.exec_driver_sql("ALTER TABLE c DROP CONSTRAINT c_pkey")
                conn.rollback()
        assert inspect(engine).get_unique_constraints("c") == []
        assert inspect(engine).get_pk_constraint("c")["constrained_columns"] == ["id"]
        _error(engine, "INSERT INTO c (id) VALUES (1)", exc.IntegrityError)


class ConstraintCoreTest(fixtures.TestBase):
    """Core's AddConstraint / DropConstraint, as Alembic emits them."""

    def test_add_and_drop(self):
        from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
        from sqlalchemy.schema import AddConstraint, DropConstraint

        engine = _parent_child()
        m = MetaData()
        p = Table("p", m, autoload_with=engine)
        c = Table("c", m, autoload_with=engine)
        constraints = [
            UniqueConstraint(c.c.a, c.c.b, name="uq_ab"),
            CheckConstraint(c.c.b > 0, name="ck_b"),
            ForeignKeyConstraint([c.c.pid], [p.c.id], name="fk_p"),
            UniqueConstraint(p.c.code),
        ]
        with engine.begin() as conn:
            for cons in constraints:
                conn.execute(AddConstraint(cons))
        insp = inspect(engine)
        assert [u["name"] for u in insp.get_unique_constraints("c")] == ["uq_ab"]
        assert [u["name"] for u in insp.get_unique_constraints("p")] == ["p_code_key"]
        assert [k["name"] for k in insp.get_check_constraints("c")] == ["ck_b"]
        assert [f["name"] for f in insp.get_foreign_keys("c")] == ["fk_p"]
        _error(engine, "INSERT INTO c (id, a, b) VALUES (3, 1, 1)", exc.IntegrityError)
        _error(engine, "INSERT INTO c (id, a, b) VALUES (3, 5, -1)", exc.IntegrityError)
        with pytest.raises(exc.IntegrityError):
            with engine.begin() as conn:
                conn.execute(AddConstraint(UniqueConstraint(c.c.a, name="uq_a")))
        with engine.begin() as conn:
            for cons in constraints[:3]:
                conn.execute(DropConstraint(cons))
        insp = inspect(engine)
        assert insp.get_unique_constraints("c") == insp.get_check_constraints("c") == insp.get_foreign_keys("c") == []


class AlembicTest(fixtures.TestBase):
    """A real migration through Alembic's operations, and autogenerate."""

    def test_migration(self):
        pytest.importorskip("alembic")
        import sqlalchemy as sa
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        engine = create_engine("memory://")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(20))")
            conn.exec_driver_sql("CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR(20), author INTEGER)")
            conn.exec_driver_sql("INSERT INTO author VALUES (1, 'ann'), (2, 'bob')")
            conn.exec_driver_sql("INSERT INTO book VALUES (1, 'a', 1), (2, 'b', 2)")
        with engine.begin() as conn:
            op = Operations(MigrationContext.configure(conn))
            op.add_column("book", sa.Column("pages", sa.String(10), server_default="100"))
            op.alter_column("book", "pages", type_=sa.Integer, existing_type=sa.String(10))
            op.alter_column("book", "title", nullable=False, new_column_name="name", comment="the title")
            op.alter_column("book", "pages", server_default=sa.text("0"))
            op.create_index("ix_book_name", "book", ["name"])
            op.create_foreign_key("fk_book_author", "book", "author", ["author"], ["id"])
            op.create_unique_constraint("uq_author_name", "author", ["name"])
            op.create_check_constraint("ck_pages", "book", sa.column("pages") >= 0)
            op.drop_constraint("uq_author_name", "author", type_="unique")
            op.rename_table("book", "volume")
            op.create_table_comment("volume", "books")
        insp = inspect(engine)
        assert insp.get_table_names() == ["author", "volume"]
        columns = {c["name"]: c for c in insp.get_columns("volume")}
        assert list(columns) == ["id", "name", "author", "pages"]
        assert isinstance(columns["pages"]["type"], Integer)
        assert columns["pages"]["default"] == "0"
        assert columns["name"]["nullable"] is False and columns["name"]["comment"] == "the title"
        assert [i["name"] for i in insp.get_indexes("volume")] == ["ix_book_name"]
        assert [(f["name"], f["referred_table"]) for f in insp.get_foreign_keys("volume")] == [("fk_book_author", "author")]
        assert [k["name"] for k in insp.get_check_constraints("volume")] == ["ck_pages"]
        assert insp.get_unique_constraints("author") == []
        assert insp.get_table_comment("volume")["text"] == "books"
        with engine.begin() as conn:
            assert _rows(conn, "SELECT id, name, author, pages FROM volume ORDER BY id") == [(1, "a", 1, 100), (2, "b", 2, 100)]
            conn.exec_driver_sql("INSERT INTO volume (id, name, author) VALUES (3, 'c', 1)")
            assert _rows(conn, "SELECT pages FROM volume WHERE id = 3") == [(0,)]
        for sql in ("INSERT INTO volume (id, name, author) VALUES (4, 'd', 9)", "INSERT INTO volume (id, author) VALUES (4, 1)"):
            _error(engine, sql, exc.IntegrityError)

    def test_migration_is_transactional(self):
        pytest.importorskip("alembic")
        import sqlalchemy as sa
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        engine = _engine()
        with pytest.raises(exc.IntegrityError):
            with engine.begin() as conn:
                op = Operations(MigrationContext.configure(conn))
                op.add_column("t", sa.Column("extra", sa.Integer))
                op.drop_index("ix_t_x", table_name="t")
                op.create_unique_constraint("uq_extra", "t", ["x"])
                op.execute("UPDATE t SET x = 10")
                op.create_unique_constraint("uq_x", "t", ["x"])  # fails: rows share x
        assert _columns(engine) == ["id", "name", "x"]
        assert [i["name"] for i in inspect(engine).get_indexes("t")] == ["ix_t_x"]
        with engine.connect() as conn:
            assert _rows(conn) == [(1, "a", 10), (2, "b", 20)]

    def test_autogenerate(self):
        pytest.importorskip("alembic")
        import sqlalchemy as sa
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        def model(changed):
            m = MetaData()
            Table("author", m, Column("id", Integer, primary_key=True), Column("name", String(20), nullable=False, unique=True))
            Table(
                "book",
                m,
                Column("id", Integer, primary_key=True),
                Column("title", String(50), server_default="untitled", index=True),
                Column("author_id", Integer, sa.ForeignKey("author.id", ondelete="CASCADE")),
                Column("price", sa.Numeric(10, 2)),
                *([Column("isbn", String(13), comment="ISBN-13")] if changed else []),
                sa.CheckConstraint("price >= 0", name="ck_price"),
            )
            if not changed:
                Table("shelf", m, Column("id", Integer, primary_key=True), Column("label", sa.Text))
            return m

        engine = create_engine("memory://")
        model(False).create_all(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), model(False)) == []
            diffs = compare_metadata(MigrationContext.configure(conn), model(True))
        assert sorted((d[0], getattr(d[-1], "name", None)) for d in diffs) == [("add_column", "isbn"), ("remove_table", "shelf")]
