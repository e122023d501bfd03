"""rahisto: the frequency distribution of one record metric, as rahisto 3.0.8.2 reports it.

:func:`histogram` returns the classes as a DataFrame; :func:`rahisto_report` the text rahisto
prints (summary lines, then one line per class). Class ``k`` (1..bins) holds values above
``start + (k-1)*size`` up to ``start + k*size`` (3.0.8 puts a value equal to the range start in
the underflow class and one equal to the range end in the overflow class; both are left out of
the report, as rahisto leaves them out without ``-M outlayer``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import polars as pl

from argus_rs.analytics.cluster import _agr_fold

#: rahisto's metrics and how a record's value is computed
_RATIO = {"meansz": ("bytes", "pkts")}
METRICS = (
    "dur",
    "avgdur",
    "proto",
    "sport",
    "dport",
    "stos",
    "dtos",
    "sttl",
    "dttl",
    *(f"{s}{m}" for s in ("", "s", "d") for m in ("bytes", "appbytes", "pkts", "meansz", "rate", "load")),
)
_SPEC_RE = re.compile(r"^(\d+)([Ll]?)(?::(-?[\d.eE+]+)-(-?[\d.eE+]+))?$")


@dataclass(frozen=True)
class HistoSpec:
    """``-H metric bins[L][:min-max]``."""

    metric: str
    bins: int
    log: bool = False
    start: float | None = None
    end: float | None = None


def parse_spec(metric: str, text: str) -> HistoSpec:
    """rahisto's ``-H`` words; ValueError with the reason for a bad one."""
    if metric not in METRICS:
        raise ValueError(f"-H {metric}: unknown metric (rahisto's: {' '.join(METRICS)})")
    m = _SPEC_RE.match(text)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"-H {metric} {text}: expected BINS[L][:MIN-MAX], like 10:0-100 or 5L:1-100000")
    start = float(m.group(3)) if m.group(3) is not None else None
    end = float(m.group(4)) if m.group(4) is not None else None
    if start is not None and end is not None and end <= start:
        raise ValueError(f"-H {metric} {text}: the range's end must be above its start")
    log = bool(m.group(2))
    if log and start is not None and start <= 0:
        raise ValueError(f"-H {metric} {text}: a logarithmic range must start above 0")
    return HistoSpec(metric, int(m.group(1)), log, start, end)


def metric_values(lf: pl.LazyFrame | pl.DataFrame, metric: str) -> pl.Series:
    """The metric's value for every record (float64), in record order."""
    from argus_rs.analytics.sort import proto_number

    frame = lf.lazy()
    dur = (pl.col("ltime").dt.epoch("us") - pl.col("stime").dt.epoch("us")).cast(pl.Float64) / 1e6
    side = (
        metric[0] if metric[0] in "sd" and metric[1:] in {"bytes", "appbytes", "pkts", "meansz", "rate", "load"} else ""
    )
    base = metric[len(side) :]
    if metric in ("dur", "avgdur"):
        expr = dur.cast(pl.Float32).cast(pl.Float64)  # ra's durations are 32-bit floats
    elif metric == "proto":
        expr = proto_number("proto").cast(pl.Float64)
    elif metric in ("sport", "dport"):
        expr = pl.col(metric).cast(pl.Float64, strict=False).fill_null(0.0)
    elif metric in ("stos", "dtos", "sttl", "dttl"):
        expr = pl.col(metric).cast(pl.Float64).fill_null(0.0)
    elif base in ("bytes", "pkts", "appbytes"):
        expr = pl.col(f"{side}{base}").cast(pl.Float64)
    elif base == "meansz":
        p = pl.col(f"{side}pkts").cast(pl.Float64)
        expr = pl.when(p > 0).then(pl.col(f"{side}bytes").cast(pl.Float64) / p).otherwise(0.0)
    elif base == "rate":
        p = pl.col(f"{side}pkts").cast(pl.Float64)
        expr = pl.when(dur > 0).then((p - 1.0) / dur).otherwise(0.0)
    else:  # load: bits per second
        b = pl.col(f"{side}bytes").cast(pl.Float64)
        expr = pl.when(dur > 0).then(b * 8.0 / dur).otherwise(0.0)
    return frame.select(expr.alias("value")).collect().get_column("value")


def _auto_range(values: list[float], bins: int) -> tuple[float, float]:
    """The range rahisto derives when none is given: from 0 (or the smallest value below 0)
    to the largest value rounded up to a round class size."""
    start = min(0.0, min(values)) if values else 0.0
    top = max(values) if values else 1.0
    width = (top - start) / bins
    cycle = 0
    if width > 0:
        while width < 10.0:
            width *= 10.0
            cycle += 1
    whole = math.floor(width) + (1.0 if width % 1 else 0.0)
    end = whole * bins
    for _ in range(cycle):
        end /= 10.0
    return start, end if end > start else start + bins


def _class_of(value: float, start: float, end: float, size: float, bins: int) -> int:
    """3.0.8's ArgusHistoTallyMetric: 0 = underflow, 1..bins, bins+1 = overflow."""
    if not value > start:
        return 0
    i = int(math.modf((value - start) / size)[1])
    if i > bins:
        i = bins + 1
    if value < end + size:
        i += 1
    return min(i, bins + 1)


def histogram(values: pl.Series, spec: HistoSpec) -> pl.DataFrame:
    """One row per class 1..bins: ``class``, ``start`` (the class's lower edge), ``freq``."""
    vals = [float(v) for v in values.to_list() if v is not None]
    start, end = (
        (spec.start, spec.end) if spec.start is not None and spec.end is not None else _auto_range(vals, spec.bins)
    )
    if spec.log:
        lo, hi = math.log10(start), math.log10(end)
        size = (hi - lo) / spec.bins
        tallied = [_class_of(math.log10(v) if v > 0 else -math.inf, lo, hi, size, spec.bins) for v in vals]
        edges = [10.0 ** (lo + (i - 1) * size) for i in range(1, spec.bins + 1)]
    else:
        size = (end - start) / spec.bins
        tallied = [_class_of(v, start, end, size, spec.bins) for v in vals]
        edges = [start + (i - 1) * size for i in range(1, spec.bins + 1)]
    counts = [0] * (spec.bins + 2)
    for i in tallied:
        counts[i] += 1
    return pl.DataFrame(
        {"class": list(range(1, spec.bins + 1)), "start": edges, "freq": counts[1 : spec.bins + 1]},
        schema={"class": pl.Int64, "start": pl.Float64, "freq": pl.Int64},
    )


def _modes(sorted_values: list[float]) -> list[float]:
    """3.0.8's RaFindModes: the values of the longest runs (at least 2), the last run not counted."""
    found: list[float] = []
    value, count, winner = -1.0, 0, 2
    for v in sorted_values:
        if v == value:
            count += 1
            continue
        if count > winner:
            winner, found = count, [value]
        elif count and count == winner:
            found.append(value)
        value, count = v, 1
    return found


def _range(spec: HistoSpec, vals: list[float]) -> tuple[float, float]:
    if spec.start is not None and spec.end is not None:
        return spec.start, spec.end
    return _auto_range(vals, spec.bins)


def rahisto_report(
    lf: pl.LazyFrame | pl.DataFrame, spec: HistoSpec, *, nozero: bool = False, precision: int = 6
) -> str:
    """The text ``rahisto -H metric spec [-M nozero]`` prints ('' when no value is in range)."""
    values = metric_values(lf, spec.metric)
    vals = [float(v) for v in values.to_list() if v is not None]
    table = histogram(values, spec)
    start, end = _range(spec, vals)
    lo, hi = (math.log10(start), math.log10(end)) if spec.log else (start, end)
    size = (hi - lo) / spec.bins
    # the values of classes 1..bins, in class order (3.0.8 merges the classes' records in order)
    inside = [
        v
        for v in vals
        if 1 <= _class_of(math.log10(v) if spec.log and v > 0 else v, lo, hi, size, spec.bins) <= spec.bins
    ]
    n = len(inside)
    if n == 0:
        return ""
    inside_by_class = sorted(
        inside, key=lambda v: _class_of(math.log10(v) if spec.log and v > 0 else v, lo, hi, size, spec.bins)
    )
    agr = _agr_fold(pl.Series(inside_by_class, dtype=pl.Float64))
    captured = sorted(v for v in vals if start <= v <= end)
    integers = all(v == int(v) for v in captured)
    p = precision
    mean_s, std_s = f"{agr['mean']:.{p}f}", f"{agr['stddev']:.{p}f}"
    count = len(captured)
    if count % 2:
        median = captured[min((count + 1) // 2, count - 1)]
        if integers:
            p = 0
    else:
        k = count // 2 - 1
        median = (captured[k] + captured[k + 1]) / 2.0
    median_s = f"{median:.{p}f}"
    if integers:
        p = 0
    pct_s = f"{captured[int(count * 0.95)]:.{p}f}"
    modes = _modes(captured)
    mode_s = ",".join(f"{m:.0f}" if integers else f"{m:.{p}f}" for m in modes)
    max_s, min_s = f"{max(inside):.{p}f}", f"{min(inside):.{p}f}"
    width = max(len(mean_s), len(median_s), len(pct_s), len(std_s))
    lines = [
        f" N = {n:<6d}  mean = {mean_s:>{width}}  stddev = {std_s:>{width}}  max = {max_s}  min = {min_s}",
        f"           median = {median_s:>{width}}     95% = {pct_s}",
    ]
    if modes:
        width = max(width, len(mode_s))
        lines.append(f"             mode = {mode_s:>{width}}")
    sample = f"{0.0:{precision}.{precision}e} "
    pad = " " * (((len(sample) - len("Interval")) // 4) * 2)
    lines.append(f" Class    {pad}Interval{pad}       Freq    Rel.Freq     Cum.Freq    ")
    rows = table.to_dicts()
    nonzero = [r["class"] for r in rows if r["freq"]]
    first, last = (min(nonzero), max(nonzero)) if nonzero else (0, -1)
    cum = 0.0
    shown = 1
    for r in rows:
        if nozero and (r["freq"] == 0 or not first <= r["class"] <= last):
            continue
        rel = r["freq"] / n
        cum += rel
        edge = f"{r['start']: {precision}.{precision}e}"
        lines.append(f"{shown:6d}   {edge} {r['freq']:10d}   {rel * 100.0:8.4f}%    {cum * 100.0:8.4f}%    ")
        shown += 1
    return "\n".join(lines) + "\n"


__all__ = ["METRICS", "HistoSpec", "histogram", "metric_values", "parse_spec", "rahisto_report"]
