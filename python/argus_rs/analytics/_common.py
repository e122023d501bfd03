"""Shared pieces of the analytics functions: key-list parsing, the source/destination column
pairs, record reversal, and the columns of a flow-record frame."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from argus_rs.io import empty_frame

#: record counters that aggregate by summing
COUNTERS = ["pkts", "spkts", "dpkts", "bytes", "sbytes", "dbytes", "sappbytes", "dappbytes"]

_MAC = r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"

#: how ra's dir string reads when the record is turned around (source <-> destination)
_REVERSED_DIR = {" ->": "<- ", "<- ": " ->", " ?>": "<? ", "<? ": " ?>", "<->": "<->", "<?>": "<?>"}


def schema() -> pl.Schema:
    """The columns of read_argus / scan_argus, in order."""
    return empty_frame().schema


def key_list(keys: str | Iterable[str] | None) -> list[str] | None:
    """``"saddr daddr"``, ``["saddr", "daddr"]`` or ``None`` -> a list of key names (or None)."""
    if keys is None:
        return None
    if isinstance(keys, str):
        return keys.replace(",", " ").split()
    out: list[str] = []
    for k in keys:
        out.extend(k.replace(",", " ").split())
    return out


def pairs(columns: Iterable[str]) -> list[tuple[str, str]]:
    """The (source, destination) column pairs present in `columns` (saddr/daddr, spkts/dpkts, ...)."""
    names = set(columns)
    return [(c, "d" + c[1:]) for c in columns if c.startswith("s") and "d" + c[1:] in names and c != "stime"]


def reversed_columns(columns: list[str], when: pl.Expr) -> list[pl.Expr]:
    """Expressions turning the records where `when` holds around: every s*/d* pair swapped and
    the dir string mirrored, as ra's ArgusReverseRecord does before merging a reversed flow."""
    out: list[pl.Expr] = []
    icmp = pl.col("proto").is_in(["icmp", "ipv6-icmp"]) if "proto" in columns else pl.lit(False)
    ipv6 = (
        pl.col("saddr").str.contains(":") & ~pl.col("saddr").str.contains(_MAC) if "saddr" in columns else pl.lit(False)
    )
    for s, d in pairs(columns):
        if s == "sport":
            # ICMP type/code and id are not ports: a reversed ICMP record keeps them; so does a
            # reversed IPv6 record (3.0.8 turns its addresses around, not its ports)
            turn = when & ~icmp & ~ipv6.fill_null(False)
            out.append(pl.when(turn).then(pl.col(d)).otherwise(pl.col(s)).alias(s))
            out.append(pl.when(turn).then(pl.col(s)).otherwise(pl.col(d)).alias(d))
            continue
        out.append(pl.when(when).then(pl.col(d)).otherwise(pl.col(s)).alias(s))
        out.append(pl.when(when).then(pl.col(s)).otherwise(pl.col(d)).alias(d))
    if "dir" in columns:
        out.append(pl.when(when).then(pl.col("dir").replace(_REVERSED_DIR)).otherwise(pl.col("dir")).alias("dir"))
    return out
