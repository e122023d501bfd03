"""``argus-rs racluster``: merge Argus records that share a flow key (``-m`` keys, ``-M rmon``,
``-M correct|nocorrect``, ``-f racluster.conf``) as racluster 3.0.8.2 does, then print the
merged records as ra prints them (``trans``, ``mean``, ... from the merge).

ra's options are read as ``argus-rs ra`` reads them; the merge is
:func:`argus_rs.analytics.racluster`.  Groups are printed in order of their first record
(3.0.8.2 prints its hash-table order).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import CliError
from argus_rs.cli.client import Client, open_client
from argus_rs.ra.fields import FieldSpec

if TYPE_CHECKING:
    import polars as pl

COMMAND = "racluster"
HELP = (
    "Merge Argus records that share a key, as racluster 3.0.8.2 does, and print them as ra does: "
    "-r FILE ... [-m KEY ...] [-M rmon|correct|nocorrect] [-f racluster.conf] [-s FIELDS] [-n] "
    "[-t RANGE] [-N N] [-w OUT] [- FILTER]. Keys and merge rules: see docs/analytics.md."
)

#: records merged per step by the command (the rest of the input waits on disk)
CHUNK_ROWS = 200_000

_OWN_MODES = ("rmon", "correct", "nocorrect", "norep", "ind", "replace", "preserve", "nopreserve")

#: the column labels of racluster -M rmon (a host's outgoing and incoming traffic)
RMON_LABELS = {"saddr": "Host", "spkts": "OutPkts", "dpkts": "InPkts", "sbytes": "OutBytes", "dbytes": "InBytes"}


@dataclass(frozen=True)
class _Relabelled(FieldSpec):
    """A field printed under another label (racluster -M rmon's Host, OutPkts, ...)."""

    new_label: str = ""

    @property
    def label(self) -> str:
        return self.new_label


def rmon_fields(fields: list[FieldSpec]) -> list[FieldSpec]:
    """``fields`` with racluster -M rmon's labels."""
    out: list[FieldSpec] = []
    for f in fields:
        if f.name in RMON_LABELS:
            out.append(_Relabelled(f.name, f.width, f.format, RMON_LABELS[f.name]))
        else:
            out.append(f)
    return out


def _is_own(word: str) -> bool:
    return word.lower() in _OWN_MODES


def cluster_frame(
    lf: pl.LazyFrame, keys: list[str] | None, modes: list[str], conf: str | None, *, templates: bool = False
) -> pl.LazyFrame:
    """The merged records of ``lf`` for racluster's -m keys, -M modes and -f file
    (``templates``: with the record bytes -w writes the merged records from)."""
    from argus_rs.analytics import racluster

    rmon = "rmon" in modes
    correct = True if "correct" in modes else False if "nocorrect" in modes else None
    if conf is not None:
        from argus_rs.analytics.cluster_conf import cluster_with_conf, read_cluster_conf

        return cluster_with_conf(
            lf, read_cluster_conf(conf), keys=keys, rmon=rmon, correct=correct, name=conf, templates=templates
        )
    return racluster(lf if templates else lf.drop("record"), keys, correct=correct, rmon=rmon, templates=templates)


def run(words: list[str]) -> int:
    client = open_client(COMMAND, words, _is_own)
    if "replace" in client.modes:
        raise CliError("-M replace: rewriting the input files is not supported; use -w OUT")
    keys = client.args.model_words or None
    fields = client.fields()
    if "rmon" in client.modes:
        fields = rmon_fields(fields)
    try:
        if client.args.flow_conf is None and "ind" in client.modes and len(client.inputs) > 1:
            # -M ind: each input file merged on its own, the files' groups one after the other
            import polars as pl

            parts = []
            for path in list(client.inputs):
                client.inputs = [path]
                parts.append(_chunked(client, keys, fields))
            result = pl.concat(parts, how="vertical_relaxed")
        elif client.args.flow_conf is None:
            result = _chunked(client, keys, fields)
        else:
            lf = client.lazy()  # with the record bytes: for racluster.conf's rule filters
            write = bool(client.args.config.outputs)
            result = cluster_frame(lf, keys, client.modes, client.args.flow_conf, templates=write).collect()
            if write:
                import polars as pl

                from argus_rs.analytics.agr_record import aggregate_records

                # (a one-record aggregate is written without statistics: ra reads its duration)
                one = pl.col("trans") == 1
                result = result.with_columns(pl.when(one).then(pl.col("dur")).otherwise(pl.col("min")).alias("min"))
                firsts, lasts = result.get_column("record"), result.get_column("_record_last")
                records = aggregate_records(result, firsts, lasts, agr="norep" not in client.modes)
                from argus_rs.analytics.cluster_timers import int_state_records

                records = int_state_records(result, records)
                if "label" in result.columns:  # racluster.conf's label=: a LABEL DSR
                    from argus_rs.analytics.label_dsr import with_labels

                    records = with_labels(records, result.get_column("label"))
                result = result.with_columns(records).drop("_record_last")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return client.emit(result, fields)


def chunk_rows() -> int:
    """Records merged per step (ARGUS_RS_CHUNK_ROWS overrides): the memory bound of racluster."""
    try:
        return max(int(os.environ.get("ARGUS_RS_CHUNK_ROWS", "")), 1)
    except ValueError:
        return CHUNK_ROWS


#: the columns the merge itself reads (the -m keys' columns come on top)
_MERGE_COLUMNS: tuple[str, ...] = (
    *("stime", "ltime", "dur", "flgs", "proto", "saddr", "sport", "dir", "daddr", "dport", "state"),
    *("cause", "seq", "srcid", "pkts", "spkts", "dpkts", "bytes", "sbytes", "dbytes", "sappbytes", "dappbytes"),
)


def read_columns(client: Client, keys: list[str] | None, fields: list[FieldSpec]) -> list[str]:
    """The record columns racluster reads: what the merge and the -m keys need, plus what
    the -s fields print, or the record bytes for -w to argus files (other -w formats write
    every column); fewer columns are read, decoded and merged faster."""
    from argus_rs.analytics.cluster import CLUSTER_KEYS
    from argus_rs.cli.ra_cmd import _print_options
    from argus_rs.export import format_for
    from argus_rs.ra.columns import columns_for, record_columns

    config = client.args.config
    every = [c for c in record_columns() if c != "record"]
    wanted = set(_MERGE_COLUMNS)
    for k in keys or []:
        wanted.update(c for c in CLUSTER_KEYS.get(k, []) if not c.startswith("_"))
    if config.outputs:
        try:
            if any(format_for(target, None) != "argus" for target, _ in config.outputs):
                return [*every, "record"]
        except ValueError:
            return [*every, "record"]
        wanted.add("record")
    else:
        wanted.update(c for c in columns_for(fields, _print_options(config)) if c != "record")
    return [c for c in [*every, "record"] if c in wanted]


def _chunked(client: Client, keys: list[str] | None, fields: list[FieldSpec]) -> pl.DataFrame:
    """racluster over the input chunk by chunk: each chunk's records are merged, and the merged
    rows of all chunks are merged again (racluster merges aggregated records too), so memory
    holds one chunk and the groups, whatever the size of the input."""
    import polars as pl

    from argus_rs.analytics import racluster
    from argus_rs.analytics.cluster_kernel import is_five_tuple, kernel_applies, merge

    rmon = "rmon" in client.modes
    correct = True if "correct" in client.modes else False if "nocorrect" in client.modes else None
    step = chunk_rows()
    client.batch_rows = min(client.batch_rows, step)
    merged: list[pl.DataFrame] = []
    pending: list[pl.DataFrame] = []
    rows = 0
    # merged rows are merged again once they reach twice the groups the last merge left (at
    # least one step): with many groups, merging them again after every chunk cost time
    # quadratic in the input, this way each group is merged again O(log n) times
    remerge_at = step

    def flush() -> None:
        nonlocal rows
        if pending:
            chunk = pl.concat(pending, how="vertical_relaxed")
            merged.append(racluster(chunk, keys, correct=correct, rmon=rmon, templates=write).collect())
            pending.clear()
            rows = 0

    def again(parts: list[pl.DataFrame]) -> pl.DataFrame:
        # merged rows are merged by the same keys (rmon's rows are turned around already)
        frame = pl.concat(parts, how="vertical_relaxed")
        return racluster(frame, keys, correct=correct, rmon_rows=rmon, templates=write).collect()

    # -w: the records are written from each group's first record (its bytes are kept)
    write = bool(client.args.config.outputs)
    columns = read_columns(client, keys, fields)
    if kernel_applies(columns, keys, rmon=rmon):
        # the default key (or the 5-tuple): every batch merged into one set of groups in Rust
        five = is_five_tuple(keys)
        kernel_result = merge(client.batches(columns), correct=correct is not False, templates=write, five=five)
        if kernel_result is not None:
            return _with_records(client, kernel_result) if write else kernel_result
        from argus_rs.io import empty_frame

        return racluster(empty_frame(), keys, correct=correct, rmon=rmon).collect()  # no records
    for batch in client.batches(columns):
        pending.append(batch)
        rows += batch.height
        if rows >= step:
            flush()
            if sum(m.height for m in merged) >= remerge_at:
                merged[:] = [again(merged)]
                remerge_at = max(step, 2 * merged[0].height)
    flush()
    if not merged:
        from argus_rs.io import empty_frame

        return racluster(empty_frame(), keys, correct=correct, rmon=rmon).collect()
    result = merged[0] if len(merged) == 1 else again(merged)
    return _with_records(client, result) if write else result


def _with_records(client: Client, result: pl.DataFrame) -> pl.DataFrame:
    """The merged rows with the Argus record bytes -w writes (from each group's first and last
    record's bytes)."""
    from argus_rs.analytics.agr_record import aggregate_records

    records = aggregate_records(
        result, result.get_column("record"), result.get_column("_record_last"), agr="norep" not in client.modes
    )
    return result.with_columns(records).drop("_record_last")


def racluster_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="racluster's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "RMON_LABELS", "cluster_frame", "racluster_command", "rmon_fields", "run"]
