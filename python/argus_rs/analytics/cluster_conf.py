"""racluster's flow-model configuration file (``racluster -f racluster.conf``, spec 7.2).

A file holds ``RACLUSTER_*`` settings and ordered rules, one per line::

    RACLUSTER_AUTO_CORRECTION=no
    filter="udp" model="proto"
    filter="tcp and port 80" model="saddr daddr" status=120 idle=30 label="web"
    filter="icmp" model="saddr" cont

Each record is aggregated by the model of the first rule whose filter it passes (a rule
without a filter takes every record; without a model it merges the records of one flow, as
racluster does by default); with ``cont`` the record is offered to the later rules too.
Records that no rule takes are merged as racluster merges them without ``-f``.  Comments
start with ``#``.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field

import polars as pl

from argus_rs.analytics.cluster import racluster

__all__ = ["ClusterConf", "ClusterRule", "cluster_with_conf", "parse_cluster_conf", "read_cluster_conf"]

#: RACLUSTER_* settings 3.0.8.2 reads; the ones that change nothing for argus-rs are accepted
_SETTINGS = {
    "RACLUSTER_MODEL_NAME",
    "RACLUSTER_PRESERVE_FIELDS",
    "RACLUSTER_REPORT_AGGREGATION",
    "RACLUSTER_AUTO_CORRECTION",
    "RACLUSTER_AGG_METRIC",
}
_RULE_WORDS = {"filter", "model", "status", "idle", "label", "grep"}
_SETTING_RE = re.compile(r"^(RACLUSTER_[A-Z_]+)\s*=\s*(.*)$")


@dataclass
class ClusterRule:
    """One rule line."""

    filter: str | None = None
    model: list[str] | None = None
    status: int | None = None  # seconds: an aggregate is printed and restarted when it would span more
    idle: int | None = None  # seconds: an aggregate is printed when no record came for this long
    label: str | None = None
    cont: bool = False
    line: int = 0


@dataclass
class ClusterConf:
    """A racluster.conf: its rules in order and its settings."""

    rules: list[ClusterRule] = field(default_factory=list)
    model_name: str | None = None
    auto_correction: bool = True
    preserve_fields: bool = True
    report_aggregation: bool = True
    agg_metric: str = "dur"


def _yes(value: str) -> bool:
    return value.strip().strip("\"'").lower() in ("yes", "true", "1", "on")


def _rule(text: str, where: str, line: int) -> ClusterRule:
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    rule = ClusterRule(line=line)
    for word in words:
        if word == "cont":
            rule.cont = True
            continue
        name, eq, value = word.partition("=")
        if not eq or name not in _RULE_WORDS:
            raise ValueError(f"{where}: unknown word {word!r} (expected filter=, model=, status=, idle=, label=, cont)")
        if name == "filter":
            rule.filter = value.strip() or None
        elif name == "model":
            rule.model = value.replace(",", " ").split() or None
        elif name in ("status", "idle"):
            try:
                setattr(rule, name, int(value))
            except ValueError:
                raise ValueError(f"{where}: {name}={value}: not a number of seconds") from None
        elif name == "label":
            rule.label = value
        else:
            raise ValueError(f"{where}: {name}= is not supported by argus-rs")
    return rule


def parse_cluster_conf(text: str, name: str = "racluster.conf") -> ClusterConf:
    """Read the text of a racluster.conf; errors name ``name`` and the line."""
    conf = ClusterConf()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        setting = _SETTING_RE.match(line)
        if setting:
            key, value = setting.group(1), setting.group(2).strip()
            if key not in _SETTINGS:
                raise ValueError(f"{where}: unknown setting {key}")
            if key == "RACLUSTER_MODEL_NAME":
                conf.model_name = value.strip("\"'")
            elif key == "RACLUSTER_AUTO_CORRECTION":
                conf.auto_correction = _yes(value)
            elif key == "RACLUSTER_PRESERVE_FIELDS":
                conf.preserve_fields = _yes(value)
            elif key == "RACLUSTER_REPORT_AGGREGATION":
                conf.report_aggregation = _yes(value)
            else:
                metric = value.strip("\"'")
                if metric != "dur":
                    raise ValueError(f"{where}: RACLUSTER_AGG_METRIC={metric}: only dur is supported")
                conf.agg_metric = metric
            continue
        conf.rules.append(_rule(line, where, number))
    return conf


def read_cluster_conf(path: str | os.PathLike[str]) -> ClusterConf:
    """Read a racluster.conf file (ValueError naming the file and line on a bad line)."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError as exc:
        raise ValueError(f"{name}: {exc.strerror or exc}") from None
    return parse_cluster_conf(text, name)


def _masks(conf: ClusterConf, name: str) -> list[pl.Expr]:
    """One boolean column per rule: does the record pass the rule's filter?"""
    from argus_rs.filter import FilterError
    from argus_rs.filter import compile as compile_filter

    out: list[pl.Expr] = []
    for i, rule in enumerate(conf.rules):
        if rule.filter is None:
            out.append(pl.lit(True).alias(f"_rule{i}"))
            continue
        try:
            flt = compile_filter(rule.filter)
        except (FilterError, ValueError) as exc:
            raise ValueError(f"{name}:{rule.line}: filter {rule.filter!r}: {' '.join(str(exc).split())}") from None

        def mask(records: pl.Series, flt: object = flt) -> pl.Series:
            return pl.Series(flt.mask(records)).fill_null(False)  # type: ignore[attr-defined]

        out.append(pl.col("record").map_batches(mask, return_dtype=pl.Boolean).alias(f"_rule{i}"))
    return out


def _zero_non_keys(lf: pl.LazyFrame, model: list[str]) -> pl.LazyFrame:
    """3.0.8.2 zeroes the flow-key fields that are not in the model for every rule after the
    first (the first rule keeps common values, as racluster -m): addresses 0.0.0.0 (``::``),
    protocol 0 (printed ``ip``, no ports) unless a key needs it, ports 0."""
    names = {m.split("/", 1)[0] for m in model}
    if "matrix" in names:
        names |= {"saddr", "daddr"}
    fixes: list[pl.Expr] = []
    for side in ("saddr", "daddr"):
        if side not in names:
            v6 = pl.col(side).str.contains(":")
            fixes.append(pl.when(v6).then(pl.lit("::")).otherwise(pl.lit("0.0.0.0")).alias(side))
    keep_proto = bool(names & {"proto", "sport", "dport"})
    for port in ("sport", "dport"):
        if port not in names:
            fixes.append((pl.lit("0") if keep_proto else pl.lit(None, pl.Utf8)).alias(port))
    if not keep_proto:
        fixes.append(pl.lit("ip").alias("proto"))
        # an IP flow without protocol: no TCP state, the state of the packet counts
        both = (pl.col("spkts") > 0) & (pl.col("dpkts") > 0)
        fixes.append(
            pl.when(both)
            .then(pl.lit("CON"))
            .when(pl.col("spkts") > 0)
            .then(pl.lit("INT"))
            .otherwise(pl.lit("RSP"))
            .alias("state")
        )
    return lf.with_columns(fixes) if fixes else lf


def cluster_with_conf(
    lf: pl.LazyFrame | pl.DataFrame,
    conf: ClusterConf,
    *,
    keys: list[str] | None = None,
    rmon: bool = False,
    correct: bool | None = None,
    name: str = "racluster.conf",
    templates: bool = False,
) -> pl.LazyFrame:
    """Aggregate ``lf`` (records with their ``record`` bytes, for the rule filters) by the rules
    of ``conf``; records no rule takes are merged by ``keys`` (racluster's ``-m``, default
    the flow).  The result: each rule's groups in rule order, then the other groups.
    ``templates``: keep each group's first and last record bytes (``record``, ``_record_last``)
    to write the merged records from, as :func:`racluster` does."""
    lazy = lf.lazy()
    n = len(conf.rules)
    if correct is None and not conf.auto_correction:
        correct = False
    if n == 0:
        plain = lazy if templates else lazy.drop("record")
        return racluster(plain, keys, correct=correct, rmon=rmon, templates=templates)
    lazy = lazy.with_columns(_masks(conf, name))
    # which rules take the record: the first that matches, and after a cont rule the next too
    taken: list[pl.Expr] = []
    still = pl.lit(True)  # not yet taken by a rule without cont
    for i, rule in enumerate(conf.rules):
        hit = still & pl.col(f"_rule{i}")
        taken.append(hit.alias(f"_take{i}"))
        if not rule.cont:
            still = still & ~pl.col(f"_rule{i}")
    drop = [*([] if templates else ["record"]), *(f"_rule{i}" for i in range(n))]
    lazy = lazy.with_columns([*taken, still.alias("_rest")]).drop(drop)
    # (model="none" does not merge: nothing for a timer to split)
    timed = [i for i, rule in enumerate(conf.rules) if (rule.status or rule.idle) and rule.model != ["none"]]
    if timed:
        lazy = _with_timer_tags(lazy, conf, timed, correct)
    lazy = lazy.cache()
    helper = [*(f"_take{i}" for i in range(n)), *(f"_tag{i}" for i in timed), "_rest"]
    parts: list[pl.LazyFrame] = []
    for i, rule in enumerate(conf.rules):
        chosen = lazy.filter(pl.col(f"_take{i}"))
        rule_correct = correct if rule.model is None else None
        if i in timed:
            merged = _timed_rule(chosen, rule, i, helper, rule_correct, rmon, templates)
        else:
            merged = racluster(chosen.drop(helper), rule.model, correct=rule_correct, rmon=rmon, templates=templates)
        if rule.label is not None:
            # every record the rule takes carries the label, so its aggregates do too
            merged = merged.with_columns(pl.lit(rule.label).alias("label"))
        parts.append(_zero_non_keys(merged, rule.model) if i and rule.model else merged)
    rest = lazy.filter(pl.col("_rest")).drop(helper)
    parts.append(racluster(rest, keys, correct=correct, rmon=rmon, templates=templates))
    return pl.concat(parts, how="diagonal_relaxed")


def _with_timer_tags(lazy: pl.LazyFrame, conf: ClusterConf, timed: list[int], correct: bool | None) -> pl.LazyFrame:
    """``lazy`` with a ``_tag{i}`` column (the aggregate's life and segment) per timed rule."""
    from argus_rs.analytics.cluster_timers import group_hash, rule_tags, turned

    columns = lazy.collect_schema().names()
    frame = lazy.collect()
    tags = []
    for i in timed:
        rule = conf.rules[i]
        rule_correct = (correct is not False) if rule.model is None else False
        expr, swap = group_hash(rule.model, rule_correct, columns)
        view = frame.with_columns(turned(columns, swap)) if swap is not None else frame
        tags.append(rule_tags(view, f"_take{i}", expr, rule.status or 0, rule.idle or 0).alias(f"_tag{i}"))
    return frame.with_columns(tags).lazy()


def _timed_rule(
    chosen: pl.LazyFrame,
    rule: ClusterRule,
    i: int,
    helper: list[str],
    correct: bool | None,
    rmon: bool,
    templates: bool,
) -> pl.LazyFrame:
    """A timed rule's aggregates: merged by the model and the timer tag (riding in srcid)."""
    from argus_rs.analytics.cluster_timers import TAG, carry_flow_fields, untag

    tagged = chosen.with_columns(
        pl.concat_str([pl.col(f"_tag{i}"), pl.col("srcid").cast(pl.String).fill_null("")], separator=TAG).alias("srcid")
    ).drop(helper)
    model = rule.model
    keys = None if model is None else (model if "srcid" in model else [*model, "srcid"])
    merged = untag(racluster(tagged, keys, correct=correct, rmon=rmon, templates=templates).collect())
    return carry_flow_fields(merged, model).drop("_entry").lazy()
