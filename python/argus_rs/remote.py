"""Reading records from remote sensors (``ra -S``) and serving them (``argus -P``).

:func:`iter_remote` yields polars DataFrames of the flow records that remote
argus sensors (or radiums) stream, as they come; :func:`read_remote` gathers
them into one DataFrame.  The stream is read in Rust (one thread per source),
the GIL released.  See docs/remote.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from argus_rs import _core

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import RecordFilter, RemoteBatches

__all__ = [
    "DEFAULT_PORT",
    "RemoteReadError",
    "compile_client_filter",
    "iter_remote",
    "read_remote",
    "remote_filter",
    "serve_settings",
]

#: ra's default port for ``-S host``
DEFAULT_PORT = 561


class RemoteReadError(Exception):
    """A source could not be reached or its stream broke; ``partial`` holds the records read."""

    partial: pl.DataFrame | None = None


def remote_filter(text: str | None) -> tuple[str | None, str | None]:
    """(what ra sends as ``FILTER:``, what it applies itself) for a filter expression.

    As ra: the expression is sent wrapped as ``man or (EXPR)`` so management
    records still flow; a ``local `` prefix keeps it local (not sent), a
    ``remote `` prefix sends it only.
    """
    if text is None or not text.strip():
        return None, None
    stripped = text.strip()
    word, _, rest = stripped.partition(" ")
    if word == "local":
        return None, rest.strip() or None
    if word == "remote":
        rest = rest.strip()
        return (f"man or ({rest})" if rest else None), None
    return f"man or ({stripped})", stripped


def _batches(
    sources: str | Sequence[str], send: str | None, connect_timeout: float, persistent: bool, batch_rows: int
) -> RemoteBatches:
    if isinstance(sources, str):
        sources = [sources]
    if not sources:
        raise ValueError("no remote source given")
    return _core.scan_remote(list(sources), send, batch_rows, connect_timeout, persistent)


def iter_remote(
    sources: str | Sequence[str],
    filter: str | None = None,
    *,
    connect_timeout: float = 10.0,
    persistent: bool = False,
    batch_rows: int = 65536,
    errors: list[str] | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield DataFrames of the flow records of ``host[:port]`` sources until every stream ends.

    ``filter`` (ra syntax) is sent to the servers as ra sends it (see
    :func:`remote_filter`; a ``local`` filter is not applied here).  One-line
    errors (unreachable source, refused filter, broken stream) are appended
    to ``errors`` when given, else raised as :class:`RemoteReadError` after
    the last batch.
    """
    import polars as pl

    send, _local = remote_filter(filter)
    batches = _batches(
        [sources] if isinstance(sources, str) else sources, send, connect_timeout, persistent, batch_rows
    )
    try:
        for batch in batches:
            frame = pl.DataFrame(batch)
            if frame.height:
                yield frame
    finally:
        batches.close()
    if errors is not None:
        errors.extend(batches.errors)
    elif batches.errors:
        raise RemoteReadError("; ".join(batches.errors))


def read_remote(
    sources: str | Sequence[str],
    filter: str | None = None,
    *,
    connect_timeout: float = 10.0,
) -> pl.DataFrame:
    """Every flow record the sources send until their streams end, as one DataFrame.

    Raises :class:`RemoteReadError` (``partial`` = the records read) if a
    source could not be read completely.
    """
    import polars as pl

    from argus_rs.io import empty_frame

    errors: list[str] = []
    frames = list(iter_remote(sources, filter, connect_timeout=connect_timeout, errors=errors))
    frame = pl.concat(frames, how="vertical") if frames else empty_frame()
    if errors:
        exc = RemoteReadError("; ".join(errors))
        exc.partial = frame
        raise exc
    return frame


def compile_client_filter(text: str) -> RecordFilter:
    """A remote client's ``FILTER:`` text compiled (ValueError with the reason when it is bad)."""
    from argus_rs.filter import compile as compile_filter

    return compile_filter(text)


def serve_settings(
    port: int,
    bind: Sequence[str] = (),
    *,
    name: str = "argus-rs argus",
    offline: bool = False,
    **extra: object,
) -> dict[str, object]:
    """The ``serve`` settings of :func:`argus_rs._core.run_sensor` for ``-P port -B addr,...``.

    With file input (``offline``) the sensor waits for a first client before
    it reads, and a full client queue may hold the reading back up to 5 s
    before that client is dropped (nothing is lost by pacing a file); live,
    a full queue drops the client at once.
    """
    addresses = [a.strip() for item in bind for a in item.split(",") if a.strip()]
    settings: dict[str, object] = {
        "port": port,
        "bind": addresses or ["127.0.0.1"],
        "name": name,
        "compiler": compile_client_filter,
        "stall": 5.0 if offline else 0.0,
    }
    if offline:
        settings["wait_for_client"] = math.inf
    settings.update(extra)
    return settings
