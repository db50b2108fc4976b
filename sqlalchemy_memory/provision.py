"""Hooks for SQLAlchemy's test plugin (``sqlalchemy.testing.provision``).

Each pytest-xdist worker gets its own named store (``memory:///test_gw0``),
holding the ``test_schema`` schemas the compliance suite expects.  As for
SQLite, the engine's pool is emptied after each test class: temporary tables
live as long as their DBAPI connection, so none outlives its class.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy.engine import url as sa_url
from sqlalchemy.testing.provision import (
    create_db,
    drop_db,
    follower_url_from_main,
    generate_driver_url,
    post_configure_engine,
    stop_test_class_outside_fixtures,
    temp_table_keyword_args,
)

from .engine.store import Store, named_store

_TEST_SCHEMAS = ("test_schema", "test_schema_2")
_kept: Dict[str, Store] = {}  # the test run's stores live as long as the run


def _prepare(name: Optional[str]) -> None:
    if name and name not in _kept:
        store = _kept[name] = named_store(name)
        store.schemas.update(_TEST_SCHEMAS)


@generate_driver_url.for_db("memory")
def _generate_driver_url(url: Any, driver: str, query_str: str) -> Any:
    if driver in (None, "memory"):
        new_url = url.set(drivername="memory")
    elif driver == "asyncio":
        new_url = url.set(drivername="memory+asyncio")
    else:
        return None
    if query_str:
        new_url = new_url.update_query_string(query_str)
    return new_url


@follower_url_from_main.for_db("memory")
def _follower_url_from_main(url: Any, ident: str) -> Any:
    return sa_url.make_url(url).set(database=ident)


@create_db.for_db("memory")
def _create_db(cfg: Any, eng: Any, ident: str) -> None:
    _prepare(ident)


@drop_db.for_db("memory")
def _drop_db(cfg: Any, eng: Any, ident: str) -> None:
    _kept.pop(ident, None)


@post_configure_engine.for_db("memory")
def _post_configure_engine(url: Any, engine: Any, follower_ident: Optional[str]) -> None:
    _prepare(sa_url.make_url(url).database)


@temp_table_keyword_args.for_db("memory")
def _temp_table_keyword_args(cfg: Any, eng: Any) -> Dict[str, Any]:
    return {"prefixes": ["TEMPORARY"]}


@stop_test_class_outside_fixtures.for_db("memory")
def _stop_test_class_outside_fixtures(config: Any, db: Any, cls: Any) -> None:
    db.dispose()
