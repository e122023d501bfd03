"""``argus-rs rastrip``: Argus record files without chosen DSRs, as rastrip 3.0.8.2 writes them.

``-M [+|-]dsr`` picks the DSRs (see :func:`argus_rs.analytics.strip.dsr_mask`); ``-w FILE``
writes the stripped records (``-w -``: standard output); without ``-w`` the stripped records are
printed as ``argus-rs ra`` prints them (``-s``, ``-n``, ``-p`` ... apply).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import CliError

if TYPE_CHECKING:
    from argus_rs._core import ArgusWriter
    from argus_rs.cli.client import Client

COMMAND = "rastrip"
HELP = (
    "Strip DSRs from Argus records, as rastrip 3.0.8.2: -r FILE ... [-M -dsr|+dsr|dsr ...] -w OUT "
    "[- FILTER]. DSR names: trans flow time metric agr net vlan mpls jitter ipattr psize suser duser mac "
    "icmp encaps. Default keeps flow time metric net."
)

EXIT_OK, EXIT_ERROR = 0, 1


def _writer(path: str, start: int) -> ArgusWriter:
    from argus_rs import _core

    if path == "-":
        sys.stdout.flush()
        path = "/dev/stdout"
    return _core.ArgusWriter(path, start, start, path != "/dev/stdout")  # files appended to, as rastrip


def _strip_to(outputs: list[tuple[str, str | None]], client: Client, mask: int) -> None:
    """The records of every batch, stripped, into each output that passes them."""
    import polars as pl

    from argus_rs import _core
    from argus_rs.cli.ra_cmd import _compile

    filters = [_compile(text, f"-w {target}: ") if text else None for target, text in outputs]
    writers: list[ArgusWriter | None] = [None] * len(outputs)
    try:
        for frame in client.batches():
            records = frame.get_column("record")
            stripped = pl.Series("record", _core.strip_dsrs(records, mask), dtype=pl.Binary)
            first = frame.select(pl.col("stime").min().dt.epoch("us")).item()
            for i, (target, _) in enumerate(outputs):
                part = stripped
                flt = filters[i]
                if flt is not None:
                    part = stripped.filter(pl.Series(flt.mask(records)).fill_null(False))
                if part.len() == 0:
                    continue
                writer = writers[i]
                if writer is None:
                    writer = writers[i] = _writer(target, int(first or 0))
                writer.write(part)
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()


def run(words: list[str]) -> int:
    from argus_rs.analytics.strip import dsr_mask
    from argus_rs.cli.client import open_client
    from argus_rs.cli.client_input import parse_words

    modes = parse_words(words).config.modes  # as given: "-mac", "+ipattr" ...
    if "replace" in modes:
        raise CliError("-M replace: rewriting the input files is not supported; use -w")
    client = open_client(COMMAND, words, lambda _word: True)
    mask = dsr_mask(modes)
    config = client.args.config
    if config.outputs:
        _strip_to(list(config.outputs), client, mask)
        return EXIT_ERROR if client.errors else EXIT_OK
    from argus_rs.cli import ra_cmd

    # print what ra prints of the stripped records: through a temporary record file
    with tempfile.TemporaryDirectory(prefix="argus-rs-rastrip-") as tmp:
        path = os.path.join(tmp, "stripped.argus")
        _strip_to([(path, None)], client, mask)
        if not os.path.exists(path):
            return EXIT_ERROR if client.errors else EXIT_OK
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
    return EXIT_ERROR if client.errors else EXIT_OK


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
