"""The input side shared by the rabins, rasplit, rastrip and rahisto subcommands: ra's command
line parsed (``cli/ra_argv.py``), then the flow records of every ``-r`` file that pass the filter
and the ``-t`` range, with ``-N`` applied, as one DataFrame."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argus_rs.cli._common import CliError, one_line, report, time_range_option
from argus_rs.cli.ra_argv import RaArgs, parse

if TYPE_CHECKING:
    import polars as pl

#: records per batch read from the Rust reader
BATCH_ROWS = 65536


@dataclass
class ClientInput:
    """What a client subcommand read: its parsed options and the records that passed."""

    args: RaArgs
    frame: pl.DataFrame
    #: an input could not be read (the command exits non-zero after its output)
    failed: bool


def parse_words(words: list[str]) -> RaArgs:
    """ra's command line; a bad one is a one-line CliError."""
    try:
        args = parse(words)
    except ValueError as exc:
        raise CliError(one_line(str(exc))) from None
    if args.remote is not None:
        raise CliError(f"-S {args.remote}: reading from a remote argus is not supported by this command")
    return args


def read_input(command: str, args: RaArgs) -> ClientInput:
    """The flow records of ``args``' inputs (stdin when none is given and stdin is not a terminal)."""
    import polars as pl

    from argus_rs import _core
    from argus_rs.io import empty_frame

    config = args.config
    record_filter = None
    if args.filter_text:
        from argus_rs.filter import FilterError
        from argus_rs.filter import compile as compile_filter

        try:
            record_filter = compile_filter(args.filter_text)
        except (FilterError, ValueError) as exc:
            raise CliError(f"filter {args.filter_text!r}: {one_line(str(exc))}") from None
    time_range = time_range_option(config.time_range)
    inputs = list(config.inputs)
    if not inputs:
        if sys.stdin.isatty():
            raise CliError("no input: give one or more -r FILE (- = standard input)")
        inputs = ["-"]
    frames: list[pl.DataFrame] = []
    failed = False
    for path in inputs:
        if path != "-" and not os.path.exists(path):
            report(command, f"open '{path}': No such file or directory")
            failed = True
            continue
        batches = _core.scan_argus([path], BATCH_ROWS)
        for batch in batches:
            frame = pl.DataFrame(batch)
            if not frame.height:
                continue
            if record_filter is not None:
                frame = frame.filter(pl.Series(record_filter.mask(frame.get_column("record"))).fill_null(False))
            if time_range is not None:
                frame = frame.filter(time_range.mask(frame))
            frames.append(frame)
        for error in batches.errors:
            report(command, error if path in error else f"{path}: {error}")
            failed = True
    frame = pl.concat(frames, how="vertical_relaxed") if frames else empty_frame()
    start, count = config.first_n
    if count >= 0 or start > 0:
        # -N [s-]e: records s..e of the input (1-based), as ra counts them
        first = max(start - 1, 0) if start > 0 else 0
        frame = frame.slice(first, None if count < 0 else max(count - first, 0))
    return ClientInput(args, frame, failed)


__all__ = ["BATCH_ROWS", "ClientInput", "parse_words", "read_input"]
