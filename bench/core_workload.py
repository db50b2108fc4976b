"""Core workload: memory:// versus in-memory SQLite, same process, same run.

Same four steps as orm_workload.py, on one Connection with SQLAlchemy Core
(each timed separately, gc.collect() before each, checks run outside the
timed blocks; see bench/README.md):

  insert  conn.execute(insert(t), [ROWS dicts]) (executemany), one commit
  select  OPS selects, alternating (statements built once, bindparam):
            select(t).where(t.c.id == :id)
            select(t).where(t.c.category == :cat).order_by(t.c.id).limit(20)
          via conn.execute(stmt, params).all(); one commit at the end
  update  OPS x (conn.execute(update(t).where(t.c.id == i).values(price=p));
          conn.commit()), rowcount must be 1
  delete  OPS x (conn.execute(delete(t).where(t.c.id == i)); conn.commit()),
          rowcount must be 1

Run:  python bench/core_workload.py [--backends memory,sqlite] [--rows 20000]
      [--ops 500] [--repeat 3] [--markdown|--json]
"""

from __future__ import annotations

from typing import Any, Dict

import _common
from _common import check, expected_table_state, table_state

from sqlalchemy import (Column, Integer, MetaData, String, Table, bindparam, delete,
                        insert, select, update)

STEPS = ["insert", "select", "update", "delete"]

metadata = MetaData()
item = Table(
    "item",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(50), nullable=False),
    Column("category", String(20), nullable=False, index=True),
    Column("price", Integer, nullable=False),
    Column("qty", Integer, nullable=False),
)


def current_state(conn) -> tuple:
    """Table summary read on ``conn`` (untimed); ends the read transaction."""
    st = table_state(conn.execute(select(item.c.id, item.c.price)).all())
    conn.rollback()
    return st


def workload(backend, engine, params, timer) -> Dict[str, Any]:
    t = item
    metadata.create_all(engine)
    try:
        sig: Dict[str, Any] = {}
        data = params.data

        with engine.connect() as conn:
            check(current_state(conn) == (0, 0, 0), "%s: table not empty at start" % backend)
            # 1. insert -------------------------------------------------------
            with timer.step("insert"):
                conn.execute(insert(t), [
                    {"name": n, "category": c, "price": p, "qty": q} for n, c, p, q in data
                ])
                conn.commit()
            st = current_state(conn)
            check(st == expected_table_state(params, "insert"),
                  "%s: after insert table is %r, expected %r (ids must be 1..rows)"
                  % (backend, st, expected_table_state(params, "insert")))
            sig["insert"] = st

            # 2. select -------------------------------------------------------
            by_id = select(t).where(t.c.id == bindparam("id"))
            by_cat = (select(t).where(t.c.category == bindparam("cat"))
                      .order_by(t.c.id).limit(20))
            n_rows = id_sum = 0
            with timer.step("select"):
                for kind, arg in params.select_ops:
                    if kind == "pk":
                        rows = conn.execute(by_id, {"id": arg}).all()
                    else:
                        rows = conn.execute(by_cat, {"cat": arg}).all()
                    n_rows += len(rows)
                    for r in rows:
                        id_sum += r.id
                conn.commit()
            n_pk = sum(1 for k, _ in params.select_ops if k == "pk")
            check(n_rows >= n_pk, "%s: select returned too few rows" % backend)
            sig["select"] = (n_rows, id_sum)

            # 3. update -------------------------------------------------------
            with timer.step("update"):
                for id_, price in zip(params.update_ids, params.update_prices):
                    res = conn.execute(update(t).where(t.c.id == id_).values(price=price))
                    if res.rowcount != 1:
                        raise AssertionError("%s: update id %d rowcount %r"
                                             % (backend, id_, res.rowcount))
                    conn.commit()
            st = current_state(conn)
            check(st == expected_table_state(params, "update"),
                  "%s: after update table is %r, expected %r"
                  % (backend, st, expected_table_state(params, "update")))
            sig["update"] = st

            # 4. delete -------------------------------------------------------
            with timer.step("delete"):
                for id_ in params.delete_ids:
                    res = conn.execute(delete(t).where(t.c.id == id_))
                    if res.rowcount != 1:
                        raise AssertionError("%s: delete id %d rowcount %r"
                                             % (backend, id_, res.rowcount))
                    conn.commit()
            st = current_state(conn)
            check(st == expected_table_state(params, "delete"),
                  "%s: after delete table is %r, expected %r"
                  % (backend, st, expected_table_state(params, "delete")))
            sig["delete"] = st
        return sig
    finally:
        # A memory:// database might outlive the engine; leave it empty.
        metadata.drop_all(engine)


def main(argv=None) -> Dict[str, Any]:
    parser = _common.build_parser(__doc__.split("\n\n")[0])
    args = parser.parse_args(argv)
    return _common.run("core_workload", args, workload, STEPS)


if __name__ == "__main__":
    main()
