"""``ra -t``: time ranges, selecting the records Argus 3.0.8 ``ra`` selects.

The behaviour described here was established by experiment against the real
``ra`` 3.0.8.2 binary (reference §5.3); all calendar work is in local time
(``TZ``), like ra's.

Syntax: ``[x][i|c|n|s]SPEC[-END | +DURATION]``

Prefixes
    ``x`` (first, optional) negates the test.  Then at most one of ``i``
    (default: the record *intersects* the range, i.e. its start lies in
    ``[start, end]`` or its last time lies in ``(start, end]``; a record that
    begins before and ends after the range is not kept), ``c`` (the record lies
    wholly inside: ``start <= stime`` and ``ltime <= end``) and ``n``/``s`` (the
    record spans the range: ``stime <= start`` and ``end <= ltime``).

SPEC, a point in time with a granularity (year, month, day, hour, minute,
second); alone it stands for the whole unit it names, ends included:
    * ``yyyy/mm/dd``, ``mm/dd`` (this year), ``yyyy/mm`` (a month), ``yyyy``
      (a year, 1970 up to the current one);
    * ``[date.]HH[:MM[:SS[.frac]]]`` where ``date`` is ``yyyy/mm/dd``,
      ``mm/dd`` or ``dd`` (this month); without a date, today.  ``HH``, ``MM``
      and ``SS`` may be ``*``: that field is ignored when records are compared
      (``2019/03/14.*:04`` = minute 4 of every hour of that day);
    * a bare number: an hour up to 23, a year (see above), otherwise Unix
      seconds (then the range is one calendar year long);
    * ``N<unit>`` with unit one of ``yMdhms``: that field of the current time
      set to N (``2h`` = 02:00-03:00 today, ``22d`` = the 22nd of this month);
    * ``-N<unit>``: the last N units up to now, whole units, the current one
      included (``-1d`` = today, ``-2h`` = the previous and the current hour).

END, after ``-``
    * ``now`` or nothing, after a ``-N<unit>`` or ``N<unit>`` SPEC only: up to
      the present;
    * a duration (``30s``, ``1m30s``, ``1.5m``): the range ends at SPEC's start
      and begins that long before it, cut to the duration's (last) unit;
    * another SPEC: the range ends at its start point.  Date fields it leaves
      out are taken from the range's start (``2019/03/14.19:03-19:05``).

DURATION, after ``+``: the range ends that long after the start, cut to the
duration's unit (``19:03:50+1m`` ends at 19:04:00).  A plain number there is an
END SPEC.

The range may also be given in separate words, ``-t START - END`` or
``-t START -END`` (see :func:`join_words`).  Malformed text, or an end not
after the start, raises :class:`TimeRangeError` (a ``ValueError``).

Daylight saving: calendar steps (``+1d``, ``-2M``, the end of ``-30d``) keep
the DST flag of the time they step from, so a step across a change lands an
hour off, as ra's do; ``N<unit>`` forms are read with the current flag; a
wall-clock time that occurs twice or never is read with the flag in force at
the current time of day on that date.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

__all__ = ["TimeRange", "TimeRangeError", "join_words", "parse_time_range"]

INTERSECTS = "intersects"
CONTAINS = "contains"
SPANS = "spans"

_MODES = {"i": INTERSECTS, "c": CONTAINS, "n": SPANS, "s": SPANS}

# Units, coarse to fine; the index is the position in a broken-down time [Y, M, D, h, m, s].
_UNITS = "yMdhms"
_YEAR, _MONTH, _DAY, _HOUR, _MINUTE, _SECOND = range(6)
_SECONDS_PER = {_DAY: 86400, _HOUR: 3600, _MINUTE: 60, _SECOND: 1}
_US = 1_000_000

_RELATIVE = re.compile(r"-(\d+)([yMdhms])")
_SET_FIELD = re.compile(r"(\d+)([yMdhms])$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([yMdhms])")


class TimeRangeError(ValueError):
    """A ``-t`` argument ra would reject."""


# --- local calendar helpers -------------------------------------------------------------------


def _broken(t: int) -> list[int]:
    """Local [year, month, day, hour, minute, second] of Unix second ``t``."""
    tm = time.localtime(t)
    return [tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec]


def _seconds(fields: Sequence[int], isdst: int = -1) -> int:
    """Unix second of local broken-down ``fields`` (out-of-range values roll over).

    ``isdst`` is the daylight-saving flag the fields are read with (-1: work it
    out); calendar steps keep the flag of the time they start from, so a step
    across a DST change lands an hour off, as ra's do.
    """
    y, mo, d, h, mi, s = fields
    try:
        return int(time.mktime((y, mo, d, h, mi, s, 0, 0, isdst)))
    except (OverflowError, ValueError):
        raise TimeRangeError("time out of range") from None


def _floor(t: int, unit: int) -> int:
    """``t`` cut down to the beginning of its ``unit``."""
    fields = _broken(t)
    if unit >= _HOUR:  # plain arithmetic: no round trip through an ambiguous local hour
        return t - sum(fields[i] * _SECONDS_PER[i] for i in range(unit + 1, 6))
    for i in range(unit + 1, 6):
        fields[i] = 1 if i <= _DAY else 0
    return _seconds(fields, time.localtime(t).tm_isdst)


def _add(t: int, n: int, unit: int) -> int:
    """``t`` moved by ``n`` units (calendar arithmetic for years, months, days)."""
    if unit in (_HOUR, _MINUTE, _SECOND):
        return t + n * _SECONDS_PER[unit]
    fields = _broken(t)
    fields[unit] += n
    return _seconds(fields, time.localtime(t).tm_isdst)


def _floor_us(us: int, unit: int) -> int:
    return _floor(us // _US, unit) * _US


# --- the parsed range ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeRange:
    """A parsed ``-t`` range: µs since the epoch, the test and its negation.

    ``wildcards`` is a bit set of the time-of-day fields given as ``*`` (bit
    ``1 << 3`` hours, ``1 << 4`` minutes, ``1 << 5`` seconds).
    """

    text: str
    start_us: int
    end_us: int
    strategy: str = INTERSECTS
    negate: bool = False
    wildcards: int = 0

    def mask(self, frame: pl.DataFrame) -> pl.Series:
        """One boolean per row of ``frame`` (columns ``stime``, ``ltime``): is it in the range?"""
        import polars as pl

        first = frame["stime"].dt.epoch("us").cast(pl.Int64)
        last = frame["ltime"].dt.epoch("us").cast(pl.Int64)
        if self.wildcards:
            first, last = self._pin(first), self._pin(last)
        lo, hi = self.start_us, self.end_us
        if self.strategy == CONTAINS:
            keep = (first >= lo) & (last <= hi)
        elif self.strategy == SPANS:
            keep = (first <= lo) & (last >= hi)
        else:
            keep = ((first >= lo) & (first <= hi)) | ((last > lo) & (last <= hi))
        kept: pl.Series = keep.fill_null(False)
        return (~kept if self.negate else kept).alias("time_range")

    def _pin(self, us: pl.Series) -> pl.Series:
        """Times with their wildcard fields replaced by the range start's (local time)."""
        import polars as pl

        secs = us // _US
        # UTC offsets only change on quarter-hour boundaries: one look-up per quarter hour seen.
        quarters = (secs // 900).unique().to_list()
        offsets = {q: time.localtime(q * 900).tm_gmtoff for q in quarters if q is not None}
        offset = (secs // 900).replace_strict(offsets, return_dtype=pl.Int64, default=0)
        local = secs + offset
        base = _broken(self.start_us // _US)
        current = {_HOUR: (local // 3600) % 24, _MINUTE: (local // 60) % 60, _SECOND: local % 60}
        for unit, value in current.items():
            if self.wildcards & (1 << unit):
                us = us - (value - base[unit]) * (_SECONDS_PER[unit] * _US)
        return us


# --- parsing ------------------------------------------------------------------------------------


@dataclass
class _Point:
    """One SPEC: its first µs, the µs its unit ends at, and what it was."""

    start_us: int
    end_us: int
    relative: bool = False
    wildcards: int = 0


def _syntax(text: str) -> TimeRangeError:
    return TimeRangeError(f"time syntax error {text}")


def _number(word: str, text: str, lo: int, hi: int, *, digits: tuple[int, ...] = (1, 2)) -> int:
    if not word.isdigit() or not word.isascii() or len(word) not in digits:
        raise _syntax(text)
    value = int(word)
    if not lo <= value <= hi:
        raise _syntax(text)
    return value


def _compose(base_t: int, date: Sequence[int] | None, clock: Sequence[int]) -> int:
    """Unix second of ``date`` (year, month, day) at ``clock`` (hour, minute, second), local time.

    Without a date, the day of ``base_t``.  A wall-clock time that occurs twice
    (or not at all) on a daylight-saving change day is read with the flag in
    force on that day at ``base_t``'s time of day, as ra reads it.
    """
    base = _broken(base_t)
    fields = [*(base[:3] if date is None else date), *clock]
    readings = set()
    for isdst in (0, 1):
        t = _seconds(fields, isdst)
        if time.localtime(t).tm_isdst == isdst and _broken(t) == fields:
            readings.add(t)
    if len(readings) == 1:
        return readings.pop()
    t = _seconds(fields)
    if readings or _broken(t)[:3] == fields[:3]:  # twice, or skipped: decide by the base time of day
        same_day = _seconds([*fields[:3], *base[3:]])
        return _seconds(fields, time.localtime(same_day).tm_isdst)
    return t  # out-of-range fields (02/30): rolled over


def _bare_number(word: str, text: str, base_t: int, this_year: int) -> _Point:
    """A lone number: an hour, a year, or Unix seconds."""
    if not word.isdigit() or not word.isascii():
        raise _syntax(text)
    value = int(word)
    if value <= 23:
        start = _compose(base_t, None, (value, 0, 0))
        return _Point(start * _US, _add(start, 1, _HOUR) * _US)
    if value == 24:
        raise _syntax(text)
    if len(word) == 4 and 1970 <= value <= this_year:
        start = _compose(base_t, (value, 1, 1), (0, 0, 0))
        return _Point(start * _US, _add(start, 1, _YEAR) * _US)
    return _Point(value * _US, _add(value, 1, _YEAR) * _US)


def _date(word: str, text: str, base: list[int]) -> tuple[list[int], int]:
    """The date part of a SPEC: fields (missing ones from ``base``) and the finest unit given."""
    parts = word.split("/")
    fields = list(base[:3])
    if len(parts) == 3:
        fields[_YEAR] = _number(parts[0], text, 0, 9999, digits=(4,))
        fields[_MONTH] = _number(parts[1], text, 1, 12, digits=(2,))
        fields[_DAY] = _number(parts[2], text, 1, 31, digits=(2,))
        return fields, _DAY
    if len(parts) == 2 and len(parts[0]) == 4:
        fields[_YEAR] = _number(parts[0], text, 0, 9999, digits=(4,))
        fields[_MONTH] = _number(parts[1], text, 1, 12, digits=(2,))
        fields[_DAY] = 1
        return fields, _MONTH
    if len(parts) == 2:
        fields[_MONTH] = _number(parts[0], text, 1, 12, digits=(2,))
        fields[_DAY] = _number(parts[1], text, 1, 31, digits=(2,))
        return fields, _DAY
    if len(parts) == 1:
        fields[_DAY] = _number(parts[0], text, 1, 31)
        return fields, _DAY
    raise _syntax(text)


def _absolute(word: str, text: str, base_t: int, this_year: int) -> _Point:
    """A calendar SPEC (date, time of day, or both), a year or Unix seconds."""
    dot, colon = word.find("."), word.find(":")
    if dot >= 0 and (colon < 0 or dot < colon):
        date_word, clock = word[:dot], word[dot + 1 :]
        if not clock:
            raise _syntax(text)
    elif "/" in word:
        date_word, clock = word, ""
    else:
        date_word, clock = "", word
    if not date_word and ":" not in clock and clock != "*":
        return _bare_number(clock, text, base_t, this_year)

    fields = [0, 0, 0, 0, 0, 0]
    date: list[int] | None = None
    unit = _DAY
    if date_word:
        date, unit = _date(date_word, text, _broken(base_t))
        if unit == _MONTH and clock:
            raise _syntax(text)
    frac_us = 0
    wildcards = 0
    if clock:
        pieces = clock.split(":")
        if len(pieces) > 3:
            raise _syntax(text)
        limits = (23, 59, 59)
        for i, piece in enumerate(pieces):
            if i == 2 and "." in piece:
                piece, frac = piece.split(".", 1)
                if not frac.isdigit() or not frac.isascii():
                    raise _syntax(text)
                frac_us = int((frac + "000000")[:6])
            if piece == "*":  # a wildcard does not refine the unit
                wildcards |= 1 << (_HOUR + i)
                continue
            unit = _HOUR + i
            fields[unit] = _number(piece, text, 0, limits[i])
    start = _compose(base_t, date, fields[3:])
    return _Point(start * _US + frac_us, _add(start, 1, unit) * _US + frac_us, wildcards=wildcards)


def _spec(word: str, text: str, base_t: int, now: int, this_year: int) -> _Point:
    """One SPEC, with ``base`` (the local time it is read against) supplying missing fields."""
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), _UNITS.index(relative.group(2))
        if count == 0:
            raise TimeRangeError("invalid time range")
        start = _floor(_add(now, 1 - count, unit), unit)
        return _Point(start * _US, _floor(_add(start, count, unit), unit) * _US, relative=True)
    set_field = _SET_FIELD.match(word)
    if set_field:
        value, unit = int(set_field.group(1)), _UNITS.index(set_field.group(2))
        fields = _broken(base_t)
        fields[unit] = value
        for i in range(unit + 1, 6):
            fields[i] = 1 if i <= _DAY else 0
        isdst = time.localtime(base_t).tm_isdst  # both ends read with today's DST flag, as ra
        start = _seconds(fields, isdst)
        fields[unit] += 1
        return _Point(start * _US, _seconds(fields, isdst) * _US, relative=True)
    return _absolute(word, text, base_t, this_year)


def _duration(word: str) -> tuple[list[tuple[float, int]], int] | None:
    """``1m30s``-style durations: the (amount, unit) parts and the last unit; None if not one."""
    parts: list[tuple[float, int]] = []
    pos = 0
    while (m := _DURATION_PART.match(word, pos)) is not None:
        parts.append((float(m.group(1)), _UNITS.index(m.group(2))))
        pos = m.end()
    if not parts:
        return None
    return parts, parts[-1][1]


def _shift_us(us: int, parts: list[tuple[float, int]], sign: int) -> int:
    for amount, unit in parts:
        if unit in _SECONDS_PER:
            us += sign * round(amount * _SECONDS_PER[unit] * _US)
        else:
            sec, frac = divmod(us, _US)
            us = _add(sec, sign * int(amount), unit) * _US + frac
    return us


def _split(body: str) -> tuple[str, str, str]:
    """SPEC, the operator (``-``, ``+`` or empty) and what follows it."""
    for i, ch in enumerate(body):
        if i > 0 and ch in "-+":
            return body[:i].rstrip(" \t"), ch, body[i + 1 :].strip(" \t")
    return body, "", ""


def parse_time_range(text: str, *, now: int | None = None) -> TimeRange:
    """Parse one ``-t`` argument (already joined with :func:`join_words`)."""
    now = int(time.time()) if now is None else now
    body = text
    negate = body.startswith("x")
    if negate:
        body = body[1:]
    strategy = INTERSECTS
    if body[:1] in _MODES:
        strategy = _MODES[body[0]]
        body = body[1:]
    if not body:
        raise _syntax(text)
    this_year = _broken(now)[_YEAR]

    spec, op, rest = _split(body)
    first = _spec(spec, text, now, now, this_year)
    start_us, end_us = first.start_us, first.end_us
    if op == "-" and rest in ("", "now"):
        if not first.relative:
            raise TimeRangeError("invalid time range")
        end_us = now * _US
    elif op:
        duration = _duration(rest)
        if duration is not None:
            parts, unit = duration
            if op == "+":
                end_us = _floor_us(_shift_us(start_us, parts, 1), unit)
            else:
                end_us = start_us
                start_us = _floor_us(_shift_us(start_us, parts, -1), unit)
        else:
            if not rest or rest[0] in "-+":
                raise _syntax(text)
            end_us = _spec(rest, text, start_us // _US, now, this_year).start_us
    if end_us <= start_us:
        raise TimeRangeError(f"invalid time range start {start_us / _US:.6f} end {end_us / _US:.6f}")
    return TimeRange(text, start_us, end_us, strategy, negate, first.wildcards)


def _has_range(arg: str) -> bool:
    body = arg[1:] if arg.startswith("x") else arg
    if body[:1] in _MODES:
        body = body[1:]
    return any(ch in "-+" for ch in body[1:])


def _looks_like_time(word: str) -> bool:
    return word[:1].isdigit() or word[:1] == "*"


def join_words(arg: str, following: Sequence[str]) -> tuple[str, int]:
    """The -t argument and how many of the ``following`` command-line words it takes (0, 1 or 2).

    ``-t START - END`` and ``-t START -END`` are one range when START has no
    ``-``/``+`` of its own and END looks like a time (starts with a digit or
    ``*``); otherwise the following words are left alone (a filter, an option).
    """
    if _has_range(arg) or not following:
        return arg, 0
    word = following[0]
    if word == "-":
        if len(following) > 1 and _looks_like_time(following[1]):
            return f"{arg}-{following[1]}", 2
        return arg, 0
    if word.startswith("-") and _looks_like_time(word[1:]):
        return arg + word, 1
    return arg, 0
