"""``argus-rs rasort``: sort Argus records as rasort 3.0.8.2 does (``-m`` keys in priority order,
counters descending), then print them as ra prints them or write them (``-w``).

ra's options are read as ``argus-rs ra`` reads them; the order comes from
:func:`argus_rs.analytics.rasort`.  The records stream from the files into polars' streaming
sort, so inputs larger than memory can be sorted.
"""

from __future__ import annotations

from typing import Annotated

import typer

from argus_rs.cli._common import CliError
from argus_rs.cli.client import open_client

COMMAND = "rasort"
HELP = (
    "Sort Argus records as rasort 3.0.8.2 does and print them as ra does: "
    "-r FILE ... [-m KEY ...] (default stime; counters sort largest first) [-s FIELDS] [-n] [-t RANGE] "
    "[-N N] [-w OUT] [- FILTER]. Keys: see docs/analytics.md."
)


def run(words: list[str]) -> int:
    from argus_rs.analytics import rasort
    from argus_rs.ra.render import _needs_extra

    client = open_client(COMMAND, words, lambda m: m.lower() in ("replace",))
    if "replace" in client.modes:
        raise CliError("-M replace: rewriting the input files is not supported; use -w OUT")
    keys = client.args.model_words or ["stime"]
    fields = client.fields()
    from argus_rs.cli.ra_cmd import _print_options

    keep_record = bool(client.args.config.outputs) or _needs_extra(fields, _print_options(client.args.config))
    lf = client.lazy(None if keep_record else client.without_record())
    try:
        result = rasort(lf, keys).collect(engine="streaming")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return client.emit(result, fields)


def rasort_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="rasort's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "rasort_command", "run"]
