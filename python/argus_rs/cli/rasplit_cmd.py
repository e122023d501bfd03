"""``argus-rs rasplit``: Argus record files split into several files, as rasplit 3.0.8.2 splits.

``-M count N[kmb]`` (default 10000 records a file; the first file's opening management record
counts as one, as rasplit counts it), ``-M size N[kmb]`` (a new file once a file holds N bytes),
``-M time N[smhd]`` (a file per time bin, named by the bin's start through strftime in ``-w``;
records crossing a bin edge are cut as rasplit cuts them), ``-M flow FILTER`` (a new file at
every record the filter passes). ``-w PREFIX`` (default ``x``) names the files, with the suffix
``aa``, ``ab`` ... (``-a LEN`` letters) outside time mode. Files are appended to, as rasplit does.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import CliError
from argus_rs.cli.client import open_client

if TYPE_CHECKING:
    import polars as pl

COMMAND = "rasplit"
HELP = (
    "Split Argus record files, as rasplit 3.0.8.2: -r FILE ... -M count N | size N | time N(s|m|h|d) | "
    "flow FILTER, -w PREFIX (strftime in time mode), -a SUFFIX-LENGTH, ra's -t and filter."
)

#: rasplit's default suffix in time mode (when -w has no strftime conversion)
TIME_SUFFIX = "%Y.%m.%d.%H.%M.%S"
_SCALE = {"": 1, "k": 1000, "m": 1000_000, "b": 1000_000_000}
_NUMBER_RE = re.compile(r"^(\d+)([kmbKMB]?)$")


def _number(mode: str, text: str) -> int:
    m = _NUMBER_RE.match(text)
    if not m or int(m.group(1)) <= 0:
        raise CliError(f"-M {mode} {text}: expected a positive number with an optional k, m or b")
    return int(m.group(1)) * _SCALE[m.group(2).lower()]


def _take_suffix_length(words: list[str]) -> tuple[list[str], int]:
    """``-a LEN`` (rasplit's suffix length) taken out of ra's words (ra ignores -a)."""
    rest: list[str] = []
    length = 2
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-a" or (word.startswith("-a") and word[2:].isdigit()):
            value = word[2:] if len(word) > 2 else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if len(word) > 2 else 2
            if not value.isdigit() or not 1 <= int(value) <= 8:
                raise CliError(f"-a {value}: the suffix length must be 1 to 8")
            length = int(value)
            continue
        rest.append(word)
        i += 1
    return rest, length


def suffixes(length: int) -> Iterator[str]:
    """aa, ab, ... zz (for length 2), as split(1) and rasplit name their files."""
    n = 0
    while n < 26**length:
        digits = []
        k = n
        for _ in range(length):
            digits.append(chr(ord("a") + k % 26))
            k //= 26
        yield "".join(reversed(digits))
        n += 1


def _split_mode(modes: list[str]) -> tuple[str, str | None]:
    if not modes:
        return "count", "10000"
    kind = modes[0].lower()
    if kind not in ("count", "size", "time", "flow"):
        raise CliError(f"-M {modes[0]}: rasplit's modes are count N, size N, time N and flow FILTER")
    if len(modes) < 2:
        raise CliError(f"-M {kind}: needs a value")
    return kind, " ".join(modes[1:]) if kind == "flow" else modes[1]


class _Files:
    """The output files: records are buffered per file and appended in blocks; at most
    ``MAX_OPEN`` files stay open (the least recently used is closed and reopened to append,
    as rasplit appends, with a new opening management record)."""

    MAX_OPEN = 64
    BLOCK = 4096

    def __init__(self) -> None:
        self.pending: dict[str, list[bytes]] = {}
        self.open: dict[str, object] = {}  # name -> ArgusWriter, in least recently used order
        self.first: dict[str, int] = {}
        self.names: list[str] = []

    def add(self, name: str, record: bytes, stime: int) -> None:
        if name not in self.first:
            self.first[name] = stime
            self.names.append(name)
        block = self.pending.setdefault(name, [])
        block.append(record)
        if len(block) >= self.BLOCK:
            self._flush(name)

    def _flush(self, name: str) -> None:
        import polars as pl

        from argus_rs import _core

        block = self.pending.pop(name, [])
        if not block:
            return
        writer = self.open.pop(name, None)
        if writer is None:
            if len(self.open) >= self.MAX_OPEN:
                oldest = next(iter(self.open))
                self.open.pop(oldest).close()  # type: ignore[attr-defined]
            writer = _core.ArgusWriter(name, self.first[name], self.first[name], True)
        self.open[name] = writer
        writer.write(pl.Series("record", block, dtype=pl.Binary))  # type: ignore[attr-defined]

    def close(self) -> None:
        for name in list(self.pending):
            self._flush(name)
        for writer in self.open.values():
            writer.close()  # type: ignore[attr-defined]
        self.open.clear()


class _Splitter:
    """Which file each record goes to, batch after batch (the state runs across batches)."""

    def __init__(self, kind: str, value: str, prefix: str, length: int) -> None:
        self.kind = kind
        self.prefix = prefix
        self.names = suffixes(length)
        self.name = prefix + next(self.names)
        self.started = False
        if kind == "count":
            self.limit = _number("count", value)
            self.held = 1  # the first file's opening management record counts, as in rasplit
        elif kind == "size":
            self.limit = _number("size", value)
            self.held = 128  # the file's opening management record
        elif kind == "flow":
            from argus_rs.cli.ra_cmd import _compile

            self.flow_filter = _compile(value, f"-M flow {value!r}: ")
        else:
            from argus_rs.analytics.bins import bin_size

            try:
                self.size = bin_size(value)
            except ValueError as exc:
                raise CliError(f"-M time {value}: {exc}") from None
            self.template = prefix if "%" in prefix else prefix + TIME_SUFFIX

    def _next(self) -> None:
        self.name = self.prefix + next(self.names)

    def batch(self, frame: pl.DataFrame, files: _Files) -> None:
        import polars as pl

        records = frame.get_column("record")
        stimes = frame.get_column("stime").dt.epoch("us")
        if self.kind == "time":
            self._by_time(frame, files)
            return
        if self.kind == "flow":
            starts = pl.Series(self.flow_filter.mask(records)).fill_null(False)
            for record, t, start in zip(records, stimes, starts, strict=True):
                if start and self.started:
                    self._next()
                self.started = True
                files.add(self.name, record, t)
            return
        for record, t in zip(records, stimes, strict=True):
            if self.held >= self.limit:
                self._next()
                self.held = 0 if self.kind == "count" else 128
            files.add(self.name, record, t)
            self.held += 1 if self.kind == "count" else len(record)

    def _by_time(self, frame: pl.DataFrame, files: _Files) -> None:
        from argus_rs import _core
        from argus_rs.analytics.align import Side, cut, sides

        size = self.size
        cols = frame.select(
            "record",
            *(frame.get_column(c).dt.epoch("us").alias(c) for c in ("stime", "ltime")),
            *("spkts", "dpkts", "sbytes", "dbytes", "sappbytes", "dappbytes"),
        )
        for record, st, lt, sp, dp, sb, db, sa, da in cols.iter_rows():
            start_bin = (st // size) * size
            if lt <= start_bin + size or sp + dp <= 1:
                files.add(_time_name(self.template, start_bin), record, st)
                continue
            (a, b), (c, d) = sides(st, lt, sp, dp)
            for p in cut(Side(a, b, sp, sb, sa or 0), Side(c, d, dp, db, da or 0), size):
                piece = _core.rewrite_piece(
                    record,
                    (p.src.start, p.src.end, p.dst.start, p.dst.end),
                    (p.src.pkts, max(p.src.bytes, 0), max(p.src.app, 0)),
                    (p.dst.pkts, max(p.dst.bytes, 0), max(p.dst.app, 0)),
                )
                files.add(_time_name(self.template, p.bin), piece, p.stime)


def _time_name(template: str, start_us: int) -> str:
    return time.strftime(template, time.localtime(start_us // 1_000_000))


def run(words: list[str]) -> int:
    from argus_rs.cli.client_input import parse_words

    words, length = _take_suffix_length(words)
    modes = parse_words(words).config.modes  # as given (open_client lowercases the ones it keeps)
    client = open_client(COMMAND, words, lambda _word: True)
    config = client.args.config
    if len(config.outputs) > 1:
        raise CliError("-w: rasplit writes one set of files (give one -w PREFIX)")
    prefix = config.outputs[0][0] if config.outputs else "x"
    if prefix == "-":
        raise CliError("-w -: rasplit writes files, not standard output")
    directory = os.path.dirname(prefix)
    if directory and not os.path.isdir(directory):
        raise CliError(f"-w {prefix}: no such directory {directory!r}")
    kind, value = _split_mode(modes)
    splitter = _Splitter(kind, value or "", prefix, length)
    files = _Files()
    try:
        # batch by batch: inputs larger than memory are split too
        for frame in client.batches():
            splitter.batch(frame, files)
    finally:
        files.close()
    return 1 if client.errors else 0


def rasplit_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="rasplit's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "TIME_SUFFIX", "rasplit_command", "run", "suffixes"]
