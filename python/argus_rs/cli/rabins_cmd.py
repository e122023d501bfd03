"""``argus-rs rabins``: flow records in time bins, as rabins 3.0.8.2 prints them.

``-M time N[smhdwMy]`` (with ``hard``: every record's times are its bin's edges; ``nomodify``:
records are not cut at bin edges) and ``-m keys`` (racluster's keys; default: the flow key);
ra's reading and printing options. Bins come from :func:`argus_rs.analytics.bins.rabins`.
``--plot FILE.png|FILE.html`` draws bytes, packets and flows per bin (one line per group when
``-m`` gives one key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import CliError, split_plot
from argus_rs.cli.client import open_client

if TYPE_CHECKING:
    import polars as pl

COMMAND = "rabins"
HELP = (
    "Flow records in time bins, as rabins 3.0.8.2: -r FILE ... -M (hard) (nomodify) time N(s|m|h|d) "
    "[-m KEYS] [-s FIELDS] [-n] [-t RANGE] [-w OUT] [--plot FILE.png|FILE.html] [- FILTER]."
)

#: -M words rabins reads itself (the size after "time" too)
_OWN_MODES = frozenset({"time", "hard", "soft", "nomodify", "zero", "count", "size", "norep"})


def _is_own(word: str) -> bool:
    return word.lower() in _OWN_MODES or word[:1].isdigit()


def bin_modes(modes: list[str]) -> tuple[str, bool, bool]:
    """(size, hard, modify) of rabins' -M words."""
    from argus_rs.analytics.bins import bin_size

    size: str | None = None
    hard, modify = False, True
    i = 0
    while i < len(modes):
        word = modes[i]
        if word == "time":
            if i + 1 >= len(modes):
                raise CliError("-M time: needs a bin size, like 10s or 1m")
            size = modes[i + 1]
            try:
                bin_size(size)
            except ValueError as exc:
                raise CliError(f"-M time {size}: {exc}") from None
            i += 2
            continue
        if word in ("count", "size"):
            raise CliError(f"-M {word}: load-based bins are not supported by argus-rs rabins (use -M time N)")
        if word == "hard":
            hard = True
        elif word == "soft":
            hard = False
        elif word == "nomodify":
            modify = False
        elif word[:1].isdigit():
            raise CliError(f"-M {word}: a bin size follows 'time' (-M time {word})")
        i += 1
    if size is None:
        raise CliError("-M time N[smhd]: rabins needs a bin size (e.g. -M time 1m)")
    return size, hard, modify


def run(words: list[str]) -> int:
    from argus_rs.analytics.bins import rabins

    words, plot = split_plot(words)
    client = open_client(COMMAND, words, _is_own)
    size, hard, modify = bin_modes(client.modes)
    keys = client.args.model_words or None
    fields = client.fields()
    try:
        write = bool(client.args.config.outputs)
        result = rabins(client.lazy(), size, keys, hard=hard, modify=modify, templates=write).collect()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if write:
        result = with_records(result)  # (rabins 3.0.8.2 writes the AGR DSR even with -M norep)
    code = client.emit(result, fields)
    if plot is not None and result.height:
        from argus_rs.analytics import plot as plots

        group = keys[0].split("/")[0] if keys and len(keys) == 1 else None
        plots.time_series(result, plot, time_col="bin", value_cols=("bytes", "pkts", "flows"), group_col=group)
    return code


def with_records(result: pl.DataFrame) -> pl.DataFrame:
    """The binned rows with their Argus record bytes (``record``), for ``-w``: each made from
    its group's first record with the bin's times, counters and key, and an AGR DSR."""
    import polars as pl

    from argus_rs.analytics.agr_record import aggregate_records

    if "_record_last" not in result.columns:  # no records: nothing to build
        return result
    # rabins writes a bin of one piece without statistics: ra reads its own duration as them
    one = pl.col("trans") == 1
    result = result.with_columns(
        *(pl.when(one).then(pl.col("dur")).otherwise(pl.col(c)).alias(c) for c in ("mean", "min", "max")),
        pl.when(one).then(0.0).otherwise(pl.col("stddev")).alias("stddev"),
    )
    records = aggregate_records(result, result.get_column("record"), result.get_column("_record_last"))
    return result.with_columns(records).drop("_record_last")


def rabins_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="rabins' options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "bin_modes", "rabins_command", "run"]
