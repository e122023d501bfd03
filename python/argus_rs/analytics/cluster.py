"""racluster: merge flow records that share a key, as Argus 3.0.8's racluster does.

``racluster(lf)`` merges the status records of each flow (key = flow key + srcid, with the
reversed key looked up too: ``-M correct``); ``racluster(lf, "saddr daddr")`` aggregates by an
``-m`` key list.  The result has the columns of :func:`argus_rs.read_argus` (``record`` is null:
an aggregated flow has no record bytes of its own yet) plus ``trans`` (records merged) and the
AGR statistics of the record durations, ``mean``, ``min``, ``max``, ``stddev`` and ``sum``.
"""

from __future__ import annotations

import array
import math
import re
import struct
from collections.abc import Iterable

import polars as pl

from argus_rs.analytics import _addr, cluster_kernel
from argus_rs.analytics._common import COUNTERS, key_list, reversed_columns

__all__ = ["CLUSTER_KEYS", "racluster"]

#: -m key names racluster accepts, and the columns they group by (saddr/daddr/matrix take /len)
CLUSTER_KEYS: dict[str, list[str]] = {
    "srcid": ["srcid"],
    "smac": ["smac"],
    "dmac": ["dmac"],
    "svlan": ["svid"],
    "dvlan": ["dvid"],
    "svid": ["svid"],
    "dvid": ["dvid"],
    "smpls": ["smpls"],
    "dmpls": ["dmpls"],
    "saddr": ["saddr"],
    "daddr": ["daddr"],
    "proto": ["_ipproto"],
    "sport": ["_ipproto", "_ksport"],
    "dport": ["_ipproto", "_kdport"],
    "stos": ["stos"],
    "dtos": ["dtos"],
    "sttl": ["sttl"],
    "dttl": ["dttl"],
}
# not offered: stcpb/dtcpb (3.0.8.2 groups by them in a way not understood yet), inode, sco/dco,
# sas/das/ias, soui/doui

#: ra's TCP states, strongest first: the merged TCP status bits are or-ed, and ra prints the
#: strongest state the or-ed bits give (RST, then FIN, CLO, TIM, CON, ACC, REQ)
_TCP_STATES = ["RST", "FIN", "CLO", "TIM", "CON", "ACC", "REQ"]

_FLAG_WIDTH = 9

#: names ra prints for UDP flows it recognises as something more (the key is the IP protocol)
_UDP_KINDS = ["udp", "rtp", "rtcp", "udt"]
_IP_PROTO = pl.col("proto").replace(dict.fromkeys(_UDP_KINDS, "udp"))

_KEY_RE = re.compile(r"^(saddr|daddr|matrix)(?:/(\d+))?$")


#: flag marks whose presence in any merged record decides a position (TCP status positions)
_FLAG_MARKS = {3: "Rsd*g&ir", 4: "@SD", 5: "Ext"}


def _mark(i: int, m: str) -> pl.Expr:
    return pl.col(f"_f{i}_{ord(m)}")


def _both(i: int, both: str, src: str, dst: str, otherwise: pl.Expr) -> pl.Expr:
    """A source/destination flag position: both marks (or the both-mark) -> `both`."""
    return (
        pl.when(_mark(i, both) | (_mark(i, src) & _mark(i, dst)))
        .then(pl.lit(both))
        .when(_mark(i, src))
        .then(pl.lit(src))
        .when(_mark(i, dst))
        .then(pl.lit(dst))
        .otherwise(otherwise)
    )


def _flag_value(proto_mixed: pl.Expr) -> pl.Expr:
    """Merged flags: each position keeps what any record showed, as the or-ed status bits of the
    merged record print: a source and a destination mark become the both-directions mark
    (s + d = *, i + r = &, S + D = @, x + t = E); in position 4 port reuse (R) beats
    retransmission, which beats gaps (g), which beat out-of-order; several encapsulations = *.
    The TCP positions (4-6) are blank when the merged protocol is no longer TCP (mixed)."""
    chars: list[pl.Expr] = []
    for i in range(_FLAG_WIDTH):
        lo_code, hi_code = pl.col(f"_f{i}lo"), pl.col(f"_f{i}hi")
        lo = lo_code.replace_strict(_CHR, default=None, return_dtype=pl.Utf8)
        hi = hi_code.replace_strict(_CHR, default=None, return_dtype=pl.Utf8)
        generic = pl.when(lo.is_null()).then(pl.lit(" ")).when(lo == hi).then(lo).otherwise(pl.lit("*"))
        if i == 3:
            value = (
                pl.when(_mark(3, "R"))
                .then(pl.lit("R"))
                .otherwise(
                    _both(
                        3,
                        "*",
                        "s",
                        "d",
                        pl.when(_mark(3, "g") | pl.col("_gap"))
                        .then(pl.lit("g"))
                        .otherwise(_both(3, "&", "i", "r", generic)),
                    )
                )
            )
        elif i == 4:
            value = _both(4, "@", "S", "D", generic)
        elif i == 5:
            value = _both(5, "E", "x", "t", generic)
        else:
            value = generic
        if i in (3, 4, 5):
            value = pl.when(proto_mixed).then(pl.lit(" ")).otherwise(value)
        chars.append(value)
    return pl.concat_str(chars).alias("flgs")


def _f32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


def _agr_fold(durations: pl.Series) -> dict[str, float]:
    """Mean and standard deviation of a group's durations as 3.0.8 accumulates them record by
    record in the AGR DSR's 32-bit floats (with its sum-of-squares shortcut when the deviation
    so far is 0)."""
    values = array.array("f", [v for v in durations.to_list() if v is not None]).tolist()
    if not values:
        return {"mean": 0.0, "stddev": 0.0}
    # storing into a 32-bit array rounds as a C float does (faster than struct round trips)
    f32 = array.array("f", [0.0, 0.0])
    sqrt = math.sqrt
    mean, stdev, n = values[0], 0.0, 1
    for v in values[1:]:
        total = mean * n + v
        ss = n * (stdev * stdev + mean * mean) if stdev != 0 else mean * mean
        ss += v * v
        n += 1
        f32[0] = total / n
        mean = f32[0]
        f32[1] = sqrt(abs(ss / n - mean * mean))
        stdev = f32[1]
    return {"mean": mean, "stddev": stdev}


#: group sizes whose AGR statistics are stepped with polars expressions (each bucket only over
#: its own groups: singletons need no step); larger groups are folded in Python
_AGR_BUCKETS = [(1, 1), (2, 16)]
_AGR_DTYPE = pl.Struct({"mean": pl.Float64, "stddev": pl.Float64})


def _agr_fold_lists(lists: pl.Series) -> pl.Series:
    return pl.Series([_agr_fold(pl.Series(v, dtype=pl.Float64)) for v in lists.to_list()], dtype=_AGR_DTYPE)


def _f32e(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Float32).cast(pl.Float64)


def _agr_stats() -> list[pl.Expr]:
    """The AGR statistics of the merged records' durations (racluster's default metric); mean
    and stddev are finished by `_agr_finish` from the list of durations."""
    dur = pl.col("dur")
    f32 = pl.Float32
    return [
        dur.alias("_durs"),
        dur.min().cast(f32).cast(pl.Float64).alias("min"),
        dur.max().cast(f32).cast(pl.Float64).alias("max"),
        dur.sum().alias("sum"),
    ]


#: the AGR columns of aggregated records (racluster's own output read back, or a chunk's)
AGR_COLUMNS = ("trans", "mean", "min", "max", "stddev")


def _agr_combine() -> list[pl.Expr]:
    """Aggregated input (rows that already hold ``trans`` records' statistics): min of the
    minima, max of the maxima, and the count-weighted sums the mean and deviation come from."""
    n = pl.col("trans").cast(pl.Float64)
    mean, sd = pl.col("mean").cast(pl.Float64), pl.col("stddev").cast(pl.Float64)
    return [
        pl.col("min").min().alias("min"),
        pl.col("max").max().alias("max"),
        (mean * n).sum().alias("sum"),
        (n * (sd * sd + mean * mean)).sum().alias("_sumsq"),
    ]


def _agr_combine_finish(out: pl.LazyFrame) -> pl.LazyFrame:
    n = pl.col("trans").cast(pl.Float64)
    mean = pl.when(n > 0).then(pl.col("sum") / n).otherwise(0.0)
    out = out.with_columns(_f32e(mean).alias("mean"))
    var = pl.when(n > 0).then(pl.col("_sumsq") / n - pl.col("mean") * pl.col("mean")).otherwise(0.0)
    return out.with_columns(_f32e(var.abs().sqrt()).alias("stddev")).drop("_sumsq")


def _agr_finish(out: pl.LazyFrame) -> pl.LazyFrame:
    """mean and stddev as 3.0.8 accumulates them: groups up to 16 records step by step (all
    groups of a size bucket at once, as polars expressions), the few larger ones by `_agr_fold`."""
    n = pl.col("_durs").list.len()
    parts = []
    for lo, hi in _AGR_BUCKETS:
        part = out.filter((n >= lo) & (n <= hi)).with_columns(
            _f32e(pl.col("_durs").list.first()).alias("mean"), pl.lit(0.0).alias("stddev")
        )
        for k in range(1, hi):
            m, sd = pl.col("mean"), pl.col("stddev")
            v = _f32e(pl.col("_durs").list.get(k, null_on_oob=True))
            total = m * k + v
            ss = pl.when(sd != 0).then(k * (sd * sd + m * m)).otherwise(m * m) + v * v
            mean = _f32e(total / (k + 1))
            stdev = _f32e(((ss / (k + 1)) - mean * mean).abs().sqrt())
            active = n > k
            part = part.with_columns(
                pl.when(active).then(mean).otherwise(m).alias("mean"),
                pl.when(active).then(stdev).otherwise(sd).alias("stddev"),
            )
        parts.append(part)
    big = out.filter(n > _AGR_BUCKETS[-1][1]).with_columns(
        pl.col("_durs").map_batches(_agr_fold_lists, return_dtype=_AGR_DTYPE).alias("_agr")
    )
    big = big.with_columns(
        pl.col("_agr").struct.field("mean").alias("mean"), pl.col("_agr").struct.field("stddev").alias("stddev")
    ).drop("_agr")
    return pl.concat([*parts, big], how="vertical_relaxed")


_RANK = {s: i for i, s in enumerate(_TCP_STATES)}
_REQ_RANK = _RANK["REQ"]


def _row_columns() -> list[pl.Expr]:
    """Per-record helper columns computed before grouping, so that every aggregation is one
    of polars' fast per-group reductions (min, max, sum, any, first, last)."""
    state, proto = pl.col("state"), pl.col("proto")
    tcp = proto == "tcp"
    full = tcp & (state != "REQ")  # a full TCP object (not a SYN-only TCP_INIT one)
    rank = state.replace_strict(_RANK, default=99, return_dtype=pl.Int32)
    conn = pl.concat_str([pl.col(c).fill_null("") for c in ("saddr", "sport", "daddr", "dport")], separator="|")
    # connections whose sequence numbers both ways are known (packets both ways): two of them
    # merged leave the gap ra prints as g
    seq_known = full & (pl.col("spkts") > 0) & (pl.col("dpkts") > 0)
    out = [
        pl.when(tcp).then(rank).alias("_tcp_rank"),
        # the last full TCP record's rank: the largest (index, rank) pair
        pl.when(full).then(pl.col("_idx").cast(pl.Int64) * 128 + rank).alias("_full_key"),
        pl.when(tcp & (state == "REQ")).then(pl.col("_idx")).alias("_req_idx"),
        pl.when(tcp).then(pl.col("_idx")).alias("_tcp_idx"),
        pl.when(tcp & (state == "REQ")).then(pl.col("_idx")).alias("_tcp_req_idx"),
        pl.when(seq_known).then(conn).alias("_conn"),
        (pl.col("dir").str.slice(1, 1) == "-").alias("_synrow"),
        proto.is_in(["arp", "rarp"]).alias("_arprow"),
        (proto == "rarp").alias("_rarprow"),
        _IP_PROTO.alias("_ipp"),
        pl.concat_str([pl.col("sport").fill_null(""), pl.col("dport").fill_null("")]).alias("_pp"),
    ]
    out += [_hashed(c) for c in ("proto", "state", "sport", "dport", "saddr", "daddr")]
    for i in range(_FLAG_WIDTH):
        ch = pl.col("flgs").str.slice(i, 1)
        out.append(
            pl.when(ch != " ").then(ch).replace_strict(_ORD, default=None, return_dtype=pl.UInt8).alias(f"_c{i}")
        )
        out += [(ch == m).alias(f"_f{i}_{ord(m)}") for m in _FLAG_MARKS.get(i, "")]
    return out


#: printable ASCII <-> code, for reducing flag characters as numbers
_ORD = {chr(c): c for c in range(32, 127)}
_CHR = {c: chr(c) for c in range(32, 127)}


def _hashed(col: str) -> pl.Expr:
    """`col` as a 64-bit hash (null stays null): equal values, equal hashes, and numbers reduce
    per group far faster than strings."""
    c = pl.col(col)
    return pl.when(c.is_not_null()).then(c.hash(seed=7)).alias(f"_h{col}")


def _span(col: str) -> list[pl.Expr]:
    """Smallest and largest hash of `col` in the group (they differ iff the group's non-null
    values do); needs the `_hashed(col)` row column."""
    h = pl.col(f"_h{col}")
    return [h.min().alias(f"_{col}_lo"), h.max().alias(f"_{col}_hi")]


def _differ(col: str) -> pl.Expr:
    return pl.col(f"_{col}_lo") != pl.col(f"_{col}_hi")


def _group_aggs() -> list[pl.Expr]:
    out = [
        pl.col("_tcp_rank").min().alias("_tcp_rank_min"),
        pl.col("_full_key").max().alias("_full_key_last"),
        pl.col("_req_idx").max().alias("_req_idx_last"),
        pl.col("_tcp_idx").min().alias("_tcp_idx_first"),
        pl.col("_tcp_req_idx").min().alias("_tcp_req_idx_first"),
        *_span("_conn"),
        pl.col("_synrow").any().alias("_syn"),
        pl.col("_arprow").any().alias("_arp"),
        pl.col("_rarprow").any().alias("_rarp"),
        *_span("_ipp"),
        *_span("_pp"),
        *_span("proto"),
        *_span("state"),
        *_span("_fam"),
    ]
    for i in range(_FLAG_WIDTH):
        out += [pl.col(f"_c{i}").min().alias(f"_f{i}lo"), pl.col(f"_c{i}").max().alias(f"_f{i}hi")]
        out += [pl.col(f"_f{i}_{ord(m)}").any() for m in _FLAG_MARKS.get(i, "")]
    return out


def _tcp_state_value() -> pl.Expr:
    """The strongest TCP state the merged status bits give (as a rank).  3.0.8 ors the status
    bits of the records into the first one's TCP object, except that while that object is a
    TCP_INIT one (a SYN-only record: state REQ) a later full TCP object replaces it: the
    statuses before the last full record of such a group are lost."""
    last_full = (pl.col("_full_key_last") % 128).cast(pl.Int32)
    req_after = pl.col("_req_idx_last").cast(pl.Int64) > pl.col("_full_key_last") // 128
    tail = (
        pl.when(last_full.is_null())
        .then(pl.col("_tcp_rank_min"))
        .when(req_after)
        .then(pl.min_horizontal(last_full, pl.lit(_REQ_RANK)))
        .otherwise(last_full)
    )
    return pl.when(_first_tcp_is_req()).then(tail).otherwise(pl.col("_tcp_rank_min"))


def _first_tcp_is_req() -> pl.Expr:
    return (pl.col("_tcp_idx_first") == pl.col("_tcp_req_idx_first")).fill_null(False)


def _gap_value() -> pl.Expr:
    """Whether the group merges two or more different TCP connections into a full TCP object:
    their sequence numbers then leave a gap ra shows as ``g`` (the merged object keeps the
    first one's sequence base); not when the first TCP record is SYN-only (a TCP_INIT object,
    which later objects replace); ra prints g for IPv4 TCP only."""
    first_full = ~_first_tcp_is_req()
    return ((pl.col("_fam_first") == 1) & first_full & _differ("_conn")).fill_null(False)


def _key_exprs(keys: list[str], columns: list[str]) -> tuple[list[pl.Expr], list[str], pl.Expr | None]:
    """Group expressions for an -m list, the names of the key columns they replace (kept as the
    group's value), and for ``matrix`` the condition under which a record is turned around."""
    exprs: list[pl.Expr] = []
    keep: list[str] = []
    swap: pl.Expr | None = None
    for k in keys:
        m = _KEY_RE.match(k)
        if m:
            name, bits = m.group(1), m.group(2)
            if name == "matrix":
                # the pair is keyed smaller address first; IP flows only (ARP flows keep their
                # orientation); IPv6 addresses compare as 3.0.8 does, word by word read as
                # little-endian integers
                ip = ~pl.col("proto").is_in(["arp", "rarp"])
                v4s, v4d = _addr.v4_int("saddr"), _addr.v4_int("daddr")
                v6s, v6d = _addr.v6_matrix_key("saddr"), _addr.v6_matrix_key("daddr")
                swap = ip & pl.when(v4s.is_not_null() & v4d.is_not_null()).then(v4s > v4d).otherwise(v6s > v6d)
                swap = swap.fill_null(False)
                for col in ("saddr", "daddr"):
                    e = _addr.masked(col, int(bits)) if bits else pl.col(col)
                    exprs.append(e.alias(col))
                    keep.append(col)
            else:
                e = _addr.masked(name, int(bits)) if bits else pl.col(name)
                # ARP flows are not masked (3.0.8 applies the CIDR length to IP flows only)
                e = pl.when(pl.col("proto").is_in(["arp", "rarp"])).then(pl.col(name)).otherwise(e)
                exprs.append(e.alias(name))
                keep.append(name)
            continue
        if k not in CLUSTER_KEYS:
            raise ValueError(f"racluster: unknown -m key {k!r}")
        for col in CLUSTER_KEYS[k]:
            if col not in keep:
                if col == "_ipproto":
                    exprs.append(_IP_PROTO.alias(col))
                elif col in ("_ksport", "_kdport"):
                    # a port key: the port of TCP/UDP flows; other flows have none (one group)
                    port = pl.col(col[2:])
                    exprs.append(pl.when(_IP_PROTO.is_in(["tcp", "udp"])).then(port).alias(col))
                else:
                    exprs.append(pl.col(col))
                keep.append(col)
    return exprs, keep, swap


def racluster(
    lf: pl.LazyFrame | pl.DataFrame,
    keys: str | Iterable[str] | None = None,
    *,
    correct: bool | None = None,
    rmon: bool = False,
    rmon_rows: bool = False,
    templates: bool = False,
) -> pl.LazyFrame:
    """Aggregate flow records as ``racluster [-m keys] [-M correct|nocorrect] [-M rmon]`` does.

    ``keys=None`` (racluster's default) merges records of one flow: same proto, addresses,
    ports and srcid; with ``correct`` (the default then) a record of the reversed flow is
    turned around and merged too.  ``keys`` is an ``-m`` list: ``"saddr daddr"``,
    ``"proto"``, ``"saddr/24"``, ``"matrix"``, ``"srcid"``, ``"none"`` (no merging: every record
    is its own group, as 3.0.8 does), ...  Non-key fields are reduced as racluster reduces them:
    addresses to the bits all merged records share, protocol and ports to 0 when they differ.
    Output order: groups in order of their first record.

    ``rmon`` (``-M rmon``, e.g. with ``"saddr"``: per-host totals) counts every record twice,
    as it is and turned around (source and destination swapped), so that each host's group
    holds its outgoing (``spkts``, ``sbytes``) and incoming (``dpkts``, ``dbytes``) traffic.
    ``rmon_rows``: the input is rmon's output already (merged again, e.g. chunk by chunk):
    not doubled again, but one-way states kept as rmon keeps them.
    ``templates``: ``record`` holds each group's first record bytes (to write the merged
    records from: :func:`argus_rs.analytics.agr_record.aggregate_records`), else null.
    """
    if isinstance(lf, pl.DataFrame) and cluster_kernel.kernel_applies(lf.columns, keys, rmon=rmon, rmon_rows=rmon_rows):
        # the default key (or the 5-tuple) on plain records: merged in one Rust pass
        try:
            merged = cluster_kernel.merge(
                [lf],
                correct=correct is not False,
                templates=templates and "record" in lf.columns,
                five=cluster_kernel.is_five_tuple(keys),
            )
        except ValueError:
            merged = None  # a column of another type than the readers': polars merges it
        if merged is not None:
            return merged.lazy()
    lf = lf.lazy()
    columns = lf.collect_schema().names()
    if rmon:
        lf = _rmon_records(lf, columns)
    kl = key_list(keys)
    kind = (
        pl.when(pl.col("proto") == "arp")
        .then(pl.lit("arp"))
        .when(pl.col("proto") == "rarp")
        .then(pl.lit("rarp"))
        .otherwise(pl.lit("ip"))
        .alias("_kind")
    )
    if correct is None:
        correct = kl is None
    has_trans = "trans" in columns
    lf = lf.with_row_index("_idx") if not rmon else lf
    fam = _addr.family("saddr").alias("_fam")
    lf = lf.with_columns(fam)

    if kl is None:
        group = ["_fam", "proto", "saddr", "sport", "daddr", "dport", "srcid"]
        keep = ["proto", "saddr", "sport", "daddr", "dport", "srcid"]
        if correct:
            s = pl.concat_str([pl.col("saddr"), pl.col("sport").fill_null("")], separator="|")
            d = pl.concat_str([pl.col("daddr"), pl.col("dport").fill_null("")], separator="|")
            lf = lf.with_columns(
                pl.min_horizontal(s, d).alias("_ca"), pl.max_horizontal(s, d).alias("_cb"), s.alias("_s")
            )
            # the orientation of the first record of the unordered flow (hashed: windows over
            # one integer key are far faster than over strings; rows are in input order)
            cgroup = ["_fam", "proto", "srcid", "_ca", "_cb"]
            lf = lf.with_columns(pl.struct(cgroup).hash(seed=7).alias("_ck"), pl.col("_s").hash(seed=7).alias("_sh"))
            first_s = pl.col("_sh").first().over("_ck")
            lf = lf.with_columns(reversed_columns(columns, pl.col("_sh") != first_s))
        group_exprs = [pl.col(c) for c in group]
    elif kl == ["none"]:
        # 3.0.8 does not merge with -m none: every record stands alone
        one = pl.lit(1, pl.UInt32)
        single = [
            (pl.col("trans") if has_trans else one).alias("trans"),
            pl.col("dur").alias("mean"),
            pl.col("dur").alias("min"),
            pl.col("dur").alias("max"),
            pl.lit(0.0).alias("stddev"),
            pl.col("dur").alias("sum"),
        ]
        return lf.with_columns(single).drop("_idx", "_fam")
    else:
        exprs, keep, swap = _key_exprs(kl, columns)
        if swap is not None:
            # the matrix key turns the record around (IPv6 records keep their ports)
            lf = lf.with_columns(reversed_columns(columns, swap))
        # address keys keep ARP flows apart from IP flows (other keys merge them)
        by_address = any(_KEY_RE.match(k) for k in kl)
        group_exprs = [kind, *exprs] if by_address else exprs

    return _aggregate(
        lf,
        group_exprs,
        keep,
        columns,
        has_trans,
        keep_state=rmon or rmon_rows,
        templates=templates and "record" in columns,
    )


def _rmon_records(lf: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Each record followed by itself turned around (the order 3.0.8's rmon mode merges them)."""
    base = lf.with_row_index("_i").with_columns((pl.col("_i") * 2).alias("_idx"))
    turned = base.with_columns(reversed_columns(columns, pl.lit(True))).with_columns(
        (pl.col("_i") * 2 + 1).alias("_idx")
    )
    return pl.concat([base, turned]).sort("_idx").drop("_i")


def _aggregate(
    lf: pl.LazyFrame,
    group_exprs: list[pl.Expr],
    keep: list[str],
    columns: list[str],
    has_trans: bool,
    *,
    keep_state: bool = False,
    templates: bool = False,
) -> pl.LazyFrame:
    # records that are aggregates already (read back from racluster, or merged chunk by chunk)
    combine = has_trans and set(AGR_COLUMNS) <= set(columns)
    lf = lf.with_columns(_row_columns())
    lf = lf.with_columns(_hashed(c) for c in ("_conn", "_ipp", "_pp", "_fam"))
    aggs: list[pl.Expr] = [
        pl.col("_idx").min().alias("_first"),
        pl.col("stime").min(),
        pl.col("ltime").max(),
        *(pl.col(c).sum() for c in COUNTERS if c in columns),
        (pl.col("trans").sum() if has_trans else pl.len()).cast(pl.UInt32).alias("trans"),
        *(_agr_combine() if combine else _agr_stats()),
        pl.col("_idx").max().alias("_last"),
        *_group_aggs(),
    ]
    # first-record values: joined back by the group's first index (polars' first/last
    # reductions are slow per group; a join is not)
    firsts = {"proto": "_proto_first", "state": "_state_first", "cause": "_cause_first", "_fam": "_fam_first"}
    if templates:
        firsts["record"] = "_record_first"
    for port in ("sport", "dport"):
        if port not in keep:
            aggs += _span(port)
            firsts[port] = f"_{port}_first"
    for a in ("saddr", "daddr"):
        if a not in keep:
            lf = lf.with_columns(_addr.common_prefix_rows(a))
            aggs += [*_addr.common_prefix_aggs(a), *_span(a)]
            firsts[a] = f"_{a}_first"
    skip = set(keep) | set(COUNTERS) | {"stime", "ltime", "dur", "flgs", "trans", "record", "state", "dir", "proto"}
    skip |= {"sport", "dport", "saddr", "daddr", "_idx", "_fam", "_ipproto", *AGR_COLUMNS, "sum"}
    lasts: list[str] = []
    for c in columns:
        if c in skip:
            continue
        if c in ("seq", "srcid"):
            firsts[c] = c  # the first record's
        elif c != "cause":
            lasts.append(c)  # the last record's

    lf = lf.cache()  # read once: the groups and the first/last record values below share it
    grouped = lf.group_by(group_exprs).agg(aggs)
    # ordered by _first at the end
    out = _agr_combine_finish(grouped) if combine else _agr_finish(grouped.cache())
    first_rows = lf.select(pl.col("_idx").alias("_first"), *(pl.col(c).alias(a) for c, a in firsts.items()))
    out = out.join(first_rows, on="_first", how="left")
    if "cause" in columns and "cause" not in keep:
        out = out.with_columns(pl.col("_cause_first").alias("cause"))
    last_exprs: list[pl.Expr] = [pl.col(c) for c in lasts]
    if templates and "_record_last" not in columns:
        last_exprs.append(pl.col("record").alias("_record_last"))  # its TCP state, for -w
    if last_exprs:
        last_rows = lf.select(pl.col("_idx").alias("_last"), *last_exprs)
        out = out.join(last_rows, on="_last", how="left")
    out = out.with_columns(_gap_value().alias("_gap"), _tcp_state_value().alias("_tcp_state"))

    fixes: list[pl.Expr] = [((pl.col("ltime") - pl.col("stime")).dt.total_microseconds() / 1e6).alias("dur")]
    proto_mixed = _differ("_ipp")
    fixes.append(
        pl.when(proto_mixed)
        .then(pl.lit("ip"))
        .when(_differ("proto"))
        .then(pl.lit("udp"))
        .otherwise(pl.col("_proto_first"))
        .alias("proto")
    )
    for port in ("sport", "dport"):
        if port not in keep:
            fixes.append(
                pl.when(proto_mixed)
                .then(pl.lit(None, pl.Utf8))
                .when(_differ(port) & (pl.col("_proto_first") == "icmp"))
                .then(pl.lit("0x0000"))
                .when(_differ(port))
                .then(pl.lit("0"))
                .otherwise(pl.col(f"_{port}_first"))
                .alias(port)
            )
    for a in ("saddr", "daddr"):
        if a not in keep:
            # records of different flow kinds (IPv4, IPv6, ARP) merged: the address is zeroed
            # ARP addresses that differ are zeroed, not reduced to a common prefix
            mixed = _differ("_fam") | _differ("_ipp") & pl.col("_arp") | pl.col("_arp") & _differ(a)
            zero = pl.when(pl.col("_fam_first") == 2).then(pl.lit("::")).otherwise(pl.lit("0.0.0.0"))
            fixes.append(pl.when(mixed).then(zero).otherwise(_addr.common_prefix_value(a)).alias(a))
    fixes.append(_flag_value(proto_mixed))
    out = out.with_columns(fixes)
    proto = pl.col("proto")
    tcp = proto == "tcp"
    both = (pl.col("spkts") > 0) & (pl.col("dpkts") > 0)
    src_only = pl.col("spkts") > 0
    one_way = (
        pl.when(both)
        .then(pl.lit("CON"))
        .when(src_only & pl.col("_cause_first").is_in(["Start", "Stop", "Close", "Closed", "Flush"]))
        .then(pl.lit("INT"))
        .when(src_only)
        .then(pl.lit("REQ"))
        .otherwise(pl.lit("RSP"))
    )
    tcp_state = (
        pl.when(pl.col("_tcp_state") < len(_TCP_STATES))
        .then(pl.col("_tcp_state").replace_strict(dict(enumerate(_TCP_STATES)), return_dtype=pl.Utf8, default=None))
        .otherwise(pl.when(both).then(pl.lit("CON")).otherwise(pl.lit("INT")))
    )
    state = (
        pl.when(tcp)
        .then(pl.when(~_differ("state")).then(pl.col("_state_first")).otherwise(tcp_state))
        .when((proto == "ipv6-icmp") & _differ("_pp"))
        .then(pl.lit("UNK"))  # merged ICMPv6 types/codes differ: the zeroed type prints UNK
        .when((proto == "icmp") & (_differ("sport") if "sport" not in keep else pl.lit(False)))
        .then(pl.lit("ECR"))  # merged ICMP types/codes differ: the zeroed type 0 is an echo reply
        .when(
            proto.is_in(["icmp", "ipv6-icmp", "igmp"])
            | pl.col("_state_first").is_in(["STA", "ERR"])
            # rmon: a one-way record turned around keeps its state (INT, not RSP)
            | (pl.lit(keep_state) & ~both)
        )
        .then(pl.col("_state_first"))
        .otherwise(one_way)
    )
    arrows = pl.concat_str(
        [
            pl.when(pl.col("dpkts") > 0).then(pl.lit("<")).otherwise(pl.lit(" ")),
            pl.when(tcp & ~pl.col("_syn")).then(pl.lit("?")).otherwise(pl.lit("-")),
            pl.when(pl.col("spkts") > 0).then(pl.lit(">")).otherwise(pl.lit(" ")),
        ]
    )
    direction = (
        pl.when(pl.col("_rarp") & (proto == "rarp"))
        .then(pl.lit("tel"))
        .when(pl.col("_arp") & (proto == "arp"))
        .then(pl.lit("who"))
        .when(tcp & pl.col("_syn"))
        .then(pl.lit(" ->"))
        .otherwise(arrows)
    )
    record = pl.col("_record_first") if templates else pl.lit(None, pl.Binary)
    out = out.with_columns(state.alias("state"), direction.alias("dir"), record.alias("record"))
    out = out.sort("_first", maintain_order=True)
    extra = ["trans", "mean", "min", "max", "stddev", "sum"]
    tail = ["_record_last"] if templates else []
    return out.select([*(c for c in columns if c not in extra and c not in tail), *extra, *tail])
