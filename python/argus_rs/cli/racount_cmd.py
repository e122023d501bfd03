"""``argus-rs racount``: record, packet and byte totals of Argus record files, with real
racount 3.0.8.2's report (``-M proto``: per protocol, ``-M addr``: per address class).

ra's options are read as ``argus-rs ra`` reads them (``-r``, ``-t``, ``-M``, ``-X``, ``-F``, a
filter after ``-``); the totals come from :func:`argus_rs.analytics.racount_report`.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import CliError, one_line, report, time_range_option
from argus_rs.cli.progress import ReadProgress
from argus_rs.cli.ra_argv import parse
from argus_rs.cli.ra_remote import remote_frames, split_filter

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import RecordFilter
    from argus_rs.timerange import TimeRange

COMMAND = "racount"
HELP = (
    "Count flow records, packets and bytes of Argus record files, as racount 3.0.8.2 reports them: "
    "-r FILE ... [-M proto] [-M addr] [-t RANGE] [- FILTER]."
)
#: the record columns the report reads
_COLUMNS = ["stime", "ltime", "proto", "saddr", "daddr", "pkts", "spkts", "dpkts", "bytes", "sbytes", "dbytes"]

EXIT_OK, EXIT_ERROR = 0, 1


def _frames(
    path: str, record_filter: RecordFilter | None, time_range: TimeRange | None, errors: list[str], bar: ReadProgress
) -> list[pl.DataFrame]:
    import polars as pl

    from argus_rs import _core

    out = []
    try:  # only the report's columns, filtered by the core (when the extension can)
        batches = _core.scan_argus([path], 65536, _COLUMNS, record_filter)
        in_core = True
    except TypeError:
        batches = _core.scan_argus([path], 65536)
        in_core = False
    bar.file(path)
    for batch in batches:
        frame = pl.DataFrame(batch)
        bar.records(frame.height)
        if not frame.height:
            continue
        keep = pl.Series("keep", [True] * frame.height, dtype=pl.Boolean)
        if record_filter is not None and not in_core:
            keep = pl.Series(record_filter.mask(frame.get_column("record"))).fill_null(False)
        if time_range is not None:
            keep = keep & time_range.mask(frame)
        out.append(frame.filter(keep).select(_COLUMNS))
    errors.extend(batches.errors)
    return out


class _RemoteCounts:
    mars = 0
    errors = 0


def run(words: list[str]) -> int:
    import polars as pl

    from argus_rs.analytics import racount_report
    from argus_rs.io import empty_frame

    try:
        args = parse(words)
    except ValueError as exc:
        raise CliError(one_line(str(exc))) from None
    config = args.config
    send_filter, filter_text = split_filter(args.filter_text, bool(args.remotes))
    record_filter = None
    if filter_text:
        from argus_rs.filter import FilterError
        from argus_rs.filter import compile as compile_filter

        try:
            record_filter = compile_filter(filter_text)
        except (FilterError, ValueError) as exc:
            raise CliError(f"filter {filter_text!r}: {one_line(str(exc))}") from None
    time_range = time_range_option(config.time_range)
    inputs = list(config.inputs)
    if not inputs and not args.remotes:
        if sys.stdin.isatty():
            raise CliError("no input: give one or more -r FILE (- = standard input)")
        inputs = ["-"]
    frames: list[pl.DataFrame] = []
    failed = False
    with ReadProgress(inputs, COMMAND) as bar:
        for path in inputs:
            if path != "-" and not os.path.exists(path):
                report(COMMAND, f"open '{path}': No such file or directory")
                failed = True
                continue
            errors: list[str] = []
            frames += _frames(path, record_filter, time_range, errors, bar)
            for error in errors:
                report(COMMAND, error if path in error else f"{path}: {error}")
                failed = True
    if args.remotes:
        counts = _RemoteCounts()
        for remote in remote_frames(args.remotes, send_filter, counts, lambda e: report(COMMAND, e), record_filter):
            keep = time_range.mask(remote) if time_range is not None else None
            frames.append((remote.filter(keep) if keep is not None else remote).select(_COLUMNS))
        failed = failed or counts.errors > 0
    frame = pl.concat(frames) if frames else empty_frame().select(_COLUMNS)
    modes = [m.lower() for m in config.modes]
    sys.stdout.write(racount_report(frame.lazy(), modes))
    sys.stdout.flush()
    if failed:
        return EXIT_ERROR
    # as ra and racount 3.0.8.2: a filter that matched no record exits 1
    return EXIT_ERROR if args.filter_text and frame.height == 0 else EXIT_OK


def racount(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="racount's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "racount", "run"]
