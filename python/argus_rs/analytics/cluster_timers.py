"""The ``status=`` and ``idle=`` timers of racluster.conf rules, as racluster 3.0.8.2 applies
them to records read from files (spec 7.2; found by experiment with the real racluster).

racluster reads the records in file order; each rule keeps a table of aggregates, queued in the
order they were last merged into.  With ``idle=N``, before each flow record is taken, every
aggregate at the head of the queue whose last time is N s or more before the record's start
time is printed and dropped (a later record of its key starts a fresh aggregate).  When a record
meets its aggregate, that aggregate is printed and restarted (its counters and times zeroed, its
flow key kept) if, with the record, it would span ``status`` s or more, or (with ``idle``) if the
gap between the two is ``idle`` s or more.  A restarted aggregate keeps its flow key, so fields
that are not in the model (ports, addresses) are those common to every record since the
aggregate began, not only to the records since the restart.

Here each record of a timed rule gets a tag ``entry:segment`` (the aggregate's life and the
stretch between two prints); the rule's records are merged by the model plus that tag, and the
non-model flow fields of later segments are reduced over the whole entry afterwards.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict

import polars as pl

from argus_rs.analytics import _addr
from argus_rs.analytics._common import reversed_columns
from argus_rs.analytics.cluster import _KEY_RE, _key_exprs

__all__ = ["TAG", "carry_flow_fields", "group_hash", "rule_tags", "segments", "untag"]

#: separates the timer tag from the source id while a timed rule's records are merged
TAG = "\x1e"


def group_hash(model: list[str] | None, correct: bool, columns: list[str]) -> tuple[pl.Expr, pl.Expr | None]:
    """An expression of racluster's group key of each record (a 64-bit hash) for ``model``
    (None: the flow, both directions when ``correct``), and the condition under which the
    matrix key turns a record around (to be applied first), else None."""
    if model is None:
        fam = _addr.family("saddr")
        s = pl.concat_str([pl.col("saddr"), pl.col("sport").fill_null("")], separator="|")
        d = pl.concat_str([pl.col("daddr"), pl.col("dport").fill_null("")], separator="|")
        if correct:
            parts = [fam, pl.col("proto"), pl.col("srcid"), pl.min_horizontal(s, d), pl.max_horizontal(s, d)]
        else:
            parts = [fam, pl.col("proto"), pl.col("srcid"), s, d]
        return pl.struct([p.alias(f"_k{i}") for i, p in enumerate(parts)]).hash(seed=11), None
    exprs, _keep, swap = _key_exprs(model, columns)
    if any(_KEY_RE.match(k) for k in model):
        kind = pl.when(pl.col("proto").is_in(["arp", "rarp"])).then(pl.col("proto")).otherwise(pl.lit("ip"))
        exprs = [kind, *exprs]
    return pl.struct([e.alias(f"_k{i}") for i, e in enumerate(exprs)]).hash(seed=11), swap


def segments(
    clocks: list[int], stimes: list[int], ltimes: list[int], keys: list[int], status_s: int, idle_s: int
) -> tuple[list[int], list[int]]:
    """The aggregate (entry) and segment numbers of one timed rule's records, in file order.

    ``keys``: each record's group hash; ``stimes``/``ltimes``: its times (µs); ``clocks``: the
    latest start time (µs) of the flow records read since the rule's previous record, this one
    included (racluster's idle sweep runs before every flow record with that record's start as
    the clock; the sweeps between two of the rule's records act as one with the latest clock)."""
    status_us, idle_us = status_s * 1_000_000, idle_s * 1_000_000
    # key -> [entry, segment, stime, ltime], in the order the aggregates were last merged into
    table: OrderedDict[int, list[int]] = OrderedDict()
    entries: list[int] = []
    segs: list[int] = []
    count = 0
    for clock, key, st, lt in zip(clocks, keys, stimes, ltimes, strict=True):
        if idle_us > 0:
            while table:
                oldest = next(iter(table))
                if clock - table[oldest][3] < idle_us:
                    break
                del table[oldest]
        agg = table.get(key)
        if agg is None:
            count += 1
            agg = table[key] = [count, 0, st, lt]
        else:
            a_st, a_lt = agg[2], agg[3]
            gap = a_st - lt if lt < a_st else (st - a_lt if a_lt < st else 0)
            if (status_us > 0 and max(a_lt, lt) - min(a_st, st) >= status_us) or (idle_us > 0 and gap >= idle_us):
                agg[1] += 1
                agg[2], agg[3] = st, lt
            else:
                agg[2], agg[3] = min(a_st, st), max(a_lt, lt)
            table.move_to_end(key)
        entries.append(agg[0])
        segs.append(agg[1])
    return entries, segs


def rule_tags(frame: pl.DataFrame, take: str, key: pl.Expr, status_s: int, idle_s: int) -> pl.Series:
    """The ``entry:segment`` tag of each record (null where the rule, whose take column is
    ``take``, does not take it) from the records of ``frame`` in file order."""
    st, lt = pl.col("stime").dt.epoch("us").fill_null(0), pl.col("ltime").dt.epoch("us").fill_null(0)
    took = pl.col(take).fill_null(False)
    rows = frame.select(
        st.alias("_st"),
        lt.alias("_lt"),
        key.alias("_key"),
        took.alias("_took"),
        # the records since the rule's previous record share a number: their latest start
        (took.cast(pl.Int64).cum_sum() - took.cast(pl.Int64)).alias("_span"),
    ).with_row_index("_pos")
    rows = rows.with_columns(pl.col("_st").max().over("_span").alias("_clock")).filter("_took")
    entries, segs = segments(
        rows.get_column("_clock").to_list(),
        rows.get_column("_st").to_list(),
        rows.get_column("_lt").to_list(),
        rows.get_column("_key").to_list(),
        status_s,
        idle_s,
    )
    tags = rows.select(
        "_pos",
        pl.concat_str(
            [pl.Series(entries, dtype=pl.Int64).cast(pl.String), pl.Series(segs, dtype=pl.Int64).cast(pl.String)],
            separator=":",
        ).alias("tag"),
    )
    every = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_pos"))
    return every.join(tags, on="_pos", how="left", maintain_order="left").get_column("tag")


def untag(frame: pl.DataFrame) -> pl.DataFrame:
    """A merged timed rule's rows with the tag taken out of ``srcid`` (into ``_entry``), and
    what a restart leaves in an aggregate as 3.0.8.2 prints it."""
    parts = pl.col("srcid").str.split_exact(TAG, 1)
    tag = parts.struct.field("field_0")
    restarted = tag.str.split(":").list.last() != "0"
    # a restarted aggregate's UDP state is rebuilt from zeroed bits: a one-way flow is INT
    state = pl.when(restarted & (pl.col("proto") == "udp") & (pl.col("state") == "REQ")).then(pl.lit("INT"))
    return frame.with_columns(
        tag.str.split(":").list.first().alias("_entry"),
        pl.when(parts.struct.field("field_1") != "").then(parts.struct.field("field_1")).alias("srcid"),
        state.otherwise(pl.col("state")).alias("state"),
        # ... and its zeroed statistics keep a minimum of 0
        pl.when(restarted).then(pl.lit(0.0)).otherwise(pl.col("min")).alias("min"),
    )


def _common_port(values: list[str | None]) -> list[str | None]:
    out, first, same = [], values[0], True
    for v in values:
        same = same and v == first
        out.append(v if same else "0")
    return out


def _common_addr(values: list[str | None]) -> list[str | None]:
    out: list[str | None] = []
    net: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    for v in values:
        try:
            addr = ipaddress.ip_address(v or "")
        except ValueError:
            return values  # not an IP address (ARP, ...): left as merged
        if net is None:
            net = ipaddress.ip_network(addr)
        elif addr.version != net.version:
            return values
        else:
            while addr not in net:
                net = net.supernet()
        out.append(str(net.network_address))
    return out


def carry_flow_fields(frame: pl.DataFrame, model: list[str] | None) -> pl.DataFrame:
    """The flow fields that are not keys reduced over each aggregate's whole life (racluster
    keeps the flow key of an aggregate it restarts); rows of one entry are in time order."""
    if model is None or frame.height == 0:
        return frame
    names = {m.split("/", 1)[0] for m in model}
    if "matrix" in names:
        names |= {"saddr", "daddr"}
    cols = [c for c in ("saddr", "daddr") if c not in names and c in frame.columns]
    ports = [c for c in ("sport", "dport") if c not in names and c in frame.columns]
    if not (cols or ports):
        return frame
    frame = frame.with_row_index("_pos")
    # only aggregates that were restarted have later segments to fix
    restarted = frame.filter(pl.len().over("_entry") > 1)
    by_entry = restarted.group_by("_entry", maintain_order=True).agg("_pos", *cols, *ports)
    fixed: dict[str, list[str | None]] = {c: frame.get_column(c).to_list() for c in (*cols, *ports)}
    for row in by_entry.iter_rows(named=True):
        for c in (*cols, *ports):
            values = (_common_addr if c in cols else _common_port)(row[c])
            for pos, v in zip(row["_pos"], values, strict=True):
                fixed[c][pos] = v
    return frame.with_columns(pl.Series(c, v, dtype=frame.schema[c]) for c, v in fixed.items()).drop("_pos")


def turned(columns: list[str], swap: pl.Expr | None) -> list[pl.Expr]:
    """The columns as the matrix key sees them (turned around where ``swap`` holds)."""
    return [] if swap is None else reversed_columns(columns, swap)


def int_state_records(frame: pl.DataFrame, records: pl.Series) -> pl.Series:
    """``records`` (the bytes -w writes for the rows of ``frame``) with the start cause (0x10 in
    the header's cause byte) set where a one-way UDP row's state is INT: ra prints a one-way
    UDP record INT only with that cause, REQ without (a restarted aggregate prints INT)."""
    flagged = frame.select(((pl.col("proto") == "udp") & (pl.col("state") == "INT")).fill_null(False)).to_series()
    if not flagged.any():
        return records
    out = [
        r[:1] + bytes((r[1] | 0x10,)) + r[2:] if hit and r is not None and len(r) > 1 else r
        for r, hit in zip(records.to_list(), flagged.to_list(), strict=True)
    ]
    return pl.Series(records.name, out, dtype=pl.Binary)
