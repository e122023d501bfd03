"""``-S host[:port]`` input of ra and the other clients: the remote streams as one more input.

The clients' read loops go over their inputs by name; :data:`REMOTE_INPUT`
stands for "every -S source, merged", read by :func:`remote_frames`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from argus_rs.remote import remote_filter

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import RecordFilter

__all__ = ["REMOTE_INPUT", "remote_frames", "split_filter"]

#: the input name that stands for the -S sources (not a possible file name)
REMOTE_INPUT = "\0remote"

#: seconds ra waits for a server to accept (RA_CONNECT_TIME)
CONNECT_TIMEOUT = 10.0


class _Counts(Protocol):
    mars: int
    errors: int


def split_filter(text: str | None, remote: bool) -> tuple[str | None, str | None]:
    """(filter sent to the servers, filter applied here); without -S the text as given."""
    if not remote:
        return None, text
    return remote_filter(text)


def remote_frames(
    sources: Sequence[str],
    send: str | None,
    counts: _Counts,
    report: Callable[[str], None],
    record_filter: RecordFilter | None = None,
) -> Iterator[pl.DataFrame]:
    """The flow records of the -S sources as they arrive (stdout flushed between batches).

    ``record_filter``, when given, is applied here (a ``local`` filter the
    servers never saw).  Unreachable or broken sources are reported one line
    each and counted in ``counts.errors``; records already read are kept.
    """
    import polars as pl

    from argus_rs import _core

    try:
        batches = _core.scan_remote(list(sources), send, 65536, CONNECT_TIMEOUT, False)
    except ValueError as exc:
        report(str(exc))
        counts.errors += 1
        return
    reported = 0
    try:
        for batch in batches:
            errors = batches.errors
            for error in errors[reported:]:
                report(error)
                counts.errors += 1
            reported = len(errors)
            frame = pl.DataFrame(batch)
            if record_filter is not None and frame.height:
                frame = frame.filter(pl.Series(record_filter.mask(frame.get_column("record"))).fill_null(False))
            if frame.height:
                yield frame
                sys.stdout.buffer.flush()
    finally:
        batches.close()
    for error in batches.errors[reported:]:
        report(error)
        counts.errors += 1
    counts.mars += int(dict(batches.stats).get("management_records", 0))
