"""Address arithmetic on the string address columns (saddr, daddr): numeric sort keys,
CIDR masks and the common-prefix merge racluster applies to non-key addresses."""

from __future__ import annotations

import ipaddress

import polars as pl

_V4 = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$"
_M64 = (1 << 64) - 1


def family(col: str) -> pl.Expr:
    """1 for IPv4, 2 for IPv6, 3 for anything else (MAC addresses of layer-2 flows, blanks):
    the order in which ra's sorters put the flow kinds (the flow DSR's qualifier)."""
    c = pl.col(col)
    return (
        pl.when(c.str.contains(_V4))
        .then(pl.lit(1, pl.UInt8))
        .when(
            c.str.contains(":")
            & ~c.str.contains(r"^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$")
        )
        .then(pl.lit(2, pl.UInt8))
        .otherwise(pl.lit(3, pl.UInt8))
    )


def v4_int(col: str) -> pl.Expr:
    """The IPv4 address in `col` as a UInt32 (null for anything else)."""
    parts = pl.col(col).str.extract_groups(_V4)
    return (
        parts.struct.field("1").cast(pl.UInt32) * 16777216
        + parts.struct.field("2").cast(pl.UInt32) * 65536
        + parts.struct.field("3").cast(pl.UInt32) * 256
        + parts.struct.field("4").cast(pl.UInt32)
    )


def v4_str(value: pl.Expr) -> pl.Expr:
    """A UInt32 IPv4 address back in dotted form."""
    v = value.cast(pl.UInt32)
    return pl.concat_str(
        [
            (v // 16777216).cast(pl.Utf8),
            (v // 65536 % 256).cast(pl.Utf8),
            (v // 256 % 256).cast(pl.Utf8),
            (v % 256).cast(pl.Utf8),
        ],
        separator=".",
    )


def _v6_halves(s: pl.Series) -> pl.Series:
    hi: list[int | None] = []
    lo: list[int | None] = []
    for v in s.to_list():
        n: int | None = None
        if v is not None and ":" in v:
            try:
                n = int(ipaddress.IPv6Address(v))
            except ValueError:
                n = None
        hi.append(None if n is None else n >> 64)
        lo.append(None if n is None else n & _M64)
    return pl.DataFrame({"hi": pl.Series(hi, dtype=pl.UInt64), "lo": pl.Series(lo, dtype=pl.UInt64)}).to_struct(s.name)


def v6_halves(col: str) -> pl.Expr:
    """The IPv6 address in `col` as a struct of two UInt64 (hi, lo); null fields otherwise."""
    return pl.col(col).map_batches(
        _v6_halves, return_dtype=pl.Struct({"hi": pl.UInt64, "lo": pl.UInt64}), is_elementwise=True
    )


def _v6_text(s: pl.Series) -> pl.Series:
    out: list[str | None] = []
    for row in s.to_list():
        if row is None or row["hi"] is None or row["lo"] is None:
            out.append(None)
        else:
            out.append(str(ipaddress.IPv6Address((row["hi"] << 64) | row["lo"])))
    return pl.Series(s.name, out, dtype=pl.Utf8)


def v6_str(halves: pl.Expr) -> pl.Expr:
    """A (hi, lo) struct back in IPv6 text form."""
    return halves.map_batches(_v6_text, return_dtype=pl.Utf8, is_elementwise=True)


def _v6_matrix(s: pl.Series) -> pl.Series:
    out: list[str | None] = []
    for v in s.to_list():
        key = None
        if v is not None and ":" in v:
            try:
                raw = ipaddress.IPv6Address(v).packed
                key = "".join(f"{int.from_bytes(raw[i : i + 4], 'little'):08x}" for i in range(0, 16, 4))
            except ValueError:
                key = None
        out.append(key)
    return pl.Series(s.name, out, dtype=pl.Utf8)


def v6_matrix_key(col: str) -> pl.Expr:
    """IPv6 addresses as racluster's matrix key orders them: 32-bit words, each read as a
    little-endian integer (text that sorts as that order)."""
    return pl.col(col).map_batches(_v6_matrix, return_dtype=pl.Utf8, is_elementwise=True)


def sort_key(col: str) -> list[pl.Expr]:
    """Expressions that order addresses as ra's address sorters do: family, then value."""
    h = v6_halves(col)
    return [
        family(col),
        v4_int(col).cast(pl.UInt64).fill_null(h.struct.field("hi")),
        h.struct.field("lo"),
        pl.col(col),
    ]


def _lead(bits: int, width: int) -> int:
    return (((1 << width) - 1) << (width - bits)) & ((1 << width) - 1) if bits else 0


_MASK64 = {i: _lead(i, 64) for i in range(65)}
_MASK32 = {i: _lead(i, 32) for i in range(33)}


def _mask64(bits: pl.Expr) -> pl.Expr:
    """A UInt64 whose `bits` (0..64) leading bits are set."""
    return bits.clip(0, 64).cast(pl.Int64).replace_strict(_MASK64, return_dtype=pl.UInt64)


def masked(col: str, bits: int) -> pl.Expr:
    """`col` with only its first `bits` bits kept (``saddr/24``), as text; non-IP values unchanged."""
    v4 = v4_int(col)
    m4 = _lead(min(bits, 32), 32)
    h = v6_halves(col)
    hi_bits = min(bits, 64)
    lo_bits = max(0, min(bits - 64, 64))
    mhi = _lead(hi_bits, 64)
    mlo = _lead(lo_bits, 64)
    v6 = pl.struct(
        (h.struct.field("hi") & pl.lit(mhi, pl.UInt64)).alias("hi"),
        (h.struct.field("lo") & pl.lit(mlo, pl.UInt64)).alias("lo"),
    )
    return (
        pl.when(v4.is_not_null())
        .then(v4_str(v4 & pl.lit(m4, pl.UInt32)))
        .when(h.struct.field("hi").is_not_null())
        .then(v6_str(v6))
        .otherwise(pl.col(col))
    )


def common_prefix_rows(col: str) -> list[pl.Expr]:
    """Per-record columns `common_prefix_aggs` reduces (computed once, before grouping)."""
    h = v6_halves(col)
    return [
        v4_int(col).alias(f"_{col}_v4"),
        h.struct.field("hi").alias(f"_{col}_v6hi"),
        h.struct.field("lo").alias(f"_{col}_v6lo"),
    ]


def common_prefix_aggs(col: str) -> list[pl.Expr]:
    """Aggregations (inside group_by().agg, over the columns of `common_prefix_rows`) whose
    results `common_prefix_value` turns into the address racluster keeps for a non-key
    address: the bits all values share from the left.  `common_prefix_value` also reads the
    group's first value (``_{col}_first``) and its smallest and largest values (``_{col}_lo``,
    ``_{col}_hi``)."""
    v4, hi, lo = pl.col(f"_{col}_v4"), pl.col(f"_{col}_v6hi"), pl.col(f"_{col}_v6lo")
    return [
        v4.bitwise_and().alias(f"_{col}_v4and"),
        v4.bitwise_or().alias(f"_{col}_v4or"),
        v4.null_count().alias(f"_{col}_v4null"),
        hi.bitwise_and().alias(f"_{col}_hiand"),
        hi.bitwise_or().alias(f"_{col}_hior"),
        lo.bitwise_and().alias(f"_{col}_loand"),
        lo.bitwise_or().alias(f"_{col}_loor"),
        hi.null_count().alias(f"_{col}_v6null"),
    ]


def common_prefix_value(col: str) -> pl.Expr:
    """The merged address from the columns of `common_prefix_aggs`."""
    a4, o4 = pl.col(f"_{col}_v4and"), pl.col(f"_{col}_v4or")
    lz4 = (a4 ^ o4).bitwise_leading_zeros().clip(0, 32).cast(pl.Int64)
    m4 = lz4.replace_strict(_MASK32, return_dtype=pl.UInt32)
    v4 = v4_str(a4 & m4)
    ah, oh, al, ol = (pl.col(f"_{col}_{n}") for n in ("hiand", "hior", "loand", "loor"))
    lzh = (ah ^ oh).bitwise_leading_zeros()
    lzl = (al ^ ol).bitwise_leading_zeros()
    hi_bits = lzh.cast(pl.Int64)
    lo_bits = pl.when(lzh >= 64).then(lzl.cast(pl.Int64)).otherwise(pl.lit(0, pl.Int64))
    v6 = v6_str(pl.struct((ah & _mask64(hi_bits)).alias("hi"), (al & _mask64(lo_bits)).alias("lo")))
    same = pl.col(f"_{col}_lo") == pl.col(f"_{col}_hi")  # from the group's span (cluster._span)
    return (
        pl.when(same)
        .then(pl.col(f"_{col}_first"))
        .when(pl.col(f"_{col}_v4null") == 0)
        .then(v4)
        .when(pl.col(f"_{col}_v6null") == 0)
        .then(v6)
        .otherwise(pl.col(f"_{col}_first"))
    )
