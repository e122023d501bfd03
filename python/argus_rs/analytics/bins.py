"""rabins: flow records in time bins, each bin aggregated as racluster aggregates (3.0.8.2).

A record that crosses a bin edge is cut into pieces (:mod:`argus_rs.analytics.align`); the
pieces of each bin are merged by the ``-m`` keys (default: the flow key) with
:func:`argus_rs.analytics.racluster`. Bins come out in time order, the groups of a bin in the
order of their first piece.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from argus_rs.analytics._common import key_list
from argus_rs.analytics.align import Side, cut, sides
from argus_rs.analytics.cluster import racluster

#: µs per unit of a bin size (3.0.8's month is 4 weeks and its year 52 weeks)
UNITS = {
    "s": 1_000_000,
    "m": 60_000_000,
    "h": 3_600_000_000,
    "d": 86_400_000_000,
    "w": 7 * 86_400_000_000,
    "M": 28 * 86_400_000_000,
    "y": 364 * 86_400_000_000,
}
_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhdwMy]?)$")

#: separates the bin from the source id while bins are merged
_TAG = "\x1f"

#: the counter columns a piece carries
_PIECE_COLUMNS = [
    *("stime", "ltime", "dur", "pkts", "spkts", "dpkts"),
    *("bytes", "sbytes", "dbytes", "sappbytes", "dappbytes"),
]


def bin_size(text: str) -> int:
    """A bin size as rabins reads it (``30s``, ``1m``, ``2h``, ``1d``; no unit = seconds) in µs."""
    m = _SIZE_RE.match(text.strip())
    if not m:
        raise ValueError(f"bin size {text!r}: expected N[smhdwMy], like 10s or 1m")
    value = float(m.group(1)) * UNITS[m.group(2) or "s"]
    if value < 1:
        raise ValueError(f"bin size {text!r}: must be positive")
    return int(value)


def _epoch(col: str) -> pl.Expr:
    return pl.col(col).dt.epoch("us")


def align_records(frame: pl.DataFrame, size: int, *, hard: bool = False, modify: bool = True) -> pl.DataFrame:
    """The records of ``frame`` cut at the edges of ``size``-µs bins, with a ``bin`` column
    (the bin's start, µs since the epoch), in input order (pieces of a record in time order).

    ``hard``: every piece's times are its bin's edges; ``modify=False`` (rabins ``nomodify``):
    records are not cut, each goes to the bin of its start.
    """
    if frame.height == 0:
        return frame.with_columns(pl.lit(0, pl.Int64).alias("bin")).clear()
    st, lt = _epoch("stime"), _epoch("ltime")
    start_bin = (st // size) * size
    marked = frame.with_row_index("_row").with_columns(
        start_bin.alias("bin"),
        ((lt > start_bin + size) & ((pl.col("spkts") + pl.col("dpkts")) > 1) & pl.lit(modify)).alias("_cross"),
    )
    whole = marked.filter(~pl.col("_cross") & ((pl.col("spkts") + pl.col("dpkts")) > 0))
    if hard:
        whole = whole.with_columns(
            pl.from_epoch(pl.col("bin"), "us").dt.replace_time_zone("UTC").alias("stime"),
            pl.from_epoch(pl.col("bin") + size, "us").dt.replace_time_zone("UTC").alias("ltime"),
            pl.lit(size / 1e6).alias("dur"),
        )
    crossing = marked.filter(pl.col("_cross"))
    parts = [whole]
    if crossing.height:
        names = ("_row", "bin", "stime", "ltime", "sp", "dp", "sb", "db", "sa", "da")
        rows: dict[str, list[int]] = {k: [] for k in names}
        src_cols = crossing.select(
            "_row",
            st.alias("st"),
            lt.alias("lt"),
            "spkts",
            "dpkts",
            "sbytes",
            "dbytes",
            "sappbytes",
            "dappbytes",
        )
        for row, s_t, l_t, sp, dp, sb, db, sa, da in src_cols.iter_rows():
            (a, b), (c, d) = sides(s_t, l_t, sp, dp)
            for p in cut(Side(a, b, sp, sb, sa or 0), Side(c, d, dp, db, da or 0), size, hard=hard):
                for k, v in (
                    ("_row", row),
                    ("bin", p.bin),
                    ("stime", p.stime),
                    ("ltime", p.ltime),
                    ("sp", p.src.pkts),
                    ("dp", p.dst.pkts),
                    ("sb", p.src.bytes),
                    ("db", p.dst.bytes),
                    ("sa", p.src.app),
                    ("da", p.dst.app),
                ):
                    rows[k].append(v)
        pieces = pl.DataFrame(rows, schema=dict.fromkeys(rows, pl.Int64)).with_columns(pl.col("_row").cast(pl.UInt32))
        utc = frame.schema["stime"]
        joined = pieces.join(crossing.drop([c for c in _PIECE_COLUMNS if c in crossing.columns], "bin"), on="_row")
        joined = joined.with_columns(
            pl.from_epoch(pl.col("stime"), "us").cast(utc).alias("stime"),
            pl.from_epoch(pl.col("ltime"), "us").cast(utc).alias("ltime"),
            ((pl.col("ltime") - pl.col("stime")) / 1e6).alias("dur"),
            (pl.col("sp") + pl.col("dp")).cast(pl.UInt64).alias("pkts"),
            pl.col("sp").cast(pl.UInt64).alias("spkts"),
            pl.col("dp").cast(pl.UInt64).alias("dpkts"),
            (pl.col("sb") + pl.col("db")).cast(pl.UInt64).alias("bytes"),
            pl.col("sb").cast(pl.UInt64).alias("sbytes"),
            pl.col("db").cast(pl.UInt64).alias("dbytes"),
            pl.col("sa").cast(pl.UInt64).alias("sappbytes"),
            pl.col("da").cast(pl.UInt64).alias("dappbytes"),
        ).drop("sp", "dp", "sb", "db", "sa", "da")
        parts.append(joined.select(whole.columns))
    out = pl.concat([p.select(whole.columns).cast(whole.schema) for p in parts])
    out = out.with_columns(pl.int_range(pl.len()).alias("_order")).sort(["_row", "_order"])
    return out.drop("_row", "_cross", "_order")


def _has(keys: list[str], *names: str) -> bool:
    return any(k.split("/")[0] in names for k in keys)


def _clear_non_keys_before(pieces: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """rabins keeps no flow field that is not a key (racluster keeps common values): protocol
    and ports are cleared before merging, so a group's state is that of an ``ip`` flow."""
    cleared = []
    if not _has(keys, "proto", "sport", "dport"):
        cleared.append(pl.lit("ip").alias("proto"))
    if not _has(keys, "sport"):
        cleared.append(pl.lit(None, pieces.schema["sport"]).alias("sport"))
    if not _has(keys, "dport"):
        cleared.append(pl.lit(None, pieces.schema["dport"]).alias("dport"))
    return pieces.with_columns(cleared) if cleared else pieces


def _clear_non_keys_after(merged: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Addresses that are not keys print as 0.0.0.0 in rabins' groups."""
    cleared = []
    matrix = _has(keys, "matrix")
    for side in ("saddr", "daddr"):
        if not (matrix or _has(keys, side)):
            cleared.append(pl.lit("0.0.0.0", merged.schema[side]).alias(side))
    return merged.with_columns(cleared) if cleared else merged


def rabins(
    lf: pl.LazyFrame | pl.DataFrame,
    size: str | int = "1m",
    keys: str | Iterable[str] | None = None,
    *,
    hard: bool = False,
    modify: bool = True,
    templates: bool = False,
) -> pl.LazyFrame:
    """Flow records in time bins as ``rabins -M [hard] time SIZE [-m keys]`` makes them.

    ``size``: ``"10s"``, ``"1m"``, ``"1h"`` ... or µs. Records crossing a bin edge are cut
    (counters shared out as 3.0.8 shares them); each bin's pieces are merged by ``keys`` as
    :func:`racluster` merges records. The result has racluster's columns plus ``bin`` (the
    bin's start, a UTC datetime), bins in time order.  ``templates``: ``record`` (and
    ``_record_last``) hold each group's first (last) record bytes, to write the binned records
    from (:func:`argus_rs.analytics.agr_record.aggregate_records`).
    """
    us = bin_size(size) if isinstance(size, str) else int(size)
    frame = lf.collect() if isinstance(lf, pl.LazyFrame) else lf
    # the AGR statistics of a bin are over the durations of the records cut into it (3.0.8.2)
    pieces = align_records(frame.with_columns(pl.col("dur").alias("_agr_dur")), us, hard=hard, modify=modify)
    pieces = pieces.with_columns(pl.col("_agr_dur").alias("dur")).drop("_agr_dur")
    if pieces.height == 0:
        empty = racluster(frame.head(0).drop("record", strict=False), keys).collect()
        return empty.with_columns(pl.lit(None, frame.schema["stime"]).alias("bin")).lazy()
    kl = key_list(keys)
    if kl is not None:
        pieces = _clear_non_keys_before(pieces, kl)
    # one racluster pass for all bins: the bin rides in srcid (a key of every grouping here),
    # so pieces of different bins never merge; srcid is given back afterwards
    stime_type = frame.schema["stime"]
    tagged = pieces.sort("bin", maintain_order=True).with_columns(
        pl.concat_str([pl.col("bin").cast(pl.String), pl.col("srcid").fill_null("")], separator=_TAG).alias("srcid")
    )
    cluster_keys = None if kl is None else (kl if "srcid" in kl or kl == ["none"] else [*kl, "srcid"])
    drop = ["bin"] if templates and "record" in tagged.columns else ["bin", "record"]
    merged = racluster(tagged.drop(drop, strict=False), cluster_keys, templates=templates).collect()
    parts = pl.col("srcid").str.split_exact(_TAG, 1)
    merged = merged.with_columns(
        pl.from_epoch(parts.struct.field("field_0").cast(pl.Int64), "us").cast(stime_type).alias("bin"),
        parts.struct.field("field_1").alias("srcid"),
    )
    if kl is not None:
        merged = _clear_non_keys_after(merged, kl)
    return merged.sort("bin", maintain_order=True).lazy()


__all__ = ["UNITS", "align_records", "bin_size", "rabins"]
