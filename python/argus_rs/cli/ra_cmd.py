"""``argus-rs ra``: read Argus record files, select records, print or write them (Argus 3 ``ra``).

The command line is ra 3.0.8.2's (:mod:`argus_rs.cli.ra_argv`), the rarc
files are read as ra reads them (:mod:`argus_rs.rarc`), ``-t`` is ra's time
range (:mod:`argus_rs.timerange`) and the text is laid out by
:mod:`argus_rs.ra`.  Records are read, filtered and printed batch by batch, so
the memory used does not grow with the input.

Selection happens in ra's order: the filter; then ``-N`` on the input stream
(ra counts the filter's matches, plus one for each file's opening management
record and each other management record the filter passes); then ``-t``; then
``-N o`` on the output stream.  Exit status as ra's: 0 when the filter matched,
1 when it matched nothing, 2 on an error (bad option, filter, field list, time
range or rarc line; an input that cannot be read).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from argus_rs.cli._common import PROG, CliError, one_line, report, silence_stdout, time_range_option
from argus_rs.cli.ra_argv import RaArgs, parse
from argus_rs.cli.ra_poll import poll_mode, poll_run
from argus_rs.cli.ra_remote import CONNECT_TIMEOUT, REMOTE_INPUT, remote_frames, split_filter
from argus_rs.ra.dsrs import dsrs_mode
from argus_rs.ra.mar import read_mars
from argus_rs.ra.pacing import Pacer, pace_factor
from argus_rs.rarc import RaConfig

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import RecordFilter
    from argus_rs.ra import FieldSpec, PrintOptions
    from argus_rs.timerange import TimeRange

COMMAND = "ra"

EXIT_MATCH = 0
EXIT_NO_MATCH = 1
EXIT_ERROR = 2

#: records per batch read from the files
BATCH_ROWS = 65_536

HELP = (
    "Read Argus record files, select records and print them as ra does (or write them).\n\n"
    "argus-rs ra [-r FILE ...] \\[options] [-w OUT [FILTER]] [- FILTER EXPRESSION]\n\n"
    "The options are ra's (Argus 3.0.8.2), with its grammar: "
    "-r FILE... (several files; .gz .bz2 .xz .zst; - = standard input; globs), "
    "-s FIELD... (+f appends, +Nf inserts, -f removes, f:W sets the width), "
    "-n / -nn (no port / protocol names), -p DIGITS, -u (Unix times), -c SEP, "
    "-L N (header every N lines; 0 once; -1 none), -N \\[io]N | \\[io]A-B | \\[io]A+N, "
    "-t RANGE (see docs/ra.md), -z, -Z s|d|b, -q, -A, -M xml|json|man|TZ=ZONE|noman, "
    "-M printer=ascii|hex|encode32|encode64|obfuscate, -M rtime[:FACTOR] (playback), -M poll, "
    "-F RARC (read at its place), -X (no rarc files; resets), -w OUT [FILTER] "
    "(Argus records, appended; - = standard output; real ra reads them). "
    "The words after a lone - (or any words that are not options) are the filter, "
    "in ra's filter language.\n\n"
    "Beyond ra: --format csv|ndjson|parquet writes the selected records in that format "
    "(to -w OUT, else to standard output), with every column of docs/schema.md; "
    "-M json prints each record's fields as a JSON object per line.\n\n"
    "Exit status: 0 when the filter matched records, 1 when it matched none, 2 on errors."
)

#: -M modes that change nothing when reading files
_QUIET_MODES = ("noman", "norep", "nocurses", "nozero", "correct", "nocorrect")
#: -M modes ra accepts that argus-rs does not do (yet)
_UNSUPPORTED_MODES = (
    "rmon",
    "uni",
    "oui",
    "sql=",
    "saslmech=",
    "printer=",
    "ind",
    "replace",
    "hard",
)


@dataclass
class _Output:
    """One -w target with its own filter."""

    target: str
    fmt: str
    record_filter: RecordFilter | None
    writer: Any = None
    text_started: bool = False
    frames: list[pl.DataFrame] = field(default_factory=list)
    written: int = 0


@dataclass
class _State:
    """ra's counters, across files."""

    count: int = 0  # ArgusTotalRecords
    rank: int = 0  # RaPrintCounter (the next rank - 1)
    labels_seen: int = 0  # RaLabelCounter
    mars: int = 0
    mars_between: int = 0  # -M man: the current file's MARs printed (and counted) after its opening one
    files: int = 0  # Argus streams opened
    fars: int = 0
    pkts: int = 0
    bytes: int = 0
    stop: bool = False
    limit_hit: bool = False  # ra's eNflag has become 0 (stop after the next record)
    matched_any: bool = False
    errors: int = 0
    file_records: int = 0  # flow records read from the last file


def _print_options(config: RaConfig) -> PrintOptions:
    from argus_rs.ra import PrintOptions

    wanted: dict[str, object] = {
        "numeric": (config.nflag - 1) % 4,
        "precision": config.precision,
        "unix_time": config.unix_time,
        "separator": config.separator,
        "time_format": config.time_format,
        "print_state_z": config.state_z,
        "flags_Z": config.flags_z,
        "addr_port_period": config.separate_addr_port_with_period,
        "abbreviate": config.hflag,
        "dscp_disa": "disa" in config.modes,
        "user_encoding": _user_encoding(config.user_data_encoding),
    }
    if config.field_width is not None and not (config.field_width == "variable" and config.separator is not None):
        wanted["fixed_width"] = config.field_width == "fixed"
    import dataclasses

    names = {f.name for f in dataclasses.fields(PrintOptions)} if dataclasses.is_dataclass(PrintOptions) else set()
    return PrintOptions(**{k: v for k, v in wanted.items() if not names or k in names})  # type: ignore[arg-type]


def _user_encoding(value: str | None) -> str:
    """RA_USERDATA_ENCODE / -M printer= as PrintOptions.user_encoding (Ascii when unknown)."""
    lowered = (value or "").lower()
    return lowered if lowered in ("encode32", "encode64", "obfuscate", "hex") else "ascii"


def _fields(config: RaConfig, words: list[list[str]]) -> list[FieldSpec]:
    from argus_rs.ra import DEFAULT_FIELDS, parse_field_list

    fields = list(DEFAULT_FIELDS)
    for group in words:
        try:
            fields = parse_field_list(group, base=fields)
        except ValueError as exc:
            raise CliError(f"-s {' '.join(group)}: {exc}") from None
    return fields


def _compile(text: str, where: str) -> RecordFilter:
    from argus_rs.filter import FilterError
    from argus_rs.filter import compile as compile_filter

    try:
        return compile_filter(text)
    except FilterError as exc:
        report(COMMAND, f"{where}{exc}")
        for line in exc.caret().splitlines():
            print(f"    {line}", file=sys.stderr)
        raise typer.Exit(EXIT_ERROR) from None
    except ValueError as exc:
        raise CliError(f"{where}filter {text!r}: {exc}") from None


def _mar_passes(text: str | None) -> bool:
    """Does ra's filter pass a management record?  (Only ``man``-like words test true on one.)"""
    if text is None:
        return True
    from argus_rs.filter import And, Const, Keyword, Not, Or, parse_filter

    def ev(node: object) -> bool:
        if isinstance(node, And):
            return ev(node.left) and ev(node.right)
        if isinstance(node, Or):
            return ev(node.left) or ev(node.right)
        if isinstance(node, Not):
            return not ev(node.operand)
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Keyword):
            return node.name in ("man", "mar", "stop")
        return False

    try:
        return ev(parse_filter(text))
    except ValueError:
        return False


def _expand_inputs(paths: Sequence[str]) -> list[str]:
    """-r words: globs expanded (sorted) when nothing has the literal name."""
    import glob

    out: list[str] = []
    for p in paths:
        if p != "-" and not os.path.exists(p) and any(c in p for c in "*?["):
            matches = sorted(glob.glob(p))
            out.extend(matches if matches else [p])
        else:
            out.append(p)
    return out


class _Printer:
    """The text output: header lines as ra interleaves them, one line per record."""

    def __init__(self, config: RaConfig, fields: list[FieldSpec], opts: PrintOptions, mode: str, out: BinaryIO):
        self.config = config
        self.fields = fields
        self.opts = opts
        self.mode = mode  # text | xml | json
        self.out = out
        self.labels = 0 if mode != "text" else config.labels
        self.header: str | None = None
        self.xml_started = False

    def _header(self) -> str:
        if self.header is None:
            from argus_rs.ra import header_line

            self.header = header_line(self.fields, self.opts)
        return self.header

    def records(self, frame: pl.DataFrame, state: _State, first_rank: int, shown: pl.Series) -> None:
        """Print ``frame``'s rows whose ``shown`` is true; every row advances ra's label counter."""
        if frame.height == 0:
            return
        if self.mode == "xml":
            self._xml(frame.filter(shown))
            return
        if self.mode == "json":
            self._json(frame.filter(shown))
            return
        from argus_rs.ra import render_lines
        from argus_rs.ra.hexdump import hex_lines

        keep = frame.filter(shown)
        self._set_rtime_base(keep)
        # -M printer=hex: the user data columns become dumps under the line
        render = hex_lines if self.opts.user_encoding == "hex" else render_lines
        rendered = render(keep, self.fields, self.opts) if keep.height else None
        if self.labels == 0:
            if rendered is not None and rendered.len():
                # one line per value, as they are (no quoting): the fastest way out of polars
                rendered.to_frame("line").write_csv(self.out, include_header=False, quote_style="never")
            return
        lines: list[str] = rendered.to_list() if rendered is not None else []
        # headers: before the records at label counts 0, L, 2L, ... (once when L < 0)
        shown_list = shown.to_list()
        chunks: list[str] = []
        it = iter(lines)
        for visible in shown_list:
            if self.labels and state.labels_seen % self.labels == 0:
                chunks.append(self._header())
            state.labels_seen += 1
            if self.labels < 0:
                self.labels = 0
            if visible:
                chunks.append(next(it))
        if chunks:
            self.out.write(("\n".join(chunks) + "\n").encode("utf-8", "surrogateescape"))

    def mars(self, mars: list[dict[str, object]], state: _State) -> None:
        """``-M man``: management record lines, with headers at ra's label counts as records get them."""
        from argus_rs.ra.hexdump import without_user
        from argus_rs.ra.mar import mar_line

        # -M printer=hex: the user data columns leave no trace on a line
        fields = without_user(self.fields) if self.opts.user_encoding == "hex" else self.fields
        chunks: list[str] = []
        for mar in mars:
            if self.labels and state.labels_seen % self.labels == 0:
                chunks.append(self._header())
            state.labels_seen += 1
            if self.labels < 0:
                self.labels = 0
            chunks.append(mar_line(mar, fields, self.opts))
        if chunks:
            self.out.write(("\n".join(chunks) + "\n").encode())

    def _set_rtime_base(self, frame: pl.DataFrame) -> None:
        """``rtime`` counts from the first record ra prints it for, across files and batches."""
        if self.opts.rtime_base is not None or frame.height == 0 or all(f.name != "rtime" for f in self.fields):
            return
        import dataclasses

        from argus_rs.ra.render import first_rtime_start

        base = first_rtime_start(frame)
        if base:
            self.opts = dataclasses.replace(self.opts, rtime_base=base)

    def _json(self, frame: pl.DataFrame) -> None:
        import json

        from argus_rs.ra import render_values

        if frame.height == 0:
            return
        self._set_rtime_base(frame)
        values = render_values(frame, self.fields, self.opts)
        names = values.columns
        lines = [
            json.dumps(dict(zip(names, (v.strip() for v in row), strict=True)), ensure_ascii=False)
            for row in values.iter_rows()
        ]
        self.out.write(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))

    def _xml(self, frame: pl.DataFrame) -> None:
        from argus_rs.cli.ra_xml import xml_header, xml_records

        if not self.xml_started:
            self.out.write(xml_header(frame).encode())
            self.xml_started = True
        if frame.height and self.opts.user_encoding == "hex":
            from argus_rs.ra.hexdump import user_dumps, without_user

            # -M printer=hex: no user data attributes, the dumps after each element
            elements = xml_records(frame, without_user(self.fields), self.opts).splitlines()
            dumps = user_dumps(frame, self.fields)
            text = "".join(e + d + "\n" for e, d in zip(elements, dumps, strict=True))
            self.out.write(text.encode("utf-8", "surrogateescape"))
        elif frame.height:
            text = xml_records(frame, self.fields, self.opts)
            self.out.write(text.encode("utf-8", "surrogateescape"))

    def finish(self) -> None:
        if self.mode == "xml" and self.xml_started:
            self.out.write(b"</ArgusDataStream>\n")


def _open_outputs(config: RaConfig, given_format: str | None) -> list[_Output]:
    from argus_rs.export import format_for

    outputs: list[_Output] = []
    for target, text in config.outputs:
        try:
            fmt = format_for(target, given_format)
        except ValueError as exc:
            raise CliError(f"--format: {exc}") from None
        if fmt == "ipc":
            raise CliError(f"-w {target}: Arrow IPC output is not offered by ra; use csv, ndjson, parquet or argus")
        flt = _compile(text, f"-w {target}: ") if text else None
        outputs.append(_Output(target, fmt, flt))
    if sum(1 for o in outputs if o.target == "-") > 1:
        raise CliError("-w -: only one output can go to standard output")
    return outputs


def _write(output: _Output, frame: pl.DataFrame) -> None:
    """Append ``frame`` to one -w output (created at its first record, as ra creates it)."""
    import polars as pl

    from argus_rs.export import text_ready

    if frame.height == 0:
        return
    output.written += frame.height
    if output.fmt == "argus":
        if output.writer is None:
            from argus_rs import _core

            first = int(frame.select(pl.col("stime").min().dt.epoch("us")).item() or 0)
            last = int(frame.select(pl.col("ltime").max().dt.epoch("us")).item() or 0)
            path = "/dev/stdout" if output.target == "-" else output.target
            if output.target == "-":
                sys.stdout.flush()
            output.writer = _core.ArgusWriter(path, first, last, True)
        output.writer.write(frame.get_column("record"))
        return
    if output.fmt == "parquet":
        output.frames.append(frame)
        return
    sink: Any
    if output.target == "-":
        sink = sys.stdout.buffer
    else:
        if output.writer is None:
            output.writer = open(output.target, "wb")  # noqa: SIM115
        sink = output.writer
    text = text_ready(frame)
    if output.fmt == "csv":
        text.write_csv(sink, include_header=not output.text_started)
    else:
        text.write_ndjson(sink)
    output.text_started = True


def _close(output: _Output) -> None:
    import polars as pl

    if output.fmt == "parquet" and output.frames:
        frame = pl.concat(output.frames, how="vertical_relaxed")
        frame.write_parquet(sys.stdout.buffer if output.target == "-" else output.target)
        output.frames.clear()
    if output.writer is not None:
        output.writer.close()
        output.writer = None
    if output.target == "-":
        sys.stdout.flush()


def _batches(path: str, state: _State, read: _Read) -> Iterator[pl.DataFrame]:
    """The flow records of one file, batch by batch; its read errors reported (exit 2 at the end)."""
    import polars as pl

    from argus_rs import _core

    batches = _core.scan_argus([path], BATCH_ROWS, read.columns, read.record_filter, read.offsets, read.keep_dsrs)
    for batch in batches:
        frame = pl.DataFrame(batch)
        if frame.height:
            yield frame
    stats = dict(batches.stats)
    state.mars += int(stats.get("management_records", 0))
    # flow records the reader's filter dropped: read, counted, not passed
    state.fars += int(stats.get("filtered_out", 0))
    state.file_records = int(stats.get("records", 0))
    for error in batches.errors:
        shown = "(stdin)" if path == "-" else path
        report(COMMAND, error if shown in error or path in error else f"{shown}: {error}")
        state.errors += 1


@dataclass
class _Read:
    """What the reader does before Python sees a record (the fast path)."""

    #: the columns to build (None: all of them)
    columns: list[str] | None = None
    #: ra's filter, tested by the reader (None: every record comes, with its match flag tested here)
    record_filter: RecordFilter | None = None
    #: each record's byte offset in its file as a column ``_offset`` (the ``offset`` field)
    offsets: bool = False
    #: -M dsrs=: the DSR index bits each flow record keeps as it is read (None: all)
    keep_dsrs: int | None = None


def _read_plan(
    config: RaConfig,
    record_filter: RecordFilter | None,
    printer: _Printer | None,
    outputs: list[_Output],
    time_range: TimeRange | None,
) -> _Read:
    """The columns the run reads and whether the reader may apply the filter.

    The reader drops the records the filter does not pass unless -N counts
    the input stream (ra's input window and its stop need the record after
    the limit, matched or not).
    """
    from argus_rs.ra.columns import columns_for, record_columns

    read = _Read()
    start, end = config.first_n
    if start <= 0 and end < 0:
        read.record_filter = record_filter
    wanted: set[str] = set()
    if printer is not None and not config.quiet:
        read.offsets = any(f.name == "offset" for f in printer.fields)
        if printer.mode == "xml":
            return read
        wanted.update(columns_for(printer.fields, printer.opts))
    for output in outputs:
        if output.fmt != "argus":
            return read
        wanted.update(("record", "stime", "ltime"))
    if record_filter is not None and read.record_filter is None:
        wanted.add("record")
    if time_range is not None:
        wanted.update(("stime", "ltime"))
    if config.summary:
        wanted.update(("pkts", "bytes"))
    if pace_factor(config.modes):
        wanted.add("stime")  # -M rtime paces by the start times
    # none wanted (-q, or only the match count): batches of rows without columns, no record decoded
    read.columns = [c for c in record_columns() if c in wanted]
    return read


@dataclass
class _Run:
    config: RaConfig
    record_filter: RecordFilter | None
    mar_passes: bool
    time_range: TimeRange | None
    printer: _Printer | None
    outputs: list[_Output]
    read: _Read = field(default_factory=_Read)
    reject: _Output | None = None
    user_match: Any = None  # -e: argus_rs.cli.ra_userdata.UserDataMatch
    state: _State = field(default_factory=_State)
    pacer: Pacer | None = None  # -M rtime[:factor]

    # ra's -N on the input stream: (skip counts <= start, stop once the count passes end)
    def _input_window(self, frame: pl.DataFrame, matched: pl.Series) -> tuple[pl.DataFrame, pl.Series, bool]:
        """The rows ra processes (with their match flags) and whether ra stops after them."""
        import polars as pl

        start, end = self.config.first_n
        state = self.state
        n = frame.height
        if self.state.limit_hit:
            # ra's eNflag became 0 at a file's opening record: the next record is the last
            frame, matched = frame.head(1), matched.head(1)
            if bool(matched[0]):
                state.count += 1
            return frame, matched, True
        counts = matched.cast(pl.Int64).cum_sum() + state.count
        stop = False
        if end >= 0:
            over = (counts > end) & matched
            if over.any():
                last = int(over.arg_true()[0])
                frame, matched, counts = frame.head(last + 1), matched.head(last + 1), counts.head(last + 1)
                stop = True
        state.count = int(counts[-1]) if n and counts.len() else state.count
        keep = matched
        if start > 0:
            keep = keep & (counts > start)
        return frame, keep, stop

    def file_opened(self) -> None:
        """ra counts each file's opening management record, then tests the limit."""
        self.state.count += 1
        self.state.files += 1
        end = self.config.first_n[1]
        if end >= 0 and self.state.count > end:
            self.state.limit_hit = True

    def file_closed(self, other_mars: int) -> None:
        """The file's other management records (its closing one), which the filter may pass."""
        end = self.config.first_n[1]
        for _ in range(max(other_mars, 0)):
            if self.mar_passes:
                self.state.count += 1
            if end >= 0 and self.state.count > end:
                self.state.stop = True
                return

    def mar_between(self, printer: _Printer, mar: dict[str, object]) -> None:
        """-M man: a MAR after a file's opening one, counted for -N as ra counts it, printed past -N's start."""
        self.state.count += 1
        if self.state.count > self.config.first_n[0]:
            printer.mars([mar], self.state)
        self.state.mars_between += 1
        end = self.config.first_n[1]
        if end >= 0 and self.state.count > end:
            self.state.stop = True

    def batch(self, frame: pl.DataFrame) -> None:
        import polars as pl

        state = self.state
        if self.record_filter is not None and self.read.record_filter is None:
            matched = pl.Series(self.record_filter.mask(frame.get_column("record"))).fill_null(False)
        else:
            matched = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
        if self.user_match is not None:
            matched = matched & self.user_match.mask(frame)
        if matched.any():
            state.matched_any = True
        if self.reject is not None:
            _write(self.reject, frame.filter(~matched))
        frame, keep, stop = self._input_window(frame, matched)
        # the flow records ra reads: it stops at -N's end, the rest of the file is not counted
        state.fars += frame.height
        if self.time_range is not None and frame.height:
            keep = keep & self.time_range.mask(frame)
        selected = frame.filter(keep)
        if selected.height:
            self._paced_emit(selected)
        if stop:
            state.stop = True

    def _paced_emit(self, frame: pl.DataFrame) -> None:
        """-M rtime: each part of ``frame`` emitted when its records are due."""
        if self.pacer is None:
            self._emit(frame)
            return
        for part in self.pacer.parts(frame):
            self._emit(part)
            if self.state.stop:
                break

    def _emit(self, frame: pl.DataFrame) -> None:
        import polars as pl

        state = self.state
        if self.config.summary:
            totals = frame.select(pl.col("pkts").sum(), pl.col("bytes").sum()).row(0)
            state.pkts += int(totals[0] or 0)
            state.bytes += int(totals[1] or 0)
        start, end = self.config.output_n
        if self.outputs:
            for output in self.outputs:
                part = frame
                if output.record_filter is not None:
                    mask = pl.Series(output.record_filter.mask(frame.get_column("record"))).fill_null(False)
                    part = frame.filter(mask)
                ranks = pl.int_range(state.rank + 1, state.rank + 1 + part.height, eager=True)
                state.rank += part.height
                if end != 0:
                    part = part.filter((ranks >= start) & (ranks <= end))
                    if state.rank > end:
                        state.stop = True
                _write(output, part)
            return
        if self.config.quiet or self.printer is None:
            return
        ranks = pl.int_range(state.rank + 1, state.rank + 1 + frame.height, eager=True)
        state.rank += frame.height
        shown = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
        if end != 0:
            shown = (ranks >= start) & (ranks <= end)
            beyond = ranks > end
            if beyond.any():
                # ra stops at the first record past the output range (its header is still printed)
                upto = int(beyond.arg_true()[0]) + 1
                frame, shown = frame.head(upto), shown.head(upto)
                state.stop = True
        self.printer.records(frame, state, state.rank - frame.height + 1, shown)

    def summary(self) -> str:
        s = self.state
        return (
            f" Totalrecords {s.count + 1:<8d}  TotalManRecords {s.mars:<8d}  TotalFarRecords {s.fars:<8d}"
            f" TotalPkts {s.pkts:<8d} TotalBytes {s.bytes:<8d}"
        )


def _modes(config: RaConfig) -> str:
    """Apply -M modes; the output mode (text, xml, json)."""
    mode = "text"
    for word in config.modes:
        lowered = word.lower()
        if word == "xml":
            mode = "xml"
        elif lowered == "json":
            mode = "json"
        elif "TZ=" in word:
            config.timezone = word.split("TZ=", 1)[1].strip("'\"")
        elif lowered == "man":
            continue  # management records are printed: see _print_mars
        elif lowered.startswith(_QUIET_MODES):
            continue
        elif word.startswith("label="):
            continue  # see _label_mode: our records carry no label DSR
        elif lowered.startswith("dsrs="):
            continue  # the reader strips the records: see _Read.keep_dsrs
        elif word == "disa":
            continue  # DiffServ names of the US DISA table, applied in _print_options
        elif lowered in ("printer=ascii", "printer=encode32", "printer=encode64", "printer=obfuscate", "printer=hex"):
            config.user_data_encoding = lowered.split("=", 1)[1]
        elif lowered.startswith(("rtime", "realtime")):
            continue  # records paced as they are selected: see argus_rs.ra.pacing
        elif lowered.startswith("poll"):
            continue  # each input's START MAR only: see argus_rs.cli.ra_poll
        elif lowered.startswith(_UNSUPPORTED_MODES):
            raise CliError(f"-M {word}: not supported by argus-rs ra yet (see docs/compat.md)")
        else:
            raise CliError(f"-M {word}: unknown mode (argus-rs ra knows xml, json, man, TZ=ZONE, noman)")
    return mode


def _label_mode(config: RaConfig) -> bool:
    return any(word.startswith("label=") for word in config.modes)


def _set_timezone(zone: str | None) -> None:
    if zone:
        os.environ["TZ"] = zone
        time.tzset()


def run(args: RaArgs, output_format: str | None) -> int:
    config = args.config
    if args.help:
        raise CliError("usage: argus-rs ra --help", EXIT_ERROR)
    mode = _modes(config)
    if _label_mode(config):
        # ra 3.0.8 -M label=REGEX passes only records with a matching label DSR; argus-rs records
        # (as real argus's without a labeler) carry none, so ra prints nothing and exits 0
        return EXIT_MATCH
    _set_timezone(config.timezone)
    fields = _fields(config, config.field_words)
    opts = _print_options(config)
    if opts.dscp_disa:
        # ra widens the DiffServ columns for the DISA names (8 instead of 5)
        fields = [dataclasses.replace(f, width=8) if f.name in ("sdsb", "ddsb") and f.width == 5 else f for f in fields]
    send_filter, filter_text = split_filter(args.filter_text, bool(args.remotes))
    record_filter = _compile(filter_text, "") if filter_text else None
    if args.dump_filter:
        from argus_rs.filter import parse_filter

        print(parse_filter(filter_text) if filter_text else "no filter")
        return EXIT_MATCH
    time_range = time_range_option(config.time_range)
    outputs = _open_outputs(config, output_format)
    printer = None
    # -E FILE: the rejected records go there (and, as ra, nothing is printed)
    reject = _Output(args.reject_output, "argus", None) if args.reject_output else None
    if not outputs and reject is None:
        if output_format is not None:
            outputs = _open_outputs(_with_stdout(config), output_format)
        else:
            printer = _Printer(config, fields, opts, mode, sys.stdout.buffer)
    if args.read_seen and not config.inputs:
        raise CliError("no input files")
    inputs = _expand_inputs(config.inputs)
    if args.remotes:
        inputs.append(REMOTE_INPUT)  # the -S sources, merged, after any -r files
    if config.first_n[1] == 0:
        inputs = []  # ra's -N 0: no file is read
    if not inputs:
        if sys.stdin.isatty():
            raise CliError("no input: give one or more -r FILE (- = standard input)")
        inputs = ["-"]
    user_match = None
    if args.user_regex is not None:
        from argus_rs.cli.ra_userdata import UserDataMatch

        try:
            user_match = UserDataMatch.parse(args.user_regex)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    # -E and -e need every record (its match flag, its user data): no fast path
    fast = reject is None and user_match is None
    read = _read_plan(config, record_filter, printer, outputs, time_range) if fast else _Read()
    read.keep_dsrs = dsrs_mode(config.modes)
    # a management record has no user data: -e never passes one
    mar_passes = _mar_passes(filter_text) and user_match is None
    run = _Run(config, record_filter, mar_passes, time_range, printer, outputs, read, reject)
    run.user_match = user_match
    factor = pace_factor(config.modes)
    if factor and not args.remotes:  # ra plays back files only
        run.pacer = Pacer(factor, sys.stdout.buffer.flush)
    state = run.state
    # -M man (text output of files): each MAR where it stands among the flow records
    print_mars = printer is not None and mode == "text" and mar_passes and _print_man(config)
    if poll_mode(config.modes):
        return poll_run(
            run, inputs, args.remotes, print_mars, bool(filter_text), lambda e: report(COMMAND, e), CONNECT_TIMEOUT
        )
    if print_mars:
        read.offsets = True  # to print each MAR between the flow records around it
    try:
        for path in inputs:
            if state.stop:
                break
            if path not in ("-", REMOTE_INPUT) and not os.path.exists(path):
                report(COMMAND, f"open '{path}': No such file or directory")
                state.errors += 1
                continue
            mars_before = state.mars
            state.mars_between = 0
            opened = False
            file_mars = read_mars(path) if print_mars and path not in ("-", REMOTE_INPUT) else []
            # ra counts the opening MAR first (-N START hides it while the count is not past START)
            if printer is not None and file_mars and state.count + 1 > config.first_n[0]:
                printer.mars(file_mars[:1], state)
            state.file_records = 0
            frames = (
                remote_frames(args.remotes, send_filter, state, lambda e: report(COMMAND, e), _local_filter(run))
                if path == REMOTE_INPUT
                else _batches(path, state, read)
            )
            pending = file_mars[1:]
            for frame in frames:
                if not opened:
                    run.file_opened()
                    opened = True
                if pending and printer is not None:
                    frame = _mars_between(run, printer, frame, pending)
                    if run.state.stop:
                        break  # -N ended before a MAR: the rest of the batch is past it
                run.batch(frame)
                if run.state.stop:
                    break
            if run.state.stop and opened:
                # -N ended in this file: ra read its opening MAR (counted twice) and those it printed
                state.mars = mars_before + 2 + state.mars_between
            if not run.state.stop:
                mars = state.mars - mars_before
                if not opened and (mars or state.file_records):
                    run.file_opened()
                    opened = True
                # the file's opening MAR is read twice by ra's counters; the others are at its end
                state.mars += 1 if opened else 0
                while printer is not None and pending and not state.stop:
                    run.mar_between(printer, pending.pop(0))
                if not state.stop:
                    run.file_closed(mars - 1 - state.mars_between)
            if printer is not None:
                sys.stdout.buffer.flush()
        if printer is not None:
            printer.finish()
        for output in outputs:
            _close(output)
        if reject is not None:
            _close(reject)
        if config.summary:
            sys.stdout.buffer.write((run.summary() + "\n").encode())
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        silence_stdout()
        return EXIT_MATCH
    except OSError as exc:
        if exc.errno == errno.EPIPE or "Broken pipe" in str(exc):
            silence_stdout()
            return EXIT_MATCH
        raise
    if state.errors:
        return EXIT_ERROR
    if filter_text or args.user_regex is not None:
        return EXIT_MATCH if state.count > 1 else EXIT_NO_MATCH
    return EXIT_MATCH if state.files else EXIT_NO_MATCH


def _print_man(config: RaConfig) -> bool:
    """-M man, or RA_PRINT_MAN_RECORDS=yes (Debian's /etc/ra.conf) unless a later -M noman."""
    show = config.print_man
    for word in config.modes:
        if word.lower() == "man":
            show = True
        elif word.lower() == "noman":
            show = False
    return show


def _mars_between(run: _Run, printer: _Printer, frame: pl.DataFrame, pending: list[dict[str, object]]) -> pl.DataFrame:
    """``-M man``: process the rows before each pending MAR, print the MAR; the rest of the frame."""
    offsets = frame.get_column("_offset")
    while pending and frame.height and not run.state.stop:
        at = int(pending[0]["_pos"])  # type: ignore[call-overload]
        if at > int(offsets[-1]):
            break
        before = int((offsets < at).sum())
        if before:
            run.batch(frame.head(before))
            frame, offsets = frame.slice(before), offsets.slice(before)
        if not run.state.stop:
            run.mar_between(printer, pending.pop(0))
    return frame


def _local_filter(run: _Run) -> RecordFilter | None:
    """The filter remote frames need here: the one the reader would have applied to a file."""
    read = getattr(run, "read", None)
    return getattr(read, "record_filter", None)


def _with_stdout(config: RaConfig) -> RaConfig:
    import copy

    clone = copy.copy(config)
    clone.outputs = [("-", None)]
    return clone


def ra(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[OPTIONS] [- FILTER]", help="ra's options and filter, as ra takes them.", show_default=False
        ),
    ] = None,
) -> None:
    argv = list(words or [])
    output_format: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--format" and i + 1 < len(argv):
            output_format = argv[i + 1]
            i += 2
            continue
        if word.startswith("--format="):
            output_format = word.split("=", 1)[1]
            i += 1
            continue
        rest.append(word)
        i += 1
    try:
        args = parse(rest)
    except ValueError as exc:
        raise CliError(one_line(str(exc))) from None
    code = run(args, output_format)
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "PROG", "ra", "run"]
