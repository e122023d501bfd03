"""``argus-rs rastrip``: Argus record files without chosen DSRs, as rastrip 3.0.8.2 writes them.

``-M [+|-]dsr`` picks the DSRs (see :func:`argus_rs.analytics.strip.dsr_mask`); ``-w FILE``
writes the stripped records (``-w -``: standard output); without ``-w`` the stripped records are
printed as ``argus-rs ra`` prints them (``-s``, ``-n``, ``-p`` ... apply).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Annotated

import typer

from argus_rs.cli._common import CliError
from argus_rs.cli.client_input import parse_words, read_input

COMMAND = "rastrip"
HELP = (
    "Strip DSRs from Argus records, as rastrip 3.0.8.2: -r FILE ... [-M -dsr|+dsr|dsr ...] -w OUT "
    "[- FILTER]. DSR names: trans flow time metric agr net vlan mpls jitter ipattr psize suser duser mac "
    "icmp encaps. Default keeps flow time metric net."
)

EXIT_OK, EXIT_ERROR = 0, 1


def _write(path: str, frame_records: object, start: int, end: int) -> None:
    from argus_rs import _core

    if path == "-":
        sys.stdout.flush()
        path = "/dev/stdout"
    elif os.path.exists(path):
        os.remove(path)  # argus-rs writes a fresh file (real rastrip appends)
    writer = _core.ArgusWriter(path, start, end, False)
    try:
        writer.write(frame_records)  # type: ignore[arg-type]
    finally:
        writer.close()


def run(words: list[str]) -> int:
    import polars as pl

    from argus_rs import _core
    from argus_rs.analytics.strip import dsr_mask

    args = parse_words(words)
    config = args.config
    if "replace" in config.modes:
        raise CliError("-M replace: rewriting the input files is not supported; use -w")
    got = read_input(COMMAND, args)
    frame = got.frame
    mask = dsr_mask(config.modes)
    stripped = pl.Series("record", _core.strip_dsrs(frame.get_column("record"), mask), dtype=pl.Binary)
    start = int(frame.select(pl.col("stime").min().dt.epoch("us")).item() or 0) if frame.height else 0
    end = int(frame.select(pl.col("ltime").max().dt.epoch("us")).item() or 0) if frame.height else 0
    if config.outputs:
        for target, _ in config.outputs:
            _write(target, stripped, start, end)
    else:
        from argus_rs.cli import ra_cmd

        # print what ra prints of the stripped records: through a temporary record file
        with tempfile.TemporaryDirectory(prefix="argus-rs-rastrip-") as tmp:
            path = os.path.join(tmp, "stripped.argus")
            _write(path, stripped, start, end)
            printed = parse_words(words)
            printed.config.inputs = [path]
            printed.config.modes = []
            printed.config.time_range = None
            printed.config.first_n = (-1, -1)
            printed.filter_words = []
            printed.config.filter_text = None
            code = ra_cmd.run(printed, None)
            if code not in (0, 1):
                return code
    return EXIT_ERROR if got.failed else EXIT_OK


def rastrip(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="rastrip's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "rastrip", "run"]
