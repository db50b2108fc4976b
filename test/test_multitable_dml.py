"""UPDATE ... FROM and DELETE ... USING other tables, and UPDATE / DELETE
reading CTEs.  UPDATE ... FROM is compared with SQLite (3.33+); DELETE ...
USING (which SQLite lacks) with expected values, as PostgreSQL gives them:
each target row with at least one matching combination is written once."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, delete, func, select, update
from sqlalchemy.testing import fixtures
from sqlalchemy.testing.assertions import eq_

from _support import populated_engines


metadata = MetaData()
t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("x", Integer), Column("a", String(10)))
u = Table("u", metadata, Column("id", Integer, primary_key=True), Column("y", Integer), Column("b", String(10)))
w = Table("w", metadata, Column("k", Integer), Column("n", Integer))  # no primary key: rowid keyed

T_ROWS = [{"id": i, "x": i % 3, "a": "a%d" % i} for i in range(1, 8)]
U_ROWS = [{"id": 1, "y": 1, "b": "one"}, {"id": 2, "y": 2, "b": "two"}, {"id": 3, "y": 2, "b": "two"}, {"id": 4, "y": 5, "b": "five"}]
W_ROWS = [{"k": 1, "n": 0}, {"k": 1, "n": 0}, {"k": 2, "n": 0}, {"k": 9, "n": 0}]



def _engines(urls=("memory://", "sqlite://")):
    return populated_engines(metadata, [(t, T_ROWS), (u, U_ROWS), (w, W_ROWS)], urls=urls)


def _run(engine, stmt, params=None):
    with engine.begin() as conn:
        result = conn.execute(stmt, params) if params is not None else conn.execute(stmt)
        returned = [tuple(r) for r in result] if result.returns_rows else None
        return result.rowcount, returned, {
            name: [tuple(r) for r in conn.execute(select(table).order_by(*table.c))]
            for name, table in (("t", t), ("u", u), ("w", w))
        }


class _Base(fixtures.TestBase):
    def same(self, stmt, params=None):
        memory, lite = _engines()
        got = _run(memory, stmt, params)
        expected = _run(lite, stmt, params)
        if expected[0] == -1:  # SQLite gives no rowcount for statements WITH a CTE
            expected = (got[0],) + expected[1:]
        eq_(got, expected)
        return got

    def memory(self, stmt, params=None):
        (engine,) = _engines(("memory://",))
        return _run(engine, stmt, params)


class UpdateFromTest(_Base):
    def test_values_from_other_table(self):
        count, _, tables = self.same(update(t).where(t.c.x == u.c.y).values(a=u.c.b))
        # t.x == 1 matches u 1; t.x == 2 matches u 2 and 3 (same b): once each
        eq_(count, 5)
        eq_([r for r in tables["t"] if r[2] in ("one", "two")], [(1, 1, "one"), (2, 2, "two"), (4, 1, "one"), (5, 2, "two"), (7, 1, "one")])

    def test_rowcount_counts_target_rows(self):
        count, _, tables = self.same(update(t).where(t.c.x == u.c.y).values(a=func.upper(t.c.a)))
        eq_(count, 5)  # t 2 and 5 match two rows of u each: upper-cased once
        eq_([r[2] for r in tables["t"]], ["A1", "A2", "a3", "A4", "A5", "a6", "A7"])

    def test_expression_over_both_and_extra_where(self):
        stmt = update(t).where(t.c.x == u.c.y, u.c.id > 1, t.c.id < bindparam("top")).values(x=t.c.x + u.c.y * 10, a=u.c.b + t.c.a)
        self.same(stmt, {"top": 6})

    def test_non_equi_condition_and_no_match(self):
        self.same(update(t).where(t.c.x > u.c.y).values(a="gt"))
        count, _, _ = self.same(update(t).where(t.c.x == u.c.y, u.c.y == 99).values(a="none"))
        eq_(count, 0)

    def test_from_subquery_and_cte(self):
        sub = select(u.c.y, func.count().label("n")).group_by(u.c.y).subquery()
        self.same(update(t).where(t.c.x == sub.c.y).values(a=func.cast(sub.c.n, String)))
        cte = select(u.c.y, u.c.b).where(u.c.b != "one").cte("c")
        self.same(update(t).where(t.c.x == cte.c.y).values(a=cte.c.b))

    def test_three_tables(self):
        u2 = u.alias("u2")
        stmt = update(t).where(t.c.x == u.c.y, u2.c.y == u.c.y + 3).values(a=u2.c.b)
        count, _, tables = self.same(stmt)
        eq_((count, [r[2] for r in tables["t"]]), (2, ["a1", "five", "a3", "a4", "five", "a6", "a7"]))

    def test_moves_primary_key(self):
        stmt = update(t).where(t.c.id == u.c.id, u.c.y == 5).values(id=t.c.id + 100)
        count, _, tables = self.same(stmt)
        eq_((count, tables["t"][-1][0]), (1, 104))

    def test_rowid_keyed_target(self):
        stmt = update(w).where(w.c.k == u.c.id).values(n=w.c.n + u.c.y)
        count, _, tables = self.same(stmt)
        eq_((count, tables["w"]), (3, [(1, 1), (1, 1), (2, 2), (9, 0)]))

    def test_executemany(self):
        stmt = update(t).where(t.c.x == u.c.y, u.c.id == bindparam("uid")).values(a=bindparam("label"))
        self.same(stmt, [{"uid": 1, "label": "p"}, {"uid": 4, "label": "q"}, {"uid": 2, "label": "r"}])

    def test_returning_target_columns(self):
        stmt = update(t).where(t.c.x == u.c.y, u.c.id == 1).values(a=u.c.b).returning(t.c.id, t.c.a)
        count, returned, _ = self.memory(stmt)
        eq_((count, sorted(returned)), (3, [(1, "one"), (4, "one"), (7, "one")]))

    def test_rollback(self):
        (engine,) = _engines(("memory://",))
        with engine.connect() as conn:
            with conn.begin() as txn:
                conn.execute(update(t).where(t.c.x == u.c.y).values(a=u.c.b))
                txn.rollback()
            eq_([r.a for r in conn.execute(select(t).order_by(t.c.id))], [r["a"] for r in T_ROWS])


class DeleteUsingTest(_Base):
    def test_delete_once_per_target_row(self):
        count, _, tables = self.memory(delete(t).where(t.c.x == u.c.y))
        eq_(count, 5)
        eq_([r[0] for r in tables["t"]], [3, 6])
        eq_(len(tables["u"]), 4)

    def test_delete_with_conditions_on_both(self):
        count, _, tables = self.memory(delete(t).where(t.c.x == u.c.y, u.c.b == "two", t.c.id > bindparam("lo")), {"lo": 2})
        eq_((count, [r[0] for r in tables["t"]]), (1, [1, 2, 3, 4, 6, 7]))

    def test_delete_using_cte_and_subquery(self):
        cte = select(u.c.y).where(u.c.id > 2).cte("c")
        count, _, tables = self.memory(delete(t).where(t.c.x == cte.c.y))
        eq_((count, [r[0] for r in tables["t"]]), (2, [1, 3, 4, 6, 7]))
        sub = select(func.max(u.c.y).label("m")).subquery()
        count, _, tables = self.memory(delete(t).where(t.c.id == sub.c.m))
        eq_((count, [r[0] for r in tables["t"]]), (1, [1, 2, 3, 4, 6, 7]))

    def test_rowid_keyed_target(self):
        count, _, tables = self.memory(delete(w).where(w.c.k == u.c.id))
        eq_((count, tables["w"]), (3, [(9, 0)]))

    def test_returning_target_columns(self):
        count, returned, _ = self.memory(delete(t).where(t.c.x == u.c.y, u.c.id == 2).returning(t.c.id))
        eq_((count, sorted(returned)), (2, [(2,), (5,)]))


class CteInDmlTest(_Base):
    """CTEs attached to the UPDATE / DELETE statement, read from its WHERE."""

    def test_update_where_in_cte(self):
        cte = select(u.c.id).where(u.c.y == 2).cte("c")
        stmt = update(t).where(t.c.id.in_(select(cte.c.id))).values(a="cte").add_cte(cte)
        count, _, tables = self.same(stmt)
        eq_((count, [r[0] for r in tables["t"] if r[2] == "cte"]), (2, [2, 3]))

    def test_update_scalar_from_cte(self):
        cte = select(u.c.y, func.max(u.c.b).label("b")).group_by(u.c.y).cte("c")
        value = select(cte.c.b).where(cte.c.y == t.c.x).scalar_subquery()
        self.same(update(t).values(a=value).where(t.c.id > 3).add_cte(cte))

    def test_delete_where_in_cte(self):
        cte = select(u.c.y).where(u.c.id < 3).cte("c")
        stmt = delete(t).where(t.c.x.in_(select(cte.c.y))).add_cte(cte)
        count, _, tables = self.same(stmt)
        eq_((count, [r[0] for r in tables["t"]]), (5, [3, 6]))
