"""ra* analytics on polars LazyFrames: racluster, rasort, racount, rabins.

Each function takes the frames of :func:`argus_rs.scan_argus` / :func:`argus_rs.read_argus`
(or of :func:`argus_rs.read_pcap`) and returns a LazyFrame; see ``docs/analytics.md``.
"""

from __future__ import annotations

from argus_rs.analytics.cluster import racluster

__all__ = ["racluster"]
