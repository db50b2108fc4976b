"""Views: a name for a stored ``Select``, kept beside the store's tables.

A view keeps the SQLAlchemy ``Select`` it was created from (queries run it
when they name the view) and a ``Table`` describing its columns (what
reflection reports).  A materialized view is a snapshot: its rows live in an
ordinary table of ``store.tables``, and the view entry only records that the
table is one.

The store has no ``views`` attribute of its own yet, so :func:`views_of`
adds the dictionary on first use.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, Optional, Tuple

from sqlalchemy import Table

ViewKey = Tuple[Optional[str], str]


class ViewData:
    """One view: its ``Select``, its column layout, and how it was made."""

    def __init__(
        self,
        table: Table,
        select: Any,
        definition: Optional[str],
        temporary: bool = False,
        materialized: bool = False,
    ) -> None:
        self.table = table
        self.name = table.name
        self.schema = table.schema
        self.select = select
        self.definition = definition  # SQL text, when the view came as text
        self.temporary = temporary
        self.materialized = materialized


def views_of(store: Any) -> Dict[ViewKey, ViewData]:
    """The store's views, keyed like its tables by ``(schema, name)``."""
    views: Optional[Dict[ViewKey, ViewData]] = getattr(store, "views", None)
    if views is None:
        views = {}
        store.views = views
    return views


def view_for(store: Any, schema: Optional[str], name: str) -> Optional[ViewData]:
    """The (non-materialized) view called ``name``, for the query planner.

    A materialized view is also in ``store.tables`` and is read as a table.
    """
    views: Optional[Dict[ViewKey, ViewData]] = getattr(store, "views", None)
    if not views:
        return None
    view = views.get((schema, name))
    if view is None or view.materialized:
        return None
    return view


def is_temporary(table: Table) -> bool:
    """Whether ``table`` was created ``TEMPORARY`` (a prefix, as SQLAlchemy
    spells it)."""
    return any(str(p).upper() in ("TEMPORARY", "TEMP") for p in table._prefixes)


def create_view_element(
    select: Any,
    name: str,
    schema: Optional[str] = None,
    temporary: bool = False,
    materialized: bool = False,
    or_replace: bool = False,
    if_not_exists: bool = False,
) -> Any:
    """A CREATE VIEW element for ``engine.ddl.execute_ddl``, on any SQLAlchemy.

    SQLAlchemy 2.1 has ``CreateView``; on 2.0 (for SQL text) this builds an
    object with the same attributes, which is all the DDL handler reads.
    """
    from sqlalchemy.sql import ddl as sa_ddl

    if hasattr(sa_ddl, "CreateView"):
        element = sa_ddl.CreateView(
            select, name, schema=schema, temporary=temporary, or_replace=or_replace, materialized=materialized
        )
        element.if_not_exists = if_not_exists
        return element
    from sqlalchemy import Column, MetaData

    columns = [
        Column(col_name, col.type)
        for _, col_name, _, col, _ in select._generate_columns_plus_names(anon_for_dupe_key=False)
    ]
    return SimpleNamespace(
        __visit_name__="create_view",
        table=Table(name, MetaData(), *columns, schema=schema),
        selectable=select,
        temporary=temporary,
        materialized=materialized,
        or_replace=or_replace,
        if_not_exists=if_not_exists,
    )


def drop_view_element(name: str, schema: Optional[str] = None, if_exists: bool = False, materialized: bool = False) -> Any:
    """A DROP VIEW element for ``engine.ddl.execute_ddl``, on any SQLAlchemy."""
    from sqlalchemy import MetaData
    from sqlalchemy.sql import ddl as sa_ddl

    table = Table(name, MetaData(), schema=schema)
    if hasattr(sa_ddl, "DropView"):
        return sa_ddl.DropView(table, if_exists=if_exists, materialized=materialized)
    return SimpleNamespace(__visit_name__="drop_view", element=table, if_exists=if_exists, materialized=materialized)
