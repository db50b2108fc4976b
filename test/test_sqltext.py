"""SQL text: exec_driver_sql(), text(), SQL fragments (sqlalchemy_memory.sqltext)."""

from __future__ import annotations

import datetime
import decimal

import sqlalchemy as sa
from sqlalchemy import exc, text
from sqlalchemy.testing import eq_, fixtures, is_true

from sqlalchemy_memory.engine.expr import Scope, compile_expr
from sqlalchemy_memory.sqltext import expression
from sqlalchemy_memory.sqltext.parse import txn_control


class TestSqlText(fixtures.TestBase):
    __requires__ = ()

    def _engine(self):
        engine = sa.create_engine("memory://")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, "
                "score NUMERIC(5, 2) DEFAULT 1.5, born DATE)"
            )
            conn.exec_driver_sql(
                "INSERT INTO t (id, name, born) VALUES (1, 'ann', '2001-02-03'), (2, 'bob', NULL), (3, 'cy', NULL)"
            )
        return engine

    def test_select_star_description_and_rows(self):
        with self._engine().connect() as conn:
            result = conn.exec_driver_sql("SELECT * FROM t ORDER BY id")
            eq_(list(result.keys()), ["id", "name", "score", "born"])
            eq_(
                result.all(),
                [
                    (1, "ann", decimal.Decimal("1.50"), datetime.date(2001, 2, 3)),
                    (2, "bob", decimal.Decimal("1.50"), None),
                    (3, "cy", decimal.Decimal("1.50"), None),
                ],
            )

    def test_named_and_positional_params(self):
        with self._engine().connect() as conn:
            eq_(conn.execute(text("SELECT name FROM t WHERE id = :id"), {"id": 2}).scalar(), "bob")
            eq_(conn.exec_driver_sql("SELECT name FROM t WHERE id = ?", (3,)).scalar(), "cy")
            eq_(conn.execute(text("SELECT :x + 1 AS y"), {"x": 41}).scalar(), 42)

    def test_literal_converted_to_column_type(self):
        with self._engine().connect() as conn:
            eq_(conn.exec_driver_sql("SELECT name FROM t WHERE born = '2001-02-03'").all(), [("ann",)])

    def test_where_group_order_limit(self):
        with self._engine().begin() as conn:
            conn.exec_driver_sql("INSERT INTO t (id, name) VALUES (4, 'bob')")
            result = conn.exec_driver_sql(
                "SELECT name, count(*) AS n FROM t WHERE id > 1 GROUP BY name ORDER BY n DESC, 1 LIMIT 1"
            )
            eq_(list(result.keys()), ["name", "n"])
            eq_(result.all(), [("bob", 2)])
            eq_(conn.exec_driver_sql("SELECT id FROM t ORDER BY id LIMIT 2 OFFSET 1").all(), [(2,), (3,)])

    def test_expressions(self):
        with self._engine().connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT 7 / 2, 7.0 / 2, 'a' || name, upper(name), "
                "CASE WHEN id > 1 THEN 'big' ELSE 'small' END, coalesce(born, '-') "
                "FROM t WHERE name LIKE 'a%' AND id IN (1, 2) AND born IS NOT NULL"
            ).one()
            eq_(row, (3, decimal.Decimal("3.5"), "aann", "ANN", "small", datetime.date(2001, 2, 3)))

    def test_dml_rowcount_and_returning(self):
        with self._engine().begin() as conn:
            result = conn.execute(text("UPDATE t SET score = score + 1 WHERE id IN (1, 2)"))
            eq_(result.rowcount, 2)
            eq_(
                conn.exec_driver_sql("DELETE FROM t WHERE id = 3 RETURNING id, name").all(),
                [(3, "cy")],
            )
            eq_(conn.exec_driver_sql("SELECT sum(score) FROM t").scalar(), decimal.Decimal("5.00"))

    def test_executemany(self):
        with self._engine().begin() as conn:
            conn.execute(
                text("INSERT INTO t (id, name) VALUES (:id, :name)"),
                [{"id": 10, "name": "x"}, {"id": 11, "name": "y"}],
            )
            eq_(conn.exec_driver_sql("SELECT count(*) FROM t WHERE id >= 10").scalar(), 2)

    def test_text_columns_typing(self):
        engine = self._engine()
        with engine.connect() as conn:
            t = sa.Table("t", sa.MetaData(), autoload_with=conn)
            stmt = text("SELECT id, name FROM t WHERE id = 1").columns(t.c.id, t.c.name)
            row = conn.execute(stmt).one()
            eq_(row._mapping[t.c.name], "ann")

    def test_joins_and_subqueries(self):
        with self._engine().begin() as conn:
            conn.exec_driver_sql("CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id))")
            conn.exec_driver_sql("INSERT INTO u VALUES (1, 1), (2, 2), (3, 1)")
            eq_(
                conn.exec_driver_sql("SELECT t.name, u.id FROM t JOIN u ON u.t_id = t.id ORDER BY u.id").all(),
                [("ann", 1), ("bob", 2), ("ann", 3)],
            )
            eq_(
                conn.exec_driver_sql(
                    "SELECT name, (SELECT count(*) FROM u WHERE u.t_id = t.id) AS n FROM t ORDER BY name"
                ).all(),
                [("ann", 2), ("bob", 1), ("cy", 0)],
            )
            eq_(
                conn.exec_driver_sql("SELECT name FROM t WHERE id NOT IN (SELECT t_id FROM u)").all(),
                [("cy",)],
            )
            fks = sa.inspect(conn).get_foreign_keys("u")
            eq_([(fk["referred_table"], fk["referred_columns"]) for fk in fks], [("t", ["id"])])

    def test_ddl_index_and_drop(self):
        engine = self._engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE UNIQUE INDEX ux_name ON t (name)")
            eq_([i["name"] for i in sa.inspect(conn).get_indexes("t")], ["ux_name"])
            with conn.begin_nested():
                try:
                    conn.exec_driver_sql("INSERT INTO t (id, name) VALUES (9, 'ann')")
                except exc.IntegrityError:
                    pass
                else:
                    raise AssertionError("expected IntegrityError")
            conn.exec_driver_sql("DROP INDEX ux_name")
            conn.exec_driver_sql("DROP TABLE t")
            conn.exec_driver_sql("DROP TABLE IF EXISTS t")
            eq_(sa.inspect(conn).get_table_names(), [])

    def test_ddl_is_transactional(self):
        engine = self._engine()
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE gone (x INTEGER)")
            conn.rollback()
            eq_(sa.inspect(conn).has_table("gone"), False)

    def test_transaction_statements(self):
        engine = self._engine()
        with engine.connect() as conn:
            conn.exec_driver_sql("SAVEPOINT s1")
            conn.exec_driver_sql("INSERT INTO t (id, name) VALUES (20, 'z')")
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT s1")
            conn.exec_driver_sql("RELEASE SAVEPOINT s1")
            conn.exec_driver_sql("INSERT INTO t (id, name) VALUES (21, 'z')")
            conn.exec_driver_sql("COMMIT")
        with engine.connect() as conn:
            eq_(conn.exec_driver_sql("SELECT id FROM t WHERE id >= 20").all(), [(21,)])
        eq_(txn_control("release x").action, "release")
        eq_(txn_control("SELECT 1"), None)

    def test_errors(self):
        with self._engine().connect() as conn:
            for sql, error, fragment in [
                ("SELEC 1", exc.ProgrammingError, "line 1, column"),
                ("SELECT 1; SELECT 2", exc.ProgrammingError, "one statement"),
                ("SELECT nope FROM t", exc.OperationalError, "no such column: nope"),
                ("SELECT * FROM nope", exc.OperationalError, "no such table: nope"),
                ("ALTER TABLE t DROP CONSTRAINT uq CASCADE", exc.NotSupportedError, "ALTER TABLE t DROP CONSTRAINT"),
                ("SELECT * FROM t WHERE id = :missing", exc.ProgrammingError, ":missing"),
            ]:
                try:
                    conn.exec_driver_sql(sql)
                except error as err:
                    is_true(fragment in str(err), "%r not in %s" % (fragment, err))
                else:
                    raise AssertionError("no error for %r" % sql)
                conn.rollback()

    def test_expression_fragment(self):
        t = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("x", sa.String))
        scope = Scope(None, [(t, {"id": 0, "x": 1})])
        row = (2, "abc")
        for sql, type_, expected in [
            ("id + 1", None, 3),
            ("5.52", sa.Float(), 5.52),
            ("5.52", None, decimal.Decimal("5.52")),
            ("t.x || '!'", None, "abc!"),
            ("id BETWEEN 1 AND 3 AND x LIKE 'a%'", None, True),
        ]:
            eq_(compile_expr(expression(sql, scope, type_), scope)(row, {}), expected)


class TestSqlTextViewsAndClauses(fixtures.TestBase):
    """Views from SQL text on SQLAlchemy 2.0 and 2.1, tables without columns,
    FETCH FIRST, and ``order_by("name")`` naming a column."""

    __requires__ = ()

    def _engine(self):
        engine = sa.create_engine("memory://")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1, 1), (2, 2), (3, 2), (4, 3), (5, 4)")
        return engine

    def test_create_view_query_and_reflect(self):
        engine = self._engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE VIEW v AS SELECT id, x * 2 AS y FROM t WHERE id > 2")
            conn.exec_driver_sql("CREATE TEMPORARY VIEW tv AS SELECT id FROM t WHERE id = 3")
            eq_(conn.exec_driver_sql("SELECT * FROM v ORDER BY id").all(), [(3, 4), (4, 6), (5, 8)])
            conn.exec_driver_sql("INSERT INTO t VALUES (6, 10)")  # a view reads current rows
            eq_(conn.exec_driver_sql("SELECT y FROM V WHERE id = 6").scalar(), 20)
            insp = sa.inspect(conn)
            eq_(insp.get_view_names(), ["v"])
            eq_(insp.get_temp_view_names(), ["tv"])
            eq_(insp.get_view_definition("v"), "SELECT id, x * 2 AS y FROM t WHERE id > 2")
            eq_([c["name"] for c in insp.get_columns("v")], ["id", "y"])
            is_true(insp.has_table("v"))
            reflected = sa.Table("v", sa.MetaData(), autoload_with=conn)
            eq_(conn.execute(sa.select(reflected.c.y).where(reflected.c.id == 3)).scalar(), 4)
            # a view's literals never read the querying statement's binds
            conn.exec_driver_sql("CREATE VIEW v2 AS SELECT id, y + 1 AS z FROM v WHERE y > 5")
            eq_(conn.exec_driver_sql("SELECT z, 3 FROM v2 WHERE id = 6").all(), [(21, 3)])
            try:
                conn.exec_driver_sql("CREATE VIEW v3 AS SELECT id FROM t WHERE id = :p", {"p": 1})
            except exc.NotSupportedError as err:
                is_true("placeholder" in str(err), str(err))
            else:
                raise AssertionError("a view with a placeholder was accepted")

    def test_replace_if_not_exists_and_drop_view(self):
        engine = self._engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE VIEW v AS SELECT id FROM t WHERE id = 1")
            conn.exec_driver_sql("CREATE OR REPLACE VIEW v AS SELECT id FROM t WHERE id = 2")
            conn.exec_driver_sql("CREATE VIEW IF NOT EXISTS v AS SELECT id FROM t WHERE id = 3")
            eq_(conn.exec_driver_sql("SELECT id FROM v").all(), [(2,)])
            eq_(sa.inspect(conn).get_view_definition("v"), "SELECT id FROM t WHERE id = 2")
            with conn.begin_nested() as sp:
                try:
                    conn.exec_driver_sql("CREATE VIEW v AS SELECT 1 AS one")
                except exc.OperationalError as err:
                    is_true("already exists" in str(err), str(err))
                else:
                    raise AssertionError("expected OperationalError")
                sp.rollback()
            conn.exec_driver_sql("DROP VIEW V")  # unquoted: case-insensitive
            conn.exec_driver_sql("DROP VIEW IF EXISTS v")
            eq_(sa.inspect(conn).get_view_names(), [])
            eq_(sa.inspect(conn).get_table_names(), ["t"])

    def test_view_ddl_is_transactional(self):
        engine = self._engine()
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE VIEW v AS SELECT id FROM t")
            conn.rollback()
            eq_(sa.inspect(conn).get_view_names(), [])

    def test_materialized_view(self):
        engine = self._engine()
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE MATERIALIZED VIEW mv AS SELECT id FROM t WHERE id < 3")
            conn.exec_driver_sql("INSERT INTO t VALUES (0, 0)")  # a snapshot: not seen
            eq_(conn.exec_driver_sql("SELECT id FROM mv ORDER BY id").all(), [(1,), (2,)])
            insp = sa.inspect(conn)
            eq_(insp.get_materialized_view_names(), ["mv"])
            eq_(insp.get_view_names(), [])
            eq_(insp.get_view_definition("mv"), "SELECT id FROM t WHERE id < 3")
            conn.exec_driver_sql("DROP MATERIALIZED VIEW mv")
            insp = sa.inspect(conn)
            eq_(insp.get_materialized_view_names(), [])
            eq_(insp.get_table_names(), ["t"])

    def test_select_star_from_table_without_columns(self):
        engine = self._engine()
        sa.Table("empty", metadata := sa.MetaData())
        metadata.create_all(engine)
        with engine.begin() as conn:
            result = conn.exec_driver_sql("SELECT * FROM empty")
            eq_(list(result.keys()), [])
            eq_(result.all(), [])
            eq_(conn.exec_driver_sql("SELECT empty.*, t.id FROM empty, t").all(), [])
            conn.exec_driver_sql("CREATE VIEW empty_v AS SELECT * FROM empty")
            eq_(sa.inspect(conn).get_columns("empty_v"), [])
            eq_(list(sa.Table("empty_v", sa.MetaData(), autoload_with=conn).c), [])
            eq_(conn.exec_driver_sql("SELECT * FROM empty_v").all(), [])
            try:
                conn.exec_driver_sql("SELECT")
            except exc.DBAPIError:
                pass
            else:
                raise AssertionError("SELECT with no columns and no FROM was accepted")

    def test_offset_fetch(self):
        with self._engine().connect() as conn:
            for sql, expected in [
                ("SELECT id FROM t ORDER BY id OFFSET 1 ROWS FETCH FIRST 2 ROWS ONLY", [2, 3]),
                ("SELECT id FROM t ORDER BY id OFFSET 3 ROWS", [4, 5]),
                ("SELECT id FROM t ORDER BY id FETCH FIRST ROW ONLY", [1]),
                ("SELECT id FROM t ORDER BY id FETCH NEXT 2 ROWS ONLY", [1, 2]),
                ("SELECT id FROM t ORDER BY x FETCH FIRST 2 ROWS WITH TIES", [1, 2, 3]),
                ("SELECT id FROM t ORDER BY id FETCH FIRST 40 PERCENT ROWS ONLY", [1, 2]),
                ("SELECT id FROM t ORDER BY id FETCH FIRST 50.5 PERCENT ROWS ONLY", [1, 2, 3]),
                ("SELECT id FROM t UNION SELECT x FROM t ORDER BY 1 OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY", [2, 3]),
            ]:
                eq_(conn.exec_driver_sql(sql).scalars().all(), expected, sql)
            eq_(
                conn.execute(
                    text("SELECT id FROM t ORDER BY id OFFSET :o ROWS FETCH FIRST :n ROWS ONLY"), {"o": 2, "n": 1}
                ).scalars().all(),
                [3],
            )

    def test_order_by_textual_name_of_column(self):
        engine = sa.create_engine("memory://")
        metadata = sa.MetaData()
        t = sa.Table(
            "unitéble",
            metadata,
            sa.Column("méil", sa.Integer, primary_key=True, key="a"),
            sa.Column("\u6e2c\u8a66", sa.Integer, key="b"),
            sa.Column("MixedCase", sa.Integer),
        )
        u = sa.Table("u", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("a_id", sa.Integer))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), [{"a": 1, "b": 7, "MixedCase": 2}, {"a": 2, "b": 5, "MixedCase": 1}])
            conn.execute(u.insert(), [{"id": 10, "a_id": 2}, {"id": 11, "a_id": 1}])
            eq_(conn.execute(t.select().order_by(sa.desc("a"))).all(), [(2, 5, 1), (1, 7, 2)])  # by key
            eq_(conn.execute(sa.select(t.c.a).order_by("MixedCase")).scalars().all(), [2, 1])  # not selected
            eq_(conn.execute(sa.select(t.c.a).order_by(sa.desc("b"))).scalars().all(), [1, 2])
            reflected = sa.Table("unitéble", sa.MetaData(), autoload_with=conn)
            eq_(conn.execute(reflected.select().order_by(sa.desc("méil"))).all(), [(2, 5, 1), (1, 7, 2)])
            eq_(conn.execute(sa.select(t.c.a.label("z")).order_by(sa.desc("z"))).scalars().all(), [2, 1])
            sub = t.select().subquery()
            eq_(conn.execute(sa.select(sub.c.a).order_by(sa.desc("b"))).scalars().all(), [1, 2])
            joined = sa.select(u.c.id).join_from(u, t, u.c.a_id == t.c.a).order_by("MixedCase")
            eq_(conn.execute(joined).scalars().all(), [10, 11])
            grouped = sa.select(t.c.a, sa.func.count().label("n")).group_by("a").order_by(sa.desc("a"))
            eq_(conn.execute(grouped).all(), [(2, 1), (1, 1)])
