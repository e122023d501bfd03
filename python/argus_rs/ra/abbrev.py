"""ra's ``-H``: numbers abbreviated with K, M, G ... (``ArgusAbbreviateMetric``, observed).

The value is divided by 1000 while it is at least 1000, printed ``%.3f``, cut
(not rounded) to ``-p`` fractional digits when ``-p`` is under 3 (``-p 0``
keeps the period), then followed by the unit letter, or a blank below 1000.
"""

from __future__ import annotations

import polars as pl

#: The fields ra 3.0.8.2 abbreviates under -H.
ABBREVIATED = frozenset(
    {
        "pkts",
        "bytes",
        "appbytes",
        "rate",
        "load",
        "tcprtt",
        "synack",
        "ackdat",
        "stcpmax",
        "dtcpmax",
    }
    | {f"{s}{f}" for s in "sd" for f in ("pkts", "bytes", "appbytes", "rate", "load", "meansz", "win", "gap", "dup")}
)

_UNITS = " KMGTPEZY"

#: Digits to render a value with before abbreviating it: enough for the exact
#: value of a single-precision float above 2**-7 (smaller ones print 0.000).
EXACT_DIGITS = 30


def abbreviate_one(text: str | None, precision: int) -> str | None:
    """One value (a number rendered exactly, or blank) as ra's -H prints it."""
    if text is None or not text.strip():
        return text
    value = float(text)
    unit = 0
    while value >= 1000.0 and unit < len(_UNITS) - 1:
        value /= 1000.0
        unit += 1
    shown = f"{value:.3f}"  # correctly rounded, as glibc's %.3f
    if precision < 3:
        whole, frac = shown.split(".")
        shown = f"{whole}.{frac[:precision]}"
    return shown + _UNITS[unit]


def abbreviate(text: pl.Expr, precision: int) -> pl.Expr:
    """``text`` (numbers rendered exactly, or blank) abbreviated as ra's -H."""
    return text.map_batches(
        lambda s: pl.Series([abbreviate_one(v, precision) for v in s.to_list()], dtype=pl.Utf8),
        return_dtype=pl.Utf8,
    )


__all__ = ["ABBREVIATED", "EXACT_DIGITS", "abbreviate", "abbreviate_one"]
