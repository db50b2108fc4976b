"""Differential test: ``MemorySession`` against a plain ``Session``.

A seeded random workload (inserts, updates, deletes, flush / commit /
rollback, expire / refresh, relationships, joined inheritance, deferred
columns, objects held and dropped) runs step by step on two identical
``memory://`` stores, one through each session class.  After every step the
two must agree on: the rows or objects each query returned, object identity
(an object held from before is returned again on one side exactly when it is
on the other), every held object's attribute state (``__dict__`` values,
expired and unloaded attributes, committed state, callables, persistence
state), and the sequence of ORM events (load, loaded_as_persistent, expire).

``MEMORY_SESSION_DIFF_COUNT`` seeds run (default 4, each of
``MEMORY_SESSION_DIFF_STEPS`` steps, default 150); the first seed is
``MEMORY_SESSION_DIFF_SEED`` (default 0).  The garbage collector runs only
between steps, so both sides drop the same objects at the same moment.
"""

import gc
import os
import random
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import ForeignKey, String, create_engine, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.testing import fixtures

from _support import declarative_base

from sqlalchemy_memory import MemorySession, dbapi, fastpath

COUNT = int(os.environ.get("MEMORY_SESSION_DIFF_COUNT", "4"))
STEPS = int(os.environ.get("MEMORY_SESSION_DIFF_STEPS", "150"))
FIRST_SEED = int(os.environ.get("MEMORY_SESSION_DIFF_SEED", "0"))


def _models() -> Dict[str, Any]:
    Base = declarative_base()

    class Parent(Base):
        __tablename__ = "parents"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))
        rank: Mapped[Optional[int]]
        children: Mapped[List["Child"]] = relationship(back_populates="parent", order_by="Child.id")

    class Child(Base):
        __tablename__ = "children"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parents.id"))
        label: Mapped[str] = mapped_column(String(20))
        memo: Mapped[Optional[str]] = mapped_column(String(40), deferred=True)
        parent: Mapped[Optional[Parent]] = relationship(back_populates="children")

    class Employee(Base):
        __tablename__ = "employees"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))
        kind: Mapped[str] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}

    class Engineer(Employee):
        __tablename__ = "engineers"
        id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
        lang: Mapped[Optional[str]] = mapped_column(String(20))
        __mapper_args__ = {"polymorphic_identity": "engineer"}

    class Manager(Employee):
        __tablename__ = "managers"
        id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
        budget: Mapped[Optional[int]] = mapped_column(deferred=True)
        __mapper_args__ = {"polymorphic_identity": "manager"}

    return dict(Base=Base, Parent=Parent, Child=Child, Employee=Employee, Engineer=Engineer, Manager=Manager)


class _Side:
    """One session with its store, held objects and event log."""

    def __init__(self, m: Dict[str, Any], session_cls: type) -> None:
        self.engine = create_engine("memory://")
        m["Base"].metadata.create_all(self.engine)
        self.session: Session = session_cls(self.engine)
        self.held: List[Any] = []
        self.events: List[Tuple[Any, ...]] = []


def _sig(value: Any) -> Any:
    """A value as the other side must see it: objects by class and identity."""
    if hasattr(value, "_sa_instance_state"):
        st = inspect(value)
        return ("obj", type(value).__name__, st.identity)
    if isinstance(value, (list, tuple)):
        return type(value).__name__, tuple(_sig(v) for v in value)
    return value


def _state(obj: Any) -> Tuple[Any, ...]:
    st = inspect(obj)
    d = {k: _sig(v) for k, v in obj.__dict__.items() if k != "_sa_instance_state"}
    return (
        type(obj).__name__,
        st.identity,
        (st.transient, st.pending, st.persistent, st.deleted, st.detached),
        st.expired,
        sorted(st.expired_attributes),
        sorted(st.unloaded),
        sorted(st.committed_state),
        sorted(st.callables),
        sorted(d.items(), key=lambda kv: kv[0]),
    )


class _Workload:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.m = _models()
        self.sides = [_Side(self.m, Session), _Side(self.m, MemorySession)]
        self.next_id = 1000
        self.log: List[str] = []
        self._listen()
        self._seed_data()

    # -- events -----------------------------------------------------------
    def _listen(self) -> None:
        sides = self.sides

        def record(name: str) -> Callable[..., None]:
            def fn(st: Any, *args: Any) -> None:  # raw=True: the state (its object may be gone)
                for side in sides:
                    if st.session_id is not None and st.session_id == side.session.hash_key:
                        side.events.append((name, st.class_.__name__, st.identity))
            return fn

        for cls in ("Parent", "Child", "Employee"):
            event.listen(self.m[cls], "load", record("load"), propagate=True, raw=True)
            event.listen(self.m[cls], "expire", record("expire"), propagate=True, raw=True)
        for side in sides:
            event.listen(
                side.session,
                "loaded_as_persistent",
                (lambda s: lambda session, instance: s.events.append(
                    ("persistent", type(instance).__name__, inspect(instance).identity)))(side),
            )

    def _seed_data(self) -> None:
        m = self.m
        rng = self.rng
        rows = []
        for i in range(1, 9):
            rows.append(("Parent", dict(id=i, name="p%d" % i, rank=rng.randint(0, 5))))
        for i in range(1, 25):
            rows.append(("Child", dict(id=i, parent_id=rng.choice([None] + list(range(1, 9))), label="c%d" % rng.randint(0, 9), memo="m%d" % i)))
        for i in range(1, 13):
            cls = rng.choice(["Employee", "Engineer", "Manager"])
            extra = {"lang": rng.choice(["py", "c"])} if cls == "Engineer" else {"budget": i * 10} if cls == "Manager" else {}
            rows.append((cls, dict(id=i, name="e%d" % i, **extra)))
        for side in self.sides:
            with Session(side.engine) as s:
                s.add_all([m[cls](**kw) for cls, kw in rows])
                s.commit()

    # -- steps --------------------------------------------------------------
    def both(self, fn: Callable[[_Side], Any]) -> List[Any]:
        outs = []
        errors = []
        for side in self.sides:
            try:
                outs.append(fn(side))
                errors.append(None)
            except Exception as err:  # noqa: BLE001 - both must fail alike
                outs.append(None)
                errors.append(type(err).__name__)
                side.session.rollback()
        assert errors[0] == errors[1], (self.log[-1], errors)
        return outs

    def compare(self, outs: List[Any]) -> None:
        a, b = self.sides
        if outs[0] is not None or outs[1] is not None:
            assert _sig(outs[0]) == _sig(outs[1]), (self.log[-1], _sig(outs[0]), _sig(outs[1]))
            self._same_identity(outs[0], outs[1])
        # loads in order; expiry in any order (commit and rollback expire in
        # identity-map order, which follows a flush's set of states)
        assert _events(a.events) == _events(b.events), (self.log[-1], a.events, b.events)
        assert len(a.held) == len(b.held)
        for x, y in zip(a.held, b.held):
            assert _state(x) == _state(y), (self.log[-1], _state(x), _state(y))
        keys_a = sorted((k[0].__name__,) + k[1:] for k in a.session.identity_map.keys())
        keys_b = sorted((k[0].__name__,) + k[1:] for k in b.session.identity_map.keys())
        assert keys_a == keys_b, (self.log[-1], keys_a, keys_b)

    def _same_identity(self, ra: Any, rb: Any) -> None:
        flat_a, flat_b = _flatten(ra), _flatten(rb)
        index_a = {id(o): k for k, o in enumerate(self.sides[0].held)}
        index_b = {id(o): k for k, o in enumerate(self.sides[1].held)}
        for x, y in zip(flat_a, flat_b):
            assert index_a.get(id(x)) == index_b.get(id(y)), (self.log[-1], "identity differs")

    def step(self) -> None:
        rng = self.rng
        kind = rng.choices(
            ["query", "get", "insert", "update", "delete", "flush", "commit", "rollback", "expire",
             "refresh", "hold", "drop", "touch"],
            weights=[30, 10, 6, 8, 4, 4, 4, 3, 6, 3, 8, 6, 6],
        )[0]
        gc.collect()
        for side in self.sides:
            side.events.clear()
        outs = getattr(self, "do_" + kind)()
        self.compare(outs or [None, None])

    def _pick_held(self) -> Optional[int]:
        held = self.sides[0].held
        return self.rng.randrange(len(held)) if held else None

    def do_query(self) -> List[Any]:
        m, rng = self.m, self.rng
        P, C, E, Eng, Man = m["Parent"], m["Child"], m["Employee"], m["Engineer"], m["Manager"]
        choice = rng.randrange(12)
        lo = rng.randint(0, 30)
        stmts = [
            lambda: select(P).where(P.id >= lo % 9).order_by(P.id),
            lambda: select(C).where(C.id > lo).order_by(C.id.desc()),
            lambda: select(C).join(C.parent).where(P.rank >= lo % 5).order_by(C.id),
            lambda: select(P, C).join(P.children).order_by(C.id),
            lambda: select(E).order_by(E.id),
            lambda: select(Eng).order_by(Eng.id),
            lambda: select(Man).where(Man.id > lo % 12).order_by(Man.id),
            lambda: select(C).where(C.label == "c%d" % (lo % 10)).order_by(C.id).limit(3),
            lambda: select(P).order_by(P.rank, P.id).offset(lo % 4).limit(4),
            lambda: select(C).outerjoin(C.parent).where(C.parent_id.is_(None) | (P.id > 2)).order_by(C.id),
            lambda: select(C.id, C.label).order_by(C.id),
            lambda: select(P).where(P.id.in_([lo % 9, (lo + 3) % 9, 11])).order_by(P.id),
        ]
        stmt = stmts[choice]()
        how = rng.randrange(5)
        self.log.append("query %d/%d %s" % (choice, how, stmt))

        def run(side: _Side) -> Any:
            s = side.session
            if how == 0:
                return s.scalars(stmt).all() if choice != 3 and choice != 10 else s.execute(stmt).all()
            if how == 1:
                return s.execute(stmt).first()
            if how == 2:
                return list(s.execute(stmt).mappings().all())
            if how == 3:
                return [list(p) for p in s.execute(stmt).partitions(3)]
            return s.execute(stmt).unique().all()

        outs = self.both(run)
        return [_rows_of(o) for o in outs]

    def do_get(self) -> List[Any]:
        m, rng = self.m, self.rng
        cls = rng.choice(["Parent", "Child", "Employee", "Engineer", "Manager"])
        ident = rng.randint(1, 30)
        legacy = rng.random() < 0.3
        self.log.append("get %s %d legacy=%s" % (cls, ident, legacy))
        def run(side: _Side) -> Any:
            if not legacy:
                return side.session.get(m[cls], ident)
            with warnings.catch_warnings():  # SQLAlchemy 2.0 warns about Query.get()
                warnings.simplefilter("ignore")
                return side.session.query(m[cls]).get(ident)

        return self.both(run)

    def do_insert(self) -> None:
        m, rng = self.m, self.rng
        self.next_id += 1
        i = self.next_id
        cls = rng.choice(["Parent", "Child", "Engineer", "Manager"])
        self.log.append("insert %s %d" % (cls, i))
        kw = {
            "Parent": dict(id=i, name="np", rank=rng.randint(0, 5)),
            "Child": dict(id=i, parent_id=rng.choice([None, 1, 2, 3]), label="c%d" % rng.randint(0, 9)),
            "Engineer": dict(id=i, name="ne", lang=None),
            "Manager": dict(id=i, name="nm", budget=rng.randint(0, 9)),
        }[cls]
        for side in self.sides:
            obj = m[cls](**kw)
            side.session.add(obj)
            side.held.append(obj)

    def do_update(self) -> None:
        k = self._pick_held()
        if k is None:
            return
        value = self.rng.randint(0, 9)
        self.log.append("update held[%d]" % k)

        def run(side: _Side) -> None:
            obj = side.held[k]
            st = inspect(obj)
            if st.deleted or st.detached:
                return
            for attr, v in (("rank", value), ("label", "c%d" % value), ("lang", "l%d" % value), ("name", "x%d" % value)):
                if hasattr(type(obj), attr):
                    setattr(obj, attr, v)
                    return

        self.both(run)

    def do_delete(self) -> None:
        k = self._pick_held()
        if k is None:
            return
        self.log.append("delete held[%d]" % k)

        def run(side: _Side) -> None:
            obj = side.held[k]
            if inspect(obj).persistent:
                side.session.delete(obj)
                side.session.flush()

        self.both(run)

    def do_flush(self) -> None:
        self.log.append("flush")
        self.both(lambda side: side.session.flush())

    def do_commit(self) -> None:
        self.log.append("commit")
        self.both(lambda side: side.session.commit())

    def do_rollback(self) -> None:
        self.log.append("rollback")
        self.both(lambda side: side.session.rollback())

    def do_expire(self) -> None:
        k = self._pick_held()
        how = self.rng.randrange(3)
        self.log.append("expire %d held[%s]" % (how, k))

        def run(side: _Side) -> None:
            s = side.session
            if how == 0:
                s.expire_all()
            elif k is not None and inspect(side.held[k]).persistent:
                obj = side.held[k]
                attrs = [a for a in ("name", "label", "rank") if hasattr(type(obj), a)]
                s.expire(obj, attrs if how == 1 else None)

        self.both(run)

    def do_refresh(self) -> None:
        k = self._pick_held()
        if k is None:
            return
        self.log.append("refresh held[%d]" % k)

        def run(side: _Side) -> None:
            obj = side.held[k]
            if inspect(obj).persistent:
                side.session.refresh(obj)

        self.both(run)

    def do_hold(self) -> None:
        """Keep the objects a query returns, so later queries hit them."""
        m, rng = self.m, self.rng
        cls = rng.choice(["Parent", "Child", "Employee"])
        self.log.append("hold %s" % cls)
        outs = self.both(lambda side: side.session.scalars(select(m[cls]).order_by(m[cls].id)).all())
        for side, objs in zip(self.sides, outs):
            side.held.extend(objs or [])
        return outs

    def do_drop(self) -> None:
        keep = self.rng.random()
        n = len(self.sides[0].held)
        mask = [self.rng.random() < keep for _ in range(n)]
        self.log.append("drop to %d%%" % int(keep * 100))
        for side in self.sides:
            side.held = [o for o, k in zip(side.held, mask) if k]

    def do_touch(self) -> None:
        """Read a lazy relationship or a deferred column of a held object."""
        k = self._pick_held()
        if k is None:
            return
        self.log.append("touch held[%d]" % k)

        def run(side: _Side) -> Any:
            obj = side.held[k]
            if not inspect(obj).persistent:
                return None
            for attr in ("children", "parent", "memo", "budget", "lang"):
                if hasattr(type(obj), attr):
                    value = getattr(obj, attr)
                    return _sig(value)
            return None

        return self.both(run)

    def close(self) -> None:
        for side in self.sides:
            side.session.close()
            side.engine.dispose()


def _events(events: List[Tuple[Any, ...]]) -> Tuple[Any, ...]:
    return tuple(e for e in events if e[0] != "expire"), sorted(repr(e) for e in events if e[0] == "expire")


def _flatten(value: Any) -> List[Any]:
    if hasattr(value, "_sa_instance_state"):
        return [value]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return []


def _rows_of(value: Any) -> Any:
    """Rows and mappings as plain tuples and dicts (objects stay objects)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_rows_of(v) for v in value]
    if hasattr(value, "_sa_instance_state"):
        return value
    if hasattr(value, "_mapping") or isinstance(value, tuple):
        return tuple(value)
    if hasattr(value, "items"):
        return tuple(sorted(value.items(), key=lambda kv: str(kv[0])))
    return value


def run_seed(seed: int, steps: int = STEPS) -> None:
    gc.collect()
    gc.freeze()  # what exists now is never collected: each step's collect is quick
    gc.disable()
    workload = _Workload(seed)
    try:
        for _ in range(steps):
            workload.step()
    finally:
        workload.close()
        gc.enable()
        gc.unfreeze()


class TestSessionDifferential(fixtures.TestBase):
    def test_random_workloads(self, monkeypatch):
        used = {"merged": 0, "gets": 0}
        attach, run_select = fastpath._Split.attach, dbapi.Connection.run_select

        def counting_attach(split: Any, result: Any) -> None:
            used["merged"] += 1
            attach(split, result)

        def counting_run_select(conn: Any, *args: Any) -> Any:
            used["gets"] += 1
            return run_select(conn, *args)

        monkeypatch.setattr(fastpath._Split, "attach", counting_attach)
        monkeypatch.setattr(dbapi.Connection, "run_select", counting_run_select)
        for seed in range(FIRST_SEED, FIRST_SEED + COUNT):
            run_seed(seed)
        # the workload does reach both fast paths
        assert used["merged"] > 10 * COUNT and used["gets"] > COUNT, used
