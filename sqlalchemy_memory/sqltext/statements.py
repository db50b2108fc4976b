"""SELECT / INSERT / UPDATE / DELETE text to SQLAlchemy Core statements.

Tables come from the store's catalog, so the statement is built against the
same ``Table`` objects (and types) that Core statements use.  Every select
list item is labelled with the name a database would report for it (alias,
column name, or the expression's SQL), which becomes the cursor's
``description``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlglot import exp

from ..engine.errors import OperationalError, ProgrammingError
from .exprs import ExprBuilder, Params
from .names import Catalog, Names, ident, pick
from .parse import unsupported


class StatementBuilder:
    """Builds one statement; keeps the tables it used for cache checks."""

    def __init__(self, catalog: Catalog, params: Params) -> None:
        self.catalog = catalog
        self.expr = ExprBuilder(params, subquery=self.subquery)
        self.ctes: Dict[str, Any] = {}

    # -- queries ----------------------------------------------------------------
    def query(self, node: exp.Expression, outer: Optional[Names] = None) -> Any:
        """A Select or CompoundSelect for SELECT / UNION / parenthesised query."""
        if isinstance(node, exp.Subquery):
            return self.query(node.this, outer)
        if isinstance(node, exp.Select):
            return self.select(node, outer)
        if isinstance(node, (exp.Union, exp.Except, exp.Intersect)):
            return self.compound(node, outer)
        raise unsupported(node, "query")

    def subquery(self, node: exp.Expression, names: Names) -> Any:
        return self.query(node, names)

    def compound(self, node: Any, outer: Optional[Names]) -> Any:
        self.with_(node)
        left = self.query(node.this, outer)
        right = self.query(node.expression, outer)
        distinct = node.args.get("distinct", True) is not False
        if isinstance(node, exp.Union):
            stmt = sa.union(left, right) if distinct else sa.union_all(left, right)
        elif isinstance(node, exp.Except):
            stmt = sa.except_(left, right) if distinct else sa.except_all(left, right)
        else:
            stmt = sa.intersect(left, right) if distinct else sa.intersect_all(left, right)
        columns = list(stmt.selected_columns)
        names = Names(outer)
        names.aliases.update({c.name: c for c in columns})
        return self.tail(stmt, node, names, columns)

    def with_(self, node: exp.Expression) -> None:
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is None:
            return
        if with_.args.get("recursive"):
            raise unsupported(with_, "WITH RECURSIVE")
        for cte in with_.expressions:
            name = cte.alias
            self.ctes[name] = self.query(cte.this).cte(name)

    def select(self, node: exp.Select, outer: Optional[Names]) -> Any:
        for key in ("into", "laterals", "windows", "qualify", "locks", "kind", "prewhere", "connect", "sample"):
            if node.args.get(key):
                raise unsupported(node, key.upper())
        self.with_(node)
        names = Names(outer)
        froms = self.from_clause(node, names)
        columns: List[Any] = []
        for item in node.expressions:
            columns.extend(self.select_item(item, names))
        if not columns and not (froms and all(_is_star(item) for item in node.expressions)):
            # only ``*`` of tables that have no columns selects nothing
            raise unsupported(node, "SELECT without columns")
        stmt = sa.select(*columns)
        for from_ in froms:
            stmt = stmt.select_from(from_)
        distinct = node.args.get("distinct")
        if distinct is not None:
            if distinct.args.get("on"):
                raise unsupported(distinct, "DISTINCT ON")
            stmt = stmt.distinct()
        where = node.args.get("where")
        if where is not None:
            stmt = stmt.where(self.expr(where.this, names))
        names.aliases.update({c.name: c for c in columns})
        group = node.args.get("group")
        if group is not None:
            stmt = stmt.group_by(*[self.ordinal(e, names, columns, aliases_first=False) for e in group.expressions])
        having = node.args.get("having")
        if having is not None:
            stmt = stmt.having(self.expr(having.this, names))
        return self.tail(stmt, node, names, columns)

    def tail(self, stmt: Any, node: exp.Expression, names: Names, columns: List[Any]) -> Any:
        """ORDER BY, LIMIT and OFFSET, shared by SELECT and compounds."""
        order = node.args.get("order")
        if order is not None:
            clauses = []
            for ordered in order.expressions:
                target = self.ordinal(ordered.this, names, columns, aliases_first=True)
                desc = bool(ordered.args.get("desc"))
                clause = target.desc() if desc else target.asc()
                # sqlglot fills in NULLS FIRST / LAST from its default dialect's
                # ordering (NULLs smallest, as in SQLite and the engine): only
                # an order other than that default needs saying
                nulls_first = ordered.args.get("nulls_first")
                if nulls_first is not None and bool(nulls_first) == desc:
                    clause = clause.nulls_first() if nulls_first else clause.nulls_last()
                clauses.append(clause)
            stmt = stmt.order_by(*clauses)
        limit = node.args.get("limit")
        if isinstance(limit, exp.Fetch):  # FETCH FIRST n [PERCENT] ROWS {ONLY | WITH TIES}
            options = limit.args.get("limit_options")
            count = limit.args.get("count")
            percent = bool(options and options.args.get("percent"))
            with_ties = bool(options and options.args.get("with_ties"))
            if count is None:  # FETCH FIRST ROW ONLY
                count = exp.Literal.number(1)
            if with_ties and order is None:
                raise ProgrammingError("FETCH ... WITH TIES needs ORDER BY")
            stmt = stmt.fetch(self.count(count, names), with_ties=with_ties, percent=percent)
        elif limit is not None:
            stmt = stmt.limit(self.count(limit.expression, names))
        offset = node.args.get("offset")
        if offset is not None:
            stmt = stmt.offset(self.count(offset.expression, names))
        return stmt

    def count(self, node: exp.Expression, names: Names) -> Any:
        if isinstance(node, exp.Literal) and not node.is_string:
            try:
                return int(node.this)
            except ValueError:  # FETCH FIRST 12.5 PERCENT
                return float(node.this)
        return self.expr(node, names)

    def ordinal(self, node: exp.Expression, names: Names, columns: List[Any], aliases_first: bool) -> Any:
        """ORDER BY / GROUP BY item: ``2`` means the second select column;
        any other constant (``1.5``, ``'a'``) is an expression."""
        if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
            index = int(node.this)
            if not 1 <= index <= len(columns):
                raise ProgrammingError("ORDER BY / GROUP BY term out of range: %d" % index)
            return columns[index - 1]
        if isinstance(node, exp.Column) and not node.args.get("table"):
            return names.column(node, aliases_first=aliases_first)
        return self.expr(node, names)

    def select_item(self, item: exp.Expression, names: Names) -> List[Any]:
        if isinstance(item, exp.Star):
            return [c.label(c.name) for c in names.star()]
        if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            return [c.label(c.name) for c in names.star(ident(item.args["table"]))]
        if isinstance(item, exp.Alias):
            return [_label(self.expr(item.this, names), item.alias)]
        element = self.expr(item, names)
        if isinstance(item, exp.Column):
            return [_label(element, element.name)]
        return [_label(element, item.sql())]

    # -- FROM -------------------------------------------------------------------
    def from_clause(self, node: exp.Select, names: Names) -> List[Any]:
        from_ = node.args.get("from_") or node.args.get("from")
        if from_ is None:
            if node.args.get("joins"):
                raise unsupported(node, "JOIN without FROM")
            return []
        current = self.from_item(from_.this, names)
        froms = []
        for join in node.args.get("joins") or []:
            right = self.from_item(join.this, names)
            side = (join.args.get("side") or "").upper()
            kind = (join.args.get("kind") or "").upper()
            on = join.args.get("on")
            using = join.args.get("using")
            if join.args.get("method") or kind in ("SEMI", "ANTI", "ASOF", "STRAIGHT_JOIN"):
                raise unsupported(join, "JOIN")
            if on is None and not using and not side and kind in ("", "CROSS"):
                if kind == "CROSS":
                    current = current.join(right, sa.true())
                else:
                    froms.append(current)  # FROM a, b
                    current = right
                continue
            if side == "RIGHT":
                raise unsupported(join, "RIGHT JOIN")
            if using:
                onclause = sa.and_(*[self.using(u, names, right) for u in using])
            elif on is not None:
                onclause = self.expr(on, names)
            else:
                onclause = sa.true()
            current = current.join(right, onclause, isouter=side in ("LEFT", "FULL"), full=side == "FULL")
        froms.append(current)
        return froms

    def using(self, name: Any, names: Names, right: Any) -> Any:
        key = ident(name)
        right_cols = pick(right.c, key, key=lambda c: c.name)
        left_cols = [c for n, f in names.froms if f is not right for c in pick(f.c, key, key=lambda c: c.name)]
        if len(right_cols) != 1 or len(left_cols) != 1:
            raise OperationalError("cannot join using column %s" % key[0])
        return left_cols[0] == right_cols[0]

    def from_item(self, node: exp.Expression, names: Names) -> Any:
        alias = node.args.get("alias")
        alias_name = alias.name if alias is not None else None
        if alias is not None and alias.args.get("columns"):
            raise unsupported(node, "column aliases in FROM")
        if isinstance(node, exp.Table):
            if isinstance(node.this, exp.Func) or node.args.get("joins"):
                raise unsupported(node, "FROM item")
            source = self.table(node)
            if alias_name:
                source = source.alias(alias_name)
            names.add(alias_name or source.name, source)
            return source
        if isinstance(node, exp.Subquery):
            source = self.query(node.this, names.outer).subquery(alias_name)
            names.add(alias_name, source)
            return source
        raise unsupported(node, "FROM item")

    def table(self, node: exp.Table) -> Any:
        if not node.args.get("db"):
            hits = pick(self.ctes, ident(node.this))
            if hits:
                return self.ctes[hits[0]]
        return self.catalog.table_data(node).table

    # -- DML ----------------------------------------------------------------------
    def target(self, node: exp.Expression) -> Tuple[Any, Names]:
        table_node = node.this if isinstance(node, exp.Schema) else node
        if not isinstance(table_node, exp.Table):
            raise unsupported(node, "target")
        table = self.catalog.table_data(table_node).table
        names = Names()
        alias = table_node.args.get("alias")
        if alias is not None:
            names.add(alias.name, table)
        else:
            names.add(table.name, table)
        return table, names

    def insert(self, node: exp.Insert) -> Any:
        for key in ("conflict", "overwrite", "ignore", "partition", "where", "alternative"):
            if node.args.get(key):
                raise unsupported(node, "INSERT %s" % key.upper())
        self.with_(node)
        table, names = self.target(node.this)
        if isinstance(node.this, exp.Schema):
            columns = [self.column_of(table, e) for e in node.this.expressions]
        else:
            columns = list(table.c)
        stmt = sa.insert(table)
        source = node.expression
        if node.args.get("default") or source is None:
            pass
        elif isinstance(source, exp.Values):
            rows = []
            for row in source.expressions:
                values = row.expressions if isinstance(row, exp.Tuple) else [row]
                if len(values) != len(columns):
                    raise OperationalError(
                        "table %s has %d columns but %d values were supplied" % (table.name, len(columns), len(values))
                    )
                rows.append({c: self.expr(v, names, c.type) for c, v in zip(columns, values)})
            stmt = stmt.values(rows[0]) if len(rows) == 1 else stmt.values(rows)
        else:
            stmt = stmt.from_select(columns, self.query(source))
        return self.returning(stmt, node, names)

    def column_of(self, table: Any, name: Any) -> Any:
        hits = pick(table.c, ident(name), key=lambda c: c.name)
        if not hits:
            raise OperationalError("table %s has no column named %s" % (table.name, ident(name)[0]))
        return hits[0]

    def update(self, node: exp.Update) -> Any:
        for key in ("from_", "from", "order", "limit", "joins"):
            if node.args.get(key):
                raise unsupported(node, "UPDATE %s" % key.upper().rstrip("_"))
        self.with_(node)
        table, names = self.target(node.this)
        values: Dict[Any, Any] = {}
        for assignment in node.expressions:
            if not isinstance(assignment, exp.EQ) or not isinstance(assignment.this, exp.Column):
                raise unsupported(assignment, "SET item")
            column = self.column_of(table, assignment.this.this)
            values[column] = self.expr(assignment.expression, names, column.type)
        stmt = sa.update(table).values(values)
        where = node.args.get("where")
        if where is not None:
            stmt = stmt.where(self.expr(where.this, names))
        return self.returning(stmt, node, names)

    def delete(self, node: exp.Delete) -> Any:
        for key in ("using", "order", "limit", "tables", "cluster"):
            if node.args.get(key):
                raise unsupported(node, "DELETE %s" % key.upper())
        self.with_(node)
        table, names = self.target(node.this)
        stmt = sa.delete(table)
        where = node.args.get("where")
        if where is not None:
            stmt = stmt.where(self.expr(where.this, names))
        return self.returning(stmt, node, names)

    def returning(self, stmt: Any, node: exp.Expression, names: Names) -> Any:
        returning = node.args.get("returning")
        if returning is None:
            return stmt
        columns: List[Any] = []
        for item in returning.expressions:
            columns.extend(self.select_item(item, names))
        return stmt.returning(*columns)


def _is_star(item: exp.Expression) -> bool:
    return isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star))


def _label(element: Any, name: str) -> Any:
    return element.label(name)
