"""ra* analytics on polars LazyFrames: racluster, rasort, racount, ramon, rabins, rahisto.

Each function takes the frames of :func:`argus_rs.scan_argus` / :func:`argus_rs.read_argus`
(or of :func:`argus_rs.read_pcap`) and returns a LazyFrame; see ``docs/analytics.md``.
"""

from __future__ import annotations

from argus_rs.analytics.bins import align_records, rabins
from argus_rs.analytics.cluster import CLUSTER_KEYS, racluster
from argus_rs.analytics.count import racount, racount_addresses, racount_protocols, racount_report
from argus_rs.analytics.histo import histogram, rahisto_report
from argus_rs.analytics.ramon import ramon
from argus_rs.analytics.sort import SORT_KEYS, rasort

__all__ = [
    "CLUSTER_KEYS",
    "SORT_KEYS",
    "align_records",
    "histogram",
    "rabins",
    "racluster",
    "racount",
    "racount_addresses",
    "racount_protocols",
    "racount_report",
    "rahisto_report",
    "ramon",
    "rasort",
]
