"""Argus 3 record bytes for merged (aggregated) rows, so ``racluster -w`` writes records that
real ``ra`` reads: the group's first record, with the merged times, counters and key, and an
AGR DSR carrying the merge statistics (spec 3.4-3.6).

Only the DSRs the merge changes are rewritten: TIME (absolute range of the group), METRIC
(the summed counters, 64-bit, with application bytes), AGR (inserted after METRIC: count,
and the duration statistics in host order, as 3.0.8.2 clients write them) and, for IPv4 and
IPv6 5-tuple flows, FLOW (the merged addresses with their prefix lengths, protocol and ports).
Every other DSR is the first record's (TCP state, attributes, MACs, ...).

The bytes are built in Rust (``_core.aggregate_records``) from the merged frame's columns.
"""

from __future__ import annotations

import polars as pl

__all__ = ["aggregate_records"]

#: TCP status bits that give each ra state (spec 2.3), or-ed into the merged record's TCP object
_STATE_BITS = {"RST": 0x1000, "FIN": 0x08, "CLO": 0x20, "CON": 0x04, "ACC": 0x02, "REQ": 0x01}
#: how _core.aggregate_records carries the last record's NETWORK DSR over
_NET_KEEP, _NET_TCP, _NET_UDP = 0, 1, 2
_COUNTS = ("spkts", "sbytes", "sappbytes", "dpkts", "dbytes", "dappbytes")
_STATS = ("min", "mean", "stddev", "max")


def _int(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(0, pl.Int64)
    return pl.col(name).cast(pl.Int64, strict=False).fill_null(0)


def _port(name: str) -> pl.Expr:
    """A printed port ("80", ICMP's "0x0800") as a number; 0 when it is none."""
    c = pl.col(name)
    hexa = c.str.strip_prefix("0x").str.to_integer(base=16, strict=False)
    value = pl.when(c.str.starts_with("0x")).then(hexa).otherwise(c.str.to_integer(base=10, strict=False))
    return value.cast(pl.Int64).fill_null(0)


def aggregate_records(
    frame: pl.DataFrame, templates: pl.Series, lasts: pl.Series | None = None, *, agr: bool = True
) -> pl.Series:
    """One record per row of a merged frame (``racluster`` output), made from ``templates``
    (each group's first record bytes; ``lasts``: its last record's, for the TCP state): the
    ``record`` column ``write_argus`` writes.  ``agr=False`` (racluster -M norep): no AGR DSR."""
    from argus_rs import _core
    from argus_rs.analytics.sort import _number

    missing: dict[str, pl.DataType] = {"stime": pl.Datetime("us", "UTC"), "ltime": pl.Datetime("us", "UTC")}
    missing["proto"] = pl.String()
    missing |= dict.fromkeys(("state", "sport", "dport", "saddr", "daddr"), pl.String())
    frame = frame.with_columns(pl.lit(None, t).alias(c) for c, t in missing.items() if c not in frame.columns)
    protos = frame.get_column("proto").unique().to_list()
    numbers = {p: _number(p) for p in protos if p is not None}
    proto = pl.col("proto")
    epoch_us = [pl.col(c).dt.epoch("us").fill_null(0).cast(pl.Int64) for c in ("stime", "ltime")]
    cols = frame.select(
        *epoch_us,
        *(_int(frame, c) for c in _COUNTS),
        _int(frame, "trans"),
        proto.replace_strict(numbers, default=0, return_dtype=pl.Int64).fill_null(0),
        pl.when(proto == "tcp")
        .then(pl.lit(_NET_TCP, pl.Int64))
        .when(proto == "udp")
        .then(pl.lit(_NET_UDP, pl.Int64))
        .otherwise(pl.lit(_NET_KEEP, pl.Int64)),
        pl.col("state").replace_strict(_STATE_BITS, default=0, return_dtype=pl.Int64).fill_null(0),
        _port("sport"),
        _port("dport"),
        *(pl.col(c).cast(pl.Float64, strict=False).fill_null(0.0) for c in _STATS),
        pl.col("saddr").cast(pl.Utf8),
        pl.col("daddr").cast(pl.Utf8),
    )
    series = cols.get_columns()
    ints, floats, (saddr, daddr) = series[:14], series[14:18], series[18:]
    if lasts is None:
        lasts = pl.Series("lasts", [None] * frame.height, dtype=pl.Binary)
    out = _core.aggregate_records(templates, lasts, ints, floats, saddr, daddr, agr)
    # (a Series made from an Arrow array keeps the array's own, empty, name: hence alias)
    return pl.Series("record", out, dtype=pl.Binary).alias("record")
