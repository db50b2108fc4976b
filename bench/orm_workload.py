"""ORM workload: memory:// versus in-memory SQLite, same process, same run.

Steps (each timed separately, gc.collect() before each, checks run outside
the timed blocks; see bench/README.md):

  insert  ROWS Item objects built and session.add_all()-ed, one commit
  select  OPS selects in one session, alternating
            select(Item).where(Item.id == i)
            select(Item).where(Item.category == c).order_by(Item.id).limit(20)
          via session.execute(stmt).scalars().all()
  update  OPS x (session.get(Item, id); obj.price = new; session.commit())
  delete  OPS x (session.delete(session.get(Item, id)); session.commit())

Run:  python bench/orm_workload.py [--backends memory,sqlite] [--rows 20000]
      [--ops 500] [--repeat 3] [--session plain|memory] [--markdown|--json]
"""

from __future__ import annotations

from typing import Any, Dict

import _common
from _common import check, expected_table_state, table_state

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

STEPS = ["insert", "select", "update", "delete"]


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(20), index=True)
    price: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)


def session_class(backend: str, kind: str) -> type:
    if backend == "memory" and kind == "memory":
        from sqlalchemy_memory import MemorySession

        return MemorySession
    return Session


def current_state(Sess) -> tuple:
    with Sess() as s:
        return table_state(s.execute(select(Item.id, Item.price)).all())


def make_workload(session_kind: str):
    def workload(backend, engine, params, timer) -> Dict[str, Any]:
        Sess = sessionmaker(engine, class_=session_class(backend, session_kind),
                            expire_on_commit=False)
        Base.metadata.create_all(engine)
        try:
            check(current_state(Sess) == (0, 0, 0), "%s: table not empty at start" % backend)
            sig: Dict[str, Any] = {}
            data = params.data

            # 1. insert ---------------------------------------------------
            with timer.step("insert"):
                with Sess() as session:
                    session.add_all([
                        Item(name=n, category=c, price=p, qty=q) for n, c, p, q in data
                    ])
                    session.commit()
            st = current_state(Sess)
            check(st == expected_table_state(params, "insert"),
                  "%s: after insert table is %r, expected %r (ids must be 1..rows)"
                  % (backend, st, expected_table_state(params, "insert")))
            sig["insert"] = st

            # 2. select ---------------------------------------------------
            n_rows = id_sum = 0
            with timer.step("select"):
                with Sess() as session:
                    for kind, arg in params.select_ops:
                        if kind == "pk":
                            stmt = select(Item).where(Item.id == arg)
                        else:
                            stmt = (select(Item).where(Item.category == arg)
                                    .order_by(Item.id).limit(20))
                        objs = session.execute(stmt).scalars().all()
                        n_rows += len(objs)
                        for o in objs:
                            id_sum += o.id
            n_pk = sum(1 for k, _ in params.select_ops if k == "pk")
            check(n_rows >= n_pk, "%s: select returned too few rows" % backend)
            sig["select"] = (n_rows, id_sum)

            # 3. update ---------------------------------------------------
            with timer.step("update"):
                with Sess() as session:
                    for id_, price in zip(params.update_ids, params.update_prices):
                        obj = session.get(Item, id_)
                        if obj is None:
                            raise AssertionError("%s: update: no Item %d" % (backend, id_))
                        obj.price = price
                        session.commit()
            st = current_state(Sess)
            check(st == expected_table_state(params, "update"),
                  "%s: after update table is %r, expected %r"
                  % (backend, st, expected_table_state(params, "update")))
            sig["update"] = st

            # 4. delete ---------------------------------------------------
            with timer.step("delete"):
                with Sess() as session:
                    for id_ in params.delete_ids:
                        obj = session.get(Item, id_)
                        if obj is None:
                            raise AssertionError("%s: delete: no Item %d" % (backend, id_))
                        session.delete(obj)
                        session.commit()
            st = current_state(Sess)
            check(st == expected_table_state(params, "delete"),
                  "%s: after delete table is %r, expected %r"
                  % (backend, st, expected_table_state(params, "delete")))
            sig["delete"] = st
            return sig
        finally:
            # A memory:// database might outlive the engine; leave it empty.
            Base.metadata.drop_all(engine)

    return workload


def main(argv=None) -> Dict[str, Any]:
    parser = _common.build_parser(__doc__.split("\n\n")[0], memory_session=True)
    args = parser.parse_args(argv)
    return _common.run("orm_workload", args, make_workload(args.session), STEPS,
                       extra_info={"session": args.session})


if __name__ == "__main__":
    main()
