"""ramon: argus 2's top talkers (TopN) and address matrix, as Argus 3.0.8 builds them from
racluster and rasort: ``racluster -M rmon -m saddr | rasort -m bytes`` and
``racluster -m matrix | rasort -m bytes``."""

from __future__ import annotations

import polars as pl

from argus_rs.analytics.cluster import racluster
from argus_rs.analytics.sort import rasort

__all__ = ["ramon"]

_MODES = {"topn": "TopN", "matrix": "Matrix"}


def ramon(
    lf: pl.LazyFrame | pl.DataFrame, mode: str = "TopN", *, by: str = "bytes", n: int | None = None
) -> pl.LazyFrame:
    """``mode="TopN"``: one row per host (``saddr``) with its outgoing (``spkts``, ``sbytes``)
    and incoming (``dpkts``, ``dbytes``) traffic; ``mode="Matrix"``: one row per address pair
    (smaller address first).  Rows sorted by ``by`` (an rasort key: ``bytes``, ``pkts``, ...),
    the first ``n`` if given."""
    kind = _MODES.get(mode.lower())
    if kind is None:
        raise ValueError(f"ramon: unknown mode {mode!r} (TopN or Matrix)")
    merged = racluster(lf, "saddr", rmon=True) if kind == "TopN" else racluster(lf, "matrix")
    out = rasort(merged, by)
    return out.head(n) if n is not None else out
