"""racluster: merge flow records that share a key, as Argus 3.0.8's racluster does.

``racluster(lf)`` merges the status records of each flow (key = flow key + srcid, with the
reversed key looked up too: ``-M correct``); ``racluster(lf, "saddr daddr")`` aggregates by an
``-m`` key list.  The result has the columns of :func:`argus_rs.read_argus` (``record`` is null:
an aggregated flow has no record bytes of its own yet) plus ``trans`` (records merged) and the
AGR statistics of the record durations, ``mean``, ``min``, ``max``, ``stddev`` and ``sum``.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterable

import polars as pl

from argus_rs.analytics import _addr
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
    "stcpb": ["stcpb"],
    "dtcpb": ["dtcpb"],
}

#: ra's TCP states, strongest first: the merged TCP status bits are or-ed, and ra prints the
#: strongest state the or-ed bits give (RST, then FIN, CLO, TIM, CON, ACC, REQ)
_TCP_STATES = ["RST", "FIN", "CLO", "TIM", "CON", "ACC", "REQ"]

_FLAG_WIDTH = 9

#: names ra prints for UDP flows it recognises as something more (the key is the IP protocol)
_UDP_KINDS = ["udp", "rtp", "rtcp", "udt"]
_IP_PROTO = pl.col("proto").replace(dict.fromkeys(_UDP_KINDS, "udp"))

_KEY_RE = re.compile(r"^(saddr|daddr|matrix)(?:/(\d+))?$")


def _flag_aggs() -> list[pl.Expr]:
    """Per position of ra's 9-character flags: the non-blank characters the merged records show."""
    out: list[pl.Expr] = []
    for i in range(_FLAG_WIDTH):
        ch = pl.col("flgs").str.slice(i, 1)
        shown = ch.filter(ch.is_not_null() & (ch != " ") & (ch != ""))
        out.append(shown.unique().sort().str.join("").alias(f"_f{i}"))
    return out


def _has(chars: pl.Expr, c: str) -> pl.Expr:
    return chars.str.contains(c, literal=True)


def _both(chars: pl.Expr, both: str, src: str, dst: str, otherwise: pl.Expr) -> pl.Expr:
    """A source/destination flag position: both marks (or the both-mark) -> `both`."""
    return (
        pl.when(_has(chars, both) | (_has(chars, src) & _has(chars, dst)))
        .then(pl.lit(both))
        .when(_has(chars, src))
        .then(pl.lit(src))
        .when(_has(chars, dst))
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
        f = pl.col(f"_f{i}")
        n = f.str.len_chars()
        if i == 3:
            merged = (
                pl.when(_has(f, "R"))
                .then(pl.lit("R"))
                .otherwise(
                    _both(
                        f,
                        "*",
                        "s",
                        "d",
                        pl.when(_has(f, "g") | pl.col("_gap"))
                        .then(pl.lit("g"))
                        .otherwise(_both(f, "&", "i", "r", f.str.slice(0, 1))),
                    )
                )
            )
        elif i == 4:
            merged = _both(f, "@", "S", "D", pl.lit("*"))
        elif i == 5:
            merged = _both(f, "E", "x", "t", pl.lit("*"))
        else:
            merged = pl.lit("*")
        single = (n == 1) & ~pl.col("_gap") if i == 3 else n == 1
        value = pl.when(n == 0).then(pl.lit(" ")).when(single).then(f).otherwise(merged)
        if i == 3:
            value = pl.when((n == 0) & pl.col("_gap")).then(pl.lit("g")).otherwise(value)
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
    values = [_f32(v) for v in durations.to_list() if v is not None]
    if not values:
        return {"mean": 0.0, "stddev": 0.0}
    mean, stdev, n = values[0], 0.0, 1
    for v in values[1:]:
        total = mean * n + v
        ss = n * (stdev * stdev + mean * mean) if stdev != 0 else mean * mean
        ss += v * v
        n += 1
        mean = _f32(total / n)
        stdev = _f32(math.sqrt(abs(ss / n - mean * mean)))
    return {"mean": mean, "stddev": stdev}


def _agr_fold_series(durations: pl.Series) -> pl.Series:
    return pl.Series([_agr_fold(durations)], dtype=pl.Struct({"mean": pl.Float64, "stddev": pl.Float64}))


def _agr_stats() -> list[pl.Expr]:
    """The AGR statistics of the merged records' durations (racluster's default metric)."""
    dur = pl.col("dur")
    f32 = pl.Float32
    return [
        dur.map_batches(
            _agr_fold_series, return_dtype=pl.Struct({"mean": pl.Float64, "stddev": pl.Float64}), returns_scalar=True
        ).alias("_agr"),
        dur.min().cast(f32).cast(pl.Float64).alias("min"),
        dur.max().cast(f32).cast(pl.Float64).alias("max"),
        dur.sum().alias("sum"),
    ]


def _tcp_state_agg() -> pl.Expr:
    """The strongest TCP state the merged status bits give.  3.0.8 ors the status bits of the
    records into the first one's TCP object, except that while that object is a TCP_INIT one
    (a SYN-only record: state REQ) a later full TCP object replaces it: the statuses before
    the last non-REQ record of such a group are lost."""
    state = pl.col("state")
    rank = state.replace_strict({s: i for i, s in enumerate(_TCP_STATES)}, default=99, return_dtype=pl.Int32)
    tcp = pl.col("proto") == "tcp"
    full = tcp & (state != "REQ")
    last_full = pl.col("_idx").filter(full).max()
    tail = rank.filter(tcp & (pl.col("_idx") >= last_full.fill_null(0))).min()
    first_init = state.filter(tcp).first() == "REQ"
    return pl.when(first_init).then(tail).otherwise(rank.filter(tcp).min()).alias("_tcp_state")


def _tcp_flows_agg() -> pl.Expr:
    """Whether the group merges two or more different TCP connections into a full TCP object:
    their sequence numbers then leave a gap ra shows as ``g`` (the merged object keeps the
    first one's sequence base); not when the first TCP record is SYN-only (a TCP_INIT object,
    which later objects replace)."""
    tcp = pl.col("proto") == "tcp"
    full = tcp & (pl.col("state") != "REQ")
    conn = pl.concat_str([pl.col(c).fill_null("") for c in ("saddr", "sport", "daddr", "dport")], separator="|")
    first_full = pl.col("state").filter(tcp).first() != "REQ"
    ipv4 = pl.col("_fam").first() == 1  # ra prints g for IPv4 TCP only
    return (ipv4 & first_full & (conn.filter(full).n_unique() >= 2)).fill_null(False).alias("_gap")


def _is_tcp() -> pl.Expr:
    return pl.col("proto") == "tcp"


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
) -> pl.LazyFrame:
    """Aggregate flow records as ``racluster [-m keys] [-M correct|nocorrect]`` does.

    ``keys=None`` (racluster's default) merges records of one flow: same proto, addresses,
    ports and srcid; with ``correct`` (the default then) a record of the reversed flow is
    turned around and merged too.  ``keys`` is an ``-m`` list: ``"saddr daddr"``,
    ``"proto"``, ``"saddr/24"``, ``"matrix"``, ``"srcid"``, ``"none"`` (no merging: every record
    is its own group, as 3.0.8 does), ...  Non-key fields are reduced as racluster reduces them:
    addresses to the bits all merged records share, protocol and ports to 0 when they differ.
    Output order: groups in order of their first record.
    """
    lf = lf.lazy()
    columns = lf.collect_schema().names()
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
    lf = lf.with_row_index("_idx")
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
            cgroup = ["_fam", "proto", "srcid", "_ca", "_cb"]
            first_s = pl.col("_s").sort_by("_idx").first().over(cgroup)
            lf = lf.with_columns(reversed_columns(columns, pl.col("_s") != first_s))
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
            lf = lf.with_columns(swap.alias("_swap"))
            ports_too = pl.col("_swap") & (pl.col("_fam") == 1)
            lf = lf.with_columns(
                reversed_columns([c for c in columns if c not in ("sport", "dport")], pl.col("_swap"))
                + [e for e in reversed_columns(["proto", "sport", "dport"], ports_too) if e.meta.output_name() != "dir"]
            )
        # address keys keep ARP flows apart from IP flows (other keys merge them)
        by_address = any(_KEY_RE.match(k) for k in kl)
        group_exprs = [kind, *exprs] if by_address else exprs

    return _aggregate(lf, group_exprs, keep, columns, has_trans)


def _aggregate(
    lf: pl.LazyFrame,
    group_exprs: list[pl.Expr],
    keep: list[str],
    columns: list[str],
    has_trans: bool,
) -> pl.LazyFrame:
    aggs: list[pl.Expr] = [
        pl.col("_idx").min().alias("_first"),
        pl.col("stime").min(),
        pl.col("ltime").max(),
        *(pl.col(c).sum() for c in COUNTERS if c in columns),
        (pl.col("trans").sum() if has_trans else pl.len()).cast(pl.UInt32).alias("trans"),
        *_agr_stats(),
        *_flag_aggs(),
        pl.col("proto").n_unique().alias("_proto_n"),
        _IP_PROTO.n_unique().alias("_ipproto_n"),
        pl.col("proto").first().alias("_proto_first"),
        _is_tcp().any().alias("_tcp"),
        (pl.col("dir").str.slice(1, 1) == "-").any().alias("_syn"),
        _tcp_state_agg(),
        _tcp_flows_agg(),
        pl.col("state").first().alias("_state_first"),
        pl.col("state").n_unique().alias("_state_n"),
        pl.col("cause").first().alias("_cause_first"),
        pl.concat_str([pl.col("sport").fill_null(""), pl.col("dport").fill_null("")]).n_unique().alias("_icmp_n"),
        pl.col("_fam").n_unique().alias("_fam_n"),
        pl.col("_fam").first().alias("_fam_first"),
        (pl.col("proto").is_in(["arp", "rarp"])).any().alias("_arp"),
        (pl.col("proto") == "rarp").any().alias("_rarp"),
    ]
    for port in ("sport", "dport"):
        if port not in keep:
            aggs += [pl.col(port).n_unique().alias(f"_{port}_n"), pl.col(port).first().alias(f"_{port}_first")]
    for a in ("saddr", "daddr"):
        if a not in keep:
            aggs += _addr.common_prefix_aggs(a)
    skip = set(keep) | set(COUNTERS) | {"stime", "ltime", "dur", "flgs", "trans", "record", "state", "dir", "proto"}
    skip |= {"sport", "dport", "saddr", "daddr", "_idx", "_fam", "_ipproto"}
    for c in columns:
        if c in skip:
            continue
        if c in ("cause", "seq", "srcid"):
            aggs.append(pl.col(c).first())
        else:
            aggs.append(pl.col(c).drop_nulls().last().alias(c))

    out = lf.group_by(group_exprs, maintain_order=True).agg(aggs)

    fixes: list[pl.Expr] = [((pl.col("ltime") - pl.col("stime")).dt.total_microseconds() / 1e6).alias("dur")]
    proto_mixed = pl.col("_ipproto_n") > 1
    fixes.append(
        pl.when(proto_mixed)
        .then(pl.lit("ip"))
        .when(pl.col("_proto_n") > 1)
        .then(pl.lit("udp"))
        .otherwise(pl.col("_proto_first"))
        .alias("proto")
    )
    for port in ("sport", "dport"):
        if port not in keep:
            fixes.append(
                pl.when(proto_mixed)
                .then(pl.lit(None, pl.Utf8))
                .when((pl.col(f"_{port}_n") > 1) & (pl.col("_proto_first") == "icmp"))
                .then(pl.lit("0x0000"))
                .when(pl.col(f"_{port}_n") > 1)
                .then(pl.lit("0"))
                .otherwise(pl.col(f"_{port}_first"))
                .alias(port)
            )
    for a in ("saddr", "daddr"):
        if a not in keep:
            # records of different flow kinds (IPv4, IPv6, ARP) merged: the address is zeroed
            mixed = (pl.col("_fam_n") > 1) | (pl.col("_ipproto_n") > 1) & pl.col("_arp")
            zero = pl.when(pl.col("_fam_first") == 2).then(pl.lit("::")).otherwise(pl.lit("0.0.0.0"))
            fixes.append(pl.when(mixed).then(zero).otherwise(_addr.common_prefix_value(a)).alias(a))
    fixes.append(_flag_value(proto_mixed))
    fixes += [pl.col("_agr").struct.field("mean").alias("mean"), pl.col("_agr").struct.field("stddev").alias("stddev")]
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
        .then(pl.when(pl.col("_state_n") == 1).then(pl.col("_state_first")).otherwise(tcp_state))
        .when((proto == "ipv6-icmp") & (pl.col("_icmp_n") > 1))
        .then(pl.lit("UNK"))  # merged ICMPv6 types/codes differ: the zeroed type prints UNK
        .when(proto.is_in(["icmp", "ipv6-icmp", "igmp"]) | pl.col("_state_first").is_in(["STA", "ERR"]))
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
    out = out.with_columns(state.alias("state"), direction.alias("dir"), pl.lit(None, pl.Binary).alias("record"))
    out = out.sort("_first", maintain_order=True)
    extra = ["trans", "mean", "min", "max", "stddev", "sum"]
    return out.select([*(c for c in columns if c not in extra), *extra])
