"""ra filter expressions as polars expressions over the record columns.

``to_polars("tcp and port 80")`` is a ``polars.Expr`` over the columns of
``read_pcap``/``read_argus``/``scan_argus`` frames (``proto saddr daddr sport dport spkts
dpkts sbytes dbytes sappbytes dappbytes cause seq srcid stime ltime flgs tcpopt sttl dttl
stos dtos sipid dipid smac dmac svid dvid svpri dvpri smpls dmpls`` and the jitter
columns) that selects the records the Rust evaluator (and ra 3.0.8.2) selects: the same
src-or-dst meaning of unqualified attributes, family tests, "missing data" rules (a
comparison on data a record lacks fails, its ``lt``/``lte`` forms pass, masked tests pass;
a float test right after a load of missing data fails), ra's >1000-packets-in-no-time
error rule and its 6-decimal float comparisons.

Some primitives read record facts the columns do not hold (TCP flags and states, TCP
options, per-direction fragments, ``rate``/``load``'s per-direction times, the ARP
hardware address, ...): ``to_polars`` raises :class:`NoPolarsForm` (a FilterError, caret
under the primitive) for them. :func:`polars_filter` takes any expression: it uses
``to_polars`` when it can and otherwise the Rust evaluator over the ``record`` column
(:func:`record_mask`), on DataFrames and LazyFrames alike.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TypeVar

import polars as pl

from argus_rs.filter.ast import (
    Address,
    And,
    ArpHardware,
    Compare,
    Const,
    EtherAddress,
    Inode,
    Keyword,
    Node,
    Not,
    Or,
    Port,
    Protocol,
    SourceId,
    to_core,
)
from argus_rs.filter.errors import FilterError
from argus_rs.filter.ra_names import ETHERTYPE_RANGES, IP_PROTOCOL_NAMES
from argus_rs.filter.spans import Parsed, as_parsed

__all__ = ["NoPolarsForm", "polars_filter", "record_mask", "to_polars"]

c = pl.col
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


class NoPolarsForm(FilterError):
    """A primitive whose test needs record facts the columns do not hold."""


# -- record facts as expressions ------------------------------------------------------------

_MAC_RE = r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"
_V4_RE = r"^\d+\.\d+\.\d+\.\d+$"

ARP = c("proto") == "arp"
RARP = c("proto") == "rarp"
V4 = c("saddr").str.contains(_V4_RE) & ~ARP
V6 = c("saddr").str.contains(":", literal=True) & ~c("saddr").str.contains(_MAC_RE) & ~ARP & ~RARP
IP = V4 | V6
ETHER = ~V4 & ~V6 & ~ARP & ~RARP
#: ra: a record of more than 1000 packets in no time is an error record without counts
ERROR_RULE = (c("pkts") > 1000) & (c("stime") == c("ltime"))
TCP_OBJECT = c("tcpopt").is_not_null()
IPATTR = c("sttl").is_not_null() | c("dttl").is_not_null()
VLAN = c("svid").is_not_null() | c("dvid").is_not_null()
MPLS = c("smpls").is_not_null() | c("dmpls").is_not_null()
HAS_MAC = c("smac").is_not_null()
JITTER = pl.any_horizontal(
    *(c(f"{s}{k}").is_not_null() for s in "sd" for k in ("intpktact", "intpktidl", "jitact", "jitidl"))
)


def _proto_names(number: int) -> set[str] | None:
    """The proto column values of IP protocol `number` (None when the name is ambiguous)."""
    name = IP_PROTOCOL_NAMES[number] if 0 <= number < 256 else None
    if name is None or IP_PROTOCOL_NAMES.count(name) > 1:
        return None
    return {"udp", "rtp", "rtcp"} if number == 17 else {name}


def proto_is(number: int) -> pl.Expr | None:
    names = _proto_names(number)
    if names is None:
        return None
    return IP & c("proto").is_in(sorted(names))


def _ethertype_name(t: int) -> str:
    if t == 0:
        return "llc"
    for first, last, name in reversed(ETHERTYPE_RANGES):
        if first <= t <= last:
            return name
    return str(t)


@lru_cache(maxsize=256)
def _ethertype_unique(t: int) -> bool:
    name = _ethertype_name(t)
    return sum(1 for x in range(65536) if _ethertype_name(x) == name) == 1


def _count(name: str) -> pl.Expr:
    """A count column with ra's error rule applied."""
    return pl.when(ERROR_RULE).then(0).otherwise(c(name).cast(pl.Int64))


def _v4_number(col: str) -> pl.Expr:
    parts = c(col).str.split(".")
    out: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for i in range(4):
        out = out * 256 + parts.list.get(i, null_on_oob=True).cast(pl.Int64, strict=False)
    return out


def _v6_groups(col: str) -> list[pl.Expr]:
    """The eight 16-bit groups of an IPv6 address column (null where it is not one)."""
    s = c(col)
    parts = s.str.split("::")
    has = s.str.contains("::", literal=True)
    nonempty = pl.element().filter(pl.element() != "")
    left = parts.list.get(0, null_on_oob=True).str.split(":").list.eval(nonempty)
    right = parts.list.get(1, null_on_oob=True).fill_null("").str.split(":").list.eval(nonempty)
    zeros = pl.lit("0").repeat_by(8 - left.list.len() - right.list.len())
    groups = pl.when(has).then(pl.concat_list([left, zeros, right])).otherwise(s.str.split(":"))
    return [groups.list.get(i, null_on_oob=True).str.to_integer(base=16, strict=False) for i in range(8)]


def _v6_le_words(col: str) -> list[pl.Expr]:
    """The address as ra's x86 filter loads it: four 4-byte groups read little-endian."""
    g = _v6_groups(col)
    words = []
    for i in range(4):
        a, b = g[2 * i], g[2 * i + 1]
        words.append(
            (a // 256) + (a % 256) * 256 + (b // 256) * 65536 + (b % 256) * 16777216,
        )
    return words


def by_dir(d: str, s: pl.Expr, t: pl.Expr) -> pl.Expr:
    if d == "src":
        return s
    if d == "dst":
        return t
    if d == "and":
        return s & t
    return s | t


def cmp_int(value: pl.Expr | None, op: str, k: int) -> pl.Expr:
    """ra's integer test; a null `value` (or None) is a load of missing data."""
    if value is None:
        return pl.lit(op in ("lt", "le"))
    v = value.cast(pl.Int64)
    kk = pl.lit(k, dtype=pl.Int64)
    if op == "eq":
        return (v == kk).fill_null(False)
    if op == "gt":
        return (v > kk).fill_null(False)
    if op == "ge":
        return (v >= kk).fill_null(False)
    if op == "lt":
        return (v < kk).fill_null(True)
    return (v <= kk).fill_null(True)


def _mcmp(value: pl.Expr, missing: pl.Expr, mask: int, k: int, op: str = "eq") -> pl.Expr:
    """A masked test: `(value & mask) op (k & mask)`, all ones where `missing`."""
    v = pl.when(missing).then(pl.lit(0xFFFFFFFF, dtype=pl.Int64)).otherwise(value.cast(pl.Int64))
    return cmp_int(v.fill_null(0) & mask, op, k & mask)


def _f32(x: float) -> float:
    import struct

    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _round6(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    y = Decimal(x * 1e6).to_integral_value(ROUND_HALF_UP)
    return math.copysign(float(y) / 1e6, x)


def fcmp(a: pl.Expr, op: str, b: float) -> pl.Expr:
    """ra's float test at 6 decimals (zeros told apart by sign); `a` holds C float values."""
    ra = (a * 1e6).round(0, mode="half_away_from_zero") / 1e6
    rb = _round6(b)
    nan = a.is_nan()
    a_neg = (ra < 0) | ((ra == 0) & ((1.0 / ra) < 0))
    b_neg = math.copysign(1.0, rb) < 0
    if rb == 0:
        gt = (ra > 0) | ((ra == 0) & ~a_neg & pl.lit(b_neg))
        lt = (ra < 0) | ((ra == 0) & (a_neg | pl.lit(not b_neg)))
    else:
        gt = ra > rb
        lt = ra < rb
    gt = (gt & ~nan).fill_null(False)
    lt = (lt & ~nan).fill_null(False)
    if op == "eq":
        same_zero = (ra != 0) | (a_neg == pl.lit(b_neg))
        return (((ra - rb).abs() <= 0.1**7) & same_zero & ~nan).fill_null(False)
    if op == "gt":
        return gt
    if op == "le":
        return ~gt
    if op == "lt":
        return lt
    return ~lt


def _as_f32(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Float32).cast(pl.Float64)


def _epoch(col: str) -> pl.Expr:
    return c(col).dt.epoch("us")


DUR = _as_f32(
    (_epoch("ltime") // 1_000_000 - _epoch("stime") // 1_000_000).cast(pl.Float64)
    + (_epoch("ltime") % 1_000_000 - _epoch("stime") % 1_000_000).cast(pl.Float64) / 1_000_000.0
)


def _pcr() -> pl.Expr:
    s, d = _count("sappbytes"), _count("dappbytes")
    total = (s + d).cast(pl.Float64)
    return pl.when(total > 0).then(_as_f32((s - d).cast(pl.Float64) / total)).otherwise(pl.lit(-0.0))


def _jitter_value(side: str, active: bool, stdev: bool) -> pl.Expr:
    """ra's jitter statistic (µs, C float) of a direction/class, -1 without jitter data."""
    name = f"{side}{'jit' if stdev else 'intpkt'}{'act' if active else 'idl'}"
    return pl.when(JITTER).then(_as_f32(c(name).fill_null(0.0) * 1000.0)).otherwise(pl.lit(-1.0))


# -- translation --------------------------------------------------------------------------

#: float attributes whose test reads ra's "last load was missing" state
_STATE_READERS = {"dur", "rate", "load", "ploss", "inter", "intpktact", "intpktidle", "jit", "jitact", "jitidle"}
_STATE_READERS |= {"inter#int", "jit#int"}


def _reads_state(n: Node) -> bool:
    if isinstance(n, (And, Or)):
        return _reads_state(n.left) or _reads_state(n.right)
    if isinstance(n, Not):
        return _reads_state(n.operand)
    return isinstance(n, Compare) and n.field in _STATE_READERS


class _Translator:
    def __init__(self, parsed: Parsed) -> None:
        self.p = parsed
        self.track = _reads_state(parsed.tree)

    def refuse(self, n: Node, pos: int, why: str) -> NoPolarsForm:
        at = self.p.start(n, pos)
        return NoPolarsForm(self.p.text, at, f"no polars form over the record columns: {why}")

    def node(self, n: Node, pos: int, state: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """(value, ra's missing-load state after it) of `n` evaluated with `state` before it."""
        pos = self.p.start(n, pos)
        if isinstance(n, (And, Or)):
            va, sa = self.node(n.left, pos, state)
            vb, sb = self.node(n.right, pos, sa)
            if isinstance(n, And):
                return va & vb, (pl.when(va).then(sb).otherwise(sa) if self.track else sa)
            return va | vb, (pl.when(va).then(sa).otherwise(sb) if self.track else sa)
        if isinstance(n, Not):
            v, s = self.node(n.operand, pos, state)
            return ~v, s
        if isinstance(n, Const):
            return pl.lit(n.value), state
        value = self.prim(n, pos, state)
        missing = self.leaves_missing(n, pos) if self.track else None
        return value, (state if missing is None else missing)

    # -- primitives ------------------------------------------------------------------------
    def prim(self, n: Node, pos: int, state: pl.Expr) -> pl.Expr:
        if isinstance(n, Keyword):
            return self.keyword(n, pos)
        if isinstance(n, Address):
            return self.address(n, pos)
        if isinstance(n, EtherAddress):
            mac = ":".join(f"{b:02x}" for b in n.mac)
            s = (c("smac") == mac).fill_null(False)
            d = (c("dmac").fill_null("00:00:00:00:00:00") == mac).fill_null(False)
            return HAS_MAC & by_dir(n.dir, s, d)
        if isinstance(n, SourceId):
            v = n.value & 0xFFFFFFFF
            return c("srcid") == ".".join(str((v >> s) & 0xFF) for s in (24, 16, 8, 0))
        if isinstance(n, Inode):
            return pl.lit(False)
        if isinstance(n, ArpHardware):
            raise self.refuse(n, pos, "the ARP hardware address is not a column")
        if isinstance(n, Port):
            return self.port(n, pos)
        if isinstance(n, Protocol):
            return self.protocol(n, pos)
        if isinstance(n, Compare):
            return self.compare(n, pos, state)
        raise TypeError(f"not a filter node: {n!r}")

    def keyword(self, n: Keyword, pos: int) -> pl.Expr:
        k, d = n.name, n.dir
        protos = {"tcp": 6, "udp": 17, "icmp": 1, "igmp": 2}
        if k in protos:
            e = proto_is(protos[k])
            assert e is not None
            return e
        simple: dict[str, pl.Expr] = {
            "arp": ARP | RARP,
            "rarp": ARP,
            "ip": IP,
            "ipv4": V4,
            "ipv6": V6,
            "rtp": V4 & (c("proto") == "rtp") & ~ERROR_RULE,
            "rtcp": V4 & (c("proto") == "rtcp"),
            "mpls": MPLS,
            "vlan": VLAN,
            "far": pl.lit(True),
            "cocode": pl.lit(True),
            "inbound": pl.lit(True),
        }
        for name in ("udt", "isis", "hello", "lsp", "csnp", "psnp", "man", "event", "index", "outbound"):
            simple[name] = pl.lit(False)
        if k in simple:
            return simple[k]
        causes = {"start": 0x10, "status": 0x20, "stop": 0x30, "shutdown": 0x60, "timeout": 0x40}
        if k in causes:
            code = (
                pl.when(ERROR_RULE)
                .then(0x80)
                .otherwise(
                    c("cause").replace_strict(
                        {"Start": 0x10, "Status": 0x20, "Stop": 0x30, "Timeout": 0x40, "Shutdown": 0x60, "Error": 0x80},
                        default=0,
                        return_dtype=pl.Int64,
                    )
                )
            )
            return (code & causes[k]) == causes[k]
        if k == "multicast":
            a, b = (c(col).str.split(".").list.get(0).cast(pl.Int64, strict=False) for col in ("saddr", "daddr"))
            return V4 & ((a >= 224) | (b >= 224)).fill_null(False)
        tcp = proto_is(6)
        assert tcp is not None
        flg = c("flgs")

        def status_side(letters_src: str, letters_dst: str, col: int) -> tuple[pl.Expr, pl.Expr]:
            ch = flg.str.slice(col, 1)
            s = tcp & (~TCP_OBJECT | ch.is_in(list(letters_src)))
            t = tcp & (~TCP_OBJECT | ch.is_in(list(letters_dst)))
            return s, t

        if k == "retrans":
            s, t = status_side("s*", "d*", 3)
            return by_dir(d, s, t)
        if k == "winshut":
            s, t = status_side("S@", "D@", 4)
            return by_dir(d, s, t)
        if k == "ecn":
            s, t = status_side("xE", "tE", 5)
            return by_dir(d, s, t)
        icmp_flag = flg.str.slice(2, 1)
        if k == "icmpmap":
            return icmp_flag != "I"
        if k == "redirect":
            return icmp_flag == "R"
        icmp4 = proto_is(1)
        assert icmp4 is not None
        icmp_type = c("sport").str.strip_prefix("0x").str.to_integer(base=16, strict=False) % 256
        if k == "unreach":
            return (icmp_flag == "U") | (icmp4 & (icmp_type == 3)).fill_null(False)
        if k == "timexed":
            return (icmp_flag == "T") | (icmp4 & (icmp_type == 11)).fill_null(False)
        if k == "echo":
            return (icmp4 & icmp_type.is_in([0, 8])).fill_null(False)
        if k == "frag" and d in ("", "or", "and"):
            # ra tests "src or dst" for "src and dst" too; a record without IP attributes passes
            return V4 & (~IPATTR | (flg.str.slice(6, 1) == "F"))
        if k == "multipath" and d in ("", "or"):
            return ~HAS_MAC | (flg.str.slice(1, 1) == "M")
        raise self.refuse(n, pos, f'"{k}" reads {_WHY.get(k, "record data the columns do not hold")}')

    def address(self, n: Address, pos: int) -> pl.Expr:
        if n.family == "ipv4":
            words = [int.from_bytes(n.addr, "big"), 0, 0, 0]
            masks = [int.from_bytes(n.mask, "big"), 0, 0, 0]
        elif n.family == "ipv6":
            words = [int.from_bytes(n.addr[i : i + 4], "little") for i in range(0, 16, 4)]
            masks = [int.from_bytes(n.mask[i : i + 4], "little") for i in range(0, 16, 4)]
        else:
            words, masks = [0] * 4, [0] * 4

        def hostop(v4: bool) -> pl.Expr:
            if masks[0] == 0:
                return pl.lit(True)
            if v4:
                s_words: list[pl.Expr] = [_v4_number("saddr")]
                d_words: list[pl.Expr] = [_v4_number("daddr")]
                count = 1
            else:
                s_words, d_words, count = _v6_le_words("saddr"), _v6_le_words("daddr"), 4

            def match(rec: list[pl.Expr]) -> pl.Expr:
                out: pl.Expr = pl.lit(True)
                for i in range(count):
                    if masks[i]:
                        out = out & ((rec[i] & masks[i]) == (words[i] & masks[i]))
                return out.fill_null(False)

            return by_dir(n.dir, match(s_words), match(d_words))

        v4_ok = n.family in ("any", "ipv4")
        v6_ok = n.family in ("any", "ipv6")
        arp = ARP & hostop(True)
        ipv4 = V4 & hostop(True)
        ipv6 = V6 & hostop(False)
        no = pl.lit(False)
        if n.proto == "":
            return arp | (ipv4 if v4_ok else no) | (ipv6 if v6_ok else no)
        if n.proto == "ip":
            return (ipv4 if v4_ok else no) | (ipv6 if v6_ok else no)
        if n.proto in ("ipv4", "icmp"):
            return ipv4
        if n.proto == "ipv6":
            return ipv6
        if n.proto == "arp":
            return (ARP | RARP) & (pl.lit(True) if masks[0] == 0 else arp)
        raise self.refuse(n, pos, f'address qualifier "{n.proto}"')

    def port(self, n: Port, pos: int) -> pl.Expr:
        sport = c("sport").cast(pl.Int64, strict=False)
        dport = c("dport").cast(pl.Int64, strict=False)

        def portop(p: int) -> pl.Expr:
            e = proto_is(p)
            assert e is not None
            # IPv6 fragment flows: ra reads the fragment id as ports; the columns show none
            frag6 = V6 & c("sport").is_null()
            return e & ~frag6 & by_dir(n.dir, cmp_int(sport, n.op, n.value), cmp_int(dport, n.op, n.value))

        if n.proto == "any":
            return portop(6) | portop(17)
        if n.proto == "tcp":
            return portop(6)
        if n.proto == "udp":
            return portop(17)
        if n.proto == "udt":
            return pl.lit(False)
        app = V4 & (c("proto") == ("rtp" if n.proto == "rtp" else "rtcp"))
        if n.proto == "rtp":
            app = app & ~ERROR_RULE
        past = pl.lit(n.op in ("lt", "le"))
        own = app & by_dir(n.dir, cmp_int(sport, n.op, n.value) | past, cmp_int(dport, n.op, n.value) | past)
        return portop(17) & own

    def protocol(self, n: Protocol, pos: int) -> pl.Expr:
        k = n.number
        if n.qual == "arp":
            return ARP
        if n.qual == "link":
            special = {0x0800: V4, 0x86DD: V6, 0x0806: ARP, 0x8035: ARP}
            if k in special:
                return special[k]
            if k > 0xFFFF:
                return pl.lit(False)
            if not _ethertype_unique(k):
                raise self.refuse(n, pos, f"ethertype {k} prints as a name shared by other ethertypes")
            return ETHER & (c("proto") == _ethertype_name(k))
        names = _proto_names(k) if k < 256 else set()
        if names is None:
            raise self.refuse(n, pos, f"protocol {k} prints as a name shared by other protocols")
        if not names:
            return pl.lit(False)
        fam = {"": IP, "ip": IP, "ipv4": V4, "ipv6": V6}[n.qual]
        return fam & c("proto").is_in(sorted(names))

    def compare(self, n: Compare, pos: int, state: pl.Expr) -> pl.Expr:
        f, d, op, v = n.field, n.dir, n.op, n.value
        k = int(v) & 0xFFFFFFFF

        def int_dir(s: pl.Expr | None, t: pl.Expr | None) -> pl.Expr:
            return by_dir(d, cmp_int(s, op, k), cmp_int(t, op, k))

        def at(col: str) -> pl.Expr:
            return pl.when(IPATTR).then(c(col).cast(pl.Int64).fill_null(0)).otherwise(None)

        if f in ("bytes", "pkts", "appbytes"):
            return int_dir(_count(f"s{f}"), _count(f"d{f}"))
        if f in ("ttl", "tos"):
            return V4 & int_dir(at(f"s{f}"), at(f"d{f}"))
        if f == "dsb":
            kk = (k << 2) & 0xFFFFFFFF
            return V4 & by_dir(d, _mcmp(at("stos"), ~IPATTR, 0xFC, kk, op), _mcmp(at("dtos"), ~IPATTR, 0xFC, kk, op))
        if f == "ipid":
            tcp = proto_is(6)
            assert tcp is not None

            def swapped(col: str) -> pl.Expr:
                x = at(col)
                return (x % 256) * 256 + x // 256

            return tcp & int_dir(swapped("sipid"), swapped("dipid"))
        if f == "vid":
            s = pl.when(VLAN).then(c("svid").cast(pl.Int64).fill_null(0))
            t = pl.when(VLAN).then(c("dvid").cast(pl.Int64).fill_null(0))
            return by_dir(d, _mcmp(s, ~VLAN, 0x0FFF, k), _mcmp(t, ~VLAN, 0x0FFF, k))
        if f == "vpri":
            # the TCI's top four bits: the priority and the CFI bit (taken as 0)
            s = pl.when(VLAN).then(c("svpri").cast(pl.Int64).fill_null(0) * 2)
            t = pl.when(VLAN).then(c("dvpri").cast(pl.Int64).fill_null(0) * 2)
            return by_dir(d, _mcmp(s, ~VLAN, 0xF, k), _mcmp(t, ~VLAN, 0xF, k))
        if f == "mid":
            first = pl.coalesce(c("smpls"), c("dmpls")).cast(pl.Int64)
            second = (
                pl.when(c("smpls").is_not_null() & c("dmpls").is_not_null())
                .then(c("dmpls").cast(pl.Int64))
                .otherwise(0xFFFFF)
            )
            kk = ((k << 12) & 0xFFFFF000) >> 12
            s_mid: pl.Expr = pl.when(MPLS).then(first).otherwise(0xFFFFF)
            t_mid: pl.Expr = pl.when(MPLS).then(second).otherwise(0xFFFFF)
            return by_dir(d, cmp_int(s_mid, op, kk), cmp_int(t_mid, op, kk))
        if f == "trans":
            return cmp_int(pl.when(_count("pkts") > 0).then(1).otherwise(None), op, k)
        if f == "seq":
            return cmp_int(c("seq"), op, k)
        if f == "spi":
            esp = proto_is(50)
            assert esp is not None
            spi = pl.when(V4 | V6).then(c("dport").str.strip_prefix("0x").str.to_integer(base=16, strict=False))
            return esp & cmp_int(spi, op, k)
        if f in ("deldur", "delltime", "nstroke", "co", "asn"):
            return cmp_int(None, op, k)
        if f == "avgdur":
            pcr = _pcr()
            pos_nonzero = cmp_int(pl.lit(1 << 40), op, k)
            zero = cmp_int(pl.lit(0), op, k)
            negative = cmp_int(pl.lit(-1), op, k)
            neg = (pcr < 0) | ((pcr == 0) & ((1.0 / pcr) < 0))
            return pl.when(neg).then(negative).when(pcr == 0).then(zero).otherwise(pos_nonzero)
        if f == "pcr":
            return fcmp(_pcr(), op, _f32(float(v)))
        if f in _STATE_READERS:
            value = self.float_compare(n, pos)
            failed = pl.lit(op in ("lt", "le"))
            return pl.when(state).then(failed).otherwise(value) if self.track else value
        if f in ("tcpb",):
            raise self.refuse(n, pos, '"tcpb" reads the TCP object (and other objects) of the record')
        raise self.refuse(n, pos, f'"{f}" reads {_WHY.get(f, "record data the columns do not hold")}')

    def float_compare(self, n: Compare, pos: int) -> pl.Expr:
        f, d, op = n.field, n.dir, n.op
        b = _f32(float(n.value))
        if f == "dur":
            return fcmp(DUR, op, b)
        if f == "ploss":
            zero = fcmp(pl.lit(0.0), op, b)
            return by_dir(d, zero, zero)
        if f in ("rate", "load"):
            raise self.refuse(n, pos, f'"{f}" needs per-direction times the columns do not hold')
        base = f.split("#")[0]
        stdev = base in ("jit", "jitact", "jitidle")
        active = base not in ("intpktidle", "jitidle")
        bb = _f32(b * 1000.0)
        if stdev and not (f.endswith("#int") and d in ("src", "dst")):
            raise self.refuse(n, pos, f'"{base}": a deviation the sensor wrote as NaN shows as 0 in the columns')
        if f.endswith("#int"):
            if d in ("src", "dst"):
                return fcmp(pl.when(JITTER).then(pl.lit(1e-30)).otherwise(pl.lit(-1.0)), op, bb)
            raise self.refuse(n, pos, f'"{base}" with an integer reads the source only (ra turns some records around)')
        if d in ("", "and") or (d == "or" and active):
            s = fcmp(_jitter_value("s", active, stdev), op, bb)
            t = fcmp(_jitter_value("d", active, stdev), op, bb)
            return (s & t) if d != "or" else (s | t)
        raise self.refuse(n, pos, f'"{d} {base}": ra keeps jitter data unturned in records it turns around')

    def leaves_missing(self, n: Node, pos: int) -> pl.Expr | None:
        if isinstance(n, Compare):
            f = n.field
            if f in ("ttl", "tos"):
                return V4 & ~IPATTR
            if f == "ipid":
                tcp = proto_is(6)
                assert tcp is not None
                return tcp & ~IPATTR
            if f == "trans":
                return _count("pkts") == 0
            if f in ("nstroke", "deldur", "delltime", "co", "asn"):
                return pl.lit(True)
            if f in _STATE_READERS or f == "pcr":
                return None
            if f == "tcpb":
                raise self.refuse(n, pos, '"tcpb" reads the TCP object')
            return pl.lit(False)
        if isinstance(n, Inode):
            raise self.refuse(n, pos, '"inode" before a float test: ra\'s ICMP data is not a column')
        if isinstance(n, EtherAddress):
            return ~HAS_MAC
        return pl.lit(False)


_WHY = {
    "syn": "the TCP flags of each direction",
    "fin": "the TCP flags of each direction",
    "rst": "the TCP flags of each direction",
    "ack": "the TCP flags of each direction",
    "push": "the TCP flags of each direction",
    "urg": "the TCP flags of each direction",
    "ece": "the TCP flags of each direction",
    "cwr": "the TCP flags of each direction",
    "normal": "the TCP state bits",
    "wait": "the TCP state bits",
    "synack": "the TCP state bits",
    "finack": "the TCP state bits",
    "con": "the TCP state bits",
    "outoforder": "the TCP state bits (flgs shows retransmissions first)",
    "frag": "the fragments seen per direction",  # with src/dst
    "multipath": "the MAC data's per-direction multipath bits",
    "rtr": "the IGMP type byte",
    "mbr": "the IGMP type byte",
    "lvg": "the IGMP type byte",
    "encaps": "the encapsulations per direction",
}
for _opt in (
    "tcpopt",
    "mss",
    "wscale",
    "selackok",
    "selack",
    "tcpecho",
    "tcpechoreply",
    "tcptimestamp",
    "tcpcc",
    "tcpccnew",
    "tcpccecho",
    "secn",
    "decn",
):
    _WHY[_opt] = "the TCP options word of the record's network object"


def to_polars(node_or_text: Node | str) -> pl.Expr:
    """A boolean polars expression over the record columns selecting what the ra filter selects.

    NoPolarsForm (a FilterError, caret under the primitive) for a primitive the columns
    cannot decide; :func:`polars_filter` falls back to the record evaluator for those.
    """
    p = as_parsed(node_or_text)
    t = _Translator(p)
    value, _ = t.node(p.tree, 0, pl.lit(False))
    return value.fill_null(False).alias("filter")


def record_mask(node_or_text: Node | str) -> pl.Expr:
    """The Rust evaluator (``argus_rs.filter.compile``) as a polars expression over ``record``."""
    from argus_rs._core import compile_filter

    tree = as_parsed(node_or_text).tree
    flt = compile_filter(to_core(tree))

    def mask(s: pl.Series) -> pl.Series:
        return pl.Series(s.name, flt.mask(s), dtype=pl.Boolean).fill_null(False)

    return c("record").map_batches(mask, return_dtype=pl.Boolean).alias("filter")


def polars_filter(frame: Frame, expression: Node | str) -> Frame:
    """`frame` (DataFrame or LazyFrame of records) filtered by an ra expression.

    Uses :func:`to_polars` (plain column expressions, which polars can push down into
    scans) when the expression has a column form, else the Rust evaluator on ``record``.
    """
    try:
        expr = to_polars(expression)
    except NoPolarsForm:
        expr = record_mask(expression)
    return frame.filter(expr)
