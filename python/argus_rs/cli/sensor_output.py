"""``argus -w``: the sensor's outputs, each with its own record filter.

When every output is an Argus record stream the Rust sensor writes them all in
one pass over the captures, with the GIL released (START MAR, records, STATUS
MARs by the clock, STOP MAR, as argus writes them).  When some output is in
another format (Parquet, Arrow IPC, CSV, NDJSON) the records are gathered as a
DataFrame once and every output is written from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import typer

from argus_rs import _core
from argus_rs.cli._common import EXIT_READ_ERROR, CliError, report
from argus_rs.cli.sensor_settings import SensorSettings
from argus_rs.export import Format, format_for, write_frame

if TYPE_CHECKING:
    from argus_rs._core import RecordFilter

__all__ = ["write_outputs"]


def _compile(target: str, text: str | None) -> RecordFilter | None:
    if text is None:
        return None
    from argus_rs.filter import compile as compile_filter

    try:
        return compile_filter(text)
    except ValueError as exc:
        raise CliError(f"-w {target}: {exc}") from None


def live_capture(settings: SensorSettings) -> dict[str, object]:
    """The capture options of a live run (-i) for the compiled core."""
    from argus_rs.cli.sensor_live import capture_settings

    return capture_settings(
        settings.promiscuous, settings.snaplen, settings.pcap_buffer_size, settings.core_options.get("user_data_len")
    )


def write_outputs(
    command: str,
    read: Sequence[str],
    settings: SensorSettings,
    given_format: str | None,
    serve: dict[str, object] | None = None,
    on_open: Callable[[], object] | None = None,
) -> None:
    """Run the sensor over ``read`` into ``settings.outputs`` (and the ``-P`` server when ``serve``).

    ``on_open`` runs once inputs and outputs are open (privilege drop, daemon readiness).
    SIGTERM/SIGINT end the run in order (flows flushed as SHUTDOWN, STOP MAR): a normal
    return. Exits 1 after reporting unreadable inputs.
    """
    try:
        formats: list[Format] = [format_for(target, given_format) for target, _ in settings.outputs]
    except ValueError as exc:
        raise CliError(f"--format: {exc}") from None
    filters = [_compile(target, text) for target, text in settings.outputs]
    targets = [target for target, _ in settings.outputs]
    if serve is not None and not all(fmt == "argus" for fmt in formats):
        raise CliError("-P: the remote access port needs Argus record outputs only (no --format)")
    if all(fmt == "argus" for fmt in formats):
        try:
            run = _core.run_sensor(
                list(read),
                list(zip(targets, filters, strict=True)),
                settings.core_options,
                settings.bpf,
                settings.optimize,
                threads=settings.threads,
                interfaces=None if read else settings.interfaces,
                capture=None if read else live_capture(settings),
                serve=serve,
                on_open=on_open,
            )
        except OSError as exc:
            if serve is None:
                raise
            raise CliError(str(exc), EXIT_READ_ERROR) from None
        errors = list(run.errors)
    else:
        if on_open is not None:
            on_open()
        errors = _write_frames(read, settings, targets, formats, filters)
    for error in errors:
        report(command, error)
    if errors:
        raise typer.Exit(EXIT_READ_ERROR)


def _write_frames(
    read: Sequence[str],
    settings: SensorSettings,
    targets: Sequence[str],
    formats: Sequence[Format],
    filters: Sequence[RecordFilter | None],
) -> list[str]:
    import polars as pl

    from argus_rs.io import scan_core

    if sum(1 for target in targets if target == "-") > 1:
        raise CliError("-w -: only one output can go to standard output")
    result = scan_core(
        list(read), settings.core_options, bpf=settings.bpf, bpf_optimize=settings.optimize, threads=settings.threads
    )
    frame = result.frame
    for target, fmt, record_filter in zip(targets, formats, filters, strict=True):
        selected = frame
        if record_filter is not None and frame.height:
            selected = frame.filter(pl.Series(record_filter.mask(frame.get_column("record"))))
        write_frame(selected, target, fmt, append=True)
    return list(result.errors)
