"""Render flow-record DataFrames as the text real ``ra`` (3.0.8.2) prints.

Every field is a polars expression over the record columns (plus a few facts
decoded from the ``record`` bytes by the Rust core when a field needs them),
so whole DataFrames are rendered without a Python loop per record.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from .. import _core
from .abbrev import ABBREVIATED, EXACT_DIGITS, abbreviate
from .fields import DEFAULT_FIELDS, TIME_FIELDS, FieldSpec
from .names import dscp_names, port_names
from .reltime import idle_seconds, rtime_text
from .userdata import encoded_user, obfuscate_passwords

#: The Rust helpers present in this build (each has a polars fallback).
_HAVE_CORE = hasattr(_core, "ra_format_fixed") and hasattr(_core, "ra_extra")
_HAVE_TIME = hasattr(_core, "ra_format_time")
_HAVE_JOIN = hasattr(_core, "ra_join_lines")
_HAVE_USER = hasattr(_core, "ra_user_text")

#: strftime conversions ra_format_time knows (others go through polars).
_RUST_TIME_CONVERSIONS = set("THMSYymdejbhaDFRfnt%")


@dataclass(frozen=True)
class PrintOptions:
    """What ra's text output depends on besides the field list."""

    #: count of -n: 0 = port and protocol names (ra's default), 1 = no port
    #: names, 2 = no protocol names either, 3 = names for everything (host
    #: names looked up as ra does, else as with 0), 4 = as 0.
    numeric: int = 0
    #: -p N: fractional digits of times and floating point values.
    precision: int = 6
    #: -u: times as Unix seconds.
    unix_time: bool = False
    #: -c SEP / RA_FIELD_DELIMITER: None = columns separated by a blank.
    separator: str | None = None
    #: RA_FIELD_WIDTH: None = ra's default (fixed unless a separator is given).
    fixed_width: bool | None = None
    #: RA_TIME_FORMAT (strftime, with %f = the fraction in -p digits).
    time_format: str = "%T.%f"
    #: -z: TCP state changes as letters in the State column.
    print_state_z: bool = False
    #: -Z s|d|b: TCP flags (src, dst, both) in the State column.
    flags_Z: str | None = None
    #: RA_SEPARATE_ADDR_FROM_PORT_WITH_PERIOD (default yes).
    addr_port_period: bool = True
    #: Time zone for times (None = the TZ environment variable, else the
    #: system's local time zone, as ra's localtime()).
    time_zone: str | None = None
    #: ``rank`` of the frame's first record (when printing batch by batch).
    rank_start: int = 1
    #: -H: counts, rates, loads, windows and TCP times abbreviated (``23.655K``).
    abbreviate: bool = False
    #: ``rtime``'s origin: the source start time (µs) of the first record ra
    #: printed it for; None = the frame's first record.
    rtime_base: int | None = None
    #: -M disa: ``sdsb``/``ddsb`` named from the US DISA code point table.
    dscp_disa: bool = False
    #: -M printer= / RA_USERDATA_ENCODE: ``suser``/``duser`` as ``ascii``, ``encode32``
    #: (upper-case hex) or ``encode64`` (base64), in columns twice as wide for the last two.
    user_encoding: str = "ascii"

    @property
    def fixed(self) -> bool:
        if self.fixed_width is not None:
            return self.fixed_width
        return self.separator is None

    @property
    def nflag(self) -> int:
        """How ports and protocols print: 0 names, 1 no port names, 2 numbers (-nnn prints as 0)."""
        n = self.numeric % 4
        return 0 if n == 3 else n

    @property
    def host_names(self) -> bool:
        """-nnn: addresses print as their host names where the resolver knows one."""
        return self.numeric % 4 == 3


def _local_tz() -> str:
    tz = os.environ.get("TZ")
    if tz:
        tz = tz.lstrip(":")
        if "zoneinfo/" in tz:
            tz = tz.split("zoneinfo/", 1)[1]
        return tz
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        with open("/etc/timezone") as f:
            name = f.read().strip()
            if name:
                return name
    except OSError:
        pass
    return "UTC"


@lru_cache(maxsize=32)
def _valid_tz(tz: str) -> str:
    try:
        pl.Series([0], dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(tz)
        return tz
    except Exception:  # noqa: BLE001 (any polars error: unknown zone)
        return "UTC"


# ---------------------------------------------------------------------------
# value helpers


def _s(e: pl.Expr) -> pl.Expr:
    """Integer-like column as text, '' for null."""
    return e.cast(pl.Utf8).fill_null("")


def _fixed_float(e: pl.Expr, digits: int) -> pl.Expr:
    """C ``printf("%.*f")`` of a float expression (null stays null)."""
    if _HAVE_CORE:
        return e.cast(pl.Float64).map_batches(
            lambda s: pl.Series(_core.ra_format_fixed(s, digits)).cast(pl.Utf8),
            return_dtype=pl.Utf8,
        )
    # pure polars fallback: scaled integers (ties may round differently)
    x = e.cast(pl.Float64)
    scale = 10**digits
    n = (x.abs() * scale).round(0).cast(pl.Int64)
    sign = pl.when(x < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole: pl.Expr = sign + (n // scale).cast(pl.Utf8)
    if digits == 0:
        return whole
    frac: pl.Expr = (n % scale).cast(pl.Utf8).str.zfill(digits)
    return whole + "." + frac


def _div(e: pl.Expr, k: float) -> pl.Expr:
    """``e / k`` rounded as C divides: polars turns a division by a scalar
    into a multiplication by its reciprocal, which can differ in the last bit."""
    return e / (e * 0.0 + k)


def _fmt_const(v: float, digits: int) -> pl.Expr:
    """A constant as C's ``%.*f`` prints it."""
    return pl.lit(f"{v:.{digits}f}")


def _f32(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Float32)


@dataclass
class _Ctx:
    opts: PrintOptions
    tz: str
    columns: frozenset[str]
    #: the width of the field being rendered
    width: int = 0

    @property
    def p(self) -> int:
        return self.opts.precision

    def flt(self, e: pl.Expr) -> pl.Expr:
        return _fixed_float(e, self.p).fill_null("")

    def col(self, name: str) -> pl.Expr:
        return pl.col(name)


def _time_text(us: pl.Expr, ctx: _Ctx) -> pl.Expr:
    o = ctx.opts
    p = min(ctx.p, 6)
    us = us.cast(pl.Int64).fill_null(0)
    if o.unix_time:
        sec = us.floordiv(1_000_000).cast(pl.Utf8)
        if ctx.p:
            return sec + "." + us.mod(1_000_000).cast(pl.Utf8).str.zfill(6).str.slice(0, p)
        return sec
    utc = us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if _HAVE_TIME and _rust_time_format(o.time_format):
        if ctx.tz == "UTC":
            off = pl.lit(0, pl.Int64)
        else:
            off = utc.dt.convert_time_zone(ctx.tz).dt.replace_time_zone(None).dt.epoch("us") - us
        fmt, digits = o.time_format, ctx.p
        return pl.struct(us.alias("t"), off.alias("o")).map_batches(
            lambda st: pl.Series(_core.ra_format_time(st.struct.field("t"), st.struct.field("o"), fmt, digits)).cast(
                pl.Utf8
            ),
            return_dtype=pl.Utf8,
        )
    dt = utc.dt.convert_time_zone(ctx.tz)
    parts = o.time_format.split("%f")
    out: pl.Expr | None = None
    frac = us.mod(1_000_000).cast(pl.Utf8).str.zfill(6).str.slice(0, p)
    for i, part in enumerate(parts):
        if i > 0:
            if out is None:
                out = pl.lit("")
            out = out.str.strip_chars_end() + frac if ctx.p else out.str.strip_suffix(".")
        if part:
            text = dt.dt.strftime(part)
            out = text if out is None else out + text
    return out if out is not None else pl.lit("")


def _rust_time_format(fmt: str) -> bool:
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _RUST_TIME_CONVERSIONS:
                return False
            i += 1
        i += 1
    return True


def _time_has_fraction(opts: PrintOptions) -> bool:
    if opts.unix_time:
        return opts.precision > 0
    return "%f" in opts.time_format and opts.precision > 0


# ---------------------------------------------------------------------------
# the fields

_TCPISH = ("tcp",)
_UDPISH = ("udp", "rtp", "rtcp")


_MAC = r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"


def _is_ether() -> pl.Expr:
    return pl.col("saddr").str.contains(_MAC) & ~pl.col("proto").is_in(["arp", "rarp"])


def _port(side: str, ctx: _Ctx) -> pl.Expr:
    col = pl.col(side)
    proto = pl.col("proto")
    if ctx.opts.nflag > 1:
        return col.fill_null("")
    if ctx.opts.nflag == 0:
        hexed = _hex0x(col.cast(pl.Int32, strict=False))
        col = (
            pl.when(proto == "ipv6-icmp")
            .then(hexed)
            .when(_is_ether() & (proto != "llc"))
            .then(pl.lit(""))
            .otherwise(col)
        )
    tcp, udp = port_names()
    # port 0 prints blank with port names, as 0 with -n (aggregates whose ports differed)
    zero = (col == "0") & pl.lit(ctx.opts.nflag == 0)
    if ctx.opts.nflag == 1:
        named_tcp = col
        named_udp = col
    else:
        named_tcp = col.replace(tcp)
        named_udp = col.replace(udp)
    return (
        pl.when(proto.is_in(_TCPISH))
        .then(pl.when(zero).then(pl.lit(" ")).otherwise(named_tcp))
        .when(proto.is_in(_UDPISH))
        .then(pl.when(zero).then(pl.lit(" ")).otherwise(named_udp))
        .otherwise(col)
        .fill_null("")
    )


def _dsb(side: str, ctx: _Ctx) -> pl.Expr:
    tos = pl.col(f"{side}tos")
    code = (tos.cast(pl.Int32) // 4).cast(pl.Utf8)
    names = dscp_names(ctx.opts.dscp_disa)
    padded = code.str.pad_start(2)
    if ctx.opts.nflag > 2:
        return padded.fill_null("")
    return code.replace_strict(names, default=padded).fill_null("")


def _rate_side(ctx: _Ctx, side: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(rate, load, seconds) of one direction as ra computes them (floats)."""
    dur = _dur32()
    sdur = _side_dur(side)
    seconds = pl.when(sdur > 0).then(sdur).otherwise(dur)
    pkts = pl.col(f"{side}pkts").cast(pl.Int64)
    nbytes = pl.col(f"{side}bytes").cast(pl.Int64)
    ok = (seconds > 0) & (pkts > 1)
    bppkts = nbytes // pl.when(pkts > 0).then(pkts).otherwise(1)
    rate = pl.when(ok).then(_f32(pkts - 1) / seconds).otherwise(pl.lit(0.0, pl.Float32))
    load = pl.when(ok).then(_f32((nbytes - bppkts) * 8) / seconds).otherwise(pl.lit(0.0, pl.Float32))
    return rate, load, seconds


def _dur32() -> pl.Expr:
    us = pl.col("ltime").dt.epoch("us") - pl.col("stime").dt.epoch("us")
    return _f32(_div(us.cast(pl.Float64), 1e6))


def _side_time(side: str, which: str) -> pl.Expr:
    """A direction's start or last time (µs) as ra reads a sensor's record:
    the record's times for a direction that sent packets, else 0. (The
    sensor writes one time range per record; per-direction timestamps of
    ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS are not shown separately.)"""
    st, lt = pl.col("stime").dt.epoch("us"), pl.col("ltime").dt.epoch("us")
    t = st if which == "stime" else lt
    sp, dp = pl.col("spkts"), pl.col("dpkts")
    if side == "s":
        # a single src packet (with dst packets): its start; else the record's span
        own_t = pl.when((sp == 1) & (dp > 0)).then(st).otherwise(t)
    else:
        # a single dst packet after src packets: at the end (one src packet)
        # or at the start (several); else the record's span
        one = (dp == 1) & (sp > 0)
        own_t = pl.when(one & (sp == 1)).then(lt).when(one).then(st).otherwise(t)
    fallback = pl.when(pl.col(f"{side}pkts") > 0).then(own_t).otherwise(pl.lit(0, pl.Int64))
    # both directions' times known: the record had per-direction timestamps
    both = pl.col("_sstart").is_not_null() & pl.col("_dstart").is_not_null()
    own = pl.col(f"_{side}{'start' if which == 'stime' else 'last'}").fill_null(0)
    return pl.when(both).then(own).otherwise(fallback)


def _side_dur(side: str) -> pl.Expr:
    """Duration of one direction (seconds, float), 0 without its times."""
    st, lt = _side_time(side, "stime"), _side_time(side, "ltime")
    return _f32(_div((lt - st).cast(pl.Float64), 1e6))


def _ratio(num: pl.Expr, den: pl.Expr, ctx: _Ctx) -> pl.Expr:
    neg_zero = _fmt_const(-0.0, ctx.p)
    return pl.when(den == 0).then(neg_zero).otherwise(ctx.flt(num.cast(pl.Float64) / den.cast(pl.Float64)))


def _meansz(side: str, ctx: _Ctx) -> pl.Expr:
    pk = pl.col(f"{side}pkts")
    return ctx.flt(pl.when(pk > 0).then(_f32(pl.col(f"{side}bytes")) / _f32(pk)).otherwise(0.0))


def _jcol(side: str, kind: str, stat: str) -> pl.Expr:
    """A JITTER DSR statistic: side s|d, kind a(ctive)|i(dle), stat n|min|mean|stdev|max."""
    return pl.col(f"_j{side}{kind}_{stat}")


def _has_jitter(side: str) -> pl.Expr:
    """The record has a JITTER DSR."""
    return _jcol(side, "a", "n").is_not_null()


def _ms(v: pl.Expr, ctx: _Ctx) -> pl.Expr:
    """A float statistic in µs printed in ms (``v/1000.0`` in double)."""
    return ctx.flt(_div(v.cast(pl.Float64), 1000.0))


def _intpkt(side: str, ctx: _Ctx) -> pl.Expr:
    an, inn = _jcol(side, "a", "n"), _jcol(side, "i", "n")
    n = an + inn
    total = _jcol(side, "a", "mean") * _f32(an) + _jcol(side, "i", "mean") * _f32(inn)
    mean = pl.when(n > 0).then(total / _f32(n)).otherwise(pl.lit(0.0, pl.Float32))
    # 3.0.8.2 prints the combined mean only when the direction has intervals
    return pl.when(_has_jitter(side) & (n > 0)).then(_ms(mean, ctx)).otherwise(pl.lit(""))


def _jit_stat(side: str, kind: str, stat: str, ctx: _Ctx) -> pl.Expr:
    return pl.when(_has_jitter(side)).then(_ms(_jcol(side, kind, stat), ctx)).otherwise(pl.lit(""))


def _jit_ext(side: str, stat: str, ctx: _Ctx) -> pl.Expr:
    """sintpktmax / sintpktmin: the larger of the active and idle values (ra
    takes the larger minimum too); the dst forms: the active value."""
    a, i = _jcol(side, "a", stat), _jcol(side, "i", stat)
    # 3.0.8.2's dintpktmax/dintpktmin show the active class's value only
    v = pl.when(a > i).then(a).otherwise(i) if side == "s" else a
    return pl.when(_has_jitter(side)).then(_ms(v, ctx)).otherwise(pl.lit(""))


def _jitter(side: str, ctx: _Ctx) -> pl.Expr:
    """sjit/djit: ra's pooled deviation of the active and idle classes."""
    an, inn = _jcol(side, "a", "n"), _jcol(side, "i", "n")
    am, im = _jcol(side, "a", "mean"), _jcol(side, "i", "mean")
    asd, isd = _jcol(side, "a", "stdev").cast(pl.Float64), _jcol(side, "i", "stdev").cast(pl.Float64)
    n = an + inn
    mean32 = (am * _f32(an) + im * _f32(inn)) / _f32(n)
    s1 = an.cast(pl.Float64) * asd * asd + (am * _f32(an)).cast(pl.Float64).pow(2) / an.cast(pl.Float64)
    s2 = inn.cast(pl.Float64) * isd * isd + (im * _f32(inn)).cast(pl.Float64).pow(2) / inn.cast(pl.Float64)
    sumsq = _div(s1 + s2, 1000.0)
    mean_ms = _f32(_div(mean32.cast(pl.Float64), 1000.0)).cast(pl.Float64)
    pooled = (sumsq / n.cast(pl.Float64) - mean_ms * mean_ms).sqrt()
    single = _div(pl.when(an > 0).then(asd).otherwise(isd), 1000.0)
    v = pl.when((an > 0) & (inn > 0)).then(pooled).otherwise(single)
    return pl.when(_has_jitter(side) & (n > 0)).then(ctx.flt(v)).otherwise(pl.lit(""))


def _jit_class(side: str, kind: str, ctx: _Ctx) -> pl.Expr:
    """sjitact / sjitidl: the class's deviation, empty without intervals."""
    ok = _has_jitter(side) & (_jcol(side, kind, "n") > 0)
    return pl.when(ok).then(_ms(_jcol(side, kind, "stdev"), ctx)).otherwise(pl.lit(""))


def _hops(side: str) -> pl.Expr:
    """Estimated hops: the next power of two at or above the TTL, minus the TTL."""
    ttl = pl.col(f"{side}ttl").cast(pl.Int32)
    est = pl.lit(1)
    for p in (2, 4, 8, 16, 32, 64, 128, 256):
        est = pl.when(ttl > p // 2).then(pl.lit(p)).otherwise(est)
    return _s(est - ttl)


_ENCAPS = [
    (0x01, "m"),
    (0x02, "e"),
    (0x04, "v"),
    (0x08, "l"),
    (0x10, "p"),
    (0x20, "i"),
    (0x40, "G"),
    (0x80, "a"),
]


def _enc(side: str) -> pl.Expr:
    m = pl.col(f"_{side}enc").cast(pl.Int64)
    parts = [pl.when((m & bit) != 0).then(pl.lit(ch)).otherwise(pl.lit("")) for bit, ch in _ENCAPS]
    return pl.concat_str(parts).fill_null("")


def _net(side: str) -> pl.Expr:
    """Classful network of an IPv4 address (SrcNet/DstNet)."""
    a = pl.col(f"{side}addr")
    octs = a.str.split(".")
    first = octs.list.get(0, null_on_oob=True).cast(pl.Int32, strict=False)
    is_v4 = a.str.contains(r"^\d+\.\d+\.\d+\.\d+$")
    o0 = octs.list.get(0, null_on_oob=True)
    o1 = octs.list.get(1, null_on_oob=True)
    o2 = octs.list.get(2, null_on_oob=True)
    net = (
        pl.when(first >= 240)
        .then(pl.lit("0.0.0.0"))
        .when(first < 128)
        .then(o0 + ".0.0.0")
        .when(first < 192)
        .then(o0 + "." + o1 + ".0.0")
        .when(first < 224)
        .then(o0 + "." + o1 + "." + o2 + ".0")
        .otherwise(a)
    )
    net = pl.when(pl.col("proto").is_in(["arp", "rarp"])).then(pl.lit("0.0.0.0")).otherwise(net)
    return pl.when(is_v4).then(net).otherwise(a).fill_null("")


def _user(side: str, ctx: _Ctx, maxlen: int) -> pl.Expr:
    """s[N]=text with non-printable bytes as '.' (RA_USERDATA_ENCODE Ascii)."""
    b = pl.col(f"{side}user")
    # no bytes captured: ra prints nothing (not "s[0]=")
    b = pl.when(b.bin.size() > 0).then(b)
    if ctx.opts.user_encoding in ("encode32", "encode64"):
        return b.map_batches(
            lambda v: pl.Series([encoded_user(x, maxlen, side, ctx.opts.user_encoding) for x in v.to_list()]),
            return_dtype=pl.Utf8,
        ).fill_null("")
    if ctx.opts.user_encoding == "obfuscate":
        as_ascii = dataclasses.replace(ctx, opts=dataclasses.replace(ctx.opts, user_encoding="ascii"))
        return _user(side, as_ascii, maxlen).map_elements(_obfuscated, return_dtype=pl.Utf8)
    if _HAVE_USER:
        return b.map_batches(
            lambda v: pl.Series(_core.ra_user_text(v, maxlen, side)).cast(pl.Utf8), return_dtype=pl.Utf8
        ).fill_null("")
    # everything outside 0x20..0x7e -> '.'
    txt = b.bin.encode("hex").map_batches(lambda h: _hex_to_ascii(h, maxlen), return_dtype=pl.Utf8)
    n = pl.min_horizontal(b.bin.size(), pl.lit(maxlen)).cast(pl.Utf8)
    return pl.when(b.is_null()).then(pl.lit("")).otherwise(pl.lit(side) + "[" + n + "]=" + txt)


def _obfuscated(text: str) -> str:
    """s[N]=text with passwords hidden (the data after the first '=')."""
    head, sep, data = text.partition("=")
    return head + sep + obfuscate_passwords(data) if sep else text


def _hex_to_ascii(s: pl.Series, maxlen: int) -> pl.Series:
    out: list[str | None] = []
    for h in s.to_list():
        if h is None:
            out.append(None)
            continue
        raw = bytes.fromhex(h)[:maxlen]
        out.append("".join(chr(c) if 0x20 <= c < 0x7F else "." for c in raw))
    return pl.Series(out, dtype=pl.Utf8)


def _host(col: str, ctx: _Ctx) -> pl.Expr:
    addr = pl.col(col).fill_null("")
    if not ctx.opts.host_names:
        return addr
    return addr.map_batches(_host_names, return_dtype=pl.Utf8, is_elementwise=True)


def _host_names(addrs: pl.Series) -> pl.Series:
    table = {a: host_name(a) for a in addrs.unique().to_list()}
    out: pl.Series = addrs.replace_strict(table, return_dtype=pl.Utf8)
    return out


@lru_cache(maxsize=65536)
def host_name(addr: str) -> str:
    """ra -nnn: the resolver's name for an IP address (reverse lookup through the system's
    resolver: /etc/hosts, DNS), else the address as it is; anything else (MAC, MAR values) as it is."""
    import ipaddress
    import socket

    try:
        ipaddress.ip_address(addr)
    except ValueError:
        return addr
    try:
        return socket.gethostbyaddr(addr)[0]
    except (OSError, UnicodeError):
        return addr


def _mac(side: str, ctx: _Ctx) -> pl.Expr:
    """smac/dmac: from the MAC DSR only (ARP records carry no MAC otherwise)."""
    m = pl.col(f"{side}mac")
    if ctx.opts.nflag == 0:
        m = pl.when(m == "ff:ff:ff:ff:ff:ff").then(pl.lit("Broadcast")).otherwise(m)
    has = (pl.col("_dsrs").cast(pl.Int64) & 1) != 0
    return pl.when(has).then(m).otherwise(pl.lit("")).fill_null("")


_TCP_FLAG_LETTERS = "FSRPAUEC"
_STATUS_LETTERS = [(0x01, "s"), (0x02, "S"), (0x04, "E"), (0x08, "f"), (0x10, "F"), (0x20, "C"), (0x3000, "R")]


def _flag_letters(flags: pl.Expr) -> pl.Expr:
    f = flags.cast(pl.Int64).fill_null(0)
    return pl.concat_str(
        [pl.when((f & (1 << i)) != 0).then(pl.lit(ch)).otherwise(pl.lit("")) for i, ch in enumerate(_TCP_FLAG_LETTERS)]
    )


def _state(ctx: _Ctx) -> pl.Expr:
    """State; with -z the TCP status letters, with -Z s|d|b the TCP flags seen
    (ra's ArgusGetTCPStatus: TCP records only)."""
    state = pl.col("state").fill_null("")
    o = ctx.opts
    if not (o.print_state_z or o.flags_Z):
        return state
    st = pl.col("_tcp_status").cast(pl.Int64).fill_null(0)
    if o.print_state_z:
        text = pl.concat_str(
            [pl.when((st & bit) != 0).then(pl.lit(ch)).otherwise(pl.lit("")) for bit, ch in _STATUS_LETTERS]
        )
    else:
        sf, df_ = _flag_letters(pl.col("_sflags")), _flag_letters(pl.col("_dflags"))
        swap = ((sf != "") & (pl.col("spkts") == 0)) | ((df_ != "") & (pl.col("dpkts") == 0))
        src = pl.when(swap).then(df_).otherwise(sf)
        dst = pl.when(swap).then(sf).otherwise(df_)
        z = (o.flags_Z or "")[:1]
        text = src + "_" + dst if z == "b" else src if z == "s" else dst if z == "d" else pl.lit("")
    return pl.when(pl.col("proto") == "tcp").then(text).otherwise(state)


def _proto_numbers(names: pl.Series) -> pl.Series:
    """Protocol names to numbers (``-nn`` for rows without record bytes); a number stays as it is."""
    from argus_rs.analytics.sort import _number

    table = {v: (int(v) if v.isdigit() else _number(v)) for v in names.drop_nulls().unique().to_list()}
    out: pl.Series = names.replace_strict(table, default=0, return_dtype=pl.Int64)
    return out


def _proto(ctx: _Ctx) -> pl.Expr:
    if ctx.opts.nflag > 1:
        if "record" in ctx.columns:
            return _s(pl.col("_proto_num"))
        # aggregated rows have no record bytes: the number behind the protocol name
        return _s(pl.col("proto").map_batches(_proto_numbers, return_dtype=pl.Int64, is_elementwise=True))
    proto = pl.col("proto").fill_null("")
    if ctx.opts.nflag == 0:
        return pl.when(_is_ether() & proto.str.contains(r"^\d+$")).then(pl.lit("unknown")).otherwise(proto)
    return proto


_Z = pl.lit("0")


def _agr_field(name: str) -> Callable[[_Ctx], pl.Expr]:
    """An AGR statistic: the column of an aggregated frame (32-bit, as ra keeps it), else a
    plain record's own value (its duration; 0 for stddev)."""

    def render(c: _Ctx) -> pl.Expr:
        if name in c.columns:
            return c.flt(_f32(pl.col(name).cast(pl.Float64)))
        return _fmt_const(0.0, c.p) if name == "stddev" else c.flt(_dur32())

    return render


def _agr_sum(c: _Ctx) -> pl.Expr:
    """ra prints Sum as the 32-bit mean times the count, in 32 bits."""
    if {"mean", "trans"} <= c.columns:
        return c.flt(_f32(_f32(pl.col("mean").cast(pl.Float64)) * _f32(pl.col("trans").cast(pl.Float64))))
    return c.flt(_dur32())


def _field_exprs() -> dict[str, Callable[[_Ctx], pl.Expr]]:
    f: dict[str, Callable[[_Ctx], pl.Expr]] = {}

    f["stime"] = lambda c: _time_text(pl.col("stime").dt.epoch("us"), c)
    f["ltime"] = lambda c: _time_text(pl.col("ltime").dt.epoch("us"), c)
    f["sstime"] = lambda c: _time_text(_side_time("s", "stime"), c)
    f["sltime"] = lambda c: _time_text(_side_time("s", "ltime"), c)
    f["dstime"] = lambda c: _time_text(_side_time("d", "stime"), c)
    f["dltime"] = lambda c: _time_text(_side_time("d", "ltime"), c)
    # aggregated frames (racluster) carry trans and the AGR statistics as columns; a plain
    # record is one transaction whose statistics are its duration
    f["trans"] = lambda c: _s(pl.col("trans")) if "trans" in c.columns else pl.lit("1")
    for n in ("dur", "runtime"):
        f[n] = lambda c: c.flt(_dur32())
    for n in ("mean", "min", "max"):
        f[n] = _agr_field(n)
    f["sum"] = _agr_sum
    f["stddev"] = _agr_field("stddev")
    f["sdur"] = lambda c: c.flt(_side_dur("s"))
    f["ddur"] = lambda c: c.flt(_side_dur("d"))
    f["saddr"] = lambda c: _host("saddr", c)
    f["daddr"] = lambda c: _host("daddr", c)
    f["proto"] = _proto
    f["sport"] = lambda c: _port("sport", c)
    f["dport"] = lambda c: _port("dport", c)
    f["bytes"] = lambda c: _s(pl.col("bytes"))
    f["pkts"] = lambda c: _s(pl.col("pkts"))
    f["appbytes"] = lambda c: _s(pl.col("sappbytes") + pl.col("dappbytes"))
    f["loss"] = lambda c: _s(pl.col("sloss").fill_null(0) + pl.col("dloss").fill_null(0))
    f["ploss"] = lambda c: c.flt(_ploss(""))
    f["rate"] = lambda c: c.flt(_total_rate())
    f["load"] = lambda c: c.flt(_total_load(c))
    f["srcid"] = lambda c: pl.col("srcid").fill_null("")
    f["flgs"] = lambda c: pl.col("flgs").fill_null("")
    f["dir"] = lambda c: pl.col("dir").fill_null("")
    f["state"] = _state
    f["seq"] = lambda c: _s(pl.col("seq"))
    f["tcprtt"] = lambda c: c.flt(pl.col("tcprtt").fill_null(0.0))
    f["synack"] = lambda c: c.flt(pl.col("synack").fill_null(0.0))
    f["ackdat"] = lambda c: c.flt(pl.col("ackdat").fill_null(0.0))
    f["cause"] = lambda c: pl.col("cause").fill_null("")
    f["tcpopt"] = lambda c: pl.col("tcpopt").fill_null("")
    f["autoid"] = lambda c: _Z
    f["rank"] = lambda c: pl.int_range(c.opts.rank_start, pl.len() + c.opts.rank_start).cast(pl.Utf8)
    for n in ("retrans", "nacks", "solo", "first"):
        f[n] = lambda c: _Z
        f[f"p{n}"] = lambda c: _fmt_const(0.0, c.p)
    f["abr"] = lambda c: _ratio(
        pl.col("sappbytes").cast(pl.Int64) - pl.col("dappbytes").cast(pl.Int64),
        pl.col("sappbytes") + pl.col("dappbytes"),
        c,
    )
    f["pcr"] = f["abr"]
    f["tf"] = lambda c: _ratio(pl.col("sappbytes") + pl.col("dappbytes"), pl.col("bytes"), c)
    f["inode"] = lambda c: pl.col("_inode").fill_null("")
    f["stcpmax"] = lambda c: c.flt(_tcpmax("d", 1000.0))
    f["dtcpmax"] = lambda c: c.flt(_tcpmax("s", 1.0))
    f["icmpid"] = lambda c: _icmpid()
    f["resp"] = lambda c: pl.when(pl.col("proto") == "arp").then(pl.col("_resp")).otherwise(pl.lit(None, pl.Utf8))
    f["xxx"] = lambda c: pl.lit(None, pl.Utf8)
    f["offset"] = lambda c: _s(pl.col("_offset")) if "_offset" in c.columns else pl.lit("")
    f["rtime"] = _rtime
    f["idle"] = lambda c: pl.lit(f"{idle_seconds():.{c.p}f}")
    f["tcpext"] = lambda c: pl.lit("")
    for side in "sd":
        _side_fields(f, side)
    return f


def _side_fields(f: dict[str, Callable[[_Ctx], pl.Expr]], side: str) -> None:
    """The fields with a src and a dst form."""
    if side:
        f[f"{side}tos"] = lambda c: _s(pl.col(f"{side}tos"))
        f[f"{side}dsb"] = lambda c: _dsb(side, c)
        f[f"{side}ttl"] = lambda c: _s(pl.col(f"{side}ttl"))
        f[f"{side}bytes"] = lambda c: _s(pl.col(f"{side}bytes"))
        f[f"{side}appbytes"] = lambda c: _s(pl.col(f"{side}appbytes"))
        f[f"{side}pkts"] = lambda c: _s(pl.col(f"{side}pkts"))
        f[f"{side}loss"] = lambda c: _s(pl.col(f"{side}loss").fill_null(0))
        f[f"{side}ploss"] = lambda c: c.flt(_ploss(side))
        f[f"{side}rate"] = lambda c: c.flt(_rate_side(c, side)[0])
        f[f"{side}load"] = lambda c: c.flt(_rate_side(c, side)[1])
        f[f"{side}mac"] = lambda c: _mac(side, c)
        f[f"{side}intpkt"] = lambda c: _intpkt(side, c)
        f[f"{side}intpktact"] = lambda c: _jit_stat(side, "a", "mean", c)
        f[f"{side}intpktidl"] = lambda c: _jit_stat(side, "i", "mean", c)
        f[f"{side}intpktmax"] = lambda c: _jit_ext(side, "max", c)
        f[f"{side}intpktmin"] = lambda c: _jit_ext(side, "min", c)
        f[f"{side}intpktactmax"] = lambda c: _jit_stat(side, "a", "max", c)
        f[f"{side}intpktactmin"] = lambda c: _jit_stat(side, "a", "min", c)
        f[f"{side}intpktidlmax"] = lambda c: _jit_stat(side, "i", "max", c)
        f[f"{side}intpktidlmin"] = lambda c: _jit_stat(side, "i", "min", c)
        f[f"{side}jit"] = lambda c: _jitter(side, c)
        f[f"{side}jitact"] = lambda c: _jit_class(side, "a", c)
        f[f"{side}jitidl"] = lambda c: _jit_class(side, "i", c)
        # ra prints a TCP window only for a direction that sent packets (and
        # none for records made of the responder's packets only), a base
        # sequence number unless it is 0 for a silent direction
        win_ok = pl.col(f"{side}pkts") > 0
        if side == "d":
            win_ok = win_ok & (pl.col("spkts") > 0)
        f[f"{side}win"] = lambda c: _s(pl.when(win_ok).then(pl.col(f"{side}win")))
        tcpb = pl.col(f"{side}tcpb")
        f[f"{side}tcpb"] = lambda c: _s(pl.when((pl.col(f"{side}pkts") > 0) | (tcpb != 0)).then(tcpb))
        f[f"{side}mpls"] = lambda c: _s(pl.col(f"{side}mpls"))
        f[f"{side}vid"] = lambda c: _s(pl.col(f"{side}vid"))
        f[f"{side}vpri"] = lambda c: pl.lit("")
        f[f"{side}vlan"] = lambda c: _hex0x(
            pl.col(f"{side}vpri").cast(pl.Int32) * 8192 + pl.col(f"{side}vid").cast(pl.Int32)
        )
        f[f"{side}ipid"] = lambda c: (
            pl.when(pl.col(f"{side}ipid").is_null()).then(pl.lit("")).otherwise(_hex0x(_swap16(pl.col(f"{side}ipid"))))
        )
        f[f"{side}net"] = lambda c: _net(side)
        f[f"{side}maxsz"] = lambda c: _s(pl.col(f"{side}maxsz"))
        f[f"{side}minsz"] = lambda c: _s(pl.col(f"{side}minsz"))
        f[f"{side}hops"] = lambda c: _hops(side)
        f[f"{side}meansz"] = lambda c: _meansz(side, c)
        f[f"{side}user"] = lambda c: _user(side, c, c.width)
        f[f"{side}enc"] = lambda c: _enc(side)
        f[f"{side}gap"] = lambda c: pl.when(pl.col("proto") == "tcp").then(_Z).otherwise(pl.lit(""))
        for n in ("retrans", "nacks", "solo", "first"):
            f[f"{side}{n}"] = lambda c: _Z
            f[f"{side}p{n}"] = lambda c: _fmt_const(0.0, c.p)
        f[f"{side}tf"] = lambda c: _ratio(pl.col(f"{side}appbytes"), pl.col(f"{side}bytes"), c)


def _tcpmax(win_side: str, scale: float) -> pl.Expr:
    """STcpMax / DTcpMax: the other side's window in bits over the round trip
    (ra divides by the rtt in ms for STcpMax, in seconds for DTcpMax)."""
    synack = pl.col("synack").fill_null(0.0)
    ackdat = pl.col("ackdat").fill_null(0.0)
    rtt = synack + ackdat
    rtt = pl.when(ackdat < 0.0001).then(synack).when(synack < 0.0001).then(ackdat).otherwise(rtt)
    win = pl.col(f"{win_side}win").cast(pl.Float64)
    ok = (pl.col("proto") == "tcp") & (synack + ackdat > 0) & (pl.col(f"{win_side}pkts") > 0) & win.is_not_null()
    return pl.when(ok).then(win * 8.0 / (rtt * scale)).otherwise(0.0)


def rtime_start() -> pl.Expr:
    """The source start time (µs) ``rtime`` counts from (0: none)."""
    return _side_time("s", "stime")


def first_rtime_start(df: pl.DataFrame) -> int | None:
    """The source start (µs) of the first record of ``df`` that has one: ``rtime``'s origin."""
    src = _with_extra(df) if "_sstart" not in df.columns else df
    starts = src.select(rtime_start().alias("s")).get_column("s")
    starts = starts.filter(starts > 0)
    return int(starts[0]) if starts.len() else None


def _rtime(c: _Ctx) -> pl.Expr:
    start = rtime_start()
    base: int | pl.Expr = c.opts.rtime_base if c.opts.rtime_base is not None else start.filter(start > 0).first()
    return rtime_text(start, _side_time("s", "ltime"), base, c.p)


def _hex0x(v: pl.Expr) -> pl.Expr:
    """``0x%04x`` of a 16-bit integer expression (null stays null)."""
    x = v.cast(pl.Int64)
    digits = [pl.lit("0123456789abcdef").str.slice((x // (16**k)) % 16, 1) for k in (3, 2, 1, 0)]
    return "0x" + pl.concat_str(digits)


def _swap16(v: pl.Expr) -> pl.Expr:
    """The two bytes of a 16-bit value swapped (ra shows the x86 sensor's
    host-order IP id byte-swapped)."""
    x = v.cast(pl.Int32)
    return (x % 256) * 256 + x // 256


def _icmpid() -> pl.Expr:
    """IcmpId: the ICMP id (what Dport shows in hex for ICMP) in decimal."""
    d = pl.col("dport")
    v4 = d.str.strip_prefix("0x").str.to_integer(base=16, strict=False)
    v6 = d.str.to_integer(base=10, strict=False)
    return (
        pl.when(pl.col("proto") == "icmp")
        .then(v4.cast(pl.Utf8))
        .when(pl.col("proto") == "ipv6-icmp")
        .then(v6.cast(pl.Utf8))
        .otherwise(pl.lit(" "))
        .fill_null(" ")
    )


def _ploss(side: str) -> pl.Expr:
    if side:
        loss = pl.col(f"{side}loss").fill_null(0).cast(pl.Float64)
        pk = pl.col(f"{side}pkts").cast(pl.Float64)
    else:
        loss = (pl.col("sloss").fill_null(0) + pl.col("dloss").fill_null(0)).cast(pl.Float64)
        pk = pl.col("pkts").cast(pl.Float64)
    return pl.when(loss + pk > 0).then(loss * 100.0 / (pk + loss)).otherwise(0.0)


def _total_rate() -> pl.Expr:
    secs = _dur32()
    pk = pl.col("pkts").cast(pl.Int64) - 1
    return pl.when((pk > 0) & (secs > 0)).then(_f32(pk) / secs).otherwise(pl.lit(0.0, pl.Float32))


def _total_load(ctx: _Ctx) -> pl.Expr:
    dur = _dur32()
    _, sload, _ = _rate_side(ctx, "s")
    _, dload, _ = _rate_side(ctx, "d")
    sd, dd = _side_dur("s"), _side_dur("d")
    sd = pl.when(sd > 0).then(sd).otherwise(dur)
    dd = pl.when(dd > 0).then(dd).otherwise(dur)
    return pl.when(dur > 0).then((sload * sd + dload * dd) / dur).otherwise(pl.lit(0.0, pl.Float32))


_FIELD_EXPRS = _field_exprs()
# racluster.conf's label= rides on aggregated frames as a column (label DSRs are not decoded)
_FIELD_EXPRS["label"] = lambda c: pl.col("label") if "label" in c.columns else pl.lit("")

#: Fields that need facts decoded from the record bytes (ra_extra).
_EXTRA_FIELDS = frozenset(
    {"sstime", "sltime", "dstime", "dltime", "sdur", "ddur", "srate", "drate", "sload", "dload", "load", "senc", "denc"}
    | {f"{s}intpkt{k}" for s in "sd" for k in ("", "act", "idl", "max", "min")}
    | {f"{s}intpkt{k}{e}" for s in "sd" for k in ("act", "idl") for e in ("max", "min")}
    | {f"{s}jit{k}" for s in "sd" for k in ("", "act", "idl")}
    | {"smac", "dmac", "resp", "inode", "rtime"}
)

_EXTRA_RENAME = {
    "sstime": "_sstart",
    "sltime": "_slast",
    "dstime": "_dstart",
    "dltime": "_dlast",
}


def supported_fields() -> frozenset[str]:
    """Fields with a value renderer (the others print as empty columns)."""
    return frozenset(_FIELD_EXPRS)


def _needs_extra(fields: Sequence[FieldSpec], opts: PrintOptions) -> bool:
    names = {f.name for f in fields}
    if names & _EXTRA_FIELDS:
        return True
    if opts.nflag > 1 and "proto" in names:
        return True
    return bool(opts.print_state_z or opts.flags_Z)


#: The columns ra_extra adds (after renaming), for frames without records.
_EXTRA_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    **dict.fromkeys(("_proto_num", "_tcp_status", "_tcp_state", "_sflags", "_dflags", "_senc", "_denc"), pl.UInt32),
    "_dsrs": pl.UInt32,
    "_resp": pl.Utf8,
    "_inode": pl.Utf8,
    **dict.fromkeys(("_sstart", "_slast", "_dstart", "_dlast"), pl.Int64),
    **{f"_j{b}_n": pl.Int64 for b in ("sa", "si", "da", "di")},
    **{f"_j{b}_{st}": pl.Float32 for b in ("sa", "si", "da", "di") for st in ("min", "mean", "stdev", "max")},
}


def _with_extra(df: pl.DataFrame) -> pl.DataFrame:
    if not _HAVE_CORE or "record" not in df.columns or df.height == 0:
        return df.with_columns([pl.lit(None, t).alias(c) for c, t in _EXTRA_SCHEMA.items()])
    batch = _core.ra_extra(df.get_column("record"))
    got = pl.from_arrow(batch)
    extra = got.struct.unnest() if isinstance(got, pl.Series) else got
    rename = {c: _EXTRA_RENAME.get(c, "_" + c) for c in extra.columns}
    extra = extra.rename(rename)
    missing = [pl.lit(None, t).alias(c) for c, t in _EXTRA_SCHEMA.items() if c not in extra.columns]
    if missing:
        extra = extra.with_columns(missing)
    return pl.concat([df, extra], how="horizontal")


#: Fields whose print function writes nothing at all for some records.
_MAY_PRINT_NOTHING = frozenset({"xxx", "resp"})


def _value_exprs(fields: Sequence[FieldSpec], opts: PrintOptions, columns: Sequence[str]) -> list[pl.Expr]:
    tz = _valid_tz(opts.time_zone or _local_tz())
    ctx = _Ctx(opts, tz, frozenset(columns))
    # -H: the value rendered exactly, then abbreviated
    exact = _Ctx(dataclasses.replace(opts, precision=EXACT_DIGITS), tz, ctx.columns)
    out = []
    for i, fs in enumerate(fields):
        fn = _FIELD_EXPRS.get(fs.name)
        ctx.width = exact.width = fs.width
        if fn is not None and opts.abbreviate and fs.name in ABBREVIATED:
            e = fn(exact).cast(pl.Utf8)
            if fs.name in ("sgap", "dgap"):
                # no TCP gap is -1 to ra: printed blank, but abbreviated under -H
                e = pl.when(e.fill_null("") == "").then(pl.lit("-1")).otherwise(e)
            e = abbreviate(e, opts.precision)
        else:
            e = fn(ctx) if fn is not None else pl.lit("")
        # null = ra's print function wrote nothing (no column, no separator):
        # only these fields do that; any other null value prints blank
        e = e.cast(pl.Utf8)
        if fs.name not in _MAY_PRINT_NOTHING:
            e = e.fill_null("")
        out.append(e.alias(f"{i}:{fs.name}"))
    return out


def _prepare(df: pl.DataFrame, fields: Sequence[FieldSpec], opts: PrintOptions) -> pl.DataFrame:
    if _needs_extra(fields, opts):
        df = _with_extra(df)
    return df


def render_values(
    df: pl.DataFrame, fields: Sequence[FieldSpec] | None = None, opts: PrintOptions | None = None
) -> pl.DataFrame:
    """One Utf8 column per field (named after it; repeated fields get a
    ``_N`` suffix): the unpadded text ra prints for each record."""
    fields = list(DEFAULT_FIELDS if fields is None else fields)
    opts = opts or PrintOptions()
    src = _prepare(df, fields, opts)
    exprs = _value_exprs(fields, opts, src.columns)
    # with_columns: constant fields are broadcast to every record
    vals = src.with_columns(exprs).select([pl.col(e.meta.output_name()).fill_null("") for e in exprs])
    names: list[str] = []
    for fs in fields:
        n, k = fs.name, 1
        while n in names:
            k += 1
            n = f"{fs.name}_{k}"
        names.append(n)
    return vals.rename(dict(zip(vals.columns, names, strict=True)))


def _width(fs: FieldSpec, opts: PrintOptions) -> int:
    """The column width of the field's values."""
    if fs.name in ("stime", "ltime") and _time_has_fraction(opts):
        return fs.width + opts.precision
    if fs.name in TIME_FIELDS:
        return fs.width + opts.precision
    if fs.name in ("suser", "duser"):
        # "s[N]=" and N bytes: ra widens the column beyond the -s width
        text = fs.width * 2 if opts.user_encoding in ("encode32", "encode64") else fs.width
        return text + 8 + (fs.width >= 10) + (fs.width >= 100)
    return fs.width


def _label_width(fs: FieldSpec, opts: PrintOptions) -> int:
    fractional = "%f" in opts.time_format  # ra's ArgusFractionalDate
    if fs.name in ("stime", "ltime") and fractional:
        return fs.width + opts.precision
    if fs.name in TIME_FIELDS and fractional:
        return fs.width + opts.precision + 1
    return fs.width


def _pad(v: pl.Expr, width: int, left: bool) -> pl.Expr:
    n = v.str.len_chars()
    if width <= 0:
        return pl.lit("")
    t = pl.when(n > width).then(v.str.slice(0, width - 1) + "*").otherwise(v)
    return t.str.pad_end(width) if left else t.str.pad_start(width)


def _cell(v: pl.Expr, fs: FieldSpec, opts: PrintOptions) -> pl.Expr:
    """What ra's print function writes for the field, without its trailing blank."""
    width = _width(fs, opts)
    if fs.name == "dir":
        return _pad(v, width, False)
    if opts.fixed:
        return _pad(v, width, fs.left)
    return v


def render_lines(
    df: pl.DataFrame, fields: Sequence[FieldSpec] | None = None, opts: PrintOptions | None = None
) -> pl.Series:
    """One line per record (no newline), laid out exactly as ra prints it."""
    fields = list(DEFAULT_FIELDS if fields is None else fields)
    opts = opts or PrintOptions()
    if df.height == 0:
        return pl.Series("line", [], dtype=pl.Utf8)
    src = _prepare(df, fields, opts)
    vals = _value_exprs(fields, opts, src.columns)
    if _HAVE_JOIN:
        return _join_rust(src, fields, vals, opts)
    # ra appends, per field, what its print function wrote (a null value: it
    # wrote nothing, and the field leaves no trace), then a blank or the -c
    # separator; a blank before a Sport/Dport that follows its address
    # becomes a period when the port is not blank.
    parts: list[pl.Expr] = []
    sep = opts.separator
    for i, (fs, v) in enumerate(zip(fields, vals, strict=True)):
        cell = _cell(v, fs, opts)
        if sep is None or sep == " ":
            if i == 0:
                parts.append(cell)
                continue
            prev = fields[i - 1].name
            joined = (
                sep is None
                and opts.addr_port_period
                and ((fs.name == "sport" and prev == "saddr") or (fs.name == "dport" and prev == "daddr"))
            )
            if joined:
                blank = pl.when(cell.str.contains(r"\S")).then(pl.lit(".")).otherwise(pl.lit(" "))
            else:
                blank = pl.lit(" ")
            parts.append(blank + cell)
        else:
            # the blank ra puts after every value is stripped with the
            # value's trailing blanks, except after Flgs
            cell = cell + " " if fs.name == "flgs" else cell.str.strip_chars_end()
            parts.append(cell + sep)
    line = pl.concat_str(parts, ignore_nulls=True) if parts else pl.lit("")
    line = line.str.strip_chars_end()
    if sep is not None and sep != " " and not sep.isspace():
        line = line.str.strip_suffix(sep)
    return src.with_columns(line.alias("__line__")).get_column("__line__").alias("line")


def _join_rust(src: pl.DataFrame, fields: Sequence[FieldSpec], vals: list[pl.Expr], opts: PrintOptions) -> pl.Series:
    cols = src.with_columns(vals).select([e.meta.output_name() for e in vals])
    sep = opts.separator
    plain = sep is None or sep == " "  # -c ' ': blanks as without -c, but no periods
    period = []
    for i, fs in enumerate(fields):
        prev = fields[i - 1].name if i else ""
        period.append(
            sep is None
            and opts.addr_port_period
            and ((fs.name == "sport" and prev == "saddr") or (fs.name == "dport" and prev == "daddr"))
        )
    out = _core.ra_join_lines(
        [cols.get_column(c) for c in cols.columns],
        [_width(fs, opts) for fs in fields],
        [fs.left for fs in fields],
        [opts.fixed or fs.name == "dir" for fs in fields],
        [fs.name == "flgs" for fs in fields],
        period,
        None if plain else sep,
    )
    line: pl.Series = pl.Series("line", out).cast(pl.Utf8)
    return line


def _label_text(fs: FieldSpec, opts: PrintOptions) -> str:
    """What ra's label function writes for the field (with its trailing blank)."""
    name, width = fs.name, _label_width(fs, opts)
    label = fs.label
    if name == "xxx":
        return ""
    if name == "tcpext":
        return "" if opts.fixed else "(null) "
    if name in ("seq", "bins", "binnum", "rank"):
        half = (width - len(label)) // 2
        text = " " * max(half, 1) + label + " " * max(half, 1)
        if name != "rank":
            text += " "
        if not (width & 1):
            text += " "
        return text
    if name in ("suser", "duser"):
        slen = width * 2 if opts.user_encoding in ("encode32", "encode64") else width
        if width > 10:
            slen += 1
        half = slen // 2
        text = " " * max(half, 1) + label + " " * max(half, 1) + " "
        if slen & 1:
            text += " "
        return text
    return label[:width].rjust(width) + " "


def header_line(fields: Sequence[FieldSpec] | None = None, opts: PrintOptions | None = None) -> str:
    """ra's column header line (no newline)."""
    fields = list(DEFAULT_FIELDS if fields is None else fields)
    opts = opts or PrintOptions()
    text = ""
    for fs in fields:
        lab = _label_text(fs, opts)
        if not lab:
            continue
        if not opts.fixed:
            text += lab.strip() + " "
        else:
            text += lab
    sep = opts.separator
    if sep is None or sep == " ":
        return text
    out: list[str] = []
    last = sep
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == " ":
            if last != sep:
                out.append(sep)
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            ch = text[i]
        last = ch
        out.append(ch)
        i += 1
    res = "".join(out)
    if res.endswith(sep):
        res = res[: -len(sep)]
    return res
