"""FROM clauses at plan time: tables, aliases, views, derived tables and
joins become a tree of ``joins.py`` nodes.

A column's position in a multi-source row is its leaf's offset plus its
position in the leaf.  WHERE conjuncts that read one leaf only are pushed
down to it (and may pick a primary-key or index lookup) unless the leaf is
on the NULL-extended side of an outer join; ON / WHERE equalities between
the two sides of a join become hash-join keys.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from sqlalchemy.sql import operators as ops
from sqlalchemy.sql import visitors

from . import nulls
from .errors import NotSupportedError
from .expr import Fn, Scope, compile_expr, unsupported
from .joins import DerivedNode, FilterNode, JoinNode, LateralJoinNode, Node, SourceNode, _tuple_key
from .runtime import Runtime, table_ref
from .sources import _access_path, _conjuncts


class Leaf:
    """One table, alias or derived table of the FROM clause."""

    def __init__(self, from_: Any, positions: Dict[str, int], width: int, index: int) -> None:
        self.from_ = from_
        # the entry scopes match columns against: unannotated, as ``Scope``
        # deannotates a column's table (the ORM's FROM entries are annotated,
        # its columns not always; otherwise an alias of the same table, which
        # proxies the column, would claim it)
        self.source: Any = _plain(from_)
        self.positions = positions  # column name -> position within the leaf
        self.width = width
        self.index = index
        self.offset = 0
        self.preserved = True  # not on the NULL-extended side of an outer join
        self.pushed: List[Any] = []  # WHERE conjuncts that only read this leaf
        self.table: Optional[Tuple[Any, Any]] = None  # (TableRef, TableData) for a table
        self.plan: Any = None  # nested plan for a derived table
        self.node: Optional[Node] = None  # a ready node (recursive CTE working table)
        self.lateral: Any = None  # LATERAL: the select, planned once offsets are known
        self.row_key: Optional[str] = None  # LATERAL: params key of the preceding FROM row


class Tree:
    """A FROM element: a leaf or a join of two trees."""

    def __init__(self, leaf: Optional[Leaf] = None, join: Any = None,
                 left: Optional["Tree"] = None, right: Optional["Tree"] = None) -> None:
        self.leaf = leaf
        self.join = join
        self.left = left
        self.right = right

    def leaves(self) -> List[Leaf]:
        if self.leaf is not None:
            return [self.leaf]
        assert self.left is not None and self.right is not None
        return self.left.leaves() + self.right.leaves()


class JoinAlias:
    """``join.alias("name")``: its rows are the join's, its columns the
    join's columns in order; each maps to one leaf's column.  A name two of
    them share is left out: it would be ambiguous in SQL too."""

    def __init__(self, from_: Any, join: Any) -> None:
        self.source = _plain(from_)
        if len(from_.c) != len(join.c):
            raise unsupported(from_, "alias of a join with %d columns over %d" % (len(from_.c), len(join.c)))
        names = [c.name for c in from_.c]
        self.columns = [
            (name, _plain(c.table), c.name) for name, c in zip(names, join.c) if names.count(name) == 1
        ]

    def positions(self, leaves: Sequence[Leaf], base: int) -> Dict[str, int]:
        """Name -> position of the columns whose leaf is among ``leaves``
        (positions relative to ``base``)."""
        by_source = {id(leaf.source): leaf for leaf in leaves}
        out: Dict[str, int] = {}
        for name, table, column in self.columns:
            leaf = by_source.get(id(table))
            if leaf is not None and column in leaf.positions:
                out[name] = leaf.offset - base + leaf.positions[column]
        return out


PlanQuery = Callable[[Any, Scope, bool], Any]  # (selectable, enclosing scope, asfrom) -> plan


def plan_froms(froms: Sequence[Any], scope: Scope, conjuncts: List[Any], rt: Runtime,
               plan_query: PlanQuery) -> Tuple[Optional[Node], List[Any], int]:
    """Plan the FROM list into one node; fill ``scope.sources``.  Returns the
    node, the WHERE conjuncts still to apply, and the row width."""
    if not froms:
        return None, conjuncts, 0
    leaves: List[Leaf] = []
    aliases: List[JoinAlias] = []
    trees = [_tree(f, scope, rt, plan_query, leaves, aliases) for f in froms]
    offset = 0
    for leaf in leaves:
        leaf.offset = offset
        offset += leaf.width
        scope.sources.append((leaf.source, {k: v + offset - leaf.width for k, v in leaf.positions.items()}))
    for alias in aliases:
        scope.sources.append((alias.source, alias.positions(leaves, 0)))
    for t in trees:
        _mark_preserved(t, True)
    rest = []
    for c in conjuncts:
        refs = _refs(c, scope, leaves)
        if refs is not None and len(refs) == 1:
            leaf = leaves[next(iter(refs))]
            if leaf.preserved:
                leaf.pushed.append(c)
                continue
        rest.append(c)
    planner = _Builder(scope, rt, leaves, aliases, plan_query)
    node = planner.node(trees[0])
    for t in trees[1:]:
        right = planner.node(t)
        node, rest = planner.combine(node, right, t, "inner", [], rest, _span(trees, t))
    return node, rest, offset


def _span(trees: List[Tree], upto: Tree) -> List[Leaf]:
    out: List[Leaf] = []
    for t in trees:
        out += t.leaves()
        if t is upto:
            break
    return out


def _tree(from_: Any, scope: Scope, rt: Runtime, plan_query: PlanQuery, leaves: List[Leaf],
          aliases: List[JoinAlias]) -> Tree:
    from_ = _ungrouped(from_)  # ``(a JOIN b)`` nested in a join
    name = from_.__visit_name__
    if name == "join":
        left = _tree(from_.left, scope, rt, plan_query, leaves, aliases)
        right = _tree(from_.right, scope, rt, plan_query, leaves, aliases)
        return Tree(join=from_, left=left, right=right)
    if name == "alias" and _ungrouped(from_.element).__visit_name__ == "join":
        # planned as the join itself, so its equalities stay hash-join keys
        join = _ungrouped(from_.element)
        tree = _tree(join, scope, rt, plan_query, leaves, aliases)
        aliases.append(JoinAlias(from_, join))
        return tree
    if name == "cte":
        working = _working_table(from_, scope)
        if working is not None:
            from .compound import WorkingTableNode

            key, width = working
            leaf = Leaf(from_, _column_positions(from_), width, len(leaves))
            leaf.node = WorkingTableNode(key, width, from_.name)
            leaves.append(leaf)
            return Tree(leaf=leaf)
    target = from_
    while target.__visit_name__ in ("alias", "subquery", "cte") and target.element.__visit_name__ in ("table", "alias", "subquery", "cte") and not getattr(target, "recursive", False):
        target = target.element
    if target.__visit_name__ == "table":
        ref = table_ref(target)
        view = _view(ref, rt)
        if view is not None:
            # the view instead of a layout: on another connection the name
            # may mean another view, or a temporary table
            scope.ctx.layouts.append((ref, view))
            plan = plan_query(view.select, scope, True)
            leaf = Leaf(from_, {c.name: i for i, c in enumerate(view.table.columns)}, plan.width, len(leaves))
            leaf.plan = plan
            leaves.append(leaf)
            return Tree(leaf=leaf)
        td = rt.table(ref)
        scope.ctx.layouts.append((ref, td.names))
        leaf = Leaf(from_, td.position, len(td.names), len(leaves))
        leaf.table = (ref, td)
    elif name in ("alias", "subquery", "cte", "values", "lateral"):
        if name == "lateral":
            # planned by _Builder once the preceding FROM entries' offsets are known
            leaf = Leaf(from_, _column_positions(from_), len(from_.c), len(leaves))
            leaf.lateral = from_.element
            leaves.append(leaf)
            return Tree(leaf=leaf)
        plan = plan_query(target, scope, True)
        leaf = Leaf(from_, _derived_positions(from_, target, scope), plan.width, len(leaves))
        leaf.plan = plan
    else:
        raise unsupported(from_, "FROM %s" % name)
    leaves.append(leaf)
    return Tree(leaf=leaf)


def view_named(ref: Any, rt: Runtime) -> Any:
    """The stored view ``ref`` names for this connection, or None."""
    return _view(ref, rt)


def _view(ref: Any, rt: Runtime) -> Any:
    """The stored view a FROM entry names, when there is no such table."""
    from .views import view_for

    schema = rt.schema(ref.schema)
    key = (schema, ref.name)
    txn = rt.txn
    if txn.temp_tables or txn.temp_views:  # the connection's own come first
        if key in txn.temp_tables:
            return None
        if key in txn.temp_views:
            return txn.temp_views[key]
    if key in rt.store.tables:
        return None
    return view_for(rt.store, schema, ref.name)


def _working_table(cte: Any, scope: Scope) -> Optional[Tuple[str, int]]:
    """The working table when ``cte`` (or what it aliases / restates) is
    the recursive CTE being planned."""
    working = scope.ctx.working
    if not working:
        return None
    seen = [cte]
    while seen:
        c = seen.pop()
        found = working.get(id(c))
        if found is not None:
            return found
        for attr in ("_cte_alias", "_restates"):
            other = getattr(c, attr, None)
            if other is not None:
                seen.append(other)
    return None


def _column_positions(from_: Any) -> Dict[str, int]:
    positions: Dict[str, int] = {}
    for i, c in enumerate(from_.c):
        positions.setdefault(c.name, i)
    return positions


def _derived_positions(from_: Any, target: Any, scope: Scope) -> Dict[str, int]:
    """Column positions of a derived table.  An ORM select is planned as the
    Core select its compile produced, whose columns may differ from the
    ``.c`` the outer query reads (an entity over a polymorphic join lists a
    column once where ``.c`` repeats it): each ``.c`` column is placed where
    the column it proxies (through aliases of the subquery too) is in that
    select, else by its label name."""
    from .select import _recorded_state, textual_query  # select.py imports this module

    inner = target.element if target.__visit_name__ in ("alias", "subquery", "cte") else target
    if inner.__visit_name__ == "textual_select":
        return _textual_positions(from_, textual_query(inner, scope.ctx))
    recorded = _recorded_state(inner, scope.ctx.compiled) if inner.__visit_name__ == "select" else None
    if recorded is None or recorded[0].statement is inner:
        return _column_positions(from_)
    by_column: Dict[Any, int] = {}
    by_name: Dict[str, int] = {}
    for i, (name, proxy_name, fallback, column, _) in enumerate(recorded[0].statement._generate_columns_plus_names(True)):
        by_column.setdefault(_plain(column), i)
        for label in (fallback, name, proxy_name):
            if label is not None:
                by_name.setdefault(label, i)
    positions: Dict[str, int] = {}
    for c in from_.c:
        found = None
        proxied = c
        while found is None and proxied._proxies:  # through aliases of the subquery
            proxied = proxied._proxies[0]
            found = by_column.get(_plain(proxied))
        if found is None:
            found = by_name.get(c.name)
        if found is not None:
            positions.setdefault(c.name, found)
    return positions


def _textual_positions(from_: Any, query: Any) -> Dict[str, int]:
    """Column positions of ``text(...).columns(...)`` as a derived table:
    each ``.c`` column is the output of its SQL of that name (exactly, else
    ignoring case), as a database resolves ``anon_1.id``; a name its SQL
    does not produce is left out (the column is then not in the FROM)."""
    outputs = [c.name for c in query._all_selected_columns]
    positions: Dict[str, int] = {}
    for c in from_.c:
        hits = [i for i, name in enumerate(outputs) if name == c.name]
        if not hits:
            hits = [i for i, name in enumerate(outputs) if name.lower() == c.name.lower()]
        if hits:
            positions.setdefault(c.name, hits[0])
    return positions


def _plain(element: Any) -> Any:
    return element._deannotate() if hasattr(element, "_deannotate") else element


def _ungrouped(from_: Any) -> Any:
    while from_.__visit_name__ == "grouping":
        from_ = from_.element
    return from_


def _mark_preserved(tree: Tree, preserved: bool) -> None:
    if tree.leaf is not None:
        tree.leaf.preserved = preserved
        return
    assert tree.left is not None and tree.right is not None
    join = tree.join
    if join.full:
        _mark_preserved(tree.left, False)
        _mark_preserved(tree.right, False)
    elif join.isouter:
        _mark_preserved(tree.left, preserved)
        _mark_preserved(tree.right, False)
    else:
        _mark_preserved(tree.left, preserved)
        _mark_preserved(tree.right, preserved)


def _refs(expr: Any, scope: Scope, leaves: List[Leaf]) -> Optional[Set[int]]:
    """Indexes of the leaves ``expr`` reads, or None when it reads anything
    else (an enclosing row, a subquery, a label)."""
    found: Set[int] = set()
    for el in visitors.iterate(expr):
        name = el.__visit_name__
        if name in ("select", "compound_select", "select_statement_grouping", "textual_label_reference"):
            return None
        if name == "column":
            if getattr(el, "is_literal", False) and getattr(el, "table", None) is None:
                continue
            pos = scope.find(el)
            if pos is None:
                if scope.is_outer(el):
                    continue  # an enclosing row's value: a constant here
                return None
            for leaf in leaves:
                if leaf.offset <= pos < leaf.offset + leaf.width:
                    found.add(leaf.index)
                    break
    return found


def _local_scope(scope: Scope, leaves: Sequence[Leaf], aliases: Sequence[JoinAlias] = ()) -> Scope:
    """A scope over ``leaves`` only, positions relative to the first (plus
    the enclosing scopes, for correlated references); ``aliases`` of joins
    reach the columns of theirs that are among ``leaves``."""
    base = leaves[0].offset if leaves else 0
    local = Scope(scope.compiled, store=scope.store, parent=scope.parent, ctx=scope.ctx)
    local.owner = scope  # reading an enclosing row makes ``scope`` correlated
    for leaf in leaves:
        local.sources.append((leaf.source, {k: v + leaf.offset - base for k, v in leaf.positions.items()}))
    for alias in aliases:
        local.sources.append((alias.source, alias.positions(leaves, base)))
    return local


def _try_compile(expr: Any, scope: Scope) -> Optional[Fn]:
    try:
        return compile_expr(expr, scope)
    except NotSupportedError:
        return None


class _Builder:
    def __init__(self, scope: Scope, rt: Runtime, leaves: List[Leaf], aliases: List[JoinAlias], plan_query: PlanQuery) -> None:
        self.scope = scope
        self.rt = rt
        self.leaves = leaves
        self.aliases = aliases
        self.plan_query = plan_query

    def _lateral(self, leaf: Leaf) -> Node:
        """A LATERAL subquery: planned in a scope holding the FROM entries
        before it, whose row it reads as an enclosing row (``row_key``)."""
        before = self.leaves[: leaf.index]
        outer = _local_scope(self.scope, before, self.aliases)
        outer.asfrom_froms = self.scope.asfrom_froms
        outer.correlate_froms = self.scope.correlate_froms
        plan = self.plan_query(leaf.lateral, outer, False)
        if plan.width != leaf.width:
            raise unsupported(leaf.from_, "LATERAL with %d columns planned as %d" % (leaf.width, plan.width))
        leaf.row_key = outer.row_key if plan.correlated else None
        return DerivedNode(plan, "LATERAL %s" % getattr(leaf.from_, "name", ""))

    def node(self, tree: Tree) -> Node:
        if tree.leaf is not None:
            return self._leaf(tree.leaf)
        assert tree.left is not None and tree.right is not None
        join = tree.join
        left = self.node(tree.left)
        right = self.node(tree.right)
        kind = "full" if join.full else ("left" if join.isouter else "inner")
        on = _conjuncts([join.onclause]) if join.onclause is not None else []
        node, _ = self.combine(left, right, tree.right, kind, on, [], tree.leaves())
        return node

    def _leaf(self, leaf: Leaf) -> Node:
        local = _local_scope(self.scope, [leaf], self.aliases)
        conjuncts = leaf.pushed
        if leaf.lateral is not None:
            node: Node = self._lateral(leaf)
        elif leaf.node is not None:
            node = leaf.node
        elif leaf.table is not None:
            ref, td = leaf.table
            source, conjuncts = _access_path(ref, td, conjuncts, local, self.rt)
            node = SourceNode(source, leaf.width)
        else:
            node = DerivedNode(leaf.plan, str(getattr(leaf.from_, "name", "")))
        if conjuncts:
            node = FilterNode(node, nulls.sql_and([compile_expr(c, local) for c in conjuncts]))
        return node

    def combine(self, left: Node, right: Node, right_tree: Tree, kind: str,
                on: List[Any], where: List[Any], span: List[Leaf]) -> Tuple[Node, List[Any]]:
        """Join two nodes.  ``span`` lists every leaf of the joined rows (for
        a top-level cross step, all FROM entries so far); ``on`` is the ON
        clause's conjuncts.  For an inner step of the preserved spine,
        equalities in ``where`` between the two sides become hash keys too;
        the rest of ``where`` is returned."""
        right_leaves = right_tree.leaves()
        right_ids = {l.index for l in right_leaves}
        left_span = [l for l in span if l.index not in right_ids]
        lateral = right_tree.leaf if right_tree.leaf is not None and right_tree.leaf.row_key is not None else None
        if lateral is not None:
            return self._lateral_join(left, right, lateral, kind, on, left_span), where
        if any(l.row_key is not None for l in right_leaves):
            raise unsupported(right_tree.leaves()[0].from_, "LATERAL nested inside the right side of a join")
        left_scope = _local_scope(self.scope, left_span, self.aliases)
        right_scope = _local_scope(self.scope, right_leaves, self.aliases)
        lkeys: List[Fn] = []
        rkeys: List[Fn] = []
        residual: List[Any] = []
        span_ids = {l.index for l in span}
        left_ids = {l.index for l in left_span}

        def try_key(c: Any) -> bool:
            if c.__visit_name__ != "binary" or c.operator is not ops.eq:
                return False
            a_refs = _refs(c.left, self.scope, self.leaves)
            b_refs = _refs(c.right, self.scope, self.leaves)
            if not a_refs or not b_refs:
                return False
            if a_refs <= left_ids and b_refs <= right_ids:
                lhs, rhs = c.left, c.right
            elif b_refs <= left_ids and a_refs <= right_ids:
                lhs, rhs = c.right, c.left
            else:
                return False
            lf = _try_compile(lhs, left_scope)
            rf = _try_compile(rhs, right_scope)
            if lf is None or rf is None:
                return False
            lkeys.append(lf)
            rkeys.append(rf)
            return True

        for c in on:
            if not try_key(c):
                residual.append(c)
        rest = []
        for c in where:
            refs = _refs(c, self.scope, self.leaves)
            if kind == "inner" and refs and refs <= span_ids and refs & right_ids and refs & left_ids and try_key(c):
                continue
            rest.append(c)
        if kind in ("inner", "left") and residual:
            # ON conjuncts reading one side only filter that side first (not
            # a LEFT join's left side: its unmatched rows must stay, padded)
            keep = []
            for c in residual:
                refs = _refs(c, self.scope, self.leaves)
                if refs and refs <= right_ids:
                    right = FilterNode(right, compile_expr(c, right_scope))
                elif kind == "inner" and refs and refs <= left_ids:
                    left = FilterNode(left, compile_expr(c, left_scope))
                else:
                    keep.append(c)
            residual = keep
        both = _local_scope(self.scope, left_span + right_leaves, self.aliases)
        residual_fn = nulls.sql_and([compile_expr(c, both) for c in residual]) if residual else None
        left_key = right_key = None
        if lkeys:
            if len(lkeys) == 1:
                left_key, right_key = lkeys[0], rkeys[0]
            else:
                left_key, right_key = _tuple_key(lkeys), _tuple_key(rkeys)
        return JoinNode(left, right, kind, left_key, right_key, residual_fn), rest

    def _lateral_join(self, left: Node, right: Node, leaf: Leaf, kind: str, on: List[Any], left_span: List[Leaf]) -> Node:
        """The LATERAL subquery runs once per row of what precedes it."""
        if [l.index for l in left_span] != list(range(leaf.index)):
            raise unsupported(leaf.from_, "LATERAL not joined to everything before it")
        if kind not in ("inner", "left"):
            raise unsupported(leaf.from_, "LATERAL in a FULL OUTER JOIN")
        both = _local_scope(self.scope, left_span + [leaf], self.aliases)
        on_fn = nulls.sql_and([compile_expr(c, both) for c in on]) if on else None
        assert leaf.row_key is not None
        return LateralJoinNode(left, right, kind, on_fn, leaf.row_key)
