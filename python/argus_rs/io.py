"""Reading packet captures into flow records.

:func:`read_pcap` returns one polars DataFrame; :func:`iter_pcap` yields the
record batches as the core makes them (objects with the Arrow PyCapsule
interface: ``pl.DataFrame(batch)``, ``pyarrow.record_batch(batch)`` and others
take them without copying).

Options are the argus.conf names of :mod:`argus_rs.options`
(``flow_status_interval=5``, ``generate_mac_data="yes"``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from argus_rs import _core
from argus_rs._core import ArgusReadError
from argus_rs.options import to_core_options

if TYPE_CHECKING:
    import polars as pl

    # protocols that exist only in the stub (_core.pyi)
    from argus_rs._core import ArrowArrayExportable, FlowBatches

__all__ = [
    "PathArg",
    "ScanResult",
    "empty_frame",
    "iter_pcap",
    "iter_remote",
    "read_pcap",
    "read_remote",
    "scan",
    "scan_core",
]

StrPath = str | os.PathLike[str]
#: One capture path (``"-"`` = standard input) or a sequence of them.
PathArg = StrPath | Sequence[StrPath]

DEFAULT_BATCH_ROWS = 65536


def _paths(path: PathArg) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    paths = [os.fsdecode(os.fspath(p)) for p in path]
    if not paths:
        raise ValueError("no capture files given")
    return paths


def _batch_rows(batch_rows: int) -> int:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"invalid value for batch_rows: {batch_rows!r} (expected an integer >= 1)")
    return batch_rows


#: the most worker threads the flow table may be sharded across
MAX_THREADS = 64


def _threads(threads: int) -> int:
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= MAX_THREADS:
        raise ValueError(f"invalid value for threads: {threads!r} (expected an integer from 1 to {MAX_THREADS})")
    return threads


def empty_frame() -> pl.DataFrame:
    """A DataFrame with no rows and the flow-record schema."""
    import polars as pl

    return pl.DataFrame(schema=pl.Schema(_core.record_schema()))


def _frame(batches: Sequence[ArrowArrayExportable]) -> pl.DataFrame:
    import polars as pl

    frames = [pl.DataFrame(batch) for batch in batches]
    if not frames:
        return empty_frame()
    if len(frames) == 1:
        return frames[0]
    return pl.concat(frames, how="vertical", rechunk=False)


def _read_error(errors: Sequence[str], partial: pl.DataFrame | None) -> ArgusReadError:
    error = ArgusReadError("; ".join(errors))
    error.partial = partial
    return error


@dataclass
class ScanResult:
    """Everything one pass over some captures produced."""

    frame: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def scan(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    bpf: str | None = None,
    threads: int = 1,
    ordered: bool = False,
    **options: object,
) -> ScanResult:
    """Read captures to the end and return the records, the counters and the errors.

    Unlike :func:`read_pcap` this does not raise for errors met while reading
    (a missing file, an unsupported link type, a truncated capture): they are
    returned in ``errors``, one line each.  Bad options (and a bad ``bpf``
    filter) still raise ValueError.
    """
    return scan_core(_paths(path), to_core_options(**options), batch_rows, bpf=bpf, threads=threads, ordered=ordered)


def scan_core(
    paths: list[str],
    core_options: dict[str, object],
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    bpf: str | None = None,
    bpf_optimize: bool = True,
    threads: int = 1,
    ordered: bool = False,
) -> ScanResult:
    """:func:`scan` with options already mapped by :func:`argus_rs.options.to_core_options`."""
    rows = _batch_rows(batch_rows)
    try:
        batches: FlowBatches = _core.scan_pcap(
            paths, core_options, rows, bpf, bpf_optimize, threads=_threads(threads), ordered=bool(ordered)
        )
    except ArgusReadError as exc:  # the core refused to start at all
        return ScanResult(frame=empty_frame(), stats={}, errors=[str(exc)])
    collected: list[ArrowArrayExportable] = []
    errors: list[str] = []
    try:
        for batch in batches:
            collected.append(batch)
    except ArgusReadError as exc:  # a failure the core could not go on from
        errors.append(str(exc))
    errors = [*batches.errors, *(e for e in errors if e not in batches.errors)]
    return ScanResult(frame=_frame(collected), stats=dict(batches.stats), errors=errors)


def read_pcap(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    bpf: str | None = None,
    threads: int = 1,
    ordered: bool = False,
    **options: object,
) -> pl.DataFrame:
    """Read one capture or several (one flow table across them) into a DataFrame of flow records.

    ``path`` is a path, ``"-"`` for standard input, or a sequence of them.
    ``options`` are argus.conf-style sensor options (see :mod:`argus_rs.options`).
    ``bpf`` is a packet filter in libpcap (tcpdump) syntax, applied before the
    flow engine, as argus applies its input filter.

    ``threads`` > 1 shards the flow table across that many worker threads (by
    a symmetric hash of each flow's address pair): the same records, in
    another order (see docs/sharding.md).  ``ordered=True`` gives the records
    an order that is the same for every ``threads`` (sorted within each 0.2 s
    sweep of the packet clock, sequence numbers given in that order).

    Raises :class:`ArgusReadError` if any file could not be read completely: its
    message is the errors joined by ``"; "`` and its ``partial`` attribute holds
    the DataFrame of the records that were read.  Raises ValueError for bad options.
    """
    result = scan(path, batch_rows=batch_rows, bpf=bpf, threads=threads, ordered=ordered, **options)
    if result.errors:
        raise _read_error(result.errors, result.frame)
    return result.frame


def iter_pcap(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    bpf: str | None = None,
    threads: int = 1,
    ordered: bool = False,
    **options: object,
) -> Iterator[ArrowArrayExportable]:
    """Yield the flow records as Arrow record batches of at most ``batch_rows`` rows.

    After the last batch, raises :class:`ArgusReadError` (``partial`` = None) if
    any file could not be read completely.  Options are checked before the first
    batch is read: a bad one raises ValueError at the call, not at iteration.
    ``threads`` and ``ordered`` are as for :func:`read_pcap`.
    """
    core_options = to_core_options(**options)
    batches = _core.scan_pcap(
        _paths(path), core_options, _batch_rows(batch_rows), bpf, threads=_threads(threads), ordered=bool(ordered)
    )
    return _iterate(batches)


def _iterate(batches: FlowBatches) -> Iterator[ArrowArrayExportable]:
    errors: list[str] = []
    try:
        yield from batches
    except ArgusReadError as exc:
        errors.append(str(exc))
    errors = [*batches.errors, *(e for e in errors if e not in batches.errors)]
    if errors:
        raise _read_error(errors, None)


# remote sensors (ra -S): argus_rs.remote, offered here beside the file readers
from argus_rs.remote import iter_remote, read_remote  # noqa: E402
