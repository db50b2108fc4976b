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
                ("ALTER TABLE t ADD COLUMN z INTEGER", exc.NotSupportedError, "ALTER TABLE"),
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
