"""What ``argus-rs rasort``, ``racluster`` and ``ramon`` share: ra's command line, the input
records as a streaming LazyFrame (filter, ``-t`` and ``-N`` applied batch by batch, a
progress bar on a terminal), and the output: text as ra prints it, or ``-w`` files.

The records are read through a polars IO source, so a client's query (group-by, sort) runs
in polars' streaming engine and inputs larger than memory work where the operation allows
(aggregation keeps one row per group; a sort spills as polars' streaming sort does).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argus_rs.cli._common import CliError, one_line, report, silence_stdout, time_range_option
from argus_rs.cli.ra_argv import RaArgs, parse

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import ArgusBatches, RecordFilter
    from argus_rs.ra import FieldSpec
    from argus_rs.timerange import TimeRange

__all__ = ["Client", "open_client"]

#: records per batch read from the files
BATCH_ROWS = 65_536
#: rows printed per step (the result of a sort can be large)
PRINT_ROWS = 65_536

EXIT_OK, EXIT_NO_MATCH, EXIT_ERROR = 0, 1, 2

#: -M modes that change nothing for the clients when reading files
_QUIET_MODES = ("noman", "norep", "nocurses", "nozero")


@dataclass
class Client:
    """One client run: its options and what reading the inputs found."""

    command: str
    args: RaArgs
    record_filter: RecordFilter | None
    time_range: TimeRange | None
    inputs: list[str]
    #: -M words the client itself handles (lowercase), the others went to the printer
    modes: list[str]
    output_mode: str = "text"
    errors: int = 0
    matched: int = 0
    progress_enabled: bool | None = None
    batch_rows: int = BATCH_ROWS
    #: ra's input count for -N (records the filter passes, and management records)
    _count: int = 0
    _limit_hit: bool = False
    _stop: bool = False
    _mar_passes: bool = True
    #: -S: the filter sent to the servers (ra's ``man or (...)`` wrapping), and the MARs read
    send_filter: str | None = None
    mars: int = 0

    # -- input ----------------------------------------------------------------------------

    def batches(self, columns: list[str] | None = None) -> Iterator[pl.DataFrame]:
        """The selected records of every input, batch by batch (``columns``: keep only these).

        ``-N`` counts as ra counts its input stream (``argus-rs ra``'s rules): each file's
        opening management record counts, and so do its others when the filter passes them;
        ra goes on to the first record past the limit (shown when its count is in range)."""
        import polars as pl

        from argus_rs.cli.progress import ReadProgress

        start, end = self.args.config.first_n
        with ReadProgress(self.inputs, self.command, self.progress_enabled) as bar:
            for path in self.inputs:
                if self.stopped():
                    return
                if path != "-" and not os.path.exists(path):
                    report(self.command, f"open '{path}': No such file or directory")
                    self.errors += 1
                    continue
                bar.file(path)
                scanned, filtered = self._scan(path, columns)
                opened = False
                for batch in scanned:
                    frame = pl.DataFrame(batch)
                    bar.records(frame.height)
                    if not opened:
                        self._file_opened(end)
                        opened = True
                    frame = self._select(frame, start, end, filtered=filtered)
                    if frame.height:
                        yield frame if columns is None else frame.select(columns)
                    if self.stopped():
                        break
                if not self.stopped():
                    mars = int(dict(scanned.stats).get("management_records", 0))
                    if not opened and mars:
                        self._file_opened(end)
                    for _ in range(max(mars - 1, 0)):  # its closing management record(s)
                        if self._mar_passes:
                            self._count += 1
                        if 0 <= end < self._count:
                            self._stop = True
                            break
                for error in scanned.errors:
                    shown = "(stdin)" if path == "-" else path
                    report(self.command, error if shown in error or path in error else f"{shown}: {error}")
                    self.errors += 1
        yield from self._remote_batches(columns)

    def _remote_batches(self, columns: list[str] | None) -> Iterator[pl.DataFrame]:
        """The -S sources' records, merged as they arrive (after the files, as ra reads them)."""
        from argus_rs.cli.ra_remote import remote_frames

        if not self.args.remotes or self.stopped():
            return
        start, end = self.args.config.first_n
        for frame in remote_frames(self.args.remotes, self.send_filter, self, lambda e: report(self.command, e)):
            frame = self._select(frame, start, end, filtered=False)
            if frame.height:
                yield frame if columns is None else frame.select(columns)
            if self.stopped():
                return

    def stopped(self) -> bool:
        """Has ra's -N input limit ended the reading?"""
        return self._stop

    def _file_opened(self, end: int) -> None:
        self._count += 1
        if 0 <= end < self._count:
            self._limit_hit = True

    def _scan(self, path: str, columns: list[str] | None) -> tuple[ArgusBatches, bool]:
        """Start reading ``path`` with the core's column projection (and its filter, unless -N
        counts the input: ra's count needs every record's match flag); True when the core
        filtered.  An extension without projection: every column, filtered here."""
        from argus_rs import _core

        start, end = self.args.config.first_n
        in_core = start <= 0 and end < 0
        wanted = columns
        if columns is not None and self.record_filter is not None and not in_core and "record" not in columns:
            wanted = [*columns, "record"]
        try:
            flt = self.record_filter if in_core else None
            return _core.scan_argus([path], self.batch_rows, wanted, flt), in_core
        except TypeError:  # an extension without projection
            return _core.scan_argus([path], self.batch_rows), False

    def _select(self, frame: pl.DataFrame, start: int, end: int, *, filtered: bool) -> pl.DataFrame:
        import polars as pl

        if not frame.height:
            return frame
        if self.record_filter is not None and not filtered:
            matched = pl.Series(self.record_filter.mask(frame.get_column("record"))).fill_null(False)
        else:
            matched = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
        if start > 0 or end >= 0:
            if self._limit_hit:
                # the limit passed at a file's opening record: ra takes one more record
                frame, matched = frame.head(1), matched.head(1)
                counts = matched.cast(pl.Int64) + self._count
                self._stop = True
            else:
                counts = matched.cast(pl.Int64).cum_sum() + self._count
                over = (counts > end) & matched if end >= 0 else pl.repeat(False, frame.height, eager=True)
                if over.any():
                    last = int(over.arg_true()[0]) + 1
                    frame, matched, counts = frame.head(last), matched.head(last), counts.head(last)
                    self._stop = True
            self._count = int(counts[-1])
            keep = matched & (counts > start) if start > 0 else matched
        else:
            keep = matched
        self.matched += int(matched.sum())
        frame = frame.filter(keep)
        if self.time_range is not None and frame.height:
            frame = frame.filter(self.time_range.mask(frame))
        return frame

    @staticmethod
    def without_record() -> list[str]:
        """Every record column but the record bytes (what printing an aggregate needs)."""
        from argus_rs.io import empty_frame

        return [c for c in empty_frame().columns if c != "record"]

    def lazy(self, columns: list[str] | None = None) -> pl.LazyFrame:
        """The selected records as a LazyFrame that streams the files when collected."""
        from polars.io.plugins import register_io_source

        from argus_rs.io import empty_frame

        schema = empty_frame().schema
        if columns is not None:
            schema = type(schema)({c: schema[c] for c in columns})

        def source(
            with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
        ) -> Iterator[pl.DataFrame]:
            from argus_rs.records import io_source_frames

            yield from io_source_frames(self.batches(columns), with_columns, predicate, n_rows)

        return register_io_source(io_source=source, schema=schema)

    # -- output ---------------------------------------------------------------------------

    def fields(self, default: list[FieldSpec] | None = None) -> list[FieldSpec]:
        """The -s list applied to ``default`` (ra's default fields unless given)."""
        from argus_rs.ra import DEFAULT_FIELDS, parse_field_list

        fields = list(DEFAULT_FIELDS if default is None else default)
        for group in self.args.config.field_words:
            try:
                fields = parse_field_list(group, base=fields)
            except ValueError as exc:
                raise CliError(f"-s {' '.join(group)}: {exc}") from None
        return fields

    def emit(self, result: pl.DataFrame, fields: list[FieldSpec]) -> int:
        """Print ``result`` as ra prints records (or write it to the -w outputs); the exit code."""
        import polars as pl

        from argus_rs.cli.ra_cmd import _close, _open_outputs, _print_options, _Printer, _State, _write

        config = self.args.config
        start, end = config.output_n
        if end:
            result = result.slice(max(start - 1, 0), max(end - max(start - 1, 0), 0))
        try:
            if config.outputs:
                outputs = _open_outputs(config, None)
                for output in outputs:
                    part = result
                    if output.record_filter is not None and part.height:
                        mask = pl.Series(output.record_filter.mask(part.get_column("record"))).fill_null(False)
                        part = part.filter(mask)
                    _write(output, part)
                    _close(output)
            elif not config.quiet:
                printer = _Printer(config, fields, _print_options(config), self.output_mode, sys.stdout.buffer)
                state = _State()
                for offset in range(0, result.height, PRINT_ROWS):
                    part = result.slice(offset, PRINT_ROWS)
                    shown = pl.repeat(True, part.height, dtype=pl.Boolean, eager=True)
                    printer.records(part, state, offset + 1, shown)
                printer.finish()
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            silence_stdout()
            return EXIT_OK
        if self.errors:
            return EXIT_ERROR
        if self.args.filter_text and self.matched == 0:
            return EXIT_NO_MATCH
        return EXIT_OK


def open_client(command: str, words: list[str], own_modes: Callable[[str], bool]) -> Client:
    """Parse ``words`` (ra's command line) for ``command``; ``own_modes(word)`` says which
    ``-M`` words the client handles itself (the rest are ra's output modes)."""
    from argus_rs.cli.ra_cmd import _compile, _expand_inputs, _modes, _set_timezone

    try:
        args = parse(words)
    except ValueError as exc:
        raise CliError(one_line(str(exc))) from None
    config = args.config
    if args.help:
        raise CliError(f"usage: argus-rs {command} --help")
    if args.reject_output is not None:
        raise CliError(f"-E {args.reject_output}: writing the rejected records is offered by argus-rs ra only")
    own = [m.lower() for m in config.modes if own_modes(m)]
    config.modes = [m for m in config.modes if not own_modes(m) and not m.lower().startswith(_QUIET_MODES)]
    output_mode = _modes(config)
    _set_timezone(config.timezone)
    from argus_rs.cli.ra_remote import split_filter

    send_filter, filter_text = split_filter(args.filter_text, bool(args.remotes))
    record_filter = _compile(filter_text, "") if filter_text else None
    time_range = time_range_option(config.time_range)
    inputs = _expand_inputs(config.inputs)
    if config.first_n[1] == 0:
        inputs = []
    if not inputs and not args.remotes:
        if sys.stdin.isatty():
            raise CliError("no input: give one or more -r FILE (- = standard input)")
        inputs = ["-"]
    from argus_rs.cli.ra_cmd import _mar_passes

    client = Client(command, args, record_filter, time_range, inputs, own, output_mode)
    client.send_filter = send_filter
    client._mar_passes = _mar_passes(filter_text)
    return client
