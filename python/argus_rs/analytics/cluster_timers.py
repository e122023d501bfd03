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
from dataclasses import dataclass

import polars as pl

from argus_rs.analytics import _addr
from argus_rs.analytics._common import reversed_columns
from argus_rs.analytics.cluster import _KEY_RE, _key_exprs

__all__ = ["TAG", "carry_flow_fields", "group_hash", "segment_tags", "untag"]

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


@dataclass
class _Agg:
    entry: int
    seg: int
    stime: int
    ltime: int


@dataclass
class _Timers:
    status_us: int
    idle_us: int
    table: OrderedDict[int, _Agg]


def segment_tags(
    stimes: list[int], ltimes: list[int], rules: list[tuple[int, int, list[bool], list[int | None]]]
) -> list[list[str | None]]:
    """The ``entry:segment`` tag of each record for each timed rule.

    ``stimes``/``ltimes``: every flow record's times (µs), in file order; ``rules``: per timed
    rule (status s, idle s, does the rule take the record, the record's group hash).  A record
    the rule does not take gets None."""
    timers = [_Timers(st * 1_000_000, idle * 1_000_000, OrderedDict()) for st, idle, _, _ in rules]
    out: list[list[str | None]] = [[None] * len(stimes) for _ in rules]
    counters = [0] * len(rules)
    for row, (st, lt) in enumerate(zip(stimes, ltimes, strict=True)):
        for t in timers:  # the idle sweep: racluster runs it before every flow record
            if t.idle_us <= 0:
                continue
            while t.table:
                oldest, head = next(iter(t.table.items()))
                if st - head.ltime < t.idle_us:
                    break
                del t.table[oldest]
        for r, (t, (_, _, takes, keys)) in enumerate(zip(timers, rules, strict=True)):
            key = keys[row]
            if not takes[row] or key is None:
                continue
            found = t.table.get(key)
            if found is None:
                counters[r] += 1
                agg = _Agg(counters[r], 0, st, lt)
                t.table[key] = agg
            else:
                agg = found
                span = max(agg.ltime, lt) - min(agg.stime, st)
                gap = agg.stime - lt if lt < agg.stime else (st - agg.ltime if agg.ltime < st else 0)
                if (t.status_us > 0 and span >= t.status_us) or (t.idle_us > 0 and gap >= t.idle_us):
                    agg.seg += 1
                    agg.stime, agg.ltime = st, lt
                else:
                    agg.stime, agg.ltime = min(agg.stime, st), max(agg.ltime, lt)
                t.table.move_to_end(key)
            out[r][row] = f"{agg.entry}:{agg.seg}"
    return out


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
    by_entry = frame.group_by("_entry", maintain_order=True).agg("_pos", *cols, *ports)
    fixed: dict[str, list[str | None]] = {c: [None] * frame.height for c in (*cols, *ports)}
    for row in by_entry.iter_rows(named=True):
        for c in (*cols, *ports):
            values = (_common_addr if c in cols else _common_port)(row[c])
            for pos, v in zip(row["_pos"], values, strict=True):
                fixed[c][pos] = v
    return frame.with_columns(pl.Series(c, v, dtype=frame.schema[c]) for c, v in fixed.items()).drop("_pos")


def turned(columns: list[str], swap: pl.Expr | None) -> list[pl.Expr]:
    """The columns as the matrix key sees them (turned around where ``swap`` holds)."""
    return [] if swap is None else reversed_columns(columns, swap)
