"""Differential tests: random SELECT statements on ``memory://`` and on SQLite.

A seeded generator builds random tables and data, then random SELECT
statements as SQLAlchemy Core expressions, and runs each statement on a fresh
``memory://`` engine and on a ``sqlite://`` engine holding the same rows.  The
two must return the same rows: as lists when an ORDER BY fixes the order (it
covers every selected column, or ends with a unique key of every FROM source),
as multisets otherwise.  Any exception on either side is a failure too.

Text mode
---------

The second test runs the same statements as SQL text: each is rendered by
SQLite's compiler with ``literal_binds`` (values written inline) and run as
``text()`` on both engines, so the SQL-text translator (``sqltext/``) is
checked against SQLite on the same strings; rows are compared by the same
rules.  The rendering uses SQLite's compiler with three fixes for what
SQLAlchemy renders wrongly with ``literal_binds`` (``TextCompiler``): the
right side of ``IS [NOT]`` and the ``LIMIT -1`` of an OFFSET without LIMIT
come out as ``?``, and ``- -3`` as ``--3`` (a comment), so negative numbers
are parenthesised.  Bound values of no type (an IN list against NULLIF(...))
take the type of their Python value.  Without types, SQL text reads values
as SQLite does: ``/`` divides integers when both values are integers, a
literal such as ``2.5`` is a number (a ``Decimal`` here, a REAL in SQLite:
they compare equal), CASE / COALESCE / set-operation columns keep each
row's type; the comparison is unaffected (``1 == 1.0 == Decimal(1)``).

Size and seed come from the environment::

    MEMORY_DIFF_SEED   seed (an integer, or "random" to draw one); default 1
    MEMORY_DIFF_COUNT  number of statements; default 400 (a few seconds)
    MEMORY_DIFF_CASE   run only this data set (the number a failure reports)

Statements come in groups of ten per data set; data set ``d`` of seed ``s``
is built from ``random.Random("s:d")``, so a failure is replayed exactly with
the seed and the data set it reports.  The long run::

    MEMORY_DIFF_SEED=random MEMORY_DIFF_COUNT=5000 \\
        pytest test/test_differential.py -s

(about 30 seconds in Core mode, a minute in text mode; ``-s`` shows the
summary lines with the seeds drawn; ``-k text`` or ``-k "not text"`` runs
one mode).

What is generated
-----------------

* Three tables ``t0``..``t2`` (``id`` integer primary key, ``k`` small
  nullable integer used as a join key, ``n`` nullable integer from small to
  64-bit extremes, ``f`` nullable float, ``s`` nullable string) with 0-12 rows,
  NULLs, duplicates, negative and large integers, unicode strings.
* Plain SELECTs over one table, self joins, two or three sources joined
  (INNER, LEFT or FULL, on integer keys plus random conditions, or implicit joins
  in WHERE), derived tables; WHERE with comparisons, AND / OR / NOT, IN and
  NOT IN lists holding NULLs (and empty lists), BETWEEN, IS [NOT] NULL,
  IS [NOT] DISTINCT FROM, LIKE / NOT LIKE, startswith / endswith / contains
  (with and without ``autoescape``); +, -, *, unary minus, ``%`` and ``//``,
  abs(), length(), ``||``, CASE, COALESCE, NULLIF; scalar, EXISTS and IN
  subqueries, correlated or not; DISTINCT; ORDER BY (ASC / DESC, NULLS FIRST /
  LAST) with LIMIT / OFFSET.
* Aggregates: count(*), count(x), count(DISTINCT x), sum, min, max, avg with
  GROUP BY on columns or expressions, HAVING, and expressions over them.
* UNION, UNION ALL, INTERSECT and EXCEPT of two or three SELECTs, optionally
  ordered and limited, as derived tables and inside IN subqueries; derived
  tables and CTEs, some ordered and limited inside.
* Indexed reads: ``t0`` has indexes on ``k``, ``f`` and ``s``, ``t1`` on
  ``(k, f)`` and ``(s, n)``, ``t2`` none; single-table SELECTs with
  equalities, ranges, BETWEEN, IN / NOT IN, IS [NOT] NULL, LIKE prefixes and
  ``!=`` on those columns, ordered by an indexed column and the key (one
  direction, or mixed) with LIMIT / OFFSET.  The index blocks are made tiny
  (2-4 entries) so block splits and merges happen on a dozen rows.
* Every second statement repeats the previous one's shape with other literal
  values, LIMIT counts and LIKE patterns, so the dialect runs a cached plan
  with new parameters.

Known differences excluded by construction
------------------------------------------

Each difference below is a documented SQLite behaviour (or a documented
limitation of this dialect); the generator never builds a statement that
could show it, rather than catching the failure.

* SQLite's LIKE ignores case for ASCII letters; the dialect's LIKE is
  case-sensitive.  Strings hold no upper-case ASCII letter (non-ASCII letters
  of both cases are used: SQLite's LIKE does not fold them).  The
  case-insensitive operators (ILIKE, ``icontains``...) and lower() / upper()
  are not generated: SQLite folds ASCII only, Python folds all of Unicode.
* SQLite integers are 64-bit: overflow turns arithmetic into REAL and makes
  sum() raise.  Each numeric expression carries a bound on its magnitude
  computed from the data; arithmetic and sum() are generated only when the
  result stays within 2**62.
* Floating point: the data hold dyadic fractions (multiples of a power of
  two); float arithmetic, sum() and avg() are generated only while every
  intermediate value is exactly representable (``bound * 2**fraction_bits <=
  2**53``), so the order of evaluation cannot change a result.  avg() results
  are compared, never computed with further.
* SQLite's ``%`` casts REAL operands to INTEGER: ``%`` and ``//`` are applied
  to integer expressions only.  Division by zero gives NULL in SQLite and an
  error here: divisors are non-zero literals; ``/`` is not generated.
* Type affinity: columns hold values of their declared type only, and
  comparisons, IN, BETWEEN, CASE, COALESCE and set operations combine numeric
  with numeric and text with text only.
* A scalar subquery returning several rows: SQLite takes the first, SQL
  raises.  Scalar subqueries are aggregates without GROUP BY (one row).
* SQLite-only leniencies are not used: bare (non-grouped, non-aggregated)
  columns in aggregate queries, ORDER BY of non-selected expressions with
  DISTINCT or set operations, ORDER BY / LIMIT inside set-operation members,
  parenthesised nested set operations.  INTERSECT ALL / EXCEPT ALL and RIGHT
  joins are not generated.  FULL joins only join two sources, and only with
  SQLite 3.39 or later: SQLite 3.40 returns no rows for
  ``a JOIN b ON <false> FULL JOIN c`` (a SQLite bug).
* Per-row typing: SQLite keeps each value's own type where a typed engine
  gives a CASE, COALESCE or set-operation column one type (FLOAT when
  integers and floats mix).  Integers and floats mix there only while every
  integer is exactly a float (magnitude at most 2**53).
* ``true()`` / ``false()`` render as ``1`` / ``0`` on SQLite, which ORDER BY
  and GROUP BY read as column positions: boolean constants in select lists
  and sort or group keys are bound values instead.
* String concatenation is typed (``type_coerce(x, String)``): on an untyped
  operand such as NULLIF(...) SQLAlchemy renders ``+``, numeric addition in
  SQLite.  ``//`` and ``%`` operands are typed INTEGER, so SQLAlchemy renders
  ``//`` as integer division rather than FLOOR() (a Python function on
  SQLite, which raises on NULL).
* LIMIT / OFFSET only follow an ORDER BY giving a total order; without one the
  rows compared as multisets are those of the whole result.
* An integer literal (or a negated one) as an ORDER BY or GROUP BY key is
  rendered ``literal + 0``: written as SQL text, SQLite reads ``ORDER BY
  3``, ``ORDER BY -3`` and ``ORDER BY (3)`` as column positions (true and
  false render as 1 and 0 too).
* Booleans come back as 0 / 1 from SQLite and as ``False`` / ``True`` here;
  Python compares them equal, so rows are compared as they are.
"""

from __future__ import annotations

import collections
import os
import random
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    create_engine,
    except_,
    exists,
    false,
    func,
    intersect,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.sql import type_api
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.sql import visitors
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter, False_, Grouping, True_, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.testing import fixtures

from sqlalchemy_memory.engine import indexes

INT_LIMIT = 2**62  # largest magnitude an integer expression may reach
FLOAT_MANTISSA = 2**53  # bound * 2**fbits must stay within this

FULL_JOIN = sqlite3.sqlite_version_info >= (3, 39)  # FULL OUTER JOIN in SQLite
STATEMENTS_PER_DATASET = 10
DEFAULT_SEED = 1
DEFAULT_COUNT = 400

# Lower-case ASCII letters, digits, punctuation, and non-ASCII characters of
# both cases (SQLite's LIKE folds ASCII letters only).
ALPHABET = ["a", "b", "c", "z", "0", "7", " ", "_", "-", "é", "É", "ß", "ü", "Ü", "日", "本", "😀", "ω", "Ω"]
COMMON_ALPHABET = ["a", "b", "c", "0", "é", "É", "日"]

SMALL_INTS = list(range(-5, 13))
BIG_INTS = [
    2**31 - 1,
    -(2**31),
    2**40 + 3,
    -(2**40) - 7,
    2**53 + 1,
    -(2**53) - 1,
    2**62 + 5,
    2**63 - 1,
    -(2**63),
]


def fraction_bits(x: float) -> int:
    bits = 0
    while x != int(x):
        x *= 2
        bits += 1
    return bits


@dataclass
class E:
    """A generated expression: SQL, kind and, for numbers, a magnitude
    bound and the number of binary fraction digits (None: an inexact float
    that may be compared but not computed with)."""

    sql: Any
    kind: str  # "int", "float", "str", "bool"
    bound: float = 0
    fbits: Optional[int] = 0

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")


def fits(kind: str, bound: float, fbits: Optional[int]) -> bool:
    if kind == "int":
        return bound <= INT_LIMIT
    if kind == "float":
        return fbits is not None and bound * 2**fbits <= FLOAT_MANTISSA
    return True


@dataclass
class Source:
    """A FROM element: a table alias or a derived table."""

    sql: Any
    cols: List[E]
    key: Optional[List[Any]]  # columns forming a unique key, if known
    rows: int  # bound on its row count


@dataclass
class Ctx:
    sources: List[Source]
    depth: int = 0
    subqueries: bool = True
    group: Optional[List[E]] = None  # group keys: expressions are aggregate-level
    rows: int = 1

    @property
    def cols(self) -> List[E]:
        return [c for s in self.sources for c in s.cols]

    def deeper(self, **kw: Any) -> "Ctx":
        d = dict(self.__dict__)
        d["depth"] = self.depth + 1
        d.update(kw)
        return Ctx(**d)


@dataclass
class Dataset:
    tables: List[Table]
    rows: List[List[dict]]
    stats: List[dict] = field(default_factory=list)


class Generator:
    def __init__(self, rng: random.Random, data: Dataset, values: Optional[random.Random] = None) -> None:
        self.r = rng  # the statement's shape
        self.v = values or rng  # literal values, LIMIT / OFFSET counts, LIKE patterns
        self.data = data
        self.alias_no = 0

    def vchance(self, p: float) -> bool:
        return self.v.random() < p

    def vpick(self, seq: Sequence[Any]) -> Any:
        return self.v.choice(list(seq))

    # -- helpers ---------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, seq: Sequence[Any]) -> Any:
        return self.r.choice(list(seq))

    def alias_name(self) -> str:
        self.alias_no += 1
        return "a%d" % self.alias_no

    def table_source(self) -> Source:
        i = self.r.randrange(len(self.data.tables))
        t = self.data.tables[i].alias(self.alias_name())
        st = self.data.stats[i]
        cols = [
            E(t.c.id, "int", st["id"][0], 0),
            E(t.c.k, "int", st["k"][0], 0),
            E(t.c.n, "int", st["n"][0], 0),
            E(t.c.f, "float", st["f"][0], st["f"][1]),
            E(t.c.s, "str"),
        ]
        return Source(t, cols, [t.c.id], max(1, len(self.data.rows[i])))

    # -- literals --------------------------------------------------------
    def int_literal(self) -> E:
        v = self.vpick(SMALL_INTS) if self.vchance(0.85) else self.vpick(BIG_INTS)
        return E(literal(v, Integer), "int", abs(v), 0)

    def float_literal(self) -> E:
        v = self.v.randint(-40, 40) / self.vpick([1, 2, 4, 8])
        if self.vchance(0.1):
            v = self.vpick([1e6 + 0.5, -2.0**40, 2.0**52, 0.125])
        return E(literal(v, Float), "float", abs(v), fraction_bits(v))

    def str_value(self, alphabet: Sequence[str] = COMMON_ALPHABET) -> str:
        return "".join(self.vpick(alphabet) for _ in range(self.v.randint(0, 3)))

    def str_literal(self) -> E:
        return E(literal(self.str_value(), String), "str")

    def literal_of(self, kind: str) -> E:
        if kind == "int":
            return self.int_literal()
        if kind == "float":
            return self.float_literal()
        if kind == "str":
            return self.str_literal()
        return E(literal(self.vchance(0.5), Boolean), "bool")

    def python_value(self, e: E) -> Any:
        """A Python value comparable with ``e`` (for IN lists, BETWEEN...)."""
        if self.vchance(0.1):
            return None
        if e.kind == "str":
            return self.str_value()
        if e.kind == "float" and self.vchance(0.5):
            return self.v.randint(-20, 20) / 4
        if self.vchance(0.1):
            return self.vpick(BIG_INTS)
        return self.vpick(SMALL_INTS)

    # -- expressions -----------------------------------------------------
    def expr(self, ctx: Ctx, kind: Optional[str] = None) -> E:
        if kind is None:
            kind = self.pick(["int", "int", "float", "str", "str", "bool"])
        if kind in ("int", "float", "num"):
            return self.num(ctx, kind)
        if kind == "str":
            return self.string(ctx)
        e = self.boolean(ctx)
        if isinstance(e.sql, (True_, False_)):
            # SQLite renders these as 1 / 0, which ORDER BY and GROUP BY
            # read as column positions: a bound value instead
            e = E(literal(isinstance(e.sql, True_), Boolean), "bool")
        return e

    def leaf(self, ctx: Ctx, kind: str) -> E:
        """A column (or group key) of ``kind`` if there is one, else a literal."""
        kinds = ("int", "float") if kind == "num" else (kind,)
        if ctx.group is not None:
            cands = [g for g in ctx.group if g.kind in kinds]
            if cands and self.chance(0.5):
                return self.pick(cands)
            agg = self.aggregate(ctx, kind)
            if agg is not None and self.chance(0.85):
                return agg
        else:
            cands = [c for c in ctx.cols if c.kind in kinds]
            if cands and self.chance(0.8):
                return self.pick(cands)
        return self.literal_of(self.pick(kinds))

    def aggregate(self, ctx: Ctx, kind: str) -> Optional[E]:
        """An aggregate over a row-level expression of the group's sources."""
        row = Ctx(ctx.sources, depth=ctx.depth + 1, subqueries=False, rows=ctx.rows)
        if kind == "str":
            arg = self.string(row)
            fn = self.pick([func.min, func.max])
            return E(fn(arg.sql), "str")
        if kind == "bool":
            return None
        choice = self.pick(["count*", "count", "countd", "sum", "sum", "min", "max", "avg"])
        if kind == "int" and choice == "avg":
            choice = "count"
        if choice == "count*":
            return E(func.count(), "int", ctx.rows, 0)
        arg = self.num(row, "num" if kind == "num" or choice.startswith("count") else kind)
        if choice == "count":
            return E(func.count(arg.sql), "int", ctx.rows, 0)
        if choice == "countd":
            return E(func.count(arg.sql.distinct()), "int", ctx.rows, 0)
        if choice in ("min", "max"):
            return E((func.min if choice == "min" else func.max)(arg.sql), arg.kind, arg.bound, arg.fbits)
        bound = arg.bound * ctx.rows
        if not fits(arg.kind, bound, arg.fbits) or not fits("float", bound, arg.fbits):
            return E(func.max(arg.sql), arg.kind, arg.bound, arg.fbits)
        if choice == "avg":
            return E(func.avg(arg.sql), "float", arg.bound, None)
        if self.chance(0.2):
            return E(func.sum(arg.sql.distinct()), arg.kind, bound, arg.fbits)
        return E(func.sum(arg.sql), arg.kind, bound, arg.fbits)

    def num(self, ctx: Ctx, kind: str = "num") -> E:
        """A numeric expression; ``kind`` "int" forces an integer, "float"
        prefers a float, "num" takes either."""
        if ctx.depth >= 3 or self.chance(0.35):
            e = self.leaf(ctx, kind)
            if kind == "float" and e.kind == "int" and fits("float", e.bound, 0) and self.chance(0.5):
                other = self.float_literal()
                res = E(e.sql + other.sql, "float", e.bound + other.bound, other.fbits)
                if fits("float", res.bound, res.fbits):
                    return res
            return e
        sub = ctx.deeper()
        want = "int" if kind == "int" else "num"
        op = self.pick(["+", "-", "*", "neg", "mod", "div", "abs", "case", "coalesce", "nullif", "len", "subq", "leaf"])
        if op in ("+", "-", "*"):
            a, b = self.num(sub, want), self.num(sub, want)
            if a.fbits is None or b.fbits is None:
                return a
            rkind = "float" if "float" in (a.kind, b.kind) else "int"
            if op == "*":
                bound, fb = a.bound * b.bound, a.fbits + b.fbits
                sql = a.sql * b.sql
            else:
                bound, fb = a.bound + b.bound, max(a.fbits, b.fbits)
                sql = a.sql + b.sql if op == "+" else a.sql - b.sql
            if not fits(rkind, bound, fb) or (rkind == "float" and not fits("float", bound, fb)):
                return a
            return E(sql, rkind, bound, fb)
        if op == "neg":
            a = self.num(sub, want)
            if a.bound > INT_LIMIT or a.fbits is None:
                return a
            return E(-a.sql, a.kind, a.bound, a.fbits)
        if op == "abs":
            a = self.num(sub, want)
            if a.bound > INT_LIMIT or a.fbits is None:
                return a
            return E(func.abs(a.sql), a.kind, a.bound, a.fbits)
        if op in ("mod", "div"):
            a = self.num(sub, "int")
            if a.kind != "int":
                return a
            d = self.vpick([2, 3, 5, 7, -3, -4])
            # typed INTEGER so that SQLAlchemy renders ``//`` as SQL integer
            # division, not as FLOOR(a / b) (a Python function on SQLite)
            operand = type_coerce(a.sql, Integer)
            if op == "mod":
                return E(operand % d, "int", min(a.bound, abs(d) - 1), 0)
            return E(operand // d, "int", a.bound // abs(d) + 1, 0)
        if op == "case":
            whens = []
            branches = []
            for _ in range(self.r.randint(1, 2)):
                b = self.num(sub, want)
                branches.append(b)
                whens.append((self.boolean(sub).sql, b.sql))
            if self.chance(0.7):
                b = self.num(sub, want)
                branches.append(b)
                sql = case(*whens, else_=b.sql)
            else:
                sql = case(*whens)
            return self.merge(sql, branches)
        if op == "coalesce":
            args = [self.num(sub, want) for _ in range(self.r.randint(2, 3))]
            return self.merge(func.coalesce(*[a.sql for a in args]), args)
        if op == "nullif":
            a, b = self.num(sub, want), self.num(sub, want)
            return E(func.nullif(a.sql, b.sql), a.kind, a.bound, a.fbits)
        if op == "len" and ctx.group is None:
            s = self.string(sub)
            return E(func.length(s.sql), "int", 100, 0)
        if op == "subq" and ctx.subqueries and ctx.depth < 2:
            return self.scalar_subquery(ctx, kind)
        return self.leaf(ctx, kind)

    def merge(self, sql: Any, parts: List[E]) -> E:
        """One value out of several numeric ``parts`` (CASE, COALESCE, a set
        operation's column).  Mixing integers with floats makes the result
        FLOAT here and leaves it per-row in SQLite: allowed only while every
        integer is exactly a float; otherwise the first part is returned."""
        m = mixed(parts)
        return E(sql, m.kind, m.bound, m.fbits) if m is not None else parts[0]

    def string(self, ctx: Ctx) -> E:
        if ctx.depth >= 3 or self.chance(0.45):
            return self.leaf(ctx, "str")
        sub = ctx.deeper()
        op = self.pick(["concat", "case", "coalesce", "nullif", "subq", "leaf"])
        if op == "concat":
            a, b = self.string(sub), self.string(sub)
            # typed as strings: on an untyped operand (NULLIF...) SQLAlchemy
            # renders ``+``, which SQLite reads as numeric addition
            left, right = type_coerce(a.sql, String), type_coerce(b.sql, String)
            return E(left + right if self.chance(0.5) else left.concat(right), "str")
        if op == "case":
            sql = case((self.boolean(sub).sql, self.string(sub).sql), else_=self.string(sub).sql)
            return E(sql, "str")
        if op == "coalesce":
            return E(func.coalesce(self.string(sub).sql, self.string(sub).sql), "str")
        if op == "nullif":
            return E(func.nullif(self.string(sub).sql, self.string(sub).sql), "str")
        if op == "subq" and ctx.subqueries and ctx.depth < 2:
            return self.scalar_subquery(ctx, "str")
        return self.leaf(ctx, "str")

    def pattern(self) -> str:
        parts = []
        for _ in range(self.v.randint(1, 4)):
            parts.append(self.vpick(["%", "%", "_"] + COMMON_ALPHABET))
        return "".join(parts)

    def boolean(self, ctx: Ctx) -> E:
        sub = ctx.deeper()
        if ctx.depth >= 3:
            op = self.pick(["cmp", "cmp", "isnull"])
        else:
            op = self.pick(
                ["cmp", "cmp", "cmp", "and", "or", "or", "not", "not", "in", "between", "isnull", "distinct",
                 "like", "affix", "exists", "insub", "cmpsub", "const"]
            )
        if op == "and" or op == "or":
            parts = [self.boolean(sub).sql for _ in range(self.r.randint(2, 3))]
            return E(and_(*parts) if op == "and" else or_(*parts), "bool")
        if op == "not":
            return E(not_(self.boolean(sub).sql), "bool")
        if op == "const":
            return E(self.pick([true(), false()]), "bool")
        if op == "like":
            s = self.string(sub)
            pat = self.pattern() if self.chance(0.85) else None
            rhs = pat if pat is not None else self.string(sub).sql
            return E(s.sql.like(rhs) if self.chance(0.7) else s.sql.not_like(rhs), "bool")
        if op == "affix":
            s = self.string(sub)
            arg = self.str_value(COMMON_ALPHABET + ["_", "%", "/"])
            fn = self.pick(["startswith", "endswith", "contains"])
            esc = self.chance(0.5)
            sql = getattr(s.sql, fn)(arg, autoescape=esc)
            return E(not_(sql) if self.chance(0.2) else sql, "bool")
        if op in ("exists", "insub", "cmpsub"):
            if ctx.subqueries and ctx.depth < 2:
                return self.subquery_predicate(ctx, op)
            op = "cmp"
        kind = self.pick(["num", "num", "str"])
        a = self.expr(sub, kind)
        if op == "in":
            values = [self.python_value(a) for _ in range(self.r.randint(0, 4))]
            if a.kind == "str":
                values = [v for v in values if v is None or isinstance(v, str)]
            sql = a.sql.in_(values) if self.chance(0.6) else a.sql.not_in(values)
            return E(sql, "bool")
        if op == "between":
            lo, hi = self.expr(sub, "str" if a.kind == "str" else "num"), self.expr(sub, "str" if a.kind == "str" else "num")
            sql = a.sql.between(lo.sql, hi.sql)
            return E(not_(sql) if self.chance(0.3) else sql, "bool")
        if op == "isnull":
            return E(a.sql.is_(None) if self.chance(0.5) else a.sql.is_not(None), "bool")
        b = self.expr(sub, "str" if a.kind == "str" else "num")
        if op == "distinct":
            return E(a.sql.is_distinct_from(b.sql) if self.chance(0.5) else a.sql.is_not_distinct_from(b.sql), "bool")
        cmp = self.pick(["==", "!=", "<", "<=", ">", ">="])
        return E(compare(a.sql, cmp, b.sql), "bool")

    # -- subqueries ------------------------------------------------------
    def correlated_where(self, ctx: Ctx, inner: Source) -> List[Any]:
        conds = []
        # in an aggregate query, the subquery may refer to the group keys only
        outer_cols = ctx.group if ctx.group is not None else ctx.cols
        if ctx.sources and self.chance(0.7):
            outer = self.pick([c for c in outer_cols if c.numeric] or [E(literal(1), "int", 1)])
            col = self.pick([c for c in inner.cols if c.kind in ("int", "float")])
            conds.append(compare(col.sql, self.pick(["==", "==", "<", ">=", "!="]), outer.sql))
        if self.chance(0.6):
            conds.append(self.boolean(Ctx([inner], depth=ctx.depth + 1, subqueries=ctx.depth < 1)).sql)
        return conds

    def scalar_subquery(self, ctx: Ctx, kind: str) -> E:
        inner = self.table_source()
        if self.chance(0.25):
            # the first row in a total order: one row at most
            col = self.expr(Ctx([inner], depth=ctx.depth + 2, subqueries=False), "str" if kind == "str" else kind)
            stmt = (
                select(col.sql)
                .select_from(inner.sql)
                .where(*self.correlated_where(ctx, inner))
                .order_by(*[self.direction(k) for k in inner.key])
                .limit(1)
            )
            if self.chance(0.3):
                stmt = stmt.offset(self.r.randint(0, 2))
            return E(stmt.scalar_subquery(), col.kind, col.bound, col.fbits)
        ictx = Ctx([inner], depth=ctx.depth + 1, subqueries=False, group=[], rows=inner.rows)
        agg = self.aggregate(ictx, "str" if kind == "str" else kind)
        if agg is None:
            agg = E(func.count(), "int", inner.rows, 0)
        stmt = select(agg.sql).select_from(inner.sql).where(*self.correlated_where(ctx, inner))
        return E(stmt.scalar_subquery(), agg.kind, agg.bound, agg.fbits)

    def subquery_predicate(self, ctx: Ctx, op: str) -> E:
        inner = self.table_source()
        conds = self.correlated_where(ctx, inner)
        if op == "exists":
            if self.chance(0.5):
                sql = exists().select_from(inner.sql).where(*conds)
            else:
                sql = select(inner.cols[0].sql).where(*conds).exists()
            return E(not_(sql) if self.chance(0.3) else sql, "bool")
        if op == "insub":
            kind = self.pick(["num", "str"])
            outer = self.expr(ctx.deeper(subqueries=False), kind)
            icol = self.expr(Ctx([inner], depth=ctx.depth + 2, subqueries=False), "str" if outer.kind == "str" else "num")
            stmt = select(icol.sql).select_from(inner.sql).where(*conds)
            if self.chance(0.2):
                stmt = stmt.distinct()
            if self.chance(0.15):
                other = self.table_source()
                ocol = self.expr(Ctx([other], depth=ctx.depth + 2, subqueries=False), "str" if outer.kind == "str" else "num")
                if mixed([icol, ocol]) is not None or outer.kind == "str":
                    ostmt = select(ocol.sql).select_from(other.sql).where(*self.correlated_where(ctx, other))
                    stmt = self.pick([union, union_all, intersect, except_])(stmt, ostmt)
            sql = outer.sql.in_(stmt) if self.chance(0.6) else outer.sql.not_in(stmt)
            return E(sql, "bool")
        sq = self.scalar_subquery(ctx, self.pick(["num", "str"]))
        outer = self.expr(ctx.deeper(subqueries=False), "str" if sq.kind == "str" else "num")
        return E(compare(outer.sql, self.pick(["==", "!=", "<", ">="]), sq.sql), "bool")

    # -- FROM ------------------------------------------------------------
    def from_clause(self, allow_derived: bool = True) -> Tuple[Any, List[Source], List[Any]]:
        """Returns (select_from args, sources, extra WHERE conditions)."""
        first = self.derived_source() if allow_derived and self.chance(0.1) else self.table_source()
        sources = [first]
        joined = first.sql
        where: List[Any] = []
        froms = None
        n = self.pick([1, 1, 1, 2, 2, 3])
        for _ in range(n - 1):
            right = self.derived_source() if allow_derived and self.chance(0.1) else self.table_source()
            lcols = [c for s in sources for c in s.cols if c.numeric]
            rcols = [c for c in right.cols if c.numeric]
            conds = [self.pick(lcols).sql == self.pick(rcols).sql] if lcols and rcols else [true()]
            if self.chance(0.2):
                conds.append(self.boolean(Ctx(sources + [right], depth=2, subqueries=False)).sql)
            # FULL joins only between two sources: SQLite 3.40 returns no rows
            # for ``a JOIN b ON <false> FULL JOIN c`` (a SQLite bug)
            full = FULL_JOIN and n == 2
            style = self.pick(["inner", "left", "left", "implicit"] + (["full"] if full else []))
            if style == "implicit" and froms is None and len(sources) == 1:
                froms = [first.sql, right.sql]
                where.extend(conds)
            elif froms is None:
                joined = joined.join(right.sql, and_(*conds), isouter=(style == "left"), full=(style == "full"))
            else:
                froms.append(right.sql)
                where.extend(conds)
            sources.append(right)
        return (froms if froms is not None else [joined]), sources, where

    def derived_source(self) -> Source:
        """A subquery or CTE in FROM; sometimes ordered and limited inside."""
        stmt, cols, _ = self.query(top=self.chance(0.3), nested=False)
        name = self.alias_name()
        sq = stmt.cte(name) if self.chance(0.3) else stmt.subquery(name)
        out = [E(sq.c["c%d" % i], c.kind, c.bound, c.fbits) for i, c in enumerate(cols)]
        most = max(1, max(len(t) for t in self.data.rows))
        return Source(sq, out, None, 3 * most**3)  # a set operation of three 3-way joins

    # -- statements ------------------------------------------------------
    def query(self, top: bool = True, nested: bool = True) -> Tuple[Any, List[E], bool]:
        """A statement, its output columns, and whether its order is fixed.
        ``top``: ORDER BY / LIMIT allowed; ``nested``: derived tables allowed."""
        family = self.pick(["plain", "plain", "plain", "agg", "agg", "compound", "indexed", "indexed"])
        if family == "indexed" and top:
            return self.indexed()
        if family == "compound":
            return self.compound(top)
        if family == "agg":
            return self.aggregate_query(top, nested=nested)
        return self.plain(top, nested=nested)

    def plain(self, top: bool, shape: Optional[List[str]] = None, nested: bool = True) -> Tuple[Any, List[E], bool]:
        froms, sources, where = self.from_clause(allow_derived=top and nested)
        ctx = Ctx(sources, rows=_rows(sources))
        kinds = shape or [self.pick(["int", "int", "float", "str", "str", "bool"]) for _ in range(self.r.randint(1, 4))]
        cols = [self.expr(ctx, k) for k in kinds]
        stmt = select(*[c.sql.label("c%d" % i) for i, c in enumerate(cols)]).select_from(*froms)
        if self.chance(0.6):
            where.append(self.boolean(ctx).sql)
        if where:
            stmt = stmt.where(*where)
        distinct = self.chance(0.2)
        if distinct:
            stmt = stmt.distinct()
        if shape is not None or not top:
            return stmt, cols, False
        ordered = False
        if self.chance(0.6):
            if distinct:
                terms = [c.sql for c in cols]
                self.r.shuffle(terms)
                ordered = True
            else:
                terms = [self.expr(ctx).sql for _ in range(self.r.randint(0, 2))]
                if all(s.key is not None for s in sources) and self.chance(0.8):
                    terms += [k for s in sources for k in s.key]
                    ordered = True
            if terms:
                stmt = stmt.order_by(*[self.direction(t) for t in terms])
            else:
                ordered = False
            if ordered:
                stmt = self.limit(stmt)
        return stmt, cols, ordered

    def aggregate_query(self, top: bool, shape: Optional[List[str]] = None, nested: bool = True) -> Tuple[Any, List[E], bool]:
        froms, sources, where = self.from_clause(allow_derived=top and nested)
        rows = _rows(sources)
        row = Ctx(sources, rows=rows)
        keys: List[E] = []
        for _ in range(self.pick([0, 1, 1, 2])):
            if self.chance(0.7):
                keys.append(self.pick(row.cols))
            else:
                keys.append(self.expr(Ctx(sources, depth=2, subqueries=False, rows=rows)))
        gctx = Ctx(sources, group=keys, rows=rows)
        if shape is None:
            cols = list(keys) if self.chance(0.7) else []
            kinds = [self.pick(["int", "int", "float", "num", "str"]) for _ in range(self.r.randint(1, 3))]
            cols += [self.expr(gctx, k) for k in kinds]
        else:
            cols = [self.expr(gctx, k) for k in shape]
        stmt = select(*[c.sql.label("c%d" % i) for i, c in enumerate(cols)]).select_from(*froms)
        if self.chance(0.5):
            where.append(self.boolean(row).sql)
        if where:
            stmt = stmt.where(*where)
        if keys:
            stmt = stmt.group_by(*[not_positional(k.sql) for k in keys])
        if keys and self.chance(0.4):  # SQLite before 3.39 wants GROUP BY for HAVING
            stmt = stmt.having(self.boolean(gctx).sql)
        if shape is not None or not top:
            return stmt, cols, False
        ordered = not keys and any(has_aggregate(c.sql) for c in cols)  # one row
        if keys and self.chance(0.6):
            terms = [self.expr(gctx, "num").sql] if self.chance(0.3) else []
            keyterms = [k.sql for k in keys]
            self.r.shuffle(keyterms)
            stmt = stmt.order_by(*[self.direction(t) for t in terms + keyterms])
            ordered = True
        if ordered:
            stmt = self.limit(stmt)
        return stmt, cols, ordered

    def compound(self, top: bool) -> Tuple[Any, List[E], bool]:
        shape = [self.pick(["num", "num", "str"]) for _ in range(self.r.randint(1, 3))]
        members = []
        cols: List[E] = []
        for i in range(self.pick([2, 2, 3])):
            for _ in range(20):  # a member whose columns mix with the others' (see merge)
                if self.chance(0.75):
                    stmt, mcols, _ = self.plain(False, shape)
                else:
                    stmt, mcols, _ = self.aggregate_query(False, shape)
                merged = [mixed([a, b]) if a.numeric else a for a, b in zip(cols or mcols, mcols)]
                if all(m is not None for m in merged):
                    break
            else:
                continue
            members.append(stmt)
            cols = merged
        if len(members) == 1:
            return members[0], cols, False
        op = self.pick([union, union_all, intersect, except_])
        stmt = op(*members)
        if not top:
            return stmt, cols, False
        ordered = False
        if self.chance(0.5):
            terms = list(stmt.selected_columns)
            self.r.shuffle(terms)
            stmt = stmt.order_by(*[self.direction(t) for t in terms])
            ordered = True
            stmt = self.limit(stmt)
        return stmt, cols, ordered

    def indexed(self) -> Tuple[Any, List[E], bool]:
        """One table read through its indexes: equalities, ranges, BETWEEN,
        IN, IS [NOT] NULL and LIKE prefixes on indexed columns, ordered by
        an indexed column and the key in one direction (as an index reads
        them) or in mixed ones, with LIMIT / OFFSET."""
        src = self.table_source()
        t = src.sql
        predicates = [self.index_predicate(t) for _ in range(self.r.randint(1, 3))]
        if self.chance(0.15):  # counted in the index, or min / max from its ends
            n = E(func.count(), "int", 10**6, 0)
            if self.chance(0.5):
                return select(n.sql.label("c0")).select_from(t).where(*predicates), [n], False
            col = self.pick([c for c in src.cols if c.kind != "str"])
            ends = [E(func.min(col.sql), col.kind, col.bound, col.fbits), E(func.max(col.sql), col.kind, col.bound, col.fbits)]
            return select(*[e.sql.label("c%d" % i) for i, e in enumerate(ends)]), ends, False
        stmt = select(*[c.sql.label("c%d" % i) for i, c in enumerate(src.cols)]).where(*predicates)
        if self.chance(0.2):
            return stmt, src.cols, False
        lead = self.pick([t.c.k, t.c.f, t.c.s, t.c.id, t.c.n])
        descending = self.chance(0.5)
        terms = [lead] if lead is t.c.id else [lead, t.c.id]
        ordered = [x.desc() if descending != (self.chance(0.1) and i > 0) else x for i, x in enumerate(terms)]
        if lead is not t.c.id and self.chance(0.2):
            ordered[0] = ordered[0].nulls_first() if self.chance(0.5) else ordered[0].nulls_last()
        return self.limit(stmt.order_by(*ordered)), src.cols, True

    def index_predicate(self, t: Any) -> Any:
        name = self.pick(["id", "k", "k", "f", "f", "s", "s", "n"])
        col = t.c[name]
        kind = {"id": "int", "k": "int", "n": "int", "f": "float", "s": "str"}[name]
        value = lambda: self.literal_of(kind).sql  # noqa: E731
        shape = self.pick(["cmp", "cmp", "between", "in", "null", "eq", "like", "ne"])
        if shape == "cmp":
            return compare(col, self.pick(["<", "<=", ">", ">="]), value())
        if shape == "between":
            return col.between(value(), value())
        if shape == "in":
            items = [self.python_value(self.literal_of(kind)) for _ in range(self.v.randint(0, 4))]
            return col.in_(items) if self.chance(0.8) else col.not_in(items)
        if shape == "null":
            return col.is_(None) if self.chance(0.6) else col.is_not(None)
        if shape == "like" and kind == "str":
            return col.like(self.str_value() + self.vpick(["%", "%", "_%", ""]))
        if shape == "ne":
            return col != value()
        return col == value()

    def direction(self, term: Any) -> Any:
        term = not_positional(term)
        c = self.r.random()
        if c < 0.4:
            return term
        t = term.desc() if c < 0.7 else term.asc()
        if self.chance(0.2):
            t = t.nulls_first() if self.chance(0.5) else t.nulls_last()
        return t

    def limit(self, stmt: Any) -> Any:
        if self.vchance(0.4):
            stmt = stmt.limit(self.v.randint(0, 6))
            if self.vchance(0.5):
                stmt = stmt.offset(self.v.randint(0, 5))
        elif self.vchance(0.1):
            stmt = stmt.offset(self.v.randint(1, 5))
        return stmt


def not_positional(term: Any) -> Any:
    """A sort or group key that is an integer or boolean literal, as
    ``literal + 0``: rendered as SQL text, a bare ``3`` or ``-3`` (or
    ``1`` for true) would be read as a column position by SQLite."""
    base = term
    while isinstance(base, (UnaryExpression, Grouping)) and getattr(base, "operator", operators.neg) is operators.neg:
        base = base.element
    if isinstance(base, BindParameter) and isinstance(base.type, (Integer, Boolean)):
        return type_coerce(term, Integer) + 0
    return term


def compare(a: Any, op: str, b: Any) -> Any:
    return {
        "==": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
    }[op]()


def mixed(parts: List[E]) -> Optional[E]:
    kinds = {p.kind for p in parts}
    kind = "float" if "float" in kinds else "int"
    if kind == "float" and any(p.kind == "int" and p.bound > FLOAT_MANTISSA for p in parts):
        return None
    fb = None if any(p.fbits is None for p in parts) else max(p.fbits for p in parts)
    return E(None, kind, max(p.bound for p in parts), fb)


def has_aggregate(sql: Any) -> bool:
    return any(
        isinstance(el, FunctionElement) and getattr(el, "name", "") in ("count", "sum", "min", "max", "avg")
        for el in visitors.iterate(sql)
    )


def _rows(sources: List[Source]) -> int:
    n = 1
    for s in sources:
        n *= max(1, s.rows)
    return n


# -- data ----------------------------------------------------------------
def make_dataset(rng: random.Random) -> Dataset:
    md = MetaData()
    tables, rows, stats = [], [], []
    big = rng.random() < 0.4
    for ti in range(3):
        t = Table(
            "t%d" % ti,
            md,
            Column("id", Integer, primary_key=True, autoincrement=False),
            Column("k", Integer),
            Column("n", BigInteger),  # 64-bit values, as PostgreSQL needs
            Column("f", Float),
            Column("s", String(40)),
        )
        # indexes, so that ranges, IN, LIKE prefixes and ORDER BY ... LIMIT
        # run through them (t2 has none: the same shapes scan)
        if ti == 0:
            Index("ix_t0_k", t.c.k)
            Index("ix_t0_f", t.c.f)
            Index("ix_t0_s", t.c.s)
        elif ti == 1:
            Index("ix_t1_kf", t.c.k, t.c.f)
            Index("ix_t1_s_n", t.c.s, t.c.n)
        count = rng.choice([0, 1, 3, 5, 8, 10, 12, 12, 12, 12])
        ids = rng.sample(range(-3, 18), count)
        trows = []
        for i in ids:
            n: Optional[int]
            if rng.random() < 0.15:
                n = None
            elif big and rng.random() < 0.25:
                n = rng.choice(BIG_INTS)
            else:
                n = rng.choice(SMALL_INTS + [100, -100, 1000])
            f: Optional[float]
            if rng.random() < 0.15:
                f = None
            else:
                f = rng.randint(-40, 40) / rng.choice([1, 2, 4, 8])
                if big and rng.random() < 0.1:
                    f = rng.choice([2.0**40 + 0.5, -(2.0**45), 1e9 + 0.25])
            s: Optional[str]
            if rng.random() < 0.15:
                s = None
            else:
                alpha = ALPHABET if rng.random() < 0.3 else COMMON_ALPHABET
                s = "".join(rng.choice(alpha) for _ in range(rng.randint(0, 4)))
            k = None if rng.random() < 0.2 else rng.randint(-3, 12)
            trows.append(dict(id=i, k=k, n=n, f=f, s=s))
        tables.append(t)
        rows.append(trows)
        st = {}
        for name in ("id", "k", "n", "f"):
            vals = [r[name] for r in trows if r[name] is not None]
            bound = max((abs(v) for v in vals), default=0)
            fb = max((fraction_bits(v) for v in vals), default=0) if name == "f" else 0
            st[name] = (bound, fb)
        stats.append(st)
    return Dataset(tables, rows, stats)


def _sql(stmt: Any, engine: Any, mode: str = "core") -> str:
    try:
        if mode == "text":
            return str(_as_text(stmt, engine))
        return str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(stmt.compile(dialect=engine.dialect))


def _key(row: Tuple[Any, ...]) -> Tuple[Any, ...]:
    return tuple((v is None, str(type(v)), repr(v)) for v in row)


class TextCompiler(SQLiteCompiler):
    """SQLite's compiler with three fixes for ``literal_binds`` rendering:
    SQLAlchemy's SQLite ``IS [NOT] DISTINCT FROM`` and the ``LIMIT -1``
    of an OFFSET without LIMIT drop the compile options and render ``?``,
    and a negative literal after ``-`` renders as ``- -3``... ``--3``, a
    comment, so negative numbers are parenthesised."""

    def visit_is_distinct_from_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return "%s IS NOT %s" % (self.process(binary.left, **kw), self.process(binary.right, **kw))

    def visit_is_not_distinct_from_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return "%s IS %s" % (self.process(binary.left, **kw), self.process(binary.right, **kw))

    def limit_clause(self, select: Any, **kw: Any) -> str:
        if select._limit_clause is None and select._offset_clause is not None:
            return "\n LIMIT -1 OFFSET " + self.process(select._offset_clause, **kw)
        return super().limit_clause(select, **kw)

    def render_literal_value(self, value: Any, type_: Any) -> str:
        text_ = super().render_literal_value(value, type_)
        return "(%s)" % text_ if text_.startswith("-") else text_


class TextDialect(SQLiteDialect_pysqlite):
    statement_compiler = TextCompiler


TEXT_DIALECT = TextDialect()


def _as_text(stmt: Any, sqlite: Any) -> Any:
    """The statement as SQLite's compiler renders it, literals inline, for
    text mode.  Untyped bound values (``x IN (3, NULL)`` against an untyped
    expression) take the type of their Python value, so they can be
    rendered."""

    def typed(bind: Any) -> None:
        if bind.type._isnull:
            values = bind.value if bind.expanding else [bind.value]
            value = next((v for v in values or () if v is not None), None)
            if value is not None:
                bind.type = type_api._resolve_value_to_type(value)

    stmt = visitors.cloned_traverse(stmt, {}, {"bindparam": typed})
    return text(str(stmt.compile(dialect=TEXT_DIALECT, compile_kwargs={"literal_binds": True})))


def run_dataset(seed: Any, index: int, count: int, mode: str = "core") -> Tuple[List[str], collections.Counter]:
    """Runs ``count`` statements on data set ``index``; returns failures.

    ``mode`` "core" executes the Core statement on both engines; "text"
    renders it with SQLite's compiler (``literal_binds``) and executes that
    SQL string as ``text()`` on both."""
    rng = random.Random("%s:%d" % (seed, index))
    data = make_dataset(rng)
    indexes.BLOCK = 2 + index % 3  # tiny index blocks: splits on every few rows
    memory = create_engine("memory://", enable_from_linting=False)
    sqlite = create_engine("sqlite://", enable_from_linting=False)
    failures: List[str] = []
    kinds: collections.Counter = collections.Counter()
    try:
        for eng in (memory, sqlite):
            data.tables[0].metadata.create_all(eng)
            with eng.begin() as conn:
                for t, trows in zip(data.tables, data.rows):
                    if trows:
                        conn.execute(t.insert(), trows)
        for j in range(count):
            # odd statements repeat the previous shape with other values:
            # the dialect then runs a cached plan with new parameters
            if j % 2 == 0:
                shape = rng.random()
            gen = Generator(random.Random(shape), data, random.Random(rng.random()))
            stmt, _, ordered = gen.query()
            kinds["ordered" if ordered else "unordered"] += 1
            results = []
            for eng in (memory, sqlite):
                try:
                    runnable = _as_text(stmt, sqlite) if mode == "text" else stmt
                    with eng.connect() as conn:
                        results.append([tuple(r) for r in conn.execute(runnable)])
                except Exception as exc:  # reported, never skipped
                    results.append(exc)
            mine, theirs = results
            if isinstance(theirs, Exception):
                ok = False
            elif isinstance(mine, Exception):
                ok = False
            elif ordered:
                ok = mine == theirs
            else:
                ok = collections.Counter(mine) == collections.Counter(theirs)
            if not ok:
                failures.append(
                    "%s mode: seed=%s dataset=%d statement=%d (%s)\n%s\nmemory: %r\nsqlite: %r\ndata: %r"
                    % (
                        mode,
                        seed,
                        index,
                        j,
                        "ordered" if ordered else "multiset",
                        _sql(stmt, sqlite, mode),
                        mine if isinstance(mine, Exception) else sorted(mine, key=_key),
                        theirs if isinstance(theirs, Exception) else sorted(theirs, key=_key),
                        {t.name: r for t, r in zip(data.tables, data.rows)},
                    )
                )
    finally:
        memory.dispose()
        sqlite.dispose()
    return failures, kinds


def settings() -> Tuple[Any, int, Optional[int]]:
    seed: Any = os.environ.get("MEMORY_DIFF_SEED", str(DEFAULT_SEED))
    if seed == "random":
        seed = random.SystemRandom().randrange(10**9)
    count = int(os.environ.get("MEMORY_DIFF_COUNT", DEFAULT_COUNT))
    case_ = os.environ.get("MEMORY_DIFF_CASE")
    return seed, count, (int(case_) if case_ else None)


class DifferentialTest(fixtures.TestBase):
    def check(self, mode: str) -> None:
        seed, count, only = settings()
        datasets = range(-(-count // STATEMENTS_PER_DATASET)) if only is None else [only]
        failures: List[str] = []
        kinds: collections.Counter = collections.Counter()
        start = time.perf_counter()
        left = count
        for d in datasets:
            n = min(STATEMENTS_PER_DATASET, left) if only is None else STATEMENTS_PER_DATASET
            left -= n
            f, k = run_dataset(seed, d, n, mode)
            failures.extend(f)
            kinds.update(k)
        elapsed = time.perf_counter() - start
        summary = "%s mode: seed=%s statements=%d (%s) in %.1fs: %d mismatches" % (
            mode, seed, sum(kinds.values()), dict(kinds), elapsed, len(failures))
        print(summary)
        assert not failures, summary + "\n\n" + "\n\n".join(failures[:5])

    def test_random_selects_match_sqlite(self) -> None:
        self.check("core")

    def test_random_selects_as_text_match_sqlite(self) -> None:
        self.check("text")
