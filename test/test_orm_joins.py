"""ORM loading through nested joins, checked against SQLite.

Eager loading of a many-to-many joins ``a LEFT OUTER JOIN (assoc JOIN b)``;
``with_polymorphic`` and ``of_type`` over joined-table inheritance join the
subclass tables in groupings or in anonymous aliased joins; ORM subqueries of
polymorphic entities list their columns differently from their ``.c``.  Each
test runs the same code on ``memory://`` and ``sqlite://`` holding the same
rows and asserts the same objects (by class and column values) come back.
Relationships are ``lazy="raise"``: a test passes only if the eager load it
names filled them.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, create_engine, exc, func, inspect, select, true
from sqlalchemy.orm import (
    Mapped,
    Session,
    aliased,
    contains_eager,
    joinedload,
    mapped_column,
    polymorphic_union,
    relationship,
    selectinload,
    subqueryload,
    with_polymorphic,
)
from sqlalchemy.testing import fixtures
import pytest

from _support import declarative_base

URLS = ("memory://", "sqlite://")


def _values(obj: Any) -> Any:
    """A mapped object as ``(class name, column values...)``, comparable
    across sessions; other values as they are, tuples element-wise."""
    if isinstance(obj, tuple):
        return tuple(_values(v) for v in obj)
    state = inspect(obj, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        return obj
    return (type(obj).__name__,) + tuple(getattr(obj, a.key) for a in state.mapper.column_attrs)


def _collection(obj: Any, name: str) -> List[Any]:
    return [_values(o) for o in getattr(obj, name)]


class _Pair:
    """One engine per URL with the same committed rows; ``same(fn)`` runs
    ``fn(session)`` on each in a fresh session and asserts equal results."""

    def __init__(self, base: Any, rows: Callable[[], Sequence[Any]]) -> None:
        self.engines = []
        for url in URLS:
            engine = create_engine(url)
            base.metadata.create_all(engine)
            with Session(engine) as s:
                s.add_all(rows())
                s.commit()
            self.engines.append(engine)

    def same(self, fn: Callable[[Session], Any]) -> Any:
        results = []
        for engine in self.engines:
            with Session(engine) as s:
                results.append(fn(s))
        memory, sqlite = results
        assert memory == sqlite
        return memory

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def _library() -> Tuple[Any, Any, Any, Any, Any]:
    """Authors and books (many-to-many), customers -> orders -> lines."""
    Base = declarative_base()
    author_book = Table(
        "author_book",
        Base.metadata,
        Column("author_id", ForeignKey("author.id"), primary_key=True),
        Column("book_id", ForeignKey("book.id"), primary_key=True),
    )

    class Author(Base):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))
        books: Mapped[List["Book"]] = relationship(secondary=author_book, order_by="Book.id", lazy="raise", back_populates="authors")

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(20))
        authors: Mapped[List[Author]] = relationship(secondary=author_book, order_by=Author.id, lazy="raise", back_populates="books")

    class Customer(Base):
        __tablename__ = "customer"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))
        orders: Mapped[List["Order"]] = relationship(order_by="Order.id", lazy="raise")

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
        status: Mapped[str] = mapped_column(String(10))
        lines: Mapped[List["Line"]] = relationship(order_by="Line.id", lazy="raise")

    class Line(Base):
        __tablename__ = "line"
        id: Mapped[int] = mapped_column(primary_key=True)
        order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
        qty: Mapped[int]

    return Base, Author, Book, Customer, (Order, Line)


def _library_rows(Author: Any, Book: Any, Customer: Any, Order: Any, Line: Any) -> Callable[[], List[Any]]:
    def rows() -> List[Any]:
        books = [Book(id=i, title="b%d" % i) for i in range(1, 6)]  # b5 has no author
        authors = [
            Author(id=1, name="ann", books=[books[0], books[1]]),
            Author(id=2, name="bob", books=[books[1], books[2], books[3]]),
            Author(id=3, name="cy"),  # no books
        ]
        customers = [
            Customer(id=1, name="c1", orders=[
                Order(id=1, status="open", lines=[Line(id=1, qty=2), Line(id=2, qty=5)]),
                Order(id=2, status="done"),  # no lines
            ]),
            Customer(id=2, name="c2", orders=[Order(id=3, status="open", lines=[Line(id=3, qty=1)])]),
            Customer(id=3, name="c3"),  # no orders
        ]
        return [*books, *authors, *customers]

    return rows


class _PairTest(fixtures.TestBase):
    """Tests over one ``_Pair`` per class (mapped classes are per class too:
    the test plugin disposes of mappers after each class)."""

    pair: _Pair

    @classmethod
    def teardown_test_class(cls) -> None:
        cls.pair.dispose()


class _LibraryTest(_PairTest):
    @classmethod
    def setup_test_class(cls) -> None:
        Base, cls.Author, cls.Book, cls.Customer, (cls.Order, cls.Line) = _library()
        cls.pair = _Pair(Base, _library_rows(cls.Author, cls.Book, cls.Customer, cls.Order, cls.Line))


class ManyToManyEagerTest(_LibraryTest):

    def _authors(self, option: Any) -> Callable[[Session], Any]:
        Author = self.Author

        def run(s: Session) -> Any:
            authors = s.scalars(select(Author).options(option).order_by(Author.id)).unique().all()
            return [(_values(a), _collection(a, "books")) for a in authors]

        return run

    def test_joinedload(self) -> None:
        got = self.pair.same(self._authors(joinedload(self.Author.books)))
        assert [len(books) for _, books in got] == [2, 3, 0]

    def test_selectinload(self) -> None:
        got = self.pair.same(self._authors(selectinload(self.Author.books)))
        assert [len(books) for _, books in got] == [2, 3, 0]

    def test_subqueryload(self) -> None:
        got = self.pair.same(self._authors(subqueryload(self.Author.books)))
        assert [len(books) for _, books in got] == [2, 3, 0]

    def test_joinedload_reverse_side_with_limit(self) -> None:
        """A LIMIT puts the books in a subquery the nested join hangs off."""
        Book = self.Book

        def run(s: Session) -> Any:
            stmt = select(Book).options(joinedload(Book.authors)).order_by(Book.id.desc()).limit(3)
            return [(_values(b), _collection(b, "authors")) for b in s.scalars(stmt).unique()]

        got = self.pair.same(run)
        assert [len(authors) for _, authors in got] == [0, 1, 1]

    def test_joinedload_both_ways(self) -> None:
        Author, Book = self.Author, self.Book

        def run(s: Session) -> Any:
            stmt = select(Author).options(joinedload(Author.books).joinedload(Book.authors)).order_by(Author.id)
            return [
                (a.name, [(b.title, [x.name for x in b.authors]) for b in a.books])
                for a in s.scalars(stmt).unique()
            ]

        got = self.pair.same(run)
        assert got[1] == ("bob", [("b2", ["ann", "bob"]), ("b3", ["bob"]), ("b4", ["bob"])])

    def test_outer_join_through_secondary_without_match(self) -> None:
        """Authors without books, and books without authors, come back padded with NULLs."""
        Author, Book = self.Author, self.Book

        def run(s: Session) -> Any:
            by_author = s.execute(select(Author.name, Book.title).outerjoin(Author.books).order_by(Author.id, Book.id)).all()
            by_book = s.execute(select(Book.title, Author.name).outerjoin(Book.authors).order_by(Book.id, Author.id)).all()
            return by_author, by_book

        by_author, by_book = self.pair.same(run)
        assert ("cy", None) in by_author
        assert ("b5", None) in by_book

    def test_filter_on_the_far_table_of_an_outer_join(self) -> None:
        """WHERE on the NULL-extended side is applied after the join, not pushed into it."""
        Author, Book = self.Author, self.Book

        def run(s: Session) -> Any:
            stmt = select(Author.name).outerjoin(Author.books).where(Book.id.is_(None)).order_by(Author.id)
            return s.scalars(stmt).all()

        assert self.pair.same(run) == ["cy"]


class NestedChainTest(_LibraryTest):

    def _tree(self, customers: Any) -> Any:
        return [
            (_values(c), [(_values(o), _collection(o, "lines")) for o in c.orders])
            for c in customers
        ]

    def test_joinedload_chain(self) -> None:
        Customer, Order = self.Customer, self.Order

        def run(s: Session) -> Any:
            stmt = select(Customer).options(joinedload(Customer.orders).joinedload(Order.lines)).order_by(Customer.id)
            return self._tree(s.scalars(stmt).unique())

        got = self.pair.same(run)
        assert [len(orders) for _, orders in got] == [2, 1, 0]
        assert [len(lines) for _, lines in got[0][1]] == [2, 0]

    def test_joinedload_chain_innerjoin(self) -> None:
        """``innerjoin=True`` below an outer join nests: ``a LEFT JOIN (b JOIN c)``."""
        Customer, Order = self.Customer, self.Order

        def run(s: Session) -> Any:
            option = joinedload(Customer.orders).joinedload(Order.lines, innerjoin=True)
            return self._tree(s.scalars(select(Customer).options(option).order_by(Customer.id)).unique())

        got = self.pair.same(run)
        # with the inner join nested, customer 1 keeps only the order that has lines
        assert [len(orders) for _, orders in got] == [1, 1, 0]

    def test_mixed_loaders_on_a_chain(self) -> None:
        Customer, Order = self.Customer, self.Order

        def run(s: Session) -> Any:
            option = selectinload(Customer.orders).joinedload(Order.lines)
            return self._tree(s.scalars(select(Customer).options(option).order_by(Customer.id)))

        self.pair.same(run)

    def test_contains_eager_through_aliased_joins(self) -> None:
        Customer, Order, Line = self.Customer, self.Order, self.Line

        def run(s: Session) -> Any:
            o = aliased(Order)
            line = aliased(Line)
            stmt = (
                select(Customer)
                .outerjoin(Customer.orders.of_type(o))
                .outerjoin(o.lines.of_type(line))
                .options(contains_eager(Customer.orders.of_type(o)).contains_eager(o.lines.of_type(line)))
                .order_by(Customer.id, o.id, line.id)
            )
            return self._tree(s.scalars(stmt).unique())

        got = self.pair.same(run)
        assert [len(orders) for _, orders in got] == [2, 1, 0]

    def test_contains_eager_with_criteria_on_the_alias(self) -> None:
        Customer, Order = self.Customer, self.Order

        def run(s: Session) -> Any:
            o = aliased(Order)
            stmt = (
                select(Customer)
                .join(Customer.orders.of_type(o))
                .where(o.status == "open")
                .options(contains_eager(Customer.orders.of_type(o)), joinedload(Customer.orders.of_type(o), o.lines))
                .order_by(Customer.id, o.id)
            )
            customers = s.scalars(stmt).unique().all()
            return [(c.name, [(x.id, x.status) for x in c.orders]) for c in customers]

        assert self.pair.same(run) == [("c1", [(1, "open")]), ("c2", [(3, "open")])]

    def test_outer_join_rows_without_match(self) -> None:
        Customer, Order, Line = self.Customer, self.Order, self.Line

        def run(s: Session) -> Any:
            stmt = (
                select(Customer.name, Order.id, Line.qty)
                .outerjoin(Customer.orders)
                .outerjoin(Order.lines)
                .order_by(Customer.id, Order.id, Line.id)
            )
            return s.execute(stmt).all()

        got = self.pair.same(run)
        assert ("c1", 2, None) in got and ("c3", None, None) in got


def _company() -> Tuple[Any, ...]:
    """Joined-table inheritance: Employee <- Engineer, Manager <- Director."""
    Base = declarative_base()

    class Company(Base):
        __tablename__ = "company"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))
        employees: Mapped[List["Employee"]] = relationship(order_by="Employee.id", lazy="raise")

    class Employee(Base):
        __tablename__ = "employee"
        id: Mapped[int] = mapped_column(primary_key=True)
        company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
        name: Mapped[str] = mapped_column(String(20))
        type: Mapped[str] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}

    class Engineer(Employee):
        __tablename__ = "engineer"
        id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
        language: Mapped[Optional[str]] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_identity": "engineer"}

    class Manager(Employee):
        __tablename__ = "manager"
        id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
        budget: Mapped[Optional[int]]
        __mapper_args__ = {"polymorphic_identity": "manager"}

    class Director(Manager):
        __tablename__ = "director"
        id: Mapped[int] = mapped_column(ForeignKey("manager.id"), primary_key=True)
        board: Mapped[Optional[str]] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_identity": "director"}

    def rows() -> List[Any]:
        return [
            Company(id=1, name="acme", employees=[
                Engineer(id=1, name="eve", language="py"),
                Manager(id=2, name="max", budget=10),
                Director(id=3, name="dora", budget=99, board="main"),
                Employee(id=4, name="emil"),
            ]),
            Company(id=2, name="initech", employees=[Engineer(id=5, name="ed", language="c")]),
            Company(id=3, name="empty"),
        ]

    return Base, rows, Company, Employee, Engineer, Manager, Director


class JoinedInheritanceTest(_PairTest):
    @classmethod
    def setup_test_class(cls) -> None:
        Base, rows, cls.Company, cls.Employee, cls.Engineer, cls.Manager, cls.Director = _company()
        cls.pair = _Pair(Base, rows)

    @pytest.mark.parametrize("kw", [{}, {"flat": True}, {"aliased": True}], ids=["plain", "flat", "aliased"])
    def test_with_polymorphic_star(self, kw: Any) -> None:
        Employee = self.Employee

        def run(s: Session) -> Any:
            wp = with_polymorphic(Employee, "*", **kw)
            return [_values(e) for e in s.scalars(select(wp).order_by(wp.id))]

        got = self.pair.same(run)
        assert [row[0] for row in got] == ["Engineer", "Manager", "Director", "Employee", "Engineer"]

    def test_with_polymorphic_filter_on_subclass_columns(self) -> None:
        Employee, Engineer, Director = self.Employee, self.Engineer, self.Director

        def run(s: Session) -> Any:
            wp = with_polymorphic(Employee, [Engineer, Director], flat=True)
            stmt = select(wp).where((wp.Engineer.language == "py") | (wp.Director.board == "main")).order_by(wp.id)
            return [_values(e) for e in s.scalars(stmt)]

        assert [row[1] for row in self.pair.same(run)] == [1, 3]

    def test_of_type_join(self) -> None:
        Company, Engineer = self.Company, self.Engineer

        def run(s: Session) -> Any:
            stmt = select(Company.name, Engineer.name).join(Company.employees.of_type(Engineer)).order_by(Engineer.id)
            return s.execute(stmt).all()

        assert self.pair.same(run) == [("acme", "eve"), ("initech", "ed")]

    @pytest.mark.parametrize("flat", [False, True], ids=["subquery", "flat"])
    def test_of_type_with_polymorphic_outer_join(self, flat: bool) -> None:
        Company, Employee = self.Company, self.Employee

        def run(s: Session) -> Any:
            wp = with_polymorphic(Employee, "*", flat=flat, aliased=not flat)
            stmt = select(Company.name, wp).outerjoin(Company.employees.of_type(wp)).order_by(Company.id, wp.id)
            return [_values(tuple(row)) for row in s.execute(stmt)]

        got = self.pair.same(run)
        assert got[-1] == ("empty", None)

    @pytest.mark.parametrize("loader", [joinedload, selectinload, subqueryload], ids=["joined", "selectin", "subquery"])
    def test_eager_load_of_type_with_polymorphic(self, loader: Any) -> None:
        Company, Employee = self.Company, self.Employee

        def run(s: Session) -> Any:
            wp = with_polymorphic(Employee, "*", flat=True)
            stmt = select(Company).options(loader(Company.employees.of_type(wp))).order_by(Company.id)
            return [(c.name, _collection(c, "employees")) for c in s.scalars(stmt).unique()]

        got = self.pair.same(run)
        assert [len(employees) for _, employees in got] == [4, 1, 0]

    def test_aliased_subclass_joined_to_itself(self) -> None:
        """An aliased entity beside its plain table in one FROM: each keeps its own columns."""
        Company, Engineer = self.Company, self.Engineer

        def run(s: Session) -> Any:
            other = aliased(Engineer)
            stmt = (
                select(other.name, Company.name, Engineer.name)
                .select_from(other)
                .join(Company, true())
                .join(Company.employees.of_type(Engineer))
                .where(other.name == "eve")
                .order_by(Company.id, Engineer.id)
            )
            return s.execute(stmt).all()

        assert self.pair.same(run) == [("eve", "acme", "eve"), ("eve", "initech", "ed")]

    def test_polymorphic_entities_from_a_subquery(self) -> None:
        """Two polymorphic entities selected from one ORM subquery."""
        Employee = self.Employee

        def run(s: Session) -> Any:
            other = aliased(Employee)
            subq = (
                select(Employee, other)
                .where(Employee.company_id == other.company_id, Employee.id > other.id)
                .subquery()
            )
            first, second = aliased(Employee, subq), aliased(other, subq)
            stmt = select(first, second).order_by(first.id, second.id)
            return [_values(tuple(row)) for row in s.execute(stmt)]

        got = self.pair.same(run)
        assert len(got) == 6


class PolymorphicSelectableTest(_PairTest):
    """A mapper whose polymorphic selectable is an explicit outer join: the
    ORM select lists each shared primary-key column once, its subquery's
    ``.c`` repeats it (this once raised IndexError)."""

    @classmethod
    def setup_test_class(cls) -> None:
        Base = declarative_base()
        people = Table(
            "people",
            Base.metadata,
            Column("id", Integer, primary_key=True),
            Column("team", Integer),
            Column("name", String(20)),
            Column("type", String(20)),
        )
        engineers = Table("engineers", Base.metadata, Column("id", ForeignKey("people.id"), primary_key=True), Column("language", String(20)))
        managers = Table("managers", Base.metadata, Column("id", ForeignKey("people.id"), primary_key=True), Column("budget", Integer))

        class Person(Base):
            __table__ = people
            __mapper_args__ = {
                "polymorphic_on": people.c.type,
                "polymorphic_identity": "person",
                "with_polymorphic": ("*", people.outerjoin(engineers).outerjoin(managers)),
            }

        class Engineer(Person):
            __table__ = engineers
            __mapper_args__ = {"polymorphic_identity": "engineer"}

        class Manager(Person):
            __table__ = managers
            __mapper_args__ = {"polymorphic_identity": "manager"}

        cls.Person = Person

        def rows() -> List[Any]:
            return [
                Engineer(id=1, team=1, name="e1", language="py"),
                Manager(id=2, team=1, name="m1", budget=5),
                Engineer(id=3, team=2, name="e2"),
                Person(id=4, team=1, name="p1"),
            ]

        cls.pair = _Pair(Base, rows)

    @pytest.mark.parametrize("realiased", [False, True], ids=["subquery", "alias-of-subquery"])
    def test_self_join_in_a_subquery(self, realiased: bool) -> None:
        Person = self.Person

        def run(s: Session) -> Any:
            other = aliased(Person)
            subq = select(Person, other).where(Person.team == other.team, Person.id > other.id).subquery()
            if realiased:
                subq = subq.alias("again")
            first, second = aliased(Person, subq), aliased(other, subq)
            rows = s.execute(select(first, second).order_by(first.id, second.id)).unique().all()
            return [_values(tuple(row)) for row in rows]

        got = self.pair.same(run)
        assert [(a[:2], b[:2]) for a, b in got] == [
            (("Manager", 2), ("Engineer", 1)),
            (("Person", 4), ("Engineer", 1)),
            (("Person", 4), ("Manager", 2)),
        ]

    def test_subquery_with_aggregate(self) -> None:
        Person = self.Person

        def run(s: Session) -> Any:
            subq = select(Person).where(Person.team == 1).subquery()
            entity = aliased(Person, subq)
            return s.execute(select(func.count(), func.max(entity.name)).select_from(entity)).all()

        assert self.pair.same(run) == [(3, "p1")]


class ConcreteInheritanceTest(_PairTest):
    """``polymorphic_union``: a UNION ALL subquery with NULL-padded columns
    per table."""

    @classmethod
    def setup_test_class(cls) -> None:
        Base = declarative_base()
        animal = Table("animal", Base.metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
        dog = Table("dog", Base.metadata, Column("id", Integer, primary_key=True), Column("name", String(20)), Column("bark", String(20)))
        cat = Table("cat", Base.metadata, Column("id", Integer, primary_key=True), Column("name", String(20)), Column("lives", Integer))
        pjoin = polymorphic_union({"animal": animal, "dog": dog, "cat": cat}, "type", "pjoin")

        class Animal(Base):
            __table__ = animal
            __mapper_args__ = {
                "polymorphic_identity": "animal",
                "polymorphic_on": pjoin.c.type,
                "with_polymorphic": ("*", pjoin),
            }

        class Dog(Animal):
            __table__ = dog
            __mapper_args__ = {"polymorphic_identity": "dog", "concrete": True}

        class Cat(Animal):
            __table__ = cat
            __mapper_args__ = {"polymorphic_identity": "cat", "concrete": True}

        cls.Animal = Animal

        def rows() -> List[Any]:
            return [Animal(id=1, name="gnu"), Dog(id=2, name="rex", bark="loud"), Cat(id=3, name="tom", lives=9)]

        cls.pair = _Pair(Base, rows)

    def test_polymorphic_load(self) -> None:
        Animal = self.Animal

        def run(s: Session) -> Any:
            return [(type(a).__name__, a.id, a.name) for a in s.scalars(select(Animal).order_by(Animal.id))]

        assert self.pair.same(run) == [("Animal", 1, "gnu"), ("Dog", 2, "rex"), ("Cat", 3, "tom")]

    def test_self_join_of_the_union_in_a_subquery(self) -> None:
        Animal = self.Animal

        def run(s: Session) -> Any:
            other = aliased(Animal)
            subq = select(Animal, other).where(Animal.id > other.id).subquery()
            first, second = aliased(Animal, subq), aliased(other, subq)
            rows = s.execute(select(first, second).order_by(first.id, second.id)).all()
            return [(type(a).__name__, a.id, type(b).__name__, b.id) for a, b in rows]

        assert self.pair.same(run) == [
            ("Dog", 2, "Animal", 1),
            ("Cat", 3, "Animal", 1),
            ("Cat", 3, "Dog", 2),
        ]


class CoreNestedJoinTest(fixtures.TestBase):
    """Core statements with joins nested on either side, and ``join.alias()``."""

    @classmethod
    def setup_test_class(cls) -> None:
        m = MetaData()
        cls.a = Table("a", m, Column("id", Integer, primary_key=True), Column("x", Integer))
        cls.b = Table("b", m, Column("bid", Integer, primary_key=True), Column("a_id", ForeignKey("a.id")), Column("y", Integer))
        cls.c = Table("c", m, Column("cid", Integer, primary_key=True), Column("b_id", ForeignKey("b.bid")), Column("z", Integer))
        cls.engines = []
        for url in URLS:
            engine = create_engine(url)
            m.create_all(engine)
            with engine.begin() as conn:
                conn.execute(cls.a.insert(), [{"id": i, "x": i * 10} for i in range(1, 5)])
                conn.execute(cls.b.insert(), [
                    {"bid": 1, "a_id": 1, "y": 5}, {"bid": 2, "a_id": 1, "y": 6},
                    {"bid": 3, "a_id": 3, "y": 7}, {"bid": 4, "a_id": None, "y": 8},
                ])
                conn.execute(cls.c.insert(), [{"cid": 1, "b_id": 2, "z": 1}, {"cid": 2, "b_id": 3, "z": 2}, {"cid": 3, "b_id": 4, "z": 3}])
            cls.engines.append(engine)

    @classmethod
    def teardown_test_class(cls) -> None:
        for engine in cls.engines:
            engine.dispose()

    def _same(self, memory_stmt: Any, sqlite_stmt: Any = None) -> List[Tuple[Any, ...]]:
        results = []
        for engine, stmt in zip(self.engines, (memory_stmt, sqlite_stmt if sqlite_stmt is not None else memory_stmt)):
            with engine.connect() as conn:
                results.append(conn.execute(stmt).all())
        assert results[0] == results[1]
        return results[0]

    def test_left_join_to_a_grouped_inner_join(self) -> None:
        a, b, c = self.a, self.b, self.c
        stmt = (
            select(a.c.id, b.c.bid, c.c.cid)
            .select_from(a.outerjoin(b.join(c, c.c.b_id == b.c.bid), b.c.a_id == a.c.id))
            .order_by(a.c.id, b.c.bid)
        )
        assert self._same(stmt) == [(1, 2, 1), (2, None, None), (3, 3, 2), (4, None, None)]

    def test_grouped_join_on_the_left(self) -> None:
        a, b, c = self.a, self.b, self.c
        inner = a.outerjoin(b, b.c.a_id == a.c.id).self_group()
        stmt = select(a.c.id, b.c.bid, c.c.cid).select_from(inner.outerjoin(c, c.c.b_id == b.c.bid)).order_by(a.c.id, b.c.bid)
        self._same(stmt)

    def test_full_outer_join_of_grouped_joins(self) -> None:
        a, b, c = self.a, self.b, self.c
        left = a.join(b, b.c.a_id == a.c.id).self_group()
        stmt = (
            select(a.c.id, b.c.bid, c.c.cid)
            .select_from(left.outerjoin(c, c.c.b_id == b.c.bid, full=True))
            .order_by(c.c.cid, b.c.bid)
        )
        rows = self._same(stmt)
        assert (None, None, 3) in rows

    def test_on_clause_reads_both_nested_tables(self) -> None:
        a, b, c = self.a, self.b, self.c
        stmt = (
            select(a.c.id, b.c.bid, c.c.cid)
            .select_from(a.outerjoin(b.join(c, c.c.b_id == b.c.bid), (b.c.a_id == a.c.id) & (c.c.z < a.c.x)))
            .order_by(a.c.id)
        )
        self._same(stmt)

    def test_join_alias(self) -> None:
        """``join.alias()`` reads as the join (SQLite cannot parse it, so it
        is compared with the plain join there)."""
        a, b, c = self.a, self.b, self.c
        j = a.outerjoin(b, b.c.a_id == a.c.id)
        jj = j.alias("jj")
        self._same(select(jj).order_by(jj.c.id, jj.c.bid), select(j).order_by(a.c.id, b.c.bid))
        self._same(
            select(jj.c.x, jj.c.y).where(jj.c.y > 5).order_by(jj.c.x),
            select(a.c.x, b.c.y).select_from(j).where(b.c.y > 5).order_by(a.c.x),
        )
        rows = self._same(
            select(jj.c.id, c.c.cid).select_from(jj.join(c, c.c.b_id == jj.c.bid)).order_by(c.c.cid),
            select(a.c.id, c.c.cid).select_from(j.join(c, c.c.b_id == b.c.bid)).order_by(c.c.cid),
        )
        assert rows == [(1, 1), (3, 2)]

    def test_join_alias_shared_column_name_is_ambiguous(self) -> None:
        a = self.a
        other = a.alias("other")
        jj = a.join(other, other.c.id == a.c.id).alias("jj")
        with self.engines[0].connect() as conn:
            with pytest.raises(exc.NotSupportedError, match="jj"):
                conn.execute(select(jj.c.x))
