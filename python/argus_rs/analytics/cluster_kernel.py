"""racluster's default merge (records of one flow; ``-M correct`` turns the reversed flow's
records around) as one Rust pass (``_core.ClusterMerger``) over the record batches, in place
of the polars expressions of :mod:`argus_rs.analytics.cluster` (same rules, same columns,
groups in order of their first record).  The kernel covers the default key and
``-m saddr daddr proto sport dport`` (any order) on plain records; other ``-m`` lists,
``-M rmon``, racluster.conf and aggregated input stay on the polars path.

``ARGUS_RS_CLUSTER_KERNEL=0`` turns the kernel off (to compare the two paths).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import polars as pl

from argus_rs import _core
from argus_rs.analytics._common import key_list

__all__ = ["FIVE_TUPLE", "is_five_tuple", "kernel_applies", "merge"]

#: the columns the kernel reads (counters other than spkts/dpkts are summed when present)
_REQUIRED = frozenset(
    {"stime", "ltime", "dur", "flgs", "proto", "saddr", "sport", "dir", "daddr", "dport", "state", "srcid"}
    | {"spkts", "dpkts"}
)
#: the -m key list (any order) the kernel covers besides the default key
FIVE_TUPLE = frozenset(("saddr", "daddr", "proto", "sport", "dport"))

#: columns whose presence means the input holds merged rows already (the polars path combines them)
_MERGED = frozenset(("trans", "mean", "stddev", "_record_last"))


def kernel_applies(
    columns: Iterable[str], keys: str | Iterable[str] | None, *, rmon: bool = False, rmon_rows: bool = False
) -> bool:
    """Whether the Rust kernel merges this input: the default key, plain records."""
    if os.environ.get("ARGUS_RS_CLUSTER_KERNEL", "1") == "0" or not hasattr(_core, "ClusterMerger"):
        return False
    names = set(columns)
    kl = key_list(keys)
    if kl is not None and not is_five_tuple(kl):
        return False
    return not rmon and not rmon_rows and names >= _REQUIRED and not names & _MERGED


def is_five_tuple(keys: str | Iterable[str] | None) -> bool:
    """Is this -m list ``saddr daddr proto sport dport`` (in any order)?"""
    kl = key_list(keys)
    return kl is not None and len(kl) == len(FIVE_TUPLE) and set(kl) == FIVE_TUPLE


def merge(
    frames: Iterable[pl.DataFrame], *, correct: bool = True, templates: bool = False, five: bool = False
) -> pl.DataFrame | None:
    """The merged records of `frames` (read one after the other; ``five``: by
    ``-m saddr daddr proto sport dport``), or None when there were no records.  ValueError
    ("racluster kernel: ...") when a column is not of the type the kernel reads (the frames of
    argus_rs's readers always are)."""
    merger = _core.ClusterMerger(correct, templates, five)
    for frame in frames:
        if frame.height:
            merger.push(frame)
    if merger.rows == 0:
        return None
    return pl.DataFrame(merger.finish())
