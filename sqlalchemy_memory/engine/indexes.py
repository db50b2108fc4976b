"""Ordered indexes: every index serves equality, ranges and ORDER BY.

An index keeps its ``(value, row key)`` entries sorted in blocks of two
parallel lists, values and keys (a B+-tree one level deep, as
``sortedcontainers`` does it, but without a tuple per entry): about 16 bytes
a row, the values and keys being the row's own objects.  Lookups are
``bisect`` calls in C: one over the blocks' last entries, one inside a block.

Writes append to a pending list and are merged, sorted in C, the next time
the index is read or a row is removed from it: a bulk load costs two list
appends a row per index, and single writes cost a ``bisect.insort`` at the
next read.  NULL values of a one-column index are kept apart, as are float
NaNs, which compare with nothing; in a composite value a NULL becomes
``NULL``, sorting after every value, so a probe on the leading columns still
finds the row.  A unique index also keeps a
hash map value -> key for its constraint checks; its sorted entries are only
built the first time a range or an ORDER BY asks for them.

Values that do not compare with each other (a JSON column, say) leave the
index *unordered*: ``ordered`` turns False and its readers scan instead.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import chain, islice
from operator import itemgetter
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

Row = Tuple[Any, ...]
Position = Tuple[int, int]  # (block, offset in block)

BLOCK = 1000  # entries per block; a block splits at twice that


class _Extreme:
    """Sorts below every value (``BOTTOM``), above every value (``NAN``, a
    float NaN inside a composite value, which compares with nothing; then
    ``NULL``, a NULL inside one) or above those too (``TOP``): bounds for a
    prefix of a composite value, or for "any key with this value"."""

    __slots__ = ("rank",)

    def __init__(self, rank: int) -> None:
        self.rank = rank

    def __lt__(self, other: Any) -> bool:
        if other.__class__ is _Extreme:
            return self.rank < other.rank
        return self.rank < 0

    def __gt__(self, other: Any) -> bool:
        if other.__class__ is _Extreme:
            return self.rank > other.rank
        return self.rank > 0

    def __le__(self, other: Any) -> bool:
        return not self > other

    def __ge__(self, other: Any) -> bool:
        return not self < other

    def __eq__(self, other: Any) -> bool:
        return other is self

    def __hash__(self) -> int:
        return self.rank

    def __repr__(self) -> str:
        return {-1: "BOTTOM", 1: "NAN", 2: "NULL", 3: "TOP"}[self.rank]


BOTTOM = _Extreme(-1)
NAN = _Extreme(1)
NULL = _Extreme(2)
TOP = _Extreme(3)


def _composite(v: Tuple[Any, ...]) -> Tuple[Any, ...]:
    """A composite value with its NULLs and NaNs replaced by the extremes
    that sort them after every value, consistently."""
    return tuple([NULL if x is None else NAN if x != x else x for x in v])


class OrderedIndex:
    """An index over the columns at ``positions`` of a table's rows."""

    def __init__(self, name: str, positions: Tuple[int, ...], unique: bool, kind: str, may_nan: bool = False) -> None:
        self.name = name
        self.positions = positions
        self.unique = unique
        self.kind = kind  # "unique constraint", "index", "unique index", "foreign key", "primary key"
        self.single = len(positions) == 1
        self.value_of: Callable[[Row], Any] = itemgetter(*positions)
        self.may_nan = may_nan and self.single
        self.nan_prone = may_nan  # a composite value may hold a NaN
        self.ordered = True  # False once two values failed to compare
        # unique: value -> key, for constraint checks and FK lookups
        self.entries: Optional[Dict[Any, Any]] = {} if unique else None
        self.nulls: Dict[Any, None] = {}  # keys of rows with a NULL value (one column)
        self.nullish = 0  # composite values holding a NULL or NaN
        self.nans: Dict[Any, None] = {}  # keys of rows whose value is NaN
        self._vals: List[List[Any]] = []
        self._keys: List[List[Any]] = []
        self._maxes: List[Tuple[Any, Any]] = []  # each block's last (value, key), for writes
        self._maxvals: List[Any] = []  # each block's last value, for reads (compared in C)
        self._size = 0  # sorted entries
        self._pending_vals: List[Any] = []
        self._pending_keys: List[Any] = []
        # a unique index on one column sorts its entries only once something
        # needs them (its hash map holds every entry until then)
        self._tracking = not (unique and self.single)

    def __repr__(self) -> str:
        return "<OrderedIndex %s %s>" % (self.name, self.positions)

    # -- writes -----------------------------------------------------------
    def has_null(self, v: Any) -> bool:
        return v is None if self.single else None in v

    def add(self, key: Any, row: Row) -> None:
        v = self.value_of(row)
        entries = self.entries
        if self.single:
            if v is None:
                self.nulls[key] = None
                return
            if self.may_nan and v != v:
                self.nans[key] = None
                return
        elif None in v or (self.nan_prone and any([x != x for x in v])):
            v = _composite(v)
            self.nullish += 1
            entries = None  # NULLs never clash
        if entries is not None:
            entries[v] = key
        if self._tracking:
            self._pending_vals.append(v)
            self._pending_keys.append(key)

    def remove(self, key: Any, row: Row) -> None:
        v = self.value_of(row)
        entries = self.entries
        if self.single:
            if v is None:
                self.nulls.pop(key, None)
                return
            if self.may_nan and v != v:
                self.nans.pop(key, None)
                return
        elif None in v or (self.nan_prone and any([x != x for x in v])):
            v = _composite(v)
            self.nullish -= 1
            entries = None
        if entries is not None and entries.get(v) == key:
            del entries[v]
        if self._tracking and self.ordered:
            pending = self._pending_keys
            if pending and pending[-1] == key and self._pending_vals[-1] == v:
                pending.pop()  # the row just added (an undone INSERT, say)
                self._pending_vals.pop()
                return
            self._settle()
            if self.ordered:
                self._delete(v, key)

    # -- the sorted entries -------------------------------------------------
    def settled(self) -> bool:
        """Merge pending writes; False when the index cannot order its values."""
        if not self._tracking:
            self._tracking = True
            assert self.entries is not None
            self._pending_vals = list(self.entries)
            self._pending_keys = list(self.entries.values())
        if self._pending_vals:
            self._settle()
        return self.ordered

    def _settle(self) -> None:
        pending_vals, pending_keys = self._pending_vals, self._pending_keys
        if not pending_vals:
            return
        self._pending_vals, self._pending_keys = [], []
        try:
            if len(pending_vals) * 8 < self._size:
                for v, k in sorted(zip(pending_vals, pending_keys)):
                    self._insert(v, k)
                return
            entries = sorted(chain(self._entries(), zip(pending_vals, pending_keys)))
        except TypeError:
            self._unorder()
            return
        self._rebuild(entries)

    def _entries(self) -> Iterator[Tuple[Any, Any]]:
        for vals, keys in zip(self._vals, self._keys):
            yield from zip(vals, keys)

    def _rebuild(self, entries: List[Tuple[Any, Any]]) -> None:
        self._vals, self._keys, self._maxes = [], [], []
        for start in range(0, len(entries), BLOCK):
            chunk = entries[start : start + BLOCK]
            self._vals.append([v for v, _ in chunk])
            self._keys.append([k for _, k in chunk])
            self._maxes.append(chunk[-1])
        self._maxvals = [v for v, _ in self._maxes]
        self._size = len(entries)

    def _unorder(self) -> None:
        """Values that do not compare: readers scan from now on."""
        self.ordered = False
        self._vals, self._keys, self._maxes, self._maxvals = [], [], [], []
        self._pending_vals, self._pending_keys = [], []
        self._size = 0

    def _set_max(self, i: int) -> None:
        vals, keys = self._vals[i], self._keys[i]
        self._maxes[i] = (vals[-1], keys[-1])
        self._maxvals[i] = vals[-1]

    def _block_of(self, v: Any, k: Any) -> int:
        """The block ``(v, k)`` belongs in: a bisect over the blocks' last
        values, comparing ``(value, key)`` pairs only among equal values."""
        maxvals = self._maxvals
        i = bisect_left(maxvals, v)
        if i < len(maxvals) and maxvals[i] == v:
            i = bisect_left(self._maxes, (v, k), i)
        return i

    def _insert(self, v: Any, k: Any) -> None:
        self._size += 1
        maxes = self._maxes
        if not maxes:
            self._vals.append([v])
            self._keys.append([k])
            maxes.append((v, k))
            self._maxvals.append(v)
            return
        i = self._block_of(v, k)
        if i == len(maxes):
            i -= 1
        vals, keys = self._vals[i], self._keys[i]
        lo = bisect_left(vals, v)
        hi = bisect_right(vals, v, lo)
        j = bisect_left(keys, k, lo, hi) if lo != hi else lo
        vals.insert(j, v)
        keys.insert(j, k)
        if j == len(vals) - 1:
            self._set_max(i)
        if len(vals) > 2 * BLOCK:
            self._vals[i : i + 1] = [vals[:BLOCK], vals[BLOCK:]]
            self._keys[i : i + 1] = [keys[:BLOCK], keys[BLOCK:]]
            maxes.insert(i, (vals[BLOCK - 1], keys[BLOCK - 1]))
            self._maxvals.insert(i, vals[BLOCK - 1])

    def _delete(self, v: Any, k: Any) -> None:
        maxes = self._maxes
        i = self._block_of(v, k)
        if i == len(maxes):
            return
        vals, keys = self._vals[i], self._keys[i]
        lo = bisect_left(vals, v)
        hi = bisect_right(vals, v, lo)
        j = bisect_left(keys, k, lo, hi)
        if j >= hi or keys[j] != k:
            return
        del vals[j]
        del keys[j]
        self._size -= 1
        if not vals:
            del self._vals[i], self._keys[i], maxes[i], self._maxvals[i]
        elif j == len(vals):
            self._set_max(i)

    def size_sorted(self) -> int:
        return self._size

    # -- reads (call ``settled()`` first) -------------------------------------
    def position(self, value: Any, after: bool) -> Position:
        """Where the first entry ``> value`` (``after``) or ``>= value`` is."""
        maxvals = self._maxvals
        if after:
            i = bisect_right(maxvals, value)
            if i == len(maxvals):
                return i, 0
            return i, bisect_right(self._vals[i], value)
        i = bisect_left(maxvals, value)
        if i == len(maxvals):
            return i, 0
        return i, bisect_left(self._vals[i], value)

    def equal_span(self, value: Any) -> Tuple[Position, Position]:
        """``(position(value, False), position(value, True))``, usually with
        one search of the blocks: a run of equal values mostly ends inside
        the block it starts in."""
        maxvals = self._maxvals
        i = bisect_left(maxvals, value)
        if i == len(maxvals):
            return (i, 0), (i, 0)
        vals = self._vals[i]
        j = bisect_left(vals, value)
        if vals[-1] != value:
            return (i, j), (i, bisect_right(vals, value, j))
        return (i, j), self.position(value, True)

    def advance(self, first: Position, stop: Position, n: int, reverse: bool) -> Tuple[Position, Position]:
        """The span with its first ``n`` entries (its last, ``reverse``)
        dropped: an OFFSET skipped by counting block lengths."""
        keys = self._keys
        if not reverse:
            i, j = first
            while n and (i, j) < stop:
                here = len(keys[i]) - j
                if n < here:
                    j += n
                    break
                n -= here
                i, j = i + 1, 0
            return min((i, j), stop), stop
        i, j = stop
        while n and first < (i, j):
            if j == 0:
                i -= 1
                j = len(keys[i])
            if n < j:
                j -= n
                break
            n -= j
            j = 0
        return first, max((i, j), first)

    def start(self) -> Position:
        return 0, 0

    def end(self) -> Position:
        return len(self._maxes), 0

    def estimate(self, first: Position, stop: Position) -> int:
        """About how many entries lie between two positions, in O(1): the
        blocks between the two ends counted at their mean size (for
        choosing between probes; ``count`` is exact)."""
        (i, j), (i2, j2) = first, stop
        if i2 - i < 3:
            return self.count(first, stop)
        keys = self._keys
        return len(keys[i]) - j + j2 + (i2 - i - 1) * self._size // len(keys)

    def count(self, first: Position, stop: Position) -> int:
        (i, j), (i2, j2) = first, stop
        if (i, j) >= (i2, j2):
            return 0
        if i == i2:
            return j2 - j
        keys = self._keys
        return len(keys[i]) - j + sum(map(len, keys[i + 1 : i2])) + j2

    def keys(self, first: Position, stop: Position, reverse: bool = False) -> Iterable[Any]:
        """The row keys between two positions, in (value, key) order or its
        reverse; lazily, block by block, so a LIMIT reads only what it needs."""
        (i, j), (i2, j2) = first, stop
        if (i, j) >= (i2, j2):
            return ()
        blocks = self._keys
        if i == i2:
            part = blocks[i][j:j2]
            return part[::-1] if reverse else part
        # no copies of blocks: a LIMIT reads a few keys of a long walk
        head = blocks[i]
        if not reverse:
            return chain(
                head if j == 0 else islice(head, j, None),
                chain.from_iterable(islice(blocks, i + 1, i2)),
                islice(blocks[i2], j2) if j2 else (),
            )
        tail = blocks[i2] if j2 else ()
        return chain(
            islice(reversed(tail), len(tail) - j2, None) if j2 else (),
            chain.from_iterable(reversed(blocks[b]) for b in range(i2 - 1, i, -1)),
            islice(reversed(head), len(head) - j),
        )

    def equal_keys(self, value: Any) -> Optional[List[Any]]:
        """Keys of the rows whose value equals ``value``, in key order; None
        when the index cannot answer."""
        if self.has_null(value):
            return []
        entries = self.entries
        if entries is not None:
            try:
                hit = entries.get(value)
            except TypeError:  # an unhashable value
                return None
            return [] if hit is None else [hit]
        if not self.settled():
            return None
        try:
            return list(self.keys(self.position(value, False), self.position(value, True)))
        except TypeError:
            return None

    def __contains__(self, value: Any) -> bool:
        keys = self.equal_keys(value)
        if keys is None:
            raise TypeError("index %s cannot look up %r" % (self.name, value))
        return bool(keys)

    def first_value(self, reverse: bool) -> Any:
        """The smallest (largest) non-NULL value of the first column, or
        None for no entry."""
        if not self._vals:
            return None
        value = self._vals[-1][-1] if reverse else self._vals[0][0]
        return value if self.single else value[0]

