"""Type stubs for the compiled extension module ``argus_rs._core`` (rust/argus-py)."""

from collections.abc import Callable, Sequence
from typing import Protocol, final

import polars as pl

__version__: str

class ArrowSchemaExportable(Protocol):
    """Anything implementing the Arrow PyCapsule schema interface (``pl.Schema(x)`` takes it)."""

    def __arrow_c_schema__(self) -> object: ...

class ArrowArrayExportable(Protocol):
    """An Arrow record batch as the core hands it out (a ``pyo3_arrow.RecordBatch``).

    It implements the Arrow PyCapsule interface: ``pl.DataFrame(batch)`` takes it
    without copying, and so do pyarrow, arro3, DuckDB and others.
    """

    def __arrow_c_schema__(self) -> object: ...
    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...

class ArgusReadError(Exception):
    """Reading a capture failed.

    ``args[0]`` is a one-line message of the form ``"FILE: byte offset N: what"``
    (the Python layer joins several with ``"; "``).  ``partial``, when the Python
    layer sets it, holds the records read before and besides the errors.
    """

    partial: pl.DataFrame | None

@final
class FlowBatches:
    """Iterator over the flow records of one or more captures, as Arrow record batches."""

    def __iter__(self) -> FlowBatches: ...
    def __next__(self) -> ArrowArrayExportable: ...
    @property
    def errors(self) -> list[str]:
        """One-line errors met so far (bad file, unsupported link type, truncated capture).

        Reading goes on with the next file after an error.
        """

    @property
    def stats(self) -> dict[str, int]:
        """Counters so far.

        files, packets, bytes (wire bytes), packets_decoded, bytes_decoded,
        packets_skipped, records, flows.
        """

def scan_pcap(
    paths: list[str],
    options: dict[str, object] | None = None,
    batch_rows: int = 65536,
    bpf: str | None = None,
    bpf_optimize: bool = True,
    threads: int = 1,
    ordered: bool = False,
) -> FlowBatches:
    """Start reading ``paths`` (``"-"`` = standard input) with core ``options``.

    ``options`` uses the core's names (``status_interval``, ``jitter``, ...), as
    :func:`argus_rs.options.to_core_options` makes them; an unknown key or a
    wrong type raises ValueError.  ``bpf`` is a libpcap filter expression applied
    to every packet before the engine (a bad one raises ValueError).
    ``threads`` (1 to 64) shards the flow table across worker threads;
    ``ordered`` gives the records the order that is the same for any ``threads``.
    """

# --- Argus 3 record files (rust/argus-py/src/argus_in.rs, argus_out.rs) ---------------

class ArrowStreamExportable(Protocol):
    """A column with the Arrow PyCapsule stream interface (a ``pl.Series``, a pyarrow array)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

@final
class ArgusBatches:
    """Iterator over the flow records of Argus record files, as Arrow record batches."""

    def __iter__(self) -> ArgusBatches: ...
    def __next__(self) -> ArrowArrayExportable: ...
    @property
    def errors(self) -> list[str]:
        """One-line errors (``"FILE: byte offset N: what"``); reading goes on with the next file."""

    @property
    def stats(self) -> dict[str, int]:
        """files, records (flow records read), filtered_out (records the filter did not pass),
        management_records (MARs skipped)."""

def scan_argus(
    paths: list[str],
    batch_rows: int = 65536,
    columns: list[str] | None = None,
    filter: RecordFilter | None = None,
    offsets: bool = False,
    keep_dsrs: int | None = None,
) -> ArgusBatches:
    """Start reading Argus 3 record files (plain, gzip, bzip2, xz, zstd; ``"-"`` = stdin) on a worker thread.

    ``columns``: only these columns of :func:`record_schema` (schema order; ValueError for an
    unknown name); ``filter``: only the records it passes (tested before any column is built);
    ``offsets``: a last column ``_offset`` (UInt64), each record's byte offset in its file
    (ra's ``offset`` field); ``keep_dsrs``: each flow record keeps only the DSRs whose Argus
    DSR index bit is set (``ra -M dsrs=``), before the filter sees it.
    """

@final
class ArgusWriter:
    """One Argus 3 record stream being written: a START MAR, then flow records."""

    def __init__(self, path: str, start_usec: int, end_usec: int, append: bool = False) -> None: ...
    def write(self, records: ArrowStreamExportable) -> int:
        """Append the records of a binary column of FAR bytes; returns how many (ValueError for non-records)."""

    def close(self) -> None: ...

@final
class SensorRun:
    """What :func:`run_sensor` did."""

    errors: list[str]
    records_written: list[int]
    stats: dict[str, int]
    interrupted: bool

def run_sensor(
    paths: list[str],
    outputs: list[tuple[str, RecordFilter | None]],
    options: dict[str, object] | None = None,
    bpf: str | None = None,
    bpf_optimize: bool = True,
    threads: int = 1,
    interfaces: list[str] | None = None,
    capture: dict[str, object] | None = None,
    *,
    on_open: Callable[[], object] | None = None,
    serve: dict[str, object] | None = None,
) -> SensorRun:
    """The offline sensor: captures -> Argus 3 record streams (files appended to, ``"-"`` = stdout).

    ``on_open`` is called once the inputs and outputs are open (privilege drop, daemon
    readiness). An output file removed or renamed during the run is created again with a
    START MAR (checked about once a second); :func:`request_reopen` reopens them all.

    Each output gets a START MAR, the records its filter passes, STATUS MARs every
    ``mar_interval`` of wall-clock time and a STOP MAR.  Unreadable inputs are in
    ``errors``; a bad option or filter raises ValueError, an output that cannot be
    written OSError.  ``threads`` (1 to 64) shards the flow table across worker threads.
    """

def request_reopen() -> None:
    """Make running sensors close and reopen their output files, each with a new START MAR (SIGHUP)."""

def strip_dsrs(records: ArrowArrayExportable | ArrowStreamExportable, keep: int) -> ArrowArrayExportable:
    """Each Argus record of a binary column keeping only the DSRs whose Argus DSR index
    (0 transport .. 15 encaps, 16-21 time-adjust, behavior, cor, cocode, label, asn;
    31 unknown kinds) has its bit set in ``keep``; management records unchanged (rastrip)."""

def aggregate_records(
    templates: ArrowArrayExportable | ArrowStreamExportable,
    lasts: ArrowArrayExportable | ArrowStreamExportable,
    ints: Sequence[ArrowArrayExportable | ArrowStreamExportable],
    floats: Sequence[ArrowArrayExportable | ArrowStreamExportable],
    saddr: ArrowArrayExportable | ArrowStreamExportable,
    daddr: ArrowArrayExportable | ArrowStreamExportable,
    agr: bool = True,
) -> ArrowArrayExportable:
    """racluster -w's merged records: each group's first record (``templates``) with TIME,
    METRIC and FLOW rewritten, an AGR DSR (unless ``agr`` is false) and the last record's
    (``lasts``) NETWORK DSR; ``ints`` (Int64): start, end (µs), spkts, sbytes, sappbytes, dpkts,
    dbytes, dappbytes, trans, IP protocol number, NETWORK mode (0 keep, 1 TCP, 2 UDP), TCP
    status bits, sport, dport; ``floats`` (Float64): min, mean, stddev, max."""

def rewrite_piece(
    record: bytes, times: tuple[int, int, int, int], src: tuple[int, int, int], dst: tuple[int, int, int]
) -> bytes:
    """A flow record with its TIME DSR set to ``times`` (src start, src end, dst start, dst end; µs,
    0 = none) and its METRIC DSR to ``src``/``dst`` (pkts, bytes, appbytes); other DSRs unchanged."""

def record_schema() -> ArrowSchemaExportable:
    """The Arrow schema of the flow records (``pl.Schema(record_schema())``)."""

# --- ra filter language (rust/argus-py/src/filter.rs) ---------------------------------

@final
class RecordFilter:
    """A compiled ra filter expression (Argus 3.0.8 semantics), evaluated in Rust.

    Build it with :func:`argus_rs.filter.compile` (or :func:`compile_filter` from a tree).
    """

    def mask(self, records: ArrowArrayExportable | ArrowStreamExportable) -> ArrowArrayExportable:
        """One boolean per record of `records`, an Arrow binary array of Argus flow records
        (FAR bytes, one record each): does it pass? Null for a null value or bytes that are
        not a flow record. The result is an Arrow boolean array:
        ``df.filter(pl.Series(f.mask(df["record"].to_arrow())))``.
        """

    def matches(self, record_bytes: bytes) -> bool | None:
        """Does one record (FAR bytes) pass? None when the bytes are not a flow record."""

def compile_filter(tree: tuple[object, ...]) -> RecordFilter:
    """Build the evaluator for a filter tree in the tuple form of ``argus_rs.filter.to_core``.

    A malformed tree raises ValueError.
    """

# --- ra printing helpers (rust/argus-py/src/ra_fields.rs) --------------------------------

def ra_format_fixed(values: ArrowArrayExportable | ArrowStreamExportable, digits: int) -> ArrowArrayExportable:
    """C ``printf("%.*f", digits, v)`` of every value of a float array (Float32 values
    widened exactly, as C does); null stays null. An Arrow string array."""

def ra_extra(records: ArrowArrayExportable | ArrowStreamExportable) -> ArrowArrayExportable:
    """Facts of each record (Arrow binary array of FAR bytes) that ra prints and the
    record columns do not carry, with ra's direction correction applied: an Arrow record
    batch with ``proto_num``, ``tcp_status``, ``tcp_state``, ``sflags``, ``dflags``,
    ``senc``, ``denc`` (u32), ``sstime sltime dstime dltime`` (µs, null when absent) and
    the jitter extremes ``sintpktactmin`` ... ``dintpktidlmax`` (µs, null without data)."""

def ra_user_text(values: ArrowArrayExportable | ArrowStreamExportable, maxlen: int, tag: str) -> ArrowArrayExportable:
    """ra's user-data text (RA_USERDATA_ENCODE=Ascii) of each binary value:
    ``{tag}[n]=`` and its first ``n = min(len, maxlen)`` bytes, printable ASCII kept,
    the others as ``.``; null stays null."""

def ra_format_time(
    times: ArrowArrayExportable | ArrowStreamExportable,
    offsets: ArrowArrayExportable | ArrowStreamExportable,
    fmt: str,
    digits: int,
) -> ArrowArrayExportable:
    """Times (Int64 µs since the epoch, UTC) as ra prints them with RA_TIME_FORMAT
    ``fmt`` (%T %R %H %M %S %Y %y %m %d %e %j %b %h %a %D %F %n %t %% and ra's %f =
    the fraction in ``digits`` digits, truncated), each shifted by its UTC offset in
    ``offsets`` (Int64 µs). A null time prints as the epoch. ValueError for another
    conversion."""

def ra_join_lines(
    values: list[ArrowArrayExportable | ArrowStreamExportable],
    widths: list[int],
    left: list[bool],
    fixed: list[bool],
    keep_blank: list[bool],
    period: list[bool],
    sep: str | None,
) -> ArrowArrayExportable:
    """ra's text lines from the values of each field (Utf8 arrays; null = the field
    wrote nothing): padded to the width (right-justified, left when ``left``) and
    truncated with ``*`` when ``fixed``; then a blank, or ``sep`` (trailing blanks of
    the value dropped, but for ``keep_blank`` fields). The blank before a ``period``
    field is a ``.`` when its text is not blank. Lines lose trailing white space and
    one trailing ``sep``."""

# --- remote access (issue 7; docs/remote.md) ---
# run_sensor(serve=...): the -P server's settings (argus_rs.remote.serve_settings): port, bind,
# name, max_clients, queue_bytes, stall, startup_timeout, drain_timeout, wait_for_client (seconds),
# compiler (text -> RecordFilter). Its counters join SensorRun.stats as clients_*.

@final
class RemoteBatches:
    """Arrow record batches of the flow records remote sensors stream (iterate; ``close()`` to stop)."""

    def __iter__(self) -> RemoteBatches: ...
    def __next__(self) -> ArrowArrayExportable: ...
    def close(self) -> None: ...
    @property
    def errors(self) -> list[str]:
        """One-line errors: unreachable source, refused filter, broken stream (``host:port: ...``)."""

    @property
    def stats(self) -> dict[str, int]:
        """sources_connected, records (flow records), management_records."""

def scan_remote(
    sources: list[str],
    filter: str | None = None,
    batch_rows: int = 65536,
    connect_timeout: float = 10.0,
    persistent: bool = False,
) -> RemoteBatches:
    """Connect to ``[argus://]host[:port]`` sources (several merged) and read their records as they come."""

@final
class RadiumRun:
    errors: list[str]
    stats: dict[str, int]
    interrupted: bool

def run_radium(
    sources: list[str],
    files: list[str],
    outputs: list[tuple[str, RecordFilter | None]],
    serve: dict[str, object] | None = None,
    filter: str | None = None,
    persistent: bool = True,
    monitor_id: int = 0,
    connect_timeout: float = 10.0,
) -> RadiumRun:
    """Relay remote sources and record files to files and to -P clients, records unchanged."""

class LiveSensor:
    """Live capture -> flow engine -> record batches in a bounded queue (argus_rs.Sensor)."""

    def __init__(
        self,
        interfaces: list[str],
        options: dict[str, object] | None = None,
        capture: dict[str, object] | None = None,
        bpf: str | None = None,
        bpf_optimize: bool = True,
        batch_rows: int = 4096,
        queue_batches: int = 16,
    ) -> None:
        """Open ``interfaces`` (OSError naming the interface) and start capturing.

        ``capture``: promisc, snaplen, buffer_size, immediate, queue_batches (packet batches).
        """

    def next_batch(self, timeout: float | None = None) -> ArrowArrayExportable | None:
        """The next record batch (GIL released while waiting); None once stopped and drained.

        TimeoutError after ``timeout`` seconds without one; OSError for a capture error.
        """

    def stop(self) -> None:
        """Stop capturing; the open flows follow as SHUTDOWN records, then None."""

    @property
    def stopped(self) -> bool: ...
    @property
    def interfaces(self) -> list[str]: ...
    @property
    def stats(self) -> dict[str, int]:
        """packets, bytes, records, flows, open_flows, captured, kernel_dropped,
        interface_dropped, dropped_batches, dropped_records, errors."""

@final
class ClusterMerger:
    """racluster's default merge (records of one flow; ``correct``: the reversed flow's records
    turned around) over Arrow record batches of the ra columns; ``templates``: ``record`` holds
    each group's first record bytes and ``_record_last`` its last's (for -w)."""

    def __init__(
        self, correct: bool = True, templates: bool = False, five: bool = False, compact_rows: int = 1 << 20
    ) -> None:
        """``five``: group by ``-m saddr daddr proto sport dport`` instead (``correct`` ignored);
        ``compact_rows``: rows kept before the first/last rows are compacted (tests)."""
    def push(self, batch: ArrowArrayExportable | ArrowStreamExportable) -> None:
        """Merge the records of ``batch``; ValueError ("racluster kernel: ...") for a missing
        column or one of another type."""
    def finish(self) -> ArrowArrayExportable:
        """The merged records: the input's columns, then trans, mean, min, max, stddev, sum
        (groups in order of their first record)."""
    @property
    def rows(self) -> int:
        """Records merged so far."""
