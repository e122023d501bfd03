"""ra 3.0.8.2's ``rtime`` (RelTime) and ``idle`` (IdleTime) fields, as it prints them.

Both come out of ra's print functions with surprising values, reproduced here
because a user comparing outputs sees them (measured against real ra on corpus
records):

* ``rtime`` reads the record's source start time (two 32-bit words) through a
  ``struct timeval`` (two 64-bit words): the "seconds" it subtracts the first
  printed record's start from are ``start_usec << 32 | start_sec`` and the
  "microseconds" ``last_usec << 32 | last_sec``. The difference, in double
  precision, is printed as ``%d`` of its whole part (wrapped to 32 bits) and
  ``.%06u`` of its fraction in microseconds, cut to ``-p`` characters with
  the period counted.
* ``idle`` is the wall clock minus a last-seen time that ra only sets for
  records it queues (never when it prints a file): the current time as a
  single-precision float, ``%.*f``.
"""

from __future__ import annotations

import struct
import time

import polars as pl

_2_32 = 1 << 32
_2_31 = 1 << 31


def _as_double(usec: pl.Expr, sec: pl.Expr) -> pl.Expr:
    """A (sec, usec) pair read as one little-endian 64-bit integer, as a double."""
    return (usec * _2_32 + sec).cast(pl.Float64)


def rtime_text(start_us: pl.Expr, last_us: pl.Expr, base_us: int | pl.Expr, precision: int) -> pl.Expr:
    """The text ra prints for ``rtime`` of records whose source side spans
    ``start_us`` .. ``last_us`` (µs since the epoch), the first printed record
    having started at ``base_us``."""
    start = start_us.cast(pl.Int64)
    last = last_us.cast(pl.Int64)
    million = pl.lit(1_000_000.0, pl.Float64)
    # C: v1 = tv_sec * 1.0 + tv_usec / 1000000.0 (a real division, not a reciprocal product)
    v1 = _as_double(start % 1_000_000, start // 1_000_000) + _as_double(last % 1_000_000, last // 1_000_000) / million
    base = pl.lit(base_us, pl.Int64) if isinstance(base_us, int) else base_us.cast(pl.Int64)
    v2 = (base // 1_000_000).cast(pl.Float64) + (base % 1_000_000).cast(pl.Float64) / million
    diff = v1 - v2
    whole = pl.when(diff < 0).then(diff.ceil()).otherwise(diff.floor())
    frac = diff - whole
    sec = whole.cast(pl.Int64)
    sec32 = (sec + _2_31) % _2_32 - _2_31
    text = sec32.cast(pl.Utf8)
    if precision <= 0:
        return text
    usec = (frac * 1_000_000.0).cast(pl.Int64)  # C's (long) cut toward zero
    usec_u32 = usec % _2_32
    digits = usec_u32.cast(pl.Utf8).str.zfill(6)
    # ptr[pflag] = '\0' on ".%06u": the period is one of the -p characters
    return text + ("." + digits).str.slice(0, precision)


def idle_seconds() -> float:
    """What ra's ``idle`` holds: now, in single precision."""
    now: float = struct.unpack("f", struct.pack("f", time.time()))[0]
    return max(now, 0.0)


__all__ = ["idle_seconds", "rtime_text"]
