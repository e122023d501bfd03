"""Run the real Argus 3.0.8 tools (Debian's argus-server / argus-client) as the
oracle, and put their flows and ours side by side.

A flow line is the tuple of the fields the issue asks to compare:
stime ltime proto saddr sport dir daddr dport spkts dpkts sbytes dbytes state.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

FIELDS = [
    "stime",
    "ltime",
    "proto",
    "saddr",
    "sport",
    "dir",
    "daddr",
    "dport",
    "spkts",
    "dpkts",
    "sbytes",
    "dbytes",
    "state",
]

Line = tuple[str, ...]


def have_argus() -> bool:
    return shutil.which("argus") is not None and shutil.which("ra") is not None


def real_argus_lines(pcap: Path, workdir: Path) -> list[Line] | None:
    """Flows real argus makes of `pcap`, as real ra prints them; None when
    real argus cannot process the capture (unsupported file or link type, crash)."""
    out = workdir / (pcap.name + ".argus")
    out.unlink(missing_ok=True)
    try:
        run = subprocess.run(
            ["argus", "-X", "-r", str(pcap), "-w", str(out)],
            capture_output=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return None
    if run.returncode != 0 or not out.exists():
        return None
    ra = subprocess.run(
        ["ra", "-X", "-n", "-u", "-p", "6", "-c", ",", "-r", str(out), "-s", *FIELDS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ra.returncode not in (0, 1):
        return None
    lines = ra.stdout.splitlines()[1:]
    return [normalise(tuple(x.split(","))) for x in lines if x]


def normalise(t: tuple[str, ...]) -> Line:
    return tuple(v.strip() for v in t)


def our_lines(df: pl.DataFrame) -> list[Line]:
    """Our records rendered as the same strings ra -n -u -p 6 prints."""
    if df.height == 0:
        return []
    us = pl.col("stime").dt.epoch("us")
    ul = pl.col("ltime").dt.epoch("us")

    def epoch(c: pl.Expr) -> pl.Expr:
        return (c // 1_000_000).cast(pl.Utf8) + "." + (c % 1_000_000).cast(pl.Utf8).str.zfill(6)

    view = df.select(
        epoch(us).alias("stime"),
        epoch(ul).alias("ltime"),
        pl.col("proto"),
        pl.col("saddr"),
        pl.col("sport").fill_null(""),
        pl.col("dir"),
        pl.col("daddr"),
        pl.col("dport").fill_null(""),
        *(pl.col(c).cast(pl.Utf8) for c in ("spkts", "dpkts", "sbytes", "dbytes")),
        pl.col("state"),
    )
    return [normalise(tuple(r)) for r in view.iter_rows()]


@dataclass
class Comparison:
    ours: list[Line]
    theirs: list[Line]
    only_ours: list[Line] = field(default_factory=list)
    only_theirs: list[Line] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.only_ours and not self.only_theirs


def compare(ours: list[Line], theirs: list[Line]) -> Comparison:
    """Flow-by-flow comparison, order aside (a multiset of lines)."""
    a, b = Counter(ours), Counter(theirs)
    c = Comparison(ours, theirs)
    c.only_ours = sorted((a - b).elements())
    c.only_theirs = sorted((b - a).elements())
    return c
