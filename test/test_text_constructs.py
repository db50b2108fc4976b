"""``text()`` constructs inside Core and ORM statements: fragments with bound
parameters, ``text(...).columns(...)`` (a TextualSelect) run as a statement,
a subquery or a CTE, ORDER BY a name only the FROM has, and ``RETURNING *``;
checked against SQLite where both can run the statement."""

from __future__ import annotations

from typing import Any, List

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    column,
    delete,
    exc,
    insert,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.testing import fixtures

from _support import populated_engines

metadata = MetaData()
users = Table("users", metadata, Column("id", Integer, primary_key=True), Column("name", String(10)), Column("age", Integer))
pets = Table("pets", metadata, Column("id", Integer, primary_key=True), Column("owner", Integer), Column("name", String(10)))
USERS = [{"id": 1, "name": "ann", "age": 30}, {"id": 2, "name": "bob", "age": 25}, {"id": 3, "name": "cy:x", "age": 41}]
PETS = [{"id": 10, "owner": 1, "name": "rex"}, {"id": 11, "owner": 3, "name": "tom"}]


class _Both(fixtures.TestBase):
    def setup_test(self) -> None:
        self.memory, self.sqlite = populated_engines(metadata, [(users, USERS), (pets, PETS)])

    def both(self, stmt: Any, params: Any = None) -> List[Any]:
        """Rows (and result keys) of ``stmt`` on both engines, which must agree."""
        results = []
        for engine in (self.memory, self.sqlite):
            with engine.begin() as conn:
                result = conn.execute(stmt, params)
                results.append((list(result.keys()), [tuple(r) for r in result]))
        assert results[0] == results[1], stmt
        return results[0][1]


class TextFragmentBindsTest(_Both):
    def test_where_with_params(self) -> None:
        stmt = select(users.c.id).where(text("age > :x")).order_by(users.c.id)
        assert self.both(stmt.params(x=26)) == [(1,), (3,)]
        assert self.both(stmt, {"x": 35}) == [(3,)]

    def test_names_sqlglot_cannot_parse_and_escaped_colon(self) -> None:
        stmt = select(users.c.id).where(text("age > :1 AND name <> :select")).params({"1": 26, "select": "ann"})
        assert self.both(stmt) == [(3,)]
        assert self.both(select(users.c.id).where(text(r"name = 'cy\:x'"))) == [(3,)]

    def test_typed_bind_and_subquery_in_the_fragment(self) -> None:
        frag = text("id IN (SELECT owner FROM pets WHERE name <> :n) AND age >= :a").bindparams(
            bindparam("n", "tom"), bindparam("a", type_=Integer)
        )
        assert self.both(select(users.c.name).where(frag), {"a": 30}) == [("ann",)]

    def test_update_and_delete_where(self) -> None:
        with self.memory.begin() as conn:
            conn.execute(update(users).where(text("age < :lim")).values(age=users.c.age + 1), {"lim": 31})
            conn.execute(delete(pets).where(text("name = :n").bindparams(n="rex")))
            assert conn.execute(select(users.c.age).order_by(users.c.id)).all() == [(31,), (26,), (41,)]
            assert conn.execute(select(pets.c.id)).all() == [(11,)]

    def test_missing_value_is_an_sqlalchemy_error(self) -> None:
        with self.memory.connect() as conn:
            with pytest.raises(exc.StatementError):
                conn.execute(select(users.c.id).where(text("age > :x")))


class TextualSelectTest(_Both):
    def test_subquery_columns_resolve_by_name(self) -> None:
        # listed in another order than the SQL produces them: SQL resolves names
        subq = text("SELECT * FROM users WHERE age > :a").columns(column("name"), column("id")).subquery()
        stmt = select(subq.c.id, subq.c.name).order_by(subq.c.id)
        assert self.both(stmt, {"a": 26}) == [(1, "ann"), (3, "cy:x")]

    def test_join_cte_and_in_subquery(self) -> None:
        owners = text("SELECT owner AS uid, name AS pet FROM pets").columns(column("uid"), column("pet")).cte("owners")
        stmt = select(users.c.name, owners.c.pet).join(owners, owners.c.uid == users.c.id).order_by(users.c.id)
        assert self.both(stmt) == [("ann", "rex"), ("cy:x", "tom")]
        ids = text("SELECT owner FROM pets WHERE name = :n").columns(column("owner", Integer))
        assert self.both(select(users.c.name).where(users.c.id.in_(ids)), {"n": "tom"}) == [("cy:x",)]

    def test_statement_reports_the_names_of_its_sql(self) -> None:
        stmt = text("SELECT name AS who, id FROM users WHERE id = :i").columns(column("who", String), column("id", Integer))
        assert self.both(stmt, {"i": 2}) == [("bob", 2)]

    def test_orm_from_statement(self) -> None:
        class Base(DeclarativeBase):
            pass

        class User(Base):
            __table__ = users
            id: Mapped[int]
            name: Mapped[str]

        for engine in (self.memory, self.sqlite):
            with Session(engine) as session:
                query = text("SELECT * FROM users WHERE age < :a ORDER BY id").columns(users.c.id, users.c.name, users.c.age)
                found = session.scalars(select(User).from_statement(query), {"a": 35}).all()
                assert [(u.id, u.name) for u in found] == [(1, "ann"), (2, "bob")]
                named = session.execute(select(User.name).from_statement(text("SELECT name FROM users ORDER BY id").columns(users.c.name)))
                assert named.all() == [("ann",), ("bob",), ("cy:x",)]

    def test_bad_sql_is_an_sqlalchemy_error(self) -> None:
        with self.memory.connect() as conn:
            with pytest.raises(exc.NotSupportedError, match="statement in text"):
                conn.execute(text("DELETE FROM users").columns(column("id")).subquery().select())
            with pytest.raises(exc.ProgrammingError, match="syntax error"):
                conn.execute(text("SELECT FROM WHERE").columns(column("id")).subquery().select())
            with pytest.raises(exc.OperationalError, match="no such table"):
                conn.execute(text("SELECT * FROM nope").columns(column("id")).subquery().select())


class FromNamesTest(_Both):
    def test_order_by_a_name_only_the_from_has(self) -> None:
        stmt = select(column("name")).select_from(table("users")).order_by(text("age DESC"))
        assert self.both(stmt) == [("cy:x",), ("ann",), ("bob",)]
        stmt = select(column("name")).select_from(table("users")).where(text("users.age < :a")).order_by(text("id"))
        assert self.both(stmt, {"a": 35}) == [("ann",), ("bob",)]
        assert self.both(select(column("id"), column("name")).select_from(table("users")).order_by("id")) == [
            (1, "ann"), (2, "bob"), (3, "cy:x"),
        ]

    def test_ambiguous_name(self) -> None:
        joined = table("users").join(table("pets"), text("pets.owner = users.id"))
        assert self.both(select(literal_column("pets.name")).select_from(joined).order_by(text("users.id"))) == [
            ("rex",), ("tom",),
        ]
        stmt = select(column("name")).select_from(joined)
        with self.memory.connect() as conn:
            with pytest.raises(exc.ProgrammingError, match="ambiguous column name: name"):
                conn.execute(stmt)


class ReturningStarTest(_Both):
    def test_insert_update_delete(self) -> None:
        assert self.both(insert(users).returning(literal_column("*")), {"id": 7, "name": "dee", "age": 9}) == [(7, "dee", 9)]
        stmt = update(users).where(users.c.age > 29).values(age=users.c.age - 10).returning(literal_column("*"))
        assert sorted(self.both(stmt)) == [(1, "ann", 20), (3, "cy:x", 31)]
        assert self.both(delete(pets).where(pets.c.id == 10).returning(pets.c.id, text("*"))) == [(10, 10, 1, "rex")]

    def test_select_star_reports_column_names(self) -> None:
        stmt = select(text("*")).select_from(users.join(pets, pets.c.owner == users.c.id)).order_by(users.c.id)
        assert self.both(stmt) == [(1, "ann", 30, 10, 1, "rex"), (3, "cy:x", 41, 11, 3, "tom")]
