"""Parse SQL text with sqlglot, once per distinct string.

Parsing is the expensive part of SQL text, and applications repeat the same
strings, so parsed trees are cached (``lru_cache``).  Cached trees are shared:
callers must treat them as read-only.  Transaction-control statements are
recognised with a regex first, since sqlglot does not parse all of them
(``RELEASE SAVEPOINT``) and they need no tree.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple, Optional, Tuple

import sqlglot
from sqlalchemy.sql import compiler as sa_compiler
from sqlalchemy.sql.elements import TextClause
from sqlglot import errors as sqlglot_errors
from sqlglot import exp

from ..engine.errors import NotSupportedError, ProgrammingError


class TxnControl(NamedTuple):
    """``BEGIN`` / ``COMMIT`` / ``ROLLBACK`` / savepoint statements."""

    action: str  # "begin", "commit", "rollback", "savepoint", "rollback_to", "release"
    name: Optional[str] = None


_NAME = r'("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_TXN = [
    (re.compile(r"(?:BEGIN|START)(?:\s+(?:TRANSACTION|WORK|DEFERRED|IMMEDIATE|EXCLUSIVE))*", re.I), "begin"),
    (re.compile(r"(?:COMMIT|END)(?:\s+(?:TRANSACTION|WORK))?", re.I), "commit"),
    (re.compile(r"ROLLBACK(?:\s+(?:TRANSACTION|WORK))?\s+TO\s+(?:SAVEPOINT\s+)?" + _NAME, re.I), "rollback_to"),
    (re.compile(r"ROLLBACK(?:\s+(?:TRANSACTION|WORK))?", re.I), "rollback"),
    (re.compile(r"SAVEPOINT\s+" + _NAME, re.I), "savepoint"),
    (re.compile(r"RELEASE(?:\s+SAVEPOINT)?\s+" + _NAME, re.I), "release"),
]


def _unquote(name: str) -> str:
    if name[0] == '"':
        return name[1:-1].replace('""', '"')
    if name[0] in "`[":
        return name[1:-1]
    return name


def txn_control(sql: str) -> Optional[TxnControl]:
    text = sql.strip().rstrip(";").strip()
    for pattern, action in _TXN:
        m = pattern.fullmatch(text)
        if m:
            return TxnControl(action, _unquote(m.group(1)) if m.groups() else None)
    return None


@functools.lru_cache(maxsize=1024)
def parse_statement(sql: str) -> exp.Expression:
    """The one statement in ``sql``; ProgrammingError for bad or several."""
    try:
        trees = [t for t in sqlglot.parse(sql) if t is not None]
    except sqlglot_errors.ParseError as err:
        raise ProgrammingError(_describe(err, sql)) from None
    except sqlglot_errors.TokenError as err:
        raise ProgrammingError("SQL syntax error: %s" % err) from None
    if not trees:
        raise ProgrammingError("empty SQL statement")
    if len(trees) > 1:
        raise ProgrammingError("You can only execute one statement at a time.")
    return trees[0]


@functools.lru_cache(maxsize=1024)
def parse_expression(sql: str) -> exp.Expression:
    """A SQL expression fragment (``x + 1``, ``'a%'``), for ``literal_column``."""
    try:
        tree = sqlglot.parse_one(sql, into=exp.Condition) if sql.strip() else None
    except sqlglot_errors.ParseError as err:
        raise ProgrammingError(_describe(err, sql)) from None
    except sqlglot_errors.TokenError as err:
        raise ProgrammingError("SQL syntax error: %s" % err) from None
    if tree is None:
        raise ProgrammingError("empty SQL expression")
    return tree


def _describe(err: sqlglot_errors.ParseError, sql: str) -> str:
    if not err.errors:
        return "SQL syntax error: %s" % err
    first = err.errors[0]
    near = "%s%s%s" % (first.get("start_context", ""), first.get("highlight", ""), first.get("end_context", ""))
    return "SQL syntax error at line %s, column %s: %s, near %r (in %r)" % (
        first.get("line"),
        first.get("col"),
        first.get("description"),
        near.strip(),
        sql if len(sql) < 200 else sql[:200] + "...",
    )


def unsupported(node: exp.Expression, what: str = "") -> NotSupportedError:
    """NotSupportedError quoting the offending part of the statement."""
    try:
        text = node.sql()
    except Exception:  # noqa: BLE001 - only for the message
        text = type(node).__name__
    if len(text) > 200:
        text = text[:200] + "..."
    return NotSupportedError(
        "SQL text: %s is not supported by the memory dialect: %s"
        % (what or type(node).__name__, text)
    )


class Prepared(NamedTuple):
    """A parsed statement and what its placeholders mean."""

    tree: exp.Expression
    renamed: dict  # placeholder name in the tree -> user's name, or 1-based position
    positional: int  # number of ``?`` placeholders


_PARAM_TEXT = re.compile(r"\w+\Z")


@functools.lru_cache(maxsize=1024)
def prepare(sql: str) -> Prepared:
    """Parse ``sql`` with every placeholder renamed ``_pN``.

    sqlglot cannot parse all names SQLAlchemy allows (``:1``, ``:select``)
    and keeps no position for ``?``, so placeholders are found with its
    tokenizer and rewritten first.
    """
    if "?" not in sql and ":" not in sql:
        return Prepared(parse_statement(sql), {}, 0)
    out, renamed, positional = _renamed_placeholders(sql)
    return Prepared(parse_statement(out), renamed, positional)


# how ``text()`` finds its ``:name`` binds, and ``\:name``, a colon that is
# not one, as SQLAlchemy's compiler renders it
_TEXT_BIND = TextClause._bind_params_regex
_ESCAPED_COLON = sa_compiler.BIND_PARAMS_ESC


@functools.lru_cache(maxsize=1024)
def prepare_text(sql: str, statement: bool) -> Prepared:
    """Parse the SQL of a ``text()`` construct met inside a Core statement
    (a fragment, or with ``statement`` the query of ``text().columns()``),
    its ``:name`` binds renamed ``_pN``.  Binds are found as SQLAlchemy's
    compiler finds them, so ``renamed`` maps each to the name of one of the
    clause's own bind parameters."""
    renamed: dict = {}

    def rename(m: "re.Match[str]") -> str:
        safe = "_p%d" % (len(renamed) + 1)
        renamed[safe] = m.group(1)
        return ":" + safe

    out = _ESCAPED_COLON.sub(lambda m: m.group(1), _TEXT_BIND.sub(rename, sql))
    tree = parse_statement(out) if statement else parse_expression(out)
    return Prepared(tree, renamed, 0)


def _renamed_placeholders(sql: str) -> Tuple[str, dict, int]:
    """``sql`` with its ``?`` and ``:name`` placeholders renamed ``:_pN``:
    ``(sql, {_pN: name or 1-based position}, number of ?)``."""
    try:
        tokens = sqlglot.tokenize(sql)
    except sqlglot_errors.TokenError as err:
        raise ProgrammingError("SQL syntax error: %s" % err) from None
    renamed: dict = {}
    edits = []  # (start, end, replacement)
    positional = 0
    for i, tok in enumerate(tokens):
        if tok.token_type == sqlglot.TokenType.PLACEHOLDER and tok.text == "?":
            positional += 1
            safe = "_p%d" % (len(renamed) + 1)
            renamed[safe] = positional
            edits.append((tok.start, tok.end, ":" + safe))
        elif tok.token_type == sqlglot.TokenType.COLON and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt.start == tok.end + 1 and _PARAM_TEXT.match(nxt.text):  # ":name", ":1"
                safe = "_p%d" % (len(renamed) + 1)
                renamed[safe] = nxt.text
                edits.append((tok.start, nxt.end, ":" + safe))
    if positional and positional != len(edits):
        raise ProgrammingError("SQL text mixes ? and :name placeholders")
    out = sql
    for start, end, text in reversed(edits):
        out = out[:start] + text + out[end + 1 :]
    return out, renamed, positional
