"""Flow records in other formats: Parquet, Arrow IPC, CSV, NDJSON, and Argus.

All formats hold the same columns, the flow-record schema of
:func:`argus_rs.read_pcap` (documented in ``docs/schema.md``).  Parquet and
Arrow IPC keep every column as it is, so ``read_parquet(...)`` followed by
:func:`argus_rs.write_argus` gives Argus records back.  CSV and NDJSON are
text: times are ISO 8601 in UTC with microseconds, and the binary columns
(``suser``, ``duser``, ``record``) are written as lowercase hex.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import polars as pl

__all__ = ["FORMATS", "Format", "format_for", "text_ready", "write_frame"]

Format = Literal["argus", "parquet", "ipc", "csv", "ndjson"]
FORMATS: tuple[Format, ...] = ("argus", "parquet", "ipc", "csv", "ndjson")

_SUFFIXES: dict[str, Format] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}


def format_for(target: str, given: str | None) -> Format:
    """The format to write ``target`` in: the one given, else by suffix, else Argus records."""
    if given is not None:
        name = given.strip().lower()
        if name == "arrow":
            name = "ipc"
        for fmt in FORMATS:
            if fmt == name:
                return fmt
        raise ValueError(f"unknown format {given!r} (one of: {', '.join(FORMATS)})")
    return _SUFFIXES.get(os.path.splitext(target)[1].lower(), "argus")


def text_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Binary columns as hex and times as ISO 8601 text, for the text formats."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Binary:
            exprs.append(pl.col(name).bin.encode("hex"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def write_frame(frame: pl.DataFrame, target: str, fmt: Format, *, append: bool = False) -> None:
    """Write ``frame`` to ``target`` (``-`` = standard output) in ``fmt``.

    Argus record files are appended to when ``append`` (as argus does); the
    other formats are whole documents and are replaced.
    """
    if fmt == "argus":
        from argus_rs.records import write_argus

        if target == "-":
            raise ValueError("Argus records to standard output are written by the sensor itself")
        write_argus(frame, target, append=append)
        return
    sink = sys.stdout.buffer if target == "-" else target
    if fmt == "parquet":
        frame.write_parquet(sink)
    elif fmt == "ipc":
        frame.write_ipc(sink)
    elif fmt == "csv":
        text_ready(frame).write_csv(sink)
    else:
        text_ready(frame).write_ndjson(sink)
    if target == "-":
        sys.stdout.buffer.flush()
