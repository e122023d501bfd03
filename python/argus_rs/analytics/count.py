"""racount: record, packet and byte totals, per protocol and per address class, as Argus
3.0.8's racount reports them.

``racount(lf)`` is the one-row ``sum`` line, ``racount_protocols(lf)`` the ``-M proto`` table,
``racount_addresses(lf)`` the ``-M addr`` table; ``racount_report(lf, modes)`` renders the text
``racount -r FILE [-M proto addr]`` prints.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import polars as pl

from argus_rs.analytics import _addr
from argus_rs.analytics._common import reversed_columns
from argus_rs.analytics.sort import proto_number

__all__ = ["ADDRESS_CLASSES", "racount", "racount_addresses", "racount_protocols", "racount_report", "rmon_records"]

_TOTALS = ["pkts", "spkts", "dpkts", "bytes", "sbytes", "dbytes"]

#: the -M addr lines in racount's order: (label, IPv6?) -- "IPv4 Unicast Test Net" is printed
#: when the link-local count is non-zero, as 3.0.8 does
ADDRESS_CLASSES = [
    "IPv4 Unicast",
    "IPv4 Unicast This Network",
    "IPv4 Unicast Private",
    "IPv4 Unicast LoopBack",
    "IPv4 Unicast Link Local",
    "IPv4 Unicast Test Net",
    "IPv4 Unicast Reserved",
    "IPv4 Multicast Local",
    "IPv4 Multicast Internet",
    "IPv4 Multicast AdHoc",
    "IPv4 Multicast Reserved",
    "IPv4 Multicast SdpSap",
    "IPv4 Multicast Nasdaq",
    "IPv4 Multicast DisTrans",
    "IPv4 Multicast Src Spec",
    "IPv4 Multicast GLOP Blk",
    "IPv4 Multicast OrgLocal",
    "IPv4 Multicast SiteLocal",
    "IPv6 Unspecified",
    "IPv6 Loopback",
    "IPv6 LinkLocal",
    "IPv6 SiteLocal",
    "IPv6 Global",
    "IPv6 Multicast Node Local",
    "IPv6 Multicast Link Local",
    "IPv6 Multicast Site Local",
    "IPv6 Multicast Org  Local",
    "IPv6 Multicast Global",
]

# first octets racount's table calls reserved unicast space (the IANA registry of its time)
_RESERVED_FIRST = {1, 2, 5, 23, 27, 36, 37, 41, 48, *range(73, 80), *range(89, 127), *range(173, 188), 190, 191}
_RESERVED_FIRST |= {197, 223, *range(240, 256)}


def ipv4_class(a: int) -> str | None:
    """racount's class of an IPv4 address (None: counted nowhere)."""
    top, second = a >> 24, (a >> 16) & 0xFF
    low24 = a & 0xFFFFFF
    if 224 <= top <= 239:
        cls: str | None = "IPv4 Multicast Local"
        if top == 224:
            if low24 < 0x100:
                cls = "IPv4 Multicast Local"
            elif low24 < 0x200:
                cls = "IPv4 Multicast Internet"
            elif low24 < 0xFF00:
                cls = "IPv4 Multicast AdHoc"
            elif low24 < 0x20000:
                cls = "IPv4 Multicast Reserved"
            elif low24 < 0x30000:
                cls = "IPv4 Multicast SdpSap"
            elif low24 < 0x30040:
                cls = "IPv4 Multicast Nasdaq"
            elif low24 < 0xFD0000:
                cls = "IPv4 Multicast Reserved"
            elif low24 == 0xFD0000:
                cls = "IPv4 Multicast DisTrans"
        if 224 < top < 232:
            cls = "IPv4 Multicast Reserved"
        if top == 232:
            cls = "IPv4 Multicast OrgLocal"  # source-specific: 3.0.8 tallies it as org-local
        if top == 233:
            cls = "IPv4 Multicast GLOP Blk"
        if 233 <= top <= 238:
            cls = "IPv4 Multicast Reserved"
        if top == 239:
            cls = None  # 239.0/16: 3.0.8.2 counts these nowhere (seen with real racount)
            if 0 < second < 0xC0:
                cls = "IPv4 Multicast Reserved"
            elif 0xC0 <= second < 0xFC:
                cls = "IPv4 Multicast OrgLocal"
            elif second >= 0xFC:
                cls = "IPv4 Multicast SiteLocal"
        return cls
    if top == 0:
        return "IPv4 Unicast This Network"
    if top == 127:
        return "IPv4 Unicast LoopBack"
    if (a & 0xFFFF0000) == 0xAC100000:
        return "IPv4 Unicast Private"
    if 173 <= top < 188:
        return "IPv4 Unicast Link Local" if (a & 0xFFFF0000) == 0xA9FE0000 else "IPv4 Unicast Reserved"
    if top == 192:
        if (a & 0xFFFFFF00) == 0xC0000200:
            return "IPv4 Unicast Test Net"
        if (a & 0xFFFF0000) == 0xC0A80000:
            return "IPv4 Unicast Private"
        return "IPv4 Unicast"
    if top in _RESERVED_FIRST:
        return "IPv4 Unicast Reserved"
    if top == 10:
        return "IPv4 Unicast Private"
    return "IPv4 Unicast"


def ipv6_class(text: str) -> str | None:
    """racount's class of an IPv6 address (None: counted nowhere, e.g. global unicast)."""
    try:
        a = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    n = int(a)
    if n == 0:
        return "IPv6 Unspecified"
    if n == 1:
        return "IPv6 Loopback"
    if n >> 32 == 0 or n >> 32 == 0xFFFF:
        return None  # v4-compatible, v4-mapped: tallied but never printed
    if n >> 118 == 0x3FA:
        return "IPv6 LinkLocal"
    if n >> 118 == 0x3FB:
        return "IPv6 SiteLocal"
    if n >> 120 == 0xFF:
        scope = (n >> 112) & 0xF
        return {
            1: "IPv6 Multicast Node Local",
            2: "IPv6 Multicast Link Local",
            5: "IPv6 Multicast Site Local",
            8: "IPv6 Multicast Org  Local",
            0xE: "IPv6 Multicast Global",
        }.get(scope)
    return None


def _classify(s: pl.Series) -> pl.Series:
    out: list[str | None] = []
    for v in s.to_list():
        cls = None
        if v is not None:
            if ":" in v:
                cls = ipv6_class(v)
            else:
                try:
                    cls = ipv4_class(int(ipaddress.IPv4Address(v)))
                except ValueError:
                    cls = None
        out.append(cls)
    return pl.Series(s.name, out, dtype=pl.Utf8)


def _address_class(col: str) -> pl.Expr:
    return pl.col(col).map_batches(_classify, return_dtype=pl.Utf8, is_elementwise=True)


def racount(lf: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The ``sum`` line: records (3.0.8 reports one more than it read), packets and bytes."""
    return lf.lazy().select(
        (pl.len() + 1).cast(pl.Int64).alias("records"),
        *(pl.col(c).sum().cast(pl.Int64).alias(c) for c in _TOTALS),
    )


def _ip_family() -> pl.Expr:
    """1 IPv4, 2 IPv6 flows (by address form, ARP/RARP flows excluded), 3 other."""
    arp = pl.col("proto").is_in(["arp", "rarp"])
    return pl.when(arp).then(pl.lit(3, pl.UInt8)).otherwise(_addr.family("saddr"))


def racount_protocols(lf: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The ``-M proto`` table: per IP protocol (by number), then per other kind of flow
    (``arp``, ``rarp``, layer-2 protocols), its records, packets and bytes; column ``name`` is
    what racount prints (its first 8 characters)."""
    lf = lf.lazy().with_columns(_ip_family().alias("_fam"), proto_number().alias("_pnum"))
    ip = pl.col("_fam") < 3
    kind = (
        pl.when(ip)
        .then(pl.lit(0))
        .when(pl.col("proto") == "arp")
        .then(pl.lit(2))
        .when(pl.col("proto") == "rarp")
        .then(pl.lit(3))
        .otherwise(pl.lit(1))
    )
    lf = lf.with_columns(kind.alias("_kind"), pl.when(ip).then(pl.col("_pnum")).otherwise(0).alias("_num"))
    group = [pl.col("_kind"), pl.col("_num"), pl.when(pl.col("_kind") == 1).then(pl.col("proto")).alias("_l2")]
    out = lf.group_by(group).agg(
        pl.col("proto").first().alias("_first"),
        pl.col("proto").n_unique().alias("_names"),
        pl.len().cast(pl.Int64).alias("records"),
        *(pl.col(c).sum().cast(pl.Int64).alias(c) for c in _TOTALS),
    )
    name = (
        pl.when(pl.col("_kind") == 2)
        .then(pl.lit("arp"))
        .when(pl.col("_kind") == 3)
        .then(pl.lit("rarp"))
        .when((pl.col("_names") > 1) & (pl.col("_num") == 17))
        .then(pl.lit("udp"))
        .otherwise(pl.col("_first"))
    )
    # racount's per-ethertype table has 0x1000 slots: only LLC (802.3 length "types") and small
    # ethertypes are printed; ARP, IPv4/IPv6, loopback, LLDP, ... are past its end
    printed = (pl.col("_kind") != 1) | (pl.col("_l2") == "llc") | (pl.col("_l2").cast(pl.Int64, strict=False) < 4096)
    return (
        out.with_columns(name.alias("name"))
        .filter(printed)
        .sort(["_kind", "_num", "_l2"])
        .select("name", "records", *_TOTALS)
    )


def racount_addresses(lf: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The ``-M addr`` table: per address class, the source and destination counts.  IPv4
    addresses are counted once each (distinct addresses); IPv6 addresses once per record, as
    3.0.8 does (and global unicast IPv6 addresses nowhere)."""
    lf = lf.lazy().with_columns(_ip_family().alias("_fam"))
    parts = []
    for col, side in (("saddr", "src"), ("daddr", "dst")):
        v4 = lf.filter(pl.col("_fam") == 1).select(pl.col(col)).unique()
        v6 = lf.filter(pl.col("_fam") == 2).select(pl.col(col))
        both = pl.concat([v4, v6])
        parts.append(
            both.select(_address_class(col).alias("class"))
            .drop_nulls()
            .group_by("class")
            .agg(pl.len().cast(pl.Int64).alias(side))
        )
    order = pl.DataFrame({"class": ADDRESS_CLASSES, "_order": list(range(len(ADDRESS_CLASSES)))}).lazy()
    return (
        order.join(parts[0], on="class", how="left")
        .join(parts[1], on="class", how="left")
        .with_columns(pl.col("src").fill_null(0), pl.col("dst").fill_null(0))
        .sort("_order")
        .select("class", "src", "dst")
    )


_HEADER = (
    "racount   records     total_pkts     src_pkts       dst_pkts       total_bytes        src_bytes          dst_bytes"
)


def _line(label: str, row: dict[str, int]) -> str:
    return (
        f"{label:>8.8s}  {row['records']:<11d} {row['pkts']:<14d} {row['spkts']:<14d} {row['dpkts']:<14d} "
        f"{row['bytes']:<18d} {row['sbytes']:<18d} {row['dbytes']:<18d}"
    )


def rmon_records(lf: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The records as racount's (and racluster's) ``-M rmon`` sees them: each one as it is and
    turned around (source and destination swapped)."""
    lazy = lf.lazy()
    columns = lazy.collect_schema().names()
    return pl.concat([lazy, lazy.with_columns(reversed_columns(columns, pl.lit(True)))])


def racount_report(lf: pl.LazyFrame | pl.DataFrame, modes: str | Iterable[str] = ()) -> str:
    """The text of ``racount -r FILE [-M proto] [-M addr] [-M rmon]`` (with a final newline).
    With ``rmon`` every record counts twice (as it is and turned around) and the address
    summary has one count per class: the distinct addresses on either side."""
    wanted = modes.split() if isinstance(modes, str) else list(modes)
    rmon = any(m.lower().startswith("rmon") for m in wanted)
    lazy = rmon_records(lf) if rmon else lf.lazy()
    lines = [_HEADER, _line("sum ", racount(lazy).collect().row(0, named=True))]
    if any(m.lower().startswith("prot") for m in wanted):
        lines.append("Protocol Summary")
        for row in racount_protocols(lazy).collect().iter_rows(named=True):
            lines.append(_line(f"{row['name']} ", row))
    if any(m.lower().startswith("addr") for m in wanted):
        lines.append("Address Summary")
        counts = {r["class"]: (r["src"], r["dst"]) for r in racount_addresses(lazy).collect().iter_rows(named=True)}
        link_local = counts.get("IPv4 Unicast Link Local", (0, 0))
        for cls in ADDRESS_CLASSES:
            src, dst = counts.get(cls, (0, 0))
            shown = link_local if cls == "IPv4 Unicast Test Net" else (src, dst)
            if rmon:
                if shown[0]:
                    lines.append(f"  {cls:<25s} {src:<10d}")
            elif shown[0] or shown[1]:
                lines.append(f"  {cls:<25s} src {src:<10d}  dst {dst:<10d}")
    return "\n".join(lines) + "\n"
