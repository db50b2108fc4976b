"""CREATE / DROP text to SQLAlchemy DDL elements (``CreateTable``...).

The elements go to ``engine.ddl.execute_ddl`` exactly as compiled DDL does,
so textual and Core DDL share one implementation (and its transactional undo).
Unquoted names are folded to lower case, SQLAlchemy's spelling of a
case-insensitive name (as PostgreSQL does), so Core ``Table("foo")`` and
``CREATE TABLE Foo`` meet.
"""

from __future__ import annotations

from typing import Any, List, Optional

import sqlalchemy as sa
from sqlalchemy.sql import ddl as sa_ddl
from sqlglot import exp

from ..engine import alter as alter_ddl
from ..engine.errors import NotSupportedError, OperationalError
from ..engine.views import create_view_element, drop_view_element, views_of
from .exprs import ExprBuilder, Params, literal_value
from .names import Catalog, Names, ident, pick
from .parse import unsupported
from .statements import StatementBuilder
from .types import to_type


# sqlglot 25+ names the node ``Alter``; earlier releases ``AlterTable``
ALTER_NODE: Any = getattr(exp, "Alter", None) or getattr(exp, "AlterTable")


def sql_name(node: Any) -> str:
    text, quoted = ident(node)
    return text if quoted else text.lower()


def _schema(node: exp.Table, catalog: Catalog) -> Optional[str]:
    return catalog.schema_of(node) if node.args.get("db") else None


class SchemaBuilder:
    def __init__(self, catalog: Catalog, params: Params) -> None:
        self.catalog = catalog
        self.params = params
        self.statements = StatementBuilder(catalog, params)

    def build(self, node: exp.Expression) -> Any:
        if isinstance(node, exp.Create):
            kind = (node.args.get("kind") or "").upper()
            handler = getattr(self, "create_" + kind.lower(), None)
        elif isinstance(node, exp.Drop):
            kind = (node.args.get("kind") or "").upper()
            handler = getattr(self, "drop_" + kind.lower(), None)
        elif isinstance(node, ALTER_NODE) and (node.args.get("kind") or "TABLE").upper() == "TABLE":
            handler = self.alter_table
        else:
            handler = None
        if handler is None:
            raise unsupported(node, "statement")
        return handler(node)

    # -- CREATE -----------------------------------------------------------------
    def create_table(self, node: exp.Create) -> Any:
        target = node.this
        table_node = target.this if isinstance(target, exp.Schema) else target
        schema = _schema(table_node, self.catalog)
        name = sql_name(table_node.this)
        temporary = any(isinstance(p, exp.TemporaryProperty) for p in _properties(node))
        if node.expression is not None:
            if not hasattr(sa_ddl, "CreateTableAs"):
                raise NotSupportedError("SQL text: CREATE TABLE ... AS needs SQLAlchemy 2.1")
            query = self.statements.query(node.expression)
            return sa_ddl.CreateTableAs(
                query, name, schema=schema, temporary=temporary, if_not_exists=bool(node.args.get("exists"))
            )
        if not isinstance(target, exp.Schema):
            raise unsupported(node, "CREATE TABLE without columns")
        items: List[Any] = []
        for element in target.expressions:
            items.extend(self.table_item(element, schema))
        table = sa.Table(name, sa.MetaData(), *items, schema=schema, prefixes=["TEMPORARY"] if temporary else [])
        return sa_ddl.CreateTable(table, if_not_exists=bool(node.args.get("exists")))

    def table_item(self, node: exp.Expression, schema: Optional[str]) -> List[Any]:
        if isinstance(node, exp.ColumnDef):
            return [self.column(node, schema)]
        name = None
        if isinstance(node, exp.Constraint):
            name = sql_name(node.this)
            return [self.constraint(e, schema, name) for e in node.expressions]
        return [self.constraint(node, schema, name)]

    def constraint(self, node: exp.Expression, schema: Optional[str], name: Optional[str]) -> Any:
        if isinstance(node, exp.PrimaryKey):
            return sa.PrimaryKeyConstraint(*[sql_name(_plain(e)) for e in node.expressions], name=name)
        if isinstance(node, exp.PrimaryKeyColumnConstraint) and node.expressions:
            return sa.PrimaryKeyConstraint(*[sql_name(_plain(e)) for e in node.expressions], name=name)
        if isinstance(node, exp.UniqueColumnConstraint):
            inner = node.this
            cols = inner.expressions if isinstance(inner, exp.Schema) else []
            return sa.UniqueConstraint(*[sql_name(_plain(e)) for e in cols], name=name)
        if isinstance(node, exp.ForeignKey):
            ref = node.args["reference"]
            cols = [sql_name(e) for e in node.expressions]
            targets = self.reference(ref, len(cols))
            try:
                return sa.ForeignKeyConstraint(cols, targets, name=name, **_fk_options(ref))
            except sa.exc.ArgumentError as err:  # FOREIGN KEY (a, a) before SQLAlchemy 2.1
                raise NotSupportedError("SQL text: %s (%s)" % (err, node.sql())) from None
        if isinstance(node, exp.CheckColumnConstraint):
            return sa.CheckConstraint(sa.text(node.this.sql()), name=name)
        raise unsupported(node, "table constraint")

    def column(self, node: exp.ColumnDef, schema: Optional[str]) -> Any:
        kind = node.args.get("kind")
        type_ = to_type(kind) if kind is not None else sa.types.NullType()
        args: List[Any] = []
        kw: dict = {"nullable": True}
        for constraint in node.args.get("constraints") or []:
            c = constraint.args.get("kind")
            if isinstance(c, exp.PrimaryKeyColumnConstraint):
                kw["primary_key"] = True
                kw["nullable"] = False
            elif isinstance(c, exp.NotNullColumnConstraint):
                kw["nullable"] = bool(c.args.get("allow_null"))
            elif isinstance(c, exp.DefaultColumnConstraint):
                kw["server_default"] = self.server_default(c.this, type_)
            elif isinstance(c, exp.UniqueColumnConstraint):
                kw["unique"] = True
            elif isinstance(c, exp.Reference):
                (target,) = self.reference(c, 1)
                args.append(sa.ForeignKey(target, **_fk_options(c)))
            elif isinstance(c, exp.CheckColumnConstraint):
                args.append(sa.CheckConstraint(sa.text(c.this.sql())))
            elif isinstance(c, exp.AutoIncrementColumnConstraint):
                kw["autoincrement"] = True
            elif isinstance(c, exp.GeneratedAsIdentityColumnConstraint):
                args.append(sa.Identity())
            elif isinstance(c, exp.CommentColumnConstraint):
                kw["comment"] = c.this.this if isinstance(c.this, exp.Literal) else c.this.sql()
            elif isinstance(c, exp.CollateColumnConstraint):
                pass  # comparisons are binary in the memory dialect
            else:
                raise unsupported(constraint, "column constraint")
        return sa.Column(sql_name(node.this), type_, *args, **kw)

    def server_default(self, node: exp.Expression, type_: Any) -> Any:
        if isinstance(node, exp.Literal) and node.is_string:
            return node.this
        if isinstance(node, exp.Paren):
            return self.server_default(node.this, type_)
        return sa.text(node.sql())

    def reference(self, ref: exp.Reference, count: int) -> List[str]:
        target = ref.this
        table_node = target.this if isinstance(target, exp.Schema) else target
        prefix = ".".join(
            [sql_name(table_node.args["db"])] if table_node.args.get("db") else []
        ) + ("." if table_node.args.get("db") else "") + sql_name(table_node.this)
        if isinstance(target, exp.Schema) and target.expressions:
            cols = [sql_name(e) for e in target.expressions]
        else:  # REFERENCES t: its primary key
            cols = [c.name for c in self.catalog.table_data(table_node).table.primary_key.columns]
        if len(cols) != count:
            raise OperationalError("foreign key mismatch referencing %s" % prefix)
        return ["%s.%s" % (prefix, c) for c in cols]

    def create_index(self, node: exp.Create) -> Any:
        index = node.this
        params = index.args.get("params")
        table_node = index.args.get("table")
        if table_node is None or params is None or not params.args.get("columns"):
            raise unsupported(node, "CREATE INDEX")
        source = self.catalog.table_data(table_node).table
        # a stand-in: an Index attaches itself to its columns' table
        stub = sa.Table(source.name, sa.MetaData(), *[sa.Column(c.name, c.type) for c in source.columns], schema=source.schema)
        names = Names()
        names.add(stub.name, stub)
        builder = ExprBuilder(self.params)
        exprs = []
        for item in params.args["columns"]:
            inner = item.this if isinstance(item, exp.Ordered) else item
            exprs.append(builder(inner, names))
        return sa_ddl.CreateIndex(
            sa.Index(sql_name(index.this), *exprs, unique=bool(node.args.get("unique"))),
            if_not_exists=bool(node.args.get("exists")),
        )

    def create_view(self, node: exp.Create) -> Any:
        table_node = node.this
        if not isinstance(table_node, exp.Table):
            raise unsupported(node, "CREATE VIEW with column names")
        properties = _properties(node)
        # the select is kept and planned inside later statements: no named binds
        view_params = Params(self.params.renamed, allow_binds=False, unique_literals=True)
        query = StatementBuilder(self.catalog, view_params).query(node.expression)
        element = create_view_element(
            query,
            sql_name(table_node.this),
            schema=_schema(table_node, self.catalog),
            temporary=any(isinstance(p, exp.TemporaryProperty) for p in properties),
            materialized=any(isinstance(p, exp.MaterializedProperty) for p in properties),
            or_replace=bool(node.args.get("replace")),
            if_not_exists=bool(node.args.get("exists")),
        )
        # what reflection's get_view_definition() reports: the view's own text
        element.definition = node.expression.sql()
        return element

    def create_schema(self, node: exp.Create) -> Any:
        name = sql_name(node.this.args["db"])
        return sa_ddl.CreateSchema(name, if_not_exists=bool(node.args.get("exists")))

    def create_sequence(self, node: exp.Create) -> Any:
        table_node = node.this
        kw: dict = {}
        for prop in _properties(node):
            if isinstance(prop, exp.SequenceProperties):
                for key in ("start", "increment", "minvalue", "maxvalue"):
                    value = prop.args.get(key)
                    if isinstance(value, exp.Neg):
                        value = -int(value.this.this)
                    elif isinstance(value, exp.Literal):
                        value = literal_value(value)
                    if value is not None:
                        kw[key] = value
        seq = sa.Sequence(sql_name(table_node.this), schema=_schema(table_node, self.catalog), **kw)
        return sa_ddl.CreateSequence(seq, if_not_exists=bool(node.args.get("exists")))

    # -- ALTER TABLE ------------------------------------------------------------
    def alter_table(self, node: exp.Expression) -> Any:
        table_node = node.this
        exists = bool(node.args.get("exists"))
        schema = _schema(table_node, self.catalog)
        name = self._stored_name(table_node, exists)
        for flag in ("not_valid", "check", "cascade", "iceberg"):
            if node.args.get(flag):
                raise unsupported(node, "ALTER TABLE option %s" % flag.upper())
        actions = node.args.get("actions") or []
        options = node.args.get("options") or []
        if options:
            # sqlglot reads ``RENAME a TO b`` as a table rename to ``a``
            # with the real target in ``options``
            to = options[0]
            if not (
                len(actions) == 1
                and len(options) == 1
                and isinstance(actions[0], exp.AlterRename)
                and type(to).__name__ == "ToTableProperty"
                and isinstance(to.this, exp.Table)
                and not to.this.args.get("db")
            ):
                raise unsupported(node, "ALTER TABLE form")
            return alter_ddl.AlterTable(
                name, schema, [alter_ddl.RenameColumn(ident(actions[0].this.this), sql_name(to.this.this))], if_exists=exists
            )
        return alter_ddl.AlterTable(name, schema, [self.alter_action(a, node, schema) for a in actions], if_exists=exists)

    def alter_action(self, action: exp.Expression, node: exp.Expression, schema: Optional[str]) -> Any:
        if isinstance(action, exp.ColumnDef):
            return alter_ddl.AddColumn(self.column(action, schema), if_not_exists=bool(action.args.get("exists")))
        if isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            targets = action.args.get("tables") or []
            if len(targets) != 1 or action.args.get("cascade") or not isinstance(targets[0], exp.Column):
                raise unsupported(node, "ALTER TABLE DROP COLUMN form")
            return alter_ddl.DropColumn(ident(targets[0].this), if_exists=bool(action.args.get("exists")))
        if isinstance(action, exp.Command) and str(action.this).upper() == "DROP":
            return alter_ddl.DropColumn(_bare_name(str(action.expression or ""), node))
        if isinstance(action, exp.AddConstraint):
            items = [item for e in action.expressions for item in self.table_item(e, schema)]
            if len(items) != 1:
                raise unsupported(node, "ALTER TABLE ADD CONSTRAINT form")
            return alter_ddl.AddConstraint(items[0])
        if isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "CONSTRAINT":
            targets = action.args.get("tables") or []
            if len(targets) != 1 or action.args.get("cascade") or not isinstance(targets[0], exp.Table):
                raise unsupported(node, "ALTER TABLE DROP CONSTRAINT form")
            return alter_ddl.DropConstraint(ident(targets[0].this), if_exists=bool(action.args.get("exists")))
        if isinstance(action, exp.RenameColumn):
            return alter_ddl.RenameColumn(ident(action.this.this), sql_name(action.args["to"].this))
        if isinstance(action, exp.AlterRename):
            target = action.this
            if not isinstance(target, exp.Table) or (
                target.args.get("db") and self.catalog.schema_of(target) != schema
            ):
                raise unsupported(node, "ALTER TABLE RENAME TO another schema")
            return alter_ddl.RenameTable(sql_name(target.this))
        if isinstance(action, exp.AlterColumn):
            return self.alter_column(action, node)
        raise unsupported(node, "ALTER TABLE action %s" % type(action).__name__)

    def alter_column(self, action: exp.Expression, node: exp.Expression) -> Any:
        args = action.args
        known = {"this", "dtype", "collate", "using", "default", "drop", "allow_null"}
        if args.get("using") or any(v not in (None, False) for k, v in args.items() if k not in known):
            raise unsupported(node, "ALTER COLUMN form")
        kw: dict = {}
        if args.get("dtype") is not None:
            kw["type_"] = to_type(args["dtype"])
        if args.get("default") is not None:
            kw["server_default"] = self.server_default(args["default"], None)
        if args.get("allow_null") is not None:
            kw["nullable"] = bool(args["allow_null"])
        elif args.get("drop"):
            kw["server_default"] = None  # DROP DEFAULT
        if not kw:
            raise unsupported(node, "ALTER COLUMN form")
        return alter_ddl.AlterColumn(ident(action.this), **kw)

    def _stored_name(self, table_node: exp.Table, exists: bool) -> str:
        """The table's name as the store spells it (as written when it is
        absent and ``IF EXISTS`` allows that)."""
        try:
            return str(self.catalog.table_data(table_node).table.name)
        except OperationalError:
            if not exists:
                raise
            return sql_name(table_node.this)

    # -- DROP -------------------------------------------------------------------
    def _one(self, node: exp.Drop) -> exp.Table:
        tables = node.args.get("tables") or [node.this]
        if len(tables) != 1 or not isinstance(tables[0], exp.Table):
            raise unsupported(node, "DROP of several objects")
        return tables[0]

    def drop_table(self, node: exp.Drop) -> Any:
        table_node = self._one(node)
        exists = bool(node.args.get("exists"))
        name = self._stored_name(table_node, exists)
        table = sa.Table(name, sa.MetaData(), schema=_schema(table_node, self.catalog))
        return sa_ddl.DropTable(table, if_exists=exists)

    def drop_index(self, node: exp.Drop) -> Any:
        table_node = self._one(node)
        schema = _schema(table_node, self.catalog)
        name = sql_name(table_node.this)
        owners = [k for k in self.catalog.store.index_owners if k[0] == schema]
        hits = pick([k[1] for k in owners], ident(table_node.this))
        if hits:
            name = hits[0]
        stub = sa.Table("_", sa.MetaData(), sa.Column("_", sa.Integer), schema=schema)
        return sa_ddl.DropIndex(sa.Index(name, stub.c["_"]), if_exists=bool(node.args.get("exists")))

    def drop_view(self, node: exp.Drop) -> Any:
        table_node = self._one(node)
        schema = _schema(table_node, self.catalog)
        name = sql_name(table_node.this)
        # the store names it exactly; find its spelling
        in_schema = [k[1] for k in views_of(self.catalog.store) if k[0] == self.catalog.schema_of(table_node)]
        hits = pick(in_schema, ident(table_node.this))
        if hits:
            name = hits[0]
        return drop_view_element(
            name, schema=schema, if_exists=bool(node.args.get("exists")), materialized=bool(node.args.get("materialized"))
        )

    def drop_schema(self, node: exp.Drop) -> Any:
        table_node = self._one(node)
        name = sql_name(table_node.args.get("db") or table_node.this)
        return sa_ddl.DropSchema(name, cascade=bool(node.args.get("cascade")), if_exists=bool(node.args.get("exists")))

    def drop_sequence(self, node: exp.Drop) -> Any:
        table_node = self._one(node)
        seq = sa.Sequence(sql_name(table_node.this), schema=_schema(table_node, self.catalog))
        return sa_ddl.DropSequence(seq, if_exists=bool(node.args.get("exists")))


def _bare_name(text: str, node: exp.Expression) -> Any:
    """``(text, quoted)`` of the one column name in ``ALTER TABLE t DROP c``,
    which sqlglot leaves as raw text."""
    import sqlglot

    try:
        tokens = sqlglot.tokenize(text)
    except Exception:  # noqa: BLE001 - reported as unsupported below
        tokens = []
    if len(tokens) == 2 and tokens[0].text.upper() == "COLUMN":
        tokens = tokens[1:]
    if len(tokens) != 1 or tokens[0].token_type not in (sqlglot.TokenType.VAR, sqlglot.TokenType.IDENTIFIER):
        raise unsupported(node, "ALTER TABLE DROP form")
    token = tokens[0]
    return token.text, token.token_type == sqlglot.TokenType.IDENTIFIER


def _plain(node: Any) -> Any:
    """Column name node inside PRIMARY KEY (a, b DESC) / UNIQUE (...)."""
    if isinstance(node, exp.Ordered):
        node = node.this
    if isinstance(node, exp.Column):
        node = node.this
    return node


def _properties(node: exp.Create) -> List[Any]:
    props = node.args.get("properties")
    return list(props.expressions) if props is not None else []


def _fk_options(ref: exp.Reference) -> dict:
    out = {}
    for option in ref.args.get("options") or []:
        text = option.upper() if isinstance(option, str) else str(option).upper()
        for event in ("DELETE", "UPDATE"):
            prefix = "ON %s " % event
            if text.startswith(prefix):
                out["on" + event.lower()] = text[len(prefix):]
    return out
