"""``argus-rs argus``: the sensor, reading packet captures (Argus 3 ``argus -r``).

Option letters and argument grammar follow Argus 3.0.8.2 (see
:mod:`argus_rs.cli.argus_argv`).  With ``-w`` it writes Argus 3 record streams
(or Parquet, Arrow IPC, CSV, NDJSON with ``--format``); without, it prints a
summary of what it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import EXIT_READ_ERROR, CliError, report
from argus_rs.cli.argus_argv import OUTPUT_FILTER_OPTION
from argus_rs.cli.sensor_live import check_live
from argus_rs.cli.sensor_settings import SensorSettings, resolve
from argus_rs.io import ScanResult, scan_core

if TYPE_CHECKING:
    import polars as pl

COMMAND = "argus"

HELP = (
    "Read packet captures (pcap, pcapng) and build Argus flow records, as argus -r does.\n\n"
    'argus-rs argus -r CAPTURE [CAPTURE ...] -w OUT ["RA FILTER"] [-w OUT2 ...] [- BPF FILTER]\n\n'
    "-w OUT writes an Argus 3 record stream that ra and the other Argus clients read "
    "(- = standard output; an existing file is appended to, as argus does); the word after OUT, "
    "unless it starts with -, is an ra filter for that output. --format parquet|ipc|csv|ndjson "
    "writes that format instead (also chosen by the suffix .parquet, .arrow, .csv, .ndjson). "
    "The words after a lone - are a packet filter: an ra filter expression with a packet meaning "
    "(host, net, port, protocols, TCP flags, ...), translated to BPF, or plain tcpdump (BPF) syntax. "
    "Settings come from /etc/argus.conf unless -X or -F FILE is given; the command line wins.\n\n"
    "Without -w it prints, per file and in total, the packets and wire bytes read, "
    "the packets decoded, the flow records and flows made, and the records per protocol; "
    "--flows N also prints the first N records. Each file is read with its own flow table.\n\n"
    "Errors (missing file, not a capture, truncated capture, unsupported link type) are reported "
    "one per line on stderr, the other files are still read, and the exit code is 1. "
    "A bad option or filter exits with 2."
)

#: ra's default columns, the ones --flows shows when the records have them
_FLOW_COLUMNS = (
    "stime",
    "flgs",
    "proto",
    "saddr",
    "sport",
    "dir",
    "daddr",
    "dport",
    "pkts",
    "bytes",
    "state",
)

#: stats counters -> summary column headings, in order
_COUNTERS = (
    ("packets", "packets"),
    ("bytes", "wire_bytes"),
    ("packets_decoded", "decoded"),
    ("packets_skipped", "skipped"),
    ("records", "records"),
    ("flows", "flows"),
)

#: shown only when the open-flow cap pushed flows out early (docs/memory.md)
_EVICTED = ("flows_evicted", "evicted")


def _display_name(path: str) -> str:
    return "(stdin)" if path == "-" else path


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _proto_counts(frame: pl.DataFrame) -> dict[str, int]:
    if "proto" not in frame.columns or frame.height == 0:
        return {}
    counts = frame.group_by("proto").len(name="n")
    return {str(proto): int(n) for proto, n in counts.iter_rows()}


def summary_lines(results: Sequence[tuple[str, ScanResult]]) -> list[str]:
    """The summary that ``argus`` prints without -w."""
    names = [_display_name(path) for path, _ in results]
    counters: tuple[tuple[str, str], ...] = _COUNTERS
    if any(int(result.stats.get(_EVICTED[0], 0)) for _, result in results):
        counters = (*_COUNTERS, _EVICTED)
    header = ["file", *(heading for _, heading in counters), "errors"]
    rows: list[list[str]] = []
    totals = dict.fromkeys((key for key, _ in counters), 0)
    total_errors = 0
    for name, (_, result) in zip(names, results, strict=True):
        values = [int(result.stats.get(key, 0)) for key, _ in counters]
        for (key, _), value in zip(counters, values, strict=True):
            totals[key] += value
        total_errors += len(result.errors)
        rows.append([name, *(str(v) for v in values), str(len(result.errors))])
    rows.append(["total", *(str(totals[key]) for key, _ in counters), str(total_errors)])
    lines = _table(header, rows)

    per_file = [_proto_counts(result.frame) for _, result in results]
    overall: dict[str, int] = {}
    for counts in per_file:
        for proto, n in counts.items():
            overall[proto] = overall.get(proto, 0) + n
    lines.append("")
    if not overall:
        lines.append("records per protocol: none")
        return lines
    protos = sorted(overall, key=lambda p: (-overall[p], p))
    lines.append("records per protocol:")
    proto_rows = [
        [name, *(str(counts.get(p, 0)) for p in protos)] for name, counts in zip(names, per_file, strict=True)
    ]
    proto_rows.append(["total", *(str(overall[p]) for p in protos)])
    lines.extend(_table(["file", *protos], proto_rows))
    return lines


def _print_flows(results: Sequence[tuple[str, ScanResult]], count: int) -> None:
    import polars as pl

    if count == 0:
        return
    frames = [result.frame for _, result in results if result.frame.height > 0]
    if not frames:
        print("no flow records\n")
        return
    frame = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    frame = frame.head(count)
    columns = [c for c in _FLOW_COLUMNS if c in frame.columns]
    if len(columns) >= 4:
        frame = frame.select(columns)
    # as text: times without the zone suffix, absent values (ARP ports, ...) blank
    frame = frame.select(
        (
            pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S%.6f") if dtype == pl.Datetime else pl.col(name).cast(pl.String)
        ).fill_null("")
        for name, dtype in frame.schema.items()
    )
    with pl.Config(
        tbl_rows=count,
        tbl_cols=-1,
        tbl_width_chars=1000,
        fmt_str_lengths=100,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="NOTHING",
    ):
        print(frame)
    print()


def _input_filter(text: str | None) -> str | None:
    """The input filter as libpcap runs it: an ra expression translated to BPF, or pure BPF as given."""
    from argus_rs.filter import FilterError
    from argus_rs.filter.bpf import sensor_input_filter

    try:
        return sensor_input_filter(text)
    except FilterError as exc:
        raise CliError(f"input filter: {exc}") from None
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _summary(read: Sequence[str], settings: SensorSettings, flows: int | None) -> None:
    results: list[tuple[str, ScanResult]] = []
    failed = False
    for path in read:
        result = scan_core(
            [path], settings.core_options, bpf=settings.bpf, bpf_optimize=settings.optimize, threads=settings.threads
        )
        for error in result.errors:
            shown = _display_name(path)
            report(COMMAND, error if shown in error or path in error else f"{shown}: {error}")
        failed = failed or bool(result.errors)
        results.append((path, result))

    if flows is not None:
        _print_flows(results, flows)
    print("\n".join(summary_lines(results)), flush=True)
    if failed:
        raise typer.Exit(EXIT_READ_ERROR)


def argus(
    read: Annotated[
        list[str] | None,
        typer.Option(
            "-r",
            "--read",
            metavar="FILE",
            help="Read packets from FILE (pcap or pcapng; - = standard input). Several files may follow one -r.",
        ),
    ] = None,
    interface: Annotated[
        list[str] | None,
        typer.Option(
            "-i",
            "--interface",
            metavar="IFACE",
            help="Capture live on IFACE (ARGUS_INTERFACE; repeatable, also all, any, bond:a,b; docs/sensor.md).",
        ),
    ] = None,
    no_promisc: Annotated[
        bool,
        typer.Option(
            "-p", "--no-promisc", help="Do not put the interface in promiscuous mode (ARGUS_GO_PROMISCUOUS=no)."
        ),
    ] = False,
    snaplen: Annotated[
        int | None,
        typer.Option(
            "-s", "--snaplen", metavar="BYTES", min=1, max=262144, help="Live capture length (96; -U n: n+96)."
        ),
    ] = None,
    write: Annotated[
        list[str] | None,
        typer.Option(
            "-w",
            "--write",
            metavar="OUT",
            help='Write records to OUT (- = standard output), appending; an "ra filter" may follow OUT. Repeatable.',
        ),
    ] = None,
    output_filters: Annotated[
        list[str] | None,
        typer.Option(OUTPUT_FILTER_OPTION, hidden=True, help="The ra filter of each -w (set from the command line)."),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="Output format of -w: argus (default), parquet, ipc, csv, ndjson (default: by suffix, else argus).",
        ),
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option("-F", "--config", metavar="FILE", help="Read argus.conf settings from FILE (repeatable)."),
    ] = None,
    status_interval: Annotated[
        str | None,
        typer.Option(
            "-S",
            "--status-interval",
            metavar="SECS",
            help="Flow status interval in seconds (ARGUS_FLOW_STATUS_INTERVAL; default 5).",
        ),
    ] = None,
    mar_interval: Annotated[
        str | None,
        typer.Option(
            "-M",
            "--mar-interval",
            metavar="SECS",
            help="Management (MAR) record interval in seconds of wall-clock time (ARGUS_MAR_STATUS_INTERVAL; 60).",
        ),
    ] = None,
    appbytes: Annotated[
        bool,
        typer.Option("-A", "--appbytes", help="Count application bytes (ARGUS_GENERATE_APPBYTE_METRIC)."),
    ] = False,
    jitter: Annotated[
        bool,
        typer.Option("-J", "--jitter", help="Inter-packet arrival (jitter) statistics (ARGUS_GENERATE_JITTER_DATA)."),
    ] = False,
    mac: Annotated[
        bool,
        typer.Option("-m", "--mac", help="Record MAC addresses (ARGUS_GENERATE_MAC_DATA)."),
    ] = False,
    packet_size: Annotated[
        bool,
        typer.Option("-Z", "--packet-size", help="Packet size statistics (ARGUS_GENERATE_PACKET_SIZE)."),
    ] = False,
    user_data: Annotated[
        str | None,
        typer.Option(
            "-U",
            "--user-data",
            metavar="BYTES",
            help="Capture up to BYTES of user payload per direction (ARGUS_CAPTURE_DATA_LEN; default 0).",
        ),
    ] = None,
    monitor_id: Annotated[
        str | None,
        typer.Option(
            "-e",
            "--monitor-id",
            metavar="ID",
            help='Monitor (source) id: a decimal integer, an IPv4 address, or "abcd" (up to 4 characters).',
        ),
    ] = None,
    no_optimize: Annotated[
        bool,
        typer.Option("-O", "--no-optimize", help="Turn off the BPF optimizer (ARGUS_FILTER_OPTIMIZER=no)."),
    ] = False,
    reset: Annotated[
        bool,
        typer.Option("-X", "--reset", help="Start from the built-in defaults: do not read /etc/argus.conf."),
    ] = False,
    flows: Annotated[
        int | None,
        typer.Option("--flows", metavar="N", min=0, help="Without -w: also print the first N flow records."),
    ] = None,
    max_flows: Annotated[
        str | None,
        typer.Option(
            "--max-flows",
            metavar="N",
            help="Hold at most N open flows: beyond, the flows idle longest are reported early (not an argus option).",
        ),
    ] = None,
    max_flow_memory: Annotated[
        str | None,
        typer.Option(
            "--max-flow-memory",
            metavar="BYTES",
            help="The same cap as flow-state bytes (K/M/G suffix; docs/memory.md; not an argus option).",
        ),
    ] = None,
    access_port: Annotated[
        int | None,
        typer.Option(
            "-P",
            "--port",
            metavar="PORT",
            min=0,
            max=65535,
            help="Serve records to remote clients (ra -S) on TCP PORT (ARGUS_ACCESS_PORT; 0 = off; docs/remote.md).",
        ),
    ] = None,
    bind: Annotated[
        list[str] | None,
        typer.Option(
            "-B",
            "--bind",
            metavar="ADDR[,ADDR]",
            help="Addresses the -P port listens on (ARGUS_BIND_IP; default 127.0.0.1).",
        ),
    ] = None,
    daemon: Annotated[
        bool,
        typer.Option("-d", "--daemon", help="Run as a daemon (toggles ARGUS_DAEMON; docs/conf.md)."),
    ] = False,
    user: Annotated[
        str | None,
        typer.Option("-u", "--user", metavar="USER", help="Become USER once inputs and outputs are open."),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("-g", "--group", metavar="GROUP", help="Become group GROUP once inputs and outputs are open."),
    ] = None,
    chroot_dir: Annotated[
        str | None,
        typer.Option("-c", "--chroot", metavar="DIR", help="chroot to DIR once inputs and outputs are open."),
    ] = None,
    threads: Annotated[
        int,
        typer.Option(
            "--threads",
            metavar="N",
            min=1,
            max=64,
            help="Shard the flow table across N worker threads (same records, another order; not an argus option).",
        ),
    ] = 1,
    expression: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[- BPF FILTER]",
            help="Packet filter (ra syntax with a packet meaning, or tcpdump syntax), after a lone -.",
            show_default=False,
        ),
    ] = None,
) -> None:
    targets = list(write or [])
    filters = list(output_filters or [])
    if len(filters) != len(targets):  # only when --output-filter is given by hand
        raise CliError(f"{OUTPUT_FILTER_OPTION} must follow each -w once")
    settings = resolve(
        conf_files=list(config or []),
        reset=reset,
        cli_options=[
            ("-S", "flow_status_interval", status_interval),
            ("-M", "mar_status_interval", mar_interval),
            ("-A", "generate_appbyte_metric", True if appbytes else None),
            ("-J", "generate_jitter_data", True if jitter else None),
            ("-m", "generate_mac_data", True if mac else None),
            ("-Z", "generate_packet_size", True if packet_size else None),
            ("-U", "capture_data_len", user_data),
            ("-e", "monitor_id", monitor_id),
            ("--max-flows", "max_flows", max_flows),
            ("--max-flow-memory", "max_flow_memory", max_flow_memory),
        ],
        cli_outputs=[(t, f or None) for t, f in zip(targets, filters, strict=True)],
        expression=list(expression or []),
        no_optimize=no_optimize,
        cli_settings=[
            ("-d", "daemon", True if daemon else None),
            ("-u", "user", user),
            ("-g", "group", group),
            ("-c", "chroot_dir", chroot_dir),
            ("-p", "promiscuous", False if no_promisc else None),
            ("-s", "snaplen", snaplen),
        ],
    )
    settings.bpf = _input_filter(settings.bpf)
    settings.threads = threads
    if access_port is not None:
        settings.access_port = access_port
    if bind:
        settings.bind_ip = list(bind)
    read = check_live(read, interface, settings)
    serve = None
    if settings.access_port:
        from argus_rs.remote import serve_settings

        serve = serve_settings(settings.access_port, settings.bind_ip, offline=bool(read))
    from argus_rs.cli import sensor_process

    if settings.daemon:
        read = sensor_process.absolute_paths(settings, read)
    on_open = sensor_process.start(settings, read)
    if settings.outputs or serve is not None:
        from argus_rs.cli.sensor_output import write_outputs

        write_outputs(COMMAND, read, settings, output_format, serve=serve, on_open=on_open)
        return
    if output_format is not None:
        raise CliError("--format: needs an output (-w OUT)")
    on_open()
    _summary(read, settings, flows)
