"""rasort: order flow records by Argus sort keys, as Argus 3.0.8's rasort does.

``rasort(lf, "bytes")`` or ``rasort(lf, ["saddr", "dport"])``: the ``-m`` key names of rasort,
highest priority first, each in rasort's own direction (byte, packet, loss, load and rate
counters, protocol and TOS largest first; times, durations, addresses, ports, TTLs and
sequence numbers smallest first).  Ties keep the input order (3.0.8's qsort is glibc's merge
sort, which is stable).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable

import polars as pl

from argus_rs.analytics import _addr
from argus_rs.analytics._common import key_list

__all__ = ["SORT_KEYS", "proto_number", "rasort"]

#: ra's protocol names that /etc/protocols may not know, and their IP protocol numbers
_PROTO_NUMBERS = {
    "ip": 0,
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "rtp": 17,
    "rtcp": 17,
    "udt": 17,
    "ipv6": 41,
    "rsvp": 46,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ipv6-icmp": 58,
    "icmp6": 58,
    "ospf": 89,
    "pim": 103,
    "sctp": 132,
}


def _number(name: str | None) -> int:
    if name is None:
        return 0
    if name in _PROTO_NUMBERS:
        return _PROTO_NUMBERS[name]
    if name.isdigit():
        return int(name)
    try:
        return socket.getprotobyname(name)
    except OSError:
        return 0  # layer-2 flows (arp, llc, ethertypes): no IP protocol, sorted as 0


def _numbers(s: pl.Series) -> pl.Series:
    cache: dict[str | None, int] = {}
    out = []
    for v in s.to_list():
        if v not in cache:
            cache[v] = _number(v)
        out.append(cache[v])
    return pl.Series(s.name, out, dtype=pl.UInt8)


def proto_number(col: str = "proto") -> pl.Expr:
    """The IP protocol number behind ra's protocol name (0 for non-IP flows)."""
    return pl.col(col).map_batches(_numbers, return_dtype=pl.UInt8, is_elementwise=True)


def _port(col: str) -> pl.Expr:
    """A port as ra's port sorters read it: the number for TCP/UDP flows, 0 otherwise."""
    udp_tcp = proto_number().is_in([6, 17])
    return pl.when(udp_tcp).then(pl.col(col).cast(pl.UInt32, strict=False)).otherwise(0).fill_null(0)


def _num(col: str) -> pl.Expr:
    return pl.col(col).fill_null(0)


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(0.0)


def _dur() -> pl.Expr:
    return pl.col("dur").fill_null(0.0)


def _load(bytes_col: str) -> pl.Expr:
    return _ratio(pl.col(bytes_col).cast(pl.Float64) * 8.0, _dur())


def _rate(pkts_col: str) -> pl.Expr:
    return _ratio((pl.col(pkts_col).cast(pl.Float64) - 1.0).clip(0.0), _dur())


#: rasort -m key -> (expressions in priority order, descending?)
SORT_KEYS: dict[str, tuple[list[pl.Expr], bool]] = {
    "stime": ([pl.col("stime")], False),
    "ltime": ([pl.col("ltime")], False),
    "dur": ([_dur()], False),
    "trans": ([_num("trans")], False),
    "avgdur": ([_num("mean")], False),
    "mean": ([_num("mean")], False),
    "mindur": ([_num("min")], False),
    "min": ([_num("min")], False),
    "maxdur": ([_num("max")], False),
    "max": ([_num("max")], False),
    "smac": ([pl.col("smac").fill_null("")], False),
    "dmac": ([pl.col("dmac").fill_null("")], False),
    "proto": ([proto_number()], True),
    "sport": ([_port("sport")], False),
    "dport": ([_port("dport")], False),
    "stos": ([_num("stos")], True),
    "dtos": ([_num("dtos")], True),
    "sttl": ([_num("sttl")], False),
    "dttl": ([pl.col("dttl")], False),
    "bytes": ([_num("bytes")], True),
    "sbytes": ([_num("sbytes")], True),
    "dbytes": ([_num("dbytes")], True),
    "appbytes": ([_num("sappbytes") + _num("dappbytes")], True),
    "sappbytes": ([_num("sappbytes")], True),
    "dappbytes": ([_num("dappbytes")], True),
    "pkts": ([_num("pkts")], True),
    "spkts": ([_num("spkts")], True),
    "dpkts": ([_num("dpkts")], True),
    "loss": ([_num("sloss") + _num("dloss")], True),
    "sloss": ([_num("sloss")], True),
    "dloss": ([_num("dloss")], True),
    "load": ([_load("bytes")], True),
    "sload": ([_load("sbytes")], True),
    "dload": ([_load("dbytes")], True),
    "seq": ([_num("seq")], False),
    "srcid": ([pl.col("srcid").fill_null("")], False),
    "svlan": ([_num("svid")], False),
    "dvlan": ([_num("dvid")], False),
    "smpls": ([_num("smpls")], False),
    "dmpls": ([_num("dmpls")], False),
}

_ADDR_RE = re.compile(r"^(saddr|daddr)(?:/(\d+))?$")


def _key(name: str) -> tuple[list[pl.Expr], bool]:
    m = _ADDR_RE.match(name)
    if m:
        col, bits = m.group(1), m.group(2)
        # flow kinds first (IPv4, IPv6, then ARP, then layer-2 flows), as the sorter compares
        # the flow DSR's type before the addresses
        arp = pl.col("proto").is_in(["arp", "rarp"])
        kind = pl.when(arp).then(pl.lit(3, pl.UInt8)).otherwise(_addr.family(col).replace(3, 4))
        if bits is None:
            return [kind, *_addr.sort_key(col)[1:3]], False
        masked = pl.col(col) if bits is None else _addr.masked(col, int(bits)).alias(f"_{col}_m")
        frame_key = [kind]
        # sort on the masked address: family, then the masked value's numeric parts
        return [*frame_key, masked.map_batches(_masked_key, return_dtype=pl.Utf8, is_elementwise=True)], False
    if name not in SORT_KEYS:
        raise ValueError(f"rasort: unknown sort key {name!r}")
    return SORT_KEYS[name]


def _masked_key(s: pl.Series) -> pl.Series:
    """A sortable text form (32 hex digits) of masked addresses."""
    import ipaddress

    out: list[str] = []
    for v in s.to_list():
        try:
            out.append(f"{int(ipaddress.ip_address(v)):032x}")
        except (ValueError, TypeError):
            out.append(v or "")
    return pl.Series(s.name, out, dtype=pl.Utf8)


def rasort(lf: pl.LazyFrame | pl.DataFrame, keys: str | Iterable[str] | None = None) -> pl.LazyFrame:
    """Sort records as ``rasort -m KEYS`` does (default key: ``stime``); a LazyFrame.

    Unknown key names raise ValueError.  The sort is stable: records that compare equal on
    every key stay in input order.
    """
    names = key_list(keys) or ["stime"]
    exprs: list[pl.Expr] = []
    descending: list[bool] = []
    for name in names:
        es, desc = _key(name)
        exprs += es
        descending += [desc] * len(es)
    lazy = lf.lazy()
    columns = lazy.collect_schema().names()
    # unaggregated records: one transaction each, their AGR statistics are their duration
    stand_in = {"trans": pl.lit(1, pl.UInt32), "mean": pl.col("dur"), "min": pl.col("dur"), "max": pl.col("dur")}
    extra = [e.alias(c) for c, e in stand_in.items() if c not in columns]
    if extra:
        lazy = lazy.with_columns(extra)
    out = lazy.sort(exprs, descending=descending, maintain_order=True, nulls_last=True)
    return out.select(columns) if extra else out
