"""``argus-rs ramon``: argus 2's ramon as Argus 3.0.8 replaces it (spec 7.4; ramon is not
shipped with 3.0.8.2): ``-M TopN`` (default) = ``racluster -M rmon -m saddr | rasort -m bytes``,
one row per host with its outgoing and incoming traffic; ``-M Matrix`` = ``racluster -m matrix
| rasort -m bytes``, one row per address pair.  ``-m pkts`` (or another rasort key) orders by
that instead, ``-N COUNT`` keeps the first COUNT rows, ``--plot FILE.png|FILE.html`` draws
them (top-talker bars, matrix heat map).
"""

from __future__ import annotations

from typing import Annotated

import typer

from argus_rs.cli._common import CliError, split_plot
from argus_rs.cli.client import open_client

COMMAND = "ramon"
HELP = (
    "Top talkers (-M TopN, default) or the address matrix (-M Matrix) by bytes (-m pkts: packets), "
    "as Argus 3 builds them with racluster and rasort: -r FILE ... [-M TopN|Matrix] [-m KEY] [-N COUNT] "
    "[-s FIELDS] [-n] [-t RANGE] [--plot FILE.png|FILE.html] [- FILTER]."
)

#: default columns: TopN as racluster -M rmon -m saddr prints a host (Host Trans OutPkts ...)
TOPN_FIELDS = "saddr trans spkts dpkts sbytes dbytes"
MATRIX_FIELDS = "saddr dir daddr trans spkts dpkts sbytes dbytes"


def run(words: list[str]) -> int:
    from argus_rs.analytics import ramon
    from argus_rs.cli.racluster_cmd import rmon_fields
    from argus_rs.ra import parse_field_list

    words, plot = split_plot(words)
    if plot is not None and not plot.lower().endswith((".png", ".html", ".htm")):
        raise CliError(f"--plot {plot}: the file name must end in .png or .html")
    client = open_client(COMMAND, words, lambda m: m.lower() in ("topn", "matrix"))
    mode = "Matrix" if "matrix" in client.modes else "TopN"
    keys = client.args.model_words or ["bytes"]
    # ramon's -N is the number of rows shown (argus 2), not an input limit
    config = client.args.config
    count = config.first_n[1] if config.first_n[1] >= 0 else None
    config.first_n = (-1, -1)
    client.inputs = client.inputs or ["-"]
    default = parse_field_list((TOPN_FIELDS if mode == "TopN" else MATRIX_FIELDS).split())
    fields = client.fields(default)
    if mode == "TopN":
        fields = rmon_fields(fields)
    write = bool(config.outputs)
    try:
        if write:
            # -w: as ramon() but with the records' bytes, to write the merged records from
            from argus_rs.analytics import racluster, rasort
            from argus_rs.analytics.agr_record import aggregate_records

            lf = client.lazy()
            merged = racluster(lf, "saddr" if mode == "TopN" else "matrix", rmon=mode == "TopN", templates=True)
            ordered = rasort(merged, " ".join(keys))
            result = (ordered.head(count) if count is not None else ordered).collect()
            records = aggregate_records(result, result.get_column("record"), result.get_column("_record_last"))
            result = result.with_columns(records).drop("_record_last")
        else:
            lf = client.lazy(client.without_record())
            result = ramon(lf, mode, by=" ".join(keys), n=count).collect(engine="streaming")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if plot is not None and result.height:
        from argus_rs.analytics import plot as plots

        value = "pkts" if keys[0] in ("pkts", "spkts", "dpkts") else "bytes"
        if mode == "TopN":
            plots.top_talkers(result, plot, value=value)
        else:
            plots.matrix_heatmap(result, plot, value_col=value, symmetric=True)
    return client.emit(result, fields)


def ramon_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="ramon's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "ramon_command", "run"]
