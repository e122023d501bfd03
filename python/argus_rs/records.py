"""Argus 3 record files: reading them into polars, writing DataFrames as records.

:func:`read_argus` reads what real ``argus``/``ra -w``/``racluster -w`` wrote
(plain, ``.gz``, ``.bz2``, ``.xz``, ``.zst`` or standard input) into the same
columns :func:`argus_rs.read_pcap` gives; :func:`scan_argus` is its lazy,
streaming form; :func:`write_argus` writes the rows of a DataFrame as an
Argus 3 stream that real ``ra`` reads.

Every row carries its record in the ``record`` column (the Argus bytes of the
flow); the other columns are read from it.  Writing writes that column, as
``ra -w`` writes the records it read: filter, sort and slice the frame freely,
but edits to the other columns are not written back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from argus_rs import _core
from argus_rs.io import DEFAULT_BATCH_ROWS, PathArg, ScanResult, _batch_rows, _frame, _paths, _read_error, empty_frame

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import ArgusBatches, ArrowArrayExportable, RecordFilter

__all__ = ["iter_argus", "read_argus", "scan_argus", "scan_argus_result", "write_argus"]

#: the column that holds each flow's Argus record bytes
RECORD_COLUMN = "record"


def _core_scan(
    path: PathArg, batch_rows: int, columns: Sequence[str] | None, filter: str | RecordFilter | None
) -> ArgusBatches:
    """Start the core reader: only ``columns`` built, only the records ``filter`` passes."""
    if isinstance(columns, str):
        raise ValueError(f"columns={columns!r}: give a list of column names")
    wanted = None if columns is None else list(dict.fromkeys(columns))
    compiled = None
    if isinstance(filter, str):
        from argus_rs.filter import compile as compile_filter

        compiled = compile_filter(filter)
    elif filter is not None:
        compiled = filter
    return _core.scan_argus(_paths(path), _batch_rows(batch_rows), wanted, compiled)


def _projected_frame(collected: list[ArrowArrayExportable], columns: Sequence[str] | None) -> pl.DataFrame:
    frame = _frame(collected)
    if columns is not None and not collected:
        # no batch: the empty frame with just the wanted columns, in schema order
        frame = frame.select([c for c in frame.columns if c in set(columns)])
    return frame


def scan_argus_result(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    columns: Sequence[str] | None = None,
    filter: str | RecordFilter | None = None,
) -> ScanResult:
    """Read record files to the end: the records, the counters and the one-line errors (not raised).

    ``columns`` and ``filter`` as for :func:`read_argus`.
    """
    batches = _core_scan(path, batch_rows, columns, filter)
    collected: list[ArrowArrayExportable] = list(batches)
    return ScanResult(
        frame=_projected_frame(collected, columns), stats=dict(batches.stats), errors=list(batches.errors)
    )


def read_argus(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    columns: Sequence[str] | None = None,
    filter: str | RecordFilter | None = None,
) -> pl.DataFrame:
    """Read one Argus 3 record file or several (``"-"`` = standard input) into a DataFrame.

    Management records (MARs) are skipped; flow records become rows with the
    columns of :func:`argus_rs.read_pcap`.  Raises :class:`argus_rs.ArgusReadError`
    if a file could not be read completely (missing, not Argus data, truncated,
    corrupt): its message names the file and the byte offset, and its
    ``partial`` attribute holds the records read before the damage.

    Fast paths (the reader runs in Rust on a worker thread, without the GIL):

    - ``columns=["saddr", "bytes", ...]``: build only these columns (in schema
      order; ValueError for a name not in docs/schema.md).  Each column costs
      reading time, the text ones (addresses, ports, flags, state) most;
      ``record`` alone is a plain copy of the bytes.  Sorting, aggregating and
      printing need few: ask for those.
    - ``filter="tcp and dst port 443"`` (ra's filter language, or a compiled
      :func:`argus_rs.filter.compile`): only the records it passes, tested on
      the record before any column is built (much cheaper than filtering the
      frame afterwards when it selects few).
    """
    result = scan_argus_result(path, batch_rows=batch_rows, columns=columns, filter=filter)
    if result.errors:
        raise _read_error(result.errors, result.frame)
    return result.frame


def iter_argus(
    path: PathArg,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    columns: Sequence[str] | None = None,
    filter: str | RecordFilter | None = None,
) -> Iterator[ArrowArrayExportable]:
    """Yield the flow records of record files as Arrow record batches; raise ArgusReadError at the end on errors.

    ``columns`` and ``filter`` as for :func:`read_argus`; the next batch is read
    on a worker thread while the caller works on this one.
    """
    batches = _core_scan(path, batch_rows, columns, filter)
    yield from batches
    if batches.errors:
        raise _read_error(list(batches.errors), None)


def scan_argus(
    path: PathArg, *, batch_rows: int = DEFAULT_BATCH_ROWS, filter: str | RecordFilter | None = None
) -> pl.LazyFrame:
    """A LazyFrame over record files that streams them batch by batch (for inputs larger than memory).

    Files are read when the frame is collected (or sunk); polars' projection
    is passed down to the reader (only the columns the query uses are built:
    ``scan_argus(f).select("saddr", "bytes")`` reads two), its predicates are
    applied batch by batch.  ``filter`` (ra's language) is tested by the
    reader, as for :func:`read_argus`.  A read error raises ArgusReadError
    from ``collect``.
    """
    import polars as pl
    from polars.io.plugins import register_io_source

    paths = _paths(path)
    rows = _batch_rows(batch_rows)
    schema = empty_frame().schema
    if isinstance(filter, str):
        from argus_rs.filter import compile as compile_filter

        filter = compile_filter(filter)  # errors at the call, not at collect

    def source(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        columns = None
        if with_columns is not None:
            needed = set(with_columns)
            if predicate is not None:
                needed.update(predicate.meta.root_names())
            columns = [c for c in schema.names() if c in needed]
        frames = (
            pl.DataFrame(batch)
            for batch in iter_argus(paths, batch_rows=batch_size or rows, columns=columns, filter=filter)
        )
        yield from io_source_frames(frames, with_columns, predicate, n_rows)

    return register_io_source(source, schema=schema, explain_name="argus records")


def io_source_frames(
    frames: Iterable[pl.DataFrame], with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None
) -> Iterator[pl.DataFrame]:
    """``frames`` as a polars IO source yields them: the pushed-down predicate, projection and
    row limit applied (the limit ends the reading)."""
    left = n_rows
    for frame in frames:
        if predicate is not None:
            frame = frame.filter(predicate)
        if with_columns is not None:
            frame = frame.select(with_columns)
        if left is not None:
            frame = frame.head(left)
            left -= frame.height
        yield frame
        if left is not None and left <= 0:
            return


def _time_bounds(frame: pl.DataFrame | pl.LazyFrame) -> tuple[int, int]:
    """The records' first start and last end time, µs since the epoch (0, 0 for none)."""
    import polars as pl

    bounds = frame.select(
        pl.col("stime").min().dt.epoch("us").alias("first"), pl.col("ltime").max().dt.epoch("us").alias("last")
    )
    row = (bounds.collect() if isinstance(bounds, pl.LazyFrame) else bounds).row(0)
    return (int(row[0]) if row[0] is not None else 0, int(row[1]) if row[1] is not None else 0)


def write_argus(frame: pl.DataFrame | pl.LazyFrame, path: str | os.PathLike[str], *, append: bool = False) -> int:
    """Write the rows of ``frame`` to ``path`` as an Argus 3 record stream; returns the records written.

    ``frame`` must have the ``record`` column of :func:`read_pcap` /
    :func:`read_argus` (stime/ltime, when present, set the times of the
    stream's opening management record, so that the same rows always give
    the same file).  The file is replaced unless ``append`` (then a new stream
    is added after the existing one, as ``argus -w`` and ``ra -w`` append).
    A LazyFrame is written batch by batch.
    """
    import polars as pl

    target = os.fspath(path)
    columns = frame.collect_schema().names()
    if RECORD_COLUMN not in columns:
        raise ValueError(
            f"{target}: the frame has no {RECORD_COLUMN!r} column (the Argus bytes of each flow); "
            "write frames that come from read_pcap, read_argus or scan_argus"
        )
    first, last = _time_bounds(frame) if {"stime", "ltime"} <= set(columns) else (0, 0)
    writer = _core.ArgusWriter(target, first, last, append)
    written = 0
    try:
        if isinstance(frame, pl.LazyFrame):
            for chunk in frame.select(RECORD_COLUMN).collect_batches():
                written += writer.write(chunk.get_column(RECORD_COLUMN))
        else:
            written += writer.write(frame.get_column(RECORD_COLUMN))
    finally:
        writer.close()
    return written
