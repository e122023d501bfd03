"""``ra -t``: Argus 3.0.8.2 time ranges, parsed as ra parses them.

This is a port of ``ArgusParseTimeArg``, ``ArgusCheckTimeFormat`` and
``ArgusParseTime`` (argus-clients 3.0.8.2, common/argus_util.c) and of the
record test of ``ArgusCheckTime``, quirks included, so that ``-t`` selects the
records real ``ra`` selects (reference §5.3):

* ``[x][i|c|n|s]SPEC[-SPEC | +DURATION]``: ``x`` negates; ``i`` (default) keeps
  a record whose start lies in ``[start, end]`` or whose end lies in
  ``(start, end]`` (a record that spans the whole range is *not* kept, as in
  3.0.8.2); ``c`` keeps records wholly inside the range; ``n``/``s`` keep
  records that span the whole range.
* SPEC: ``[[[yyyy/]mm/]dd.]HH[:MM[:SS[.frac]]]``, ``[yyyy/]mm/dd``,
  ``yyyy/mm``, ``yyyy`` (a year up to the current one), Unix seconds (any
  number above 24 that is not such a year), relative ``%d{yMdhms}`` forms and
  ``-%d{yMdhms}`` (counted from now), ``*`` wildcards.  A lone SPEC covers its
  own granularity (``2023/11`` = that month; Unix seconds alone = one year, as
  3.0.8.2 does).  Dates without a year take the current one; times without a
  date take today.
* the range may also be split over words: ``-t START - END`` and
  ``-t START -END`` (see :func:`join_words`).

Times are local time (``TZ``), as ra's.  Errors raise :class:`TimeRangeError`
(a ``ValueError``) with ra's wording.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

__all__ = ["TimeRange", "TimeRangeError", "join_words", "parse_time_range"]

INTERSECTS = "intersects"
CONTAINS = "contains"
SPANS = "spans"

_YEAR, _MONTH, _DAY, _HOUR, _MIN, _SEC = 1, 2, 3, 4, 5, 6
# wildcard bits (RAWILDCARD*)
_WYEAR, _WMONTH, _WDAY, _WHOUR, _WMIN, _WSEC = 0, 1, 2, 3, 4, 5

_FLOAT = re.compile(r"[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class TimeRangeError(ValueError):
    """A -t argument ra would reject."""


@dataclass
class _Tm:
    """struct tm (year since 1900, month 0-11)."""

    year: int = 0
    mon: int = 0
    mday: int = 0
    hour: int = 0
    min: int = 0
    sec: int = 0
    isdst: int = -1

    def copy_from(self, other: _Tm) -> None:
        self.year, self.mon, self.mday = other.year, other.mon, other.mday
        self.hour, self.min, self.sec, self.isdst = other.hour, other.min, other.sec, other.isdst

    def mktime(self) -> int:
        """C mktime: the seconds, and the fields normalized in place."""
        try:
            t = int(
                time.mktime(
                    (self.year + 1900, self.mon + 1, self.mday, self.hour, self.min, self.sec, 0, 0, self.isdst)
                )
            )
        except (OverflowError, ValueError):
            return -(1 << 40)
        self.set_local(t)
        return t

    def set_local(self, t: int) -> None:
        try:
            st = time.localtime(t)
        except (OverflowError, ValueError, OSError):
            return
        self.year, self.mon, self.mday = st.tm_year - 1900, st.tm_mon - 1, st.tm_mday
        self.hour, self.min, self.sec, self.isdst = st.tm_hour, st.tm_min, st.tm_sec, st.tm_isdst


def _local(t: int) -> _Tm:
    tm = _Tm()
    tm.set_local(t)
    return tm


def _atoi(s: str) -> int:
    m = re.match(r"\s*[+-]?\d+", s)
    return int(m.group(0)) if m else 0


def _strpbrk(s: str, chars: str) -> int:
    for i, c in enumerate(s):
        if c in chars:
            return i
    return -1


@dataclass(frozen=True)
class TimeRange:
    """A parsed ``-t`` range: µs since the epoch, the test and its negation."""

    text: str
    start_us: int
    end_us: int
    strategy: str = INTERSECTS
    negate: bool = False
    #: wildcard fields (bits of RAWILDCARD*) when the range has no explicit date
    wildcards: int = 0

    def _keep(self, start: pl.Expr, last: pl.Expr) -> pl.Expr:
        ps, pl_ = self.start_us, self.end_us
        if self.strategy == CONTAINS:
            keep = (start >= ps) & (last <= pl_)
        elif self.strategy == SPANS:
            keep = (start <= ps) & (last >= pl_)
        else:
            keep = ((start >= ps) & (start <= pl_)) | ((last > ps) & (last <= pl_))
        return ~keep if self.negate else keep

    def mask(self, frame: pl.DataFrame) -> pl.Series:
        """One boolean per row of ``frame`` (columns ``stime``, ``ltime``): is it in the range?"""
        import polars as pl

        start = pl.col("stime").dt.epoch("us")
        last = pl.col("ltime").dt.epoch("us")
        if self.wildcards:
            start = start.map_batches(self._wild, return_dtype=pl.Int64)
            last = last.map_batches(self._wild, return_dtype=pl.Int64)
        return frame.select(self._keep(start, last).fill_null(False).alias("t")).to_series()

    def _wild(self, values: pl.Series) -> pl.Series:
        """ArgusCheckTime's wildcard case: the record's wildcard fields set to their base values."""
        import polars as pl

        out: list[int | None] = []
        for v in values.to_list():
            if v is None:
                out.append(None)
                continue
            sec, frac = divmod(int(v), 1_000_000)
            tm = _local(sec)
            w = self.wildcards
            if w & (1 << _WYEAR):
                tm.year = 70
            if w & (1 << _WMONTH):
                tm.mon = 0
            if w & (1 << _WDAY):
                tm.mday = 1
            if w & (1 << _WHOUR):
                tm.hour = 0
            if w & (1 << _WMIN):
                tm.min = 0
            if w & (1 << _WSEC):
                tm.sec = 0
            out.append(tm.mktime() * 1_000_000 + frac)
        return pl.Series(values.name, out, dtype=pl.Int64)


@dataclass
class _Parser:
    """The parser fields ra's time functions share (RaStartFilter, RaLastFilter, ...)."""

    text: str
    now: int = field(default_factory=lambda: int(time.time()))
    start: _Tm = field(default_factory=_Tm)
    last: _Tm = field(default_factory=_Tm)
    wildcard: int = 0
    explicit: bool = False
    start_us: int = 0
    end_us: int = 0

    def error(self, what: str) -> TimeRangeError:
        return TimeRangeError(what)

    # ArgusCheckTimeFormat
    def check(self, tm: _Tm, text: str) -> int:
        buf = text[:120]
        if _strpbrk(buf, "smhdMy") >= 0:
            self.last.copy_from(tm)
        if buf.startswith("-"):
            buf = "_" + buf[1:]
        at = buf.find("-")
        if at < 0:
            at = buf.find("+")
        startfrac = lastfrac = 0
        retn: int
        if at >= 0:
            mode = buf[at]
            if buf.startswith("_"):
                buf = "-" + buf[1:]
            left, right = buf[:at].rstrip(), buf[at + 1 :].lstrip()
            retn, startfrac = self.parse(self.start, tm, left, " ", startfrac)
            if retn > 0:
                _, lastfrac = self.parse(self.last, self.start, right, mode, lastfrac)
            if retn >= 0:
                retn = 0
        else:
            retn = -1
            if buf:
                if buf.startswith("_"):
                    buf = "-" + buf[1:]
                self.start.copy_from(tm)
                self.last.copy_from(tm)
                retn, startfrac = self.parse(self.start, self.last, buf, " ", startfrac)
                if retn > 0:
                    lastfrac = startfrac
                    if not buf.startswith("-"):
                        self.last.copy_from(self.start)
                        if not buf.endswith("."):
                            if retn == _YEAR:
                                self.last.year += 1
                            elif retn == _MONTH:
                                self.last.mon += 1
                            elif retn == _DAY:
                                self.last.mday += 1
                            elif retn == _HOUR:
                                self.last.hour += 1
                            elif retn == _MIN:
                                self.last.min += 1
                            elif retn == _SEC:
                                self.last.sec += 1
                    else:
                        _, lastfrac = self.parse(self.last, self.start, buf[1:], "+", lastfrac)
                    retn = 0
        if retn == 0:
            s = self.start.mktime()
            e = self.last.mktime()
            if not (e > s or (e == s and lastfrac > startfrac)):
                raise self.error(f"invalid time range startime_t {s}.{startfrac:06d} lasttime_t {e}.{lastfrac:06d}")
            self.start_us = s * 1_000_000 + startfrac
            self.end_us = e * 1_000_000 + lastfrac
        return retn

    # ArgusParseTime
    def parse(self, tm: _Tm, ctm: _Tm, buf: str, mode: str, frac: int) -> tuple[int, int]:
        s = buf[:128]
        retn = 0
        if not s or not (s[0].isdigit() or s[0] in "-*"):
            return -1, frac
        if _strpbrk(s, "yMdhms") >= 0:
            retn, frac = self._relative(tm, ctm, s, mode, frac)
        else:
            retn, frac = self._absolute(tm, ctm, s, frac)
        if not self.wildcard:
            self.explicit = True
        return retn, frac

    def _relative(self, tm: _Tm, ctm: _Tm, s: str, mode: str, frac: int) -> tuple[int, int]:
        retn = 0
        sign = 1
        status = 0
        if mode == " ":
            if tm is not self.last:
                tm.copy_from(ctm)
        else:
            tm.copy_from(ctm)
        thistime = tm.mktime()
        ptr = _strpbrk(s, "yMdhms")
        while ptr >= 0:
            unit = s[ptr]
            wildcard = False
            if s.startswith("*"):
                wildcard = True
                i = float({"y": 1970, "M": 0, "d": 1, "h": 0, "m": 0, "s": 0}[unit])
                bit = {"y": _WYEAR, "M": _WMONTH, "d": _WDAY, "h": _WHOUR, "m": _WMIN, "s": _WSEC}[unit]
                status |= 1 << bit
                self.wildcard = status
            else:
                m = _FLOAT.match(s)
                if m is None:
                    raise self.error(f"time syntax error {self.text}")
                i = float(m.group(0))
            if i >= 0 and mode == " ":
                if unit == "y":
                    tm.year, retn = int(i - 1900), _YEAR
                elif unit == "M":
                    tm.mon, retn = int(i - 1), _MONTH
                elif unit == "d":
                    tm.mday, retn = int(i), _DAY
                elif unit == "h":
                    tm.hour, retn = int(i), _HOUR
                elif unit == "m":
                    tm.min, retn = int(i), _MIN
                else:
                    tm.sec, retn = int(i), _SEC
            else:
                if tm is not self.last:
                    i += 1
                if wildcard:
                    raise self.error(f"time syntax error {self.text}")
                if mode == "-":
                    sign = -1
                if unit == "y":
                    tm.year += int(i * sign)
                    retn = _YEAR
                elif unit == "M":
                    while i > tm.mon:
                        tm.year += sign
                        i -= 12
                    tm.mon += int(i * sign)
                    thistime = tm.mktime()
                    retn = _MONTH
                else:
                    seconds = {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
                    thistime += int(i * seconds * sign)
                    tm.set_local(thistime)
                    retn = {"d": _DAY, "h": _HOUR, "m": _MIN, "s": _SEC}[unit]
            s = s[ptr + 1 :]
            if not s or not (s[0].isdigit() or s[0] == "*"):
                break
            ptr = _strpbrk(s, "yMdhms")
        self._truncate(tm, retn)
        if retn >= 0 and sign < 0:
            saved = _Tm()
            saved.copy_from(ctm)
            ctm.copy_from(tm)
            tm.copy_from(saved)
        return retn, frac

    @staticmethod
    def _truncate(tm: _Tm, retn: int) -> None:
        if retn == _YEAR:
            tm.mon = 0
        if retn in (_YEAR, _MONTH):
            tm.mday = 1
        if retn in (_YEAR, _MONTH, _DAY):
            tm.hour = 0
        if retn in (_YEAR, _MONTH, _DAY, _HOUR):
            tm.min = 0
        if retn in (_YEAR, _MONTH, _DAY, _HOUR, _MIN):
            tm.sec = 0

    def _absolute(self, tm: _Tm, ctm: _Tm, s: str, frac: int) -> tuple[int, int]:
        retn = 0
        status = self.wildcard
        tm.copy_from(ctm)
        hour, mins, sec = tm.hour, tm.min, tm.sec
        tm.mktime()
        hptr: str | None = None
        dptr: str | None = None
        mptr: str | None = None
        yptr: str | None = None
        minptr: str | None = None
        secptr: str | None = None
        dot = s.find(".")
        if dot >= 0:
            if dot != len(s) - 1:
                hptr = s[dot + 1 :]
                s = s[:dot]
                if not (hptr[:1].isdigit() or hptr[:1] == "*"):
                    return -1, frac
            else:
                s = s[:dot]
        slash = s.rfind("/")
        if slash >= 0:
            dptr = s[slash + 1 :]
            s = s[:slash]
            slash2 = s.rfind("/")
            if slash2 >= 0:
                mptr = s[slash2 + 1 :]
                yptr = s[:slash2]
            elif len(s) == 4:
                yptr, mptr, dptr = s, dptr, None
                tm.mday = 1
            else:
                mptr = s
        elif hptr is not None:
            dptr = s
        else:
            value = _atoi(s)
            if 1900 < value <= tm.year + 1900:
                yptr = s
                hour = 0
            else:
                hptr = s

        def digits(part: str, bit: int) -> bool | None:
            """None: not digits; True: a wildcard; False: digits."""
            nonlocal status
            for c in part:
                if c == "*":
                    status |= 1 << bit
                    return True
                if not c.isdigit():
                    return None
            return False

        if yptr is not None:
            if len(yptr) != 4:
                return -1, frac
            w = digits(yptr, _WYEAR)
            if w is None:
                return -1, frac
            tm.year = 70 if w else _atoi(yptr) - 1900
            retn = _YEAR
        if mptr is not None:
            if len(mptr) != 2:
                return -1, frac
            w = digits(mptr, _WMONTH)
            if w is None:
                return -1, frac
            tm.mon = 0 if w else _atoi(mptr) - 1
            retn = _MONTH
        if dptr is not None:
            if len(dptr) != 2:
                return -1, frac
            w = digits(dptr, _WDAY)
            if w is None:
                return -1, frac
            tm.mday = 1 if w else _atoi(dptr)
            retn = _DAY
        if hptr is not None:
            p = hptr.find(".")
            if p >= 0:
                fraction = hptr[p + 1 :]
                ndig = len(fraction) - len(fraction.lstrip("0123456789"))
                scale = 1_000_000.0 / (10**ndig)
                frac = int(_atoi(fraction) * scale)
                hptr = hptr[:p]
            c = hptr.find(":")
            if c >= 0:
                minptr = hptr[c + 1 :]
                hptr = hptr[:c]
                c2 = minptr.find(":")
                if c2 >= 0:
                    secptr = minptr[c2 + 1 :]
                    minptr = minptr[:c2]
            w = digits(hptr, _WHOUR)
            if w is None:
                return -1, frac
            if not w:
                hour = _atoi(hptr)
                if hour < 24:
                    retn = _HOUR
            else:
                hour = 0
            if minptr is not None:
                w = digits(minptr, _WMIN)
                if w is None:
                    return -1, frac
                if not w:
                    mins, retn = _atoi(minptr), _MIN
                else:
                    mins = 0
            if secptr is not None:
                w = digits(secptr, _WSEC)
                if w is None:
                    return -1, frac
                if not w:
                    sec, retn = _atoi(secptr), _SEC
                else:
                    sec = 0
        if retn == _YEAR:
            tm.mon = 0
        if retn in (_YEAR, _MONTH):
            tm.mday = 1
        if retn in (_YEAR, _MONTH, _DAY):
            tm.hour = hour = 0
        if retn in (_YEAR, _MONTH, _DAY, _HOUR):
            tm.min = mins = 0
        if retn in (_YEAR, _MONTH, _DAY, _HOUR, _MIN):
            tm.sec = sec = 0
        if hour > 24:
            # a number that is no hour: Unix seconds (and, as 3.0.8.2, a year's granularity)
            tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec, tm.isdst = 0, 0, 0, 0, 0, 0, -1
            tm.set_local(hour)
            retn = _YEAR
            status = 0
        else:
            tm.hour, tm.min, tm.sec = hour, mins, sec
            if (
                tm.year < 0
                or not 0 <= tm.mon <= 11
                or not 1 <= tm.mday <= 31
                or not 0 <= tm.hour <= 23
                or not 0 <= tm.min <= 60
                or not 0 <= tm.sec <= 60
            ):
                retn = -1
        self.wildcard = status
        if retn >= 0:
            tm.isdst = -1
            tm.mktime()
        return retn, frac


def join_words(arg: str, following: Sequence[str]) -> tuple[str, int]:
    """The -t argument and how many of the ``following`` command-line words it takes (0, 1 or 2).

    As ArgusParseTimeArg: ``-t START - END`` and ``-t START -END`` are one range
    when the -t argument itself has no ``-``/``+`` range.
    """
    body = arg
    if body[:1] == "x":
        body = body[1:]
    plus = body.find("+")
    minus = body.find("-")
    if (plus >= 0 and plus + 1 < len(body)) or (minus >= 0 and minus + 1 < len(body)):
        return arg, 0
    if not following or not following[0].startswith("-"):
        return arg, 0
    nxt = following[0]
    if nxt == "-":
        if len(following) > 1:
            try:
                probe = _Parser(following[1])
                ok = probe.check(_local(probe.now), following[1]) == 0
            except TimeRangeError:
                ok = False
            if ok:
                return f"{arg}-{following[1]}", 2
        return arg, 0
    if nxt[1:2].isdigit():
        return arg + nxt, 1
    return arg, 0


def parse_time_range(text: str, *, now: int | None = None) -> TimeRange:
    """Parse one ``-t`` argument (already joined with :func:`join_words`)."""
    if not text:
        raise TimeRangeError("time syntax error (empty)")
    p = _Parser(text) if now is None else _Parser(text, now=now)
    arg = text
    negate = False
    strategy = INTERSECTS
    offset = 0
    if not arg[0].isdigit():
        if arg[0] == "x":
            negate = True
            arg = arg[1:]
        letter = arg[:1]
        if letter in ("i", "c", "n", "s"):
            strategy = {"i": INTERSECTS, "c": CONTAINS, "n": SPANS, "s": SPANS}[letter]
            offset = 1
    buf = arg[:64]
    tm = _local(p.now)
    if p.check(tm, buf[offset:]) != 0:
        raise TimeRangeError(f"time syntax error {buf}")
    wild = 0 if p.explicit else p.wildcard
    return TimeRange(text, p.start_us, p.end_us, strategy, negate, wild)
