"""The ORM over ``memory://`` with ``MemorySession``: unit of work, identity
map, queries, bulk statements, relationships and rollback.
"""

from typing import List, Optional

import pytest
from sqlalchemy import ForeignKey, String, create_engine, delete, exc, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)
from sqlalchemy.testing import fixtures

from _support import declarative_base

from sqlalchemy_memory import AsyncMemorySession, MemorySession


class _Models:
    """Mapped classes, built afresh for each test: SQLAlchemy's test plugin
    clears all mappers after every test class."""

    def __init__(self):
        Base = declarative_base()

        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))
            email: Mapped[Optional[str]] = mapped_column(String(50), unique=True)
            age: Mapped[Optional[int]]
            status: Mapped[str] = mapped_column(String(10), default="new")
            addresses: Mapped[List["Address"]] = relationship(
                back_populates="user", cascade="all, delete-orphan", order_by="Address.id"
            )

        class Address(Base):
            __tablename__ = "addresses"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            city: Mapped[str] = mapped_column(String(50))
            user: Mapped[User] = relationship(back_populates="addresses")

        self.Base, self.User, self.Address = Base, User, Address


def _engine():
    """A fresh engine with the models' tables; sets the module globals
    ``User`` and ``Address`` to this test's mapped classes."""
    global User, Address
    models = _Models()
    User, Address = models.User, models.Address
    engine = create_engine("memory://")
    models.Base.metadata.create_all(engine)
    return engine


def _sessionmaker(engine, **kw):
    return sessionmaker(engine, class_=MemorySession, **kw)


def _fill(Session):
    with Session() as s:
        s.add_all(
            [
                User(id=1, name="ann", email="ann@x", age=30),
                User(id=2, name="bob", email="bob@x", age=25),
                User(id=3, name="cy", email=None, age=None),
            ]
        )
        s.commit()


def _filled_sessionmaker(engine=None):
    """A sessionmaker on ``engine`` (a new ``_engine()`` if None) whose
    database holds the ``_fill`` rows."""
    Session = _sessionmaker(engine if engine is not None else _engine())
    _fill(Session)
    return Session


User = Address = None  # set by _engine()


class SessionClassTest(fixtures.TestBase):
    def test_session_classes(self):
        assert issubclass(MemorySession, Session)
        assert issubclass(AsyncMemorySession, AsyncSession)
        assert AsyncMemorySession.sync_session_class is MemorySession

    def test_sessionmaker_makes_memory_sessions(self):
        Session = _sessionmaker(_engine())
        with Session() as s:
            assert isinstance(s, MemorySession)
            assert isinstance(s, Session.class_)

    def test_plain_session_works_too(self):
        engine = _engine()
        with Session(engine) as s:
            s.add(User(id=1, name="plain"))
            s.commit()
        with MemorySession(engine) as s:
            assert s.scalars(select(User.name)).all() == ["plain"]


class UnitOfWorkTest(fixtures.TestBase):
    def test_add_and_query(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            users = s.scalars(select(User).order_by(User.id)).all()
            assert [(u.id, u.name, u.email, u.age, u.status) for u in users] == [
                (1, "ann", "ann@x", 30, "new"),
                (2, "bob", "bob@x", 25, "new"),
                (3, "cy", None, None, "new"),
            ]
            assert s.scalars(select(User.name).where(User.age > 26)).all() == ["ann"]
            assert s.scalar(select(func.count()).select_from(User)) == 3

    def test_autoincrement_primary_key_assigned_on_flush(self):
        Session = _sessionmaker(_engine())
        with Session() as s:
            a, b = User(name="a"), User(name="b")
            s.add_all([a, b])
            assert a.id is None
            s.flush()
            assert (a.id, b.id) == (1, 2)
            s.commit()
        with Session() as s:
            c = User(name="c")
            s.add(c)
            s.commit()
            assert c.id == 3

    def test_identity_map(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            u1 = s.get(User, 1)
            u1_again = s.scalars(select(User).where(User.name == "ann")).one()
            assert u1 is u1_again
            assert s.get(User, 1) is u1
            all_users = s.scalars(select(User).order_by(User.id)).all()
            assert all_users[0] is u1
            assert s.get(User, 99) is None

    def test_identity_map_object_is_the_added_object(self):
        Session = _sessionmaker(_engine(), expire_on_commit=False)
        with Session() as s:
            u = User(id=1, name="ann")
            s.add(u)
            s.commit()
            assert s.scalars(select(User)).one() is u

    def test_update_through_attributes(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            u = s.get(User, 2)
            u.name = "robert"
            u.age += 1
            s.commit()
        with Session() as s:
            u = s.get(User, 2)
            assert (u.name, u.age) == ("robert", 26)

    def test_delete(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            s.delete(s.get(User, 1))
            s.commit()
        with Session() as s:
            assert s.scalars(select(User.id).order_by(User.id)).all() == [2, 3]

    def test_rollback_discards_changes(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            s.get(User, 1).name = "changed"
            s.delete(s.get(User, 2))
            s.add(User(id=4, name="new"))
            s.flush()
            assert s.scalar(select(func.count()).select_from(User)) == 3
            s.rollback()
            assert s.get(User, 1).name == "ann"
            assert s.get(User, 2) is not None
            assert s.get(User, 4) is None
        with Session() as s:
            assert s.scalars(select(User.name).order_by(User.id)).all() == ["ann", "bob", "cy"]

    def test_expire_on_commit_reloads(self):
        engine = _engine()
        Session = _filled_sessionmaker(engine)
        with Session() as s:
            u = s.get(User, 1)
            with engine.begin() as conn:
                conn.execute(update(User.__table__).where(User.__table__.c.id == 1).values(name="other"))
            # still cached in the identity map until expired
            assert u.name == "ann"
            s.commit()
            assert u.name == "other"

    def test_refresh(self):
        engine = _engine()
        Session = _filled_sessionmaker(engine)
        with Session() as s:
            u = s.get(User, 2)
            with engine.begin() as conn:
                conn.execute(update(User.__table__).where(User.__table__.c.id == 2).values(age=99))
            s.refresh(u)
            assert u.age == 99

    def test_integrity_error_on_flush(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            s.add(User(id=10, name="dup", email="ann@x"))
            with pytest.raises(exc.IntegrityError):
                s.commit()
            s.rollback()
            assert s.scalar(select(func.count()).select_from(User)) == 3

    def test_session_savepoint(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            s.add(User(id=4, name="kept"))
            with pytest.raises(exc.IntegrityError):
                with s.begin_nested():
                    s.add(User(id=5, name="dup", email="bob@x"))
            s.commit()
        with Session() as s:
            assert s.scalars(select(User.id).order_by(User.id)).all() == [1, 2, 3, 4]

    def test_merge(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            merged = s.merge(User(id=2, name="bobby", email="bob@x", age=25))
            s.commit()
            assert merged.name == "bobby"
        with Session() as s:
            assert s.get(User, 2).name == "bobby"


class QueryTest(fixtures.TestBase):
    def test_filters_order_limit(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            q = select(User).where(User.age.is_not(None)).order_by(User.age.desc())
            assert [u.name for u in s.scalars(q)] == ["ann", "bob"]
            q = select(User.name).order_by(User.age.asc().nulls_last()).limit(2)
            assert s.scalars(q).all() == ["bob", "ann"]
            q = select(User.name).where(User.name.in_(["ann", "cy", "zed"])).order_by(User.name)
            assert s.scalars(q).all() == ["ann", "cy"]
            q = select(User.id).where(~(User.age > 26)).order_by(User.id)
            assert s.scalars(q).all() == [2]

    def test_filter_by_and_first(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            assert s.scalars(select(User).filter_by(email="bob@x")).one().id == 2
            assert s.scalars(select(User).filter_by(email="nobody")).first() is None

    def test_legacy_query(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            assert s.query(User).filter(User.age < 30).one().name == "bob"
            assert [u.id for u in s.query(User).order_by(User.id.desc()).all()] == [3, 2, 1]
            assert s.query(User).filter_by(name="cy").one().id == 3

    def test_legacy_query_count(self):
        # Query.count() wraps the query in a FROM subquery:
        # SELECT count(*) FROM (SELECT ... FROM users) AS anon_1
        Session = _filled_sessionmaker()
        with Session() as s:
            assert s.query(User).count() == 3
            assert s.query(User).filter(User.age.is_(None)).count() == 1

    def test_columns_and_rows(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            rows = s.execute(select(User.id, User.name).order_by(User.id)).all()
            assert [tuple(r) for r in rows] == [(1, "ann"), (2, "bob"), (3, "cy")]
            assert rows[0].name == "ann"


class BulkStatementTest(fixtures.TestBase):
    def test_orm_bulk_update_synchronizes_session(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            ann = s.get(User, 1)
            result = s.execute(update(User).where(User.age >= 25).values(status="adult"))
            assert result.rowcount == 2
            assert ann.status == "adult"
            s.commit()
        with Session() as s:
            assert s.scalars(select(User.status).order_by(User.id)).all() == ["adult", "adult", "new"]

    def test_orm_bulk_delete(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            result = s.execute(delete(User).where(User.age.is_(None)))
            assert result.rowcount == 1
            s.commit()
        with Session() as s:
            assert s.scalars(select(User.id).order_by(User.id)).all() == [1, 2]

    def test_orm_bulk_insert(self):
        Session = _sessionmaker(_engine())
        with Session() as s:
            s.execute(insert(User), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            s.commit()
        with Session() as s:
            users = s.scalars(select(User).order_by(User.id)).all()
            assert [(u.id, u.name, u.status) for u in users] == [(1, "a", "new"), (2, "b", "new")]

    def test_orm_bulk_insert_returning(self):
        Session = _sessionmaker(_engine())
        with Session() as s:
            users = s.scalars(
                insert(User).returning(User, sort_by_parameter_order=True),
                [{"name": "a"}, {"name": "b"}],
            ).all()
            assert [(u.id, u.name) for u in users] == [(1, "a"), (2, "b")]
            assert s.get(User, 1) is users[0]
            s.commit()

    def test_orm_bulk_update_by_primary_key(self):
        Session = _filled_sessionmaker()
        with Session() as s:
            s.execute(update(User), [{"id": 1, "age": 31}, {"id": 2, "age": 26}])
            s.commit()
        with Session() as s:
            assert s.scalars(select(User.age).order_by(User.id)).all() == [31, 26, None]


class RelationshipTest(fixtures.TestBase):
    def _fill(self, Session):
        with Session() as s:
            ann = User(id=1, name="ann")
            ann.addresses = [Address(city="Oslo"), Address(city="Rome")]
            bob = User(id=2, name="bob")
            bob.addresses = [Address(city="Lima")]
            s.add_all([ann, bob, User(id=3, name="cy")])
            s.commit()

    def test_lazy_load(self):
        Session = _sessionmaker(_engine())
        self._fill(Session)
        with Session() as s:
            ann = s.get(User, 1)
            assert [a.city for a in ann.addresses] == ["Oslo", "Rome"]
            assert ann.addresses[0].user is ann
            assert s.get(User, 3).addresses == []

    def test_selectinload(self):
        Session = _sessionmaker(_engine())
        self._fill(Session)
        with Session() as s:
            users = s.scalars(select(User).options(selectinload(User.addresses)).order_by(User.id)).all()
            assert [[a.city for a in u.addresses] for u in users] == [["Oslo", "Rome"], ["Lima"], []]

    def test_cascade_delete_orphan(self):
        Session = _sessionmaker(_engine())
        self._fill(Session)
        with Session() as s:
            s.delete(s.get(User, 1))
            s.commit()
        with Session() as s:
            assert s.scalars(select(Address.city).order_by(Address.id)).all() == ["Lima"]

    def test_remove_from_collection(self):
        Session = _sessionmaker(_engine())
        self._fill(Session)
        with Session() as s:
            ann = s.get(User, 1)
            ann.addresses.pop(0)
            s.commit()
        with Session() as s:
            assert [a.city for a in s.get(User, 1).addresses] == ["Rome"]
            assert s.scalar(select(func.count()).select_from(Address)) == 2

    def test_foreign_key_values_assigned(self):
        Session = _sessionmaker(_engine())
        self._fill(Session)
        with Session() as s:
            rows = s.execute(select(Address.city, Address.user_id).order_by(Address.id)).all()
            assert [tuple(r) for r in rows] == [("Oslo", 1), ("Rome", 1), ("Lima", 2)]
