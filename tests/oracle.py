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
import pytest

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


#: Mark for tests that run the real Argus tools.
needs_real_argus = pytest.mark.skipif(
    not have_argus(), reason="real argus/ra (Debian argus-server, argus-client) not installed"
)


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
    return ra_rows(out, FIELDS, ok_codes=(0, 1))


def real_argus_file(pcap: Path, out: Path, *args: str) -> Path:
    """Run real ``argus -X ARGS -r pcap -w out`` (out is removed first: argus appends)."""
    out.unlink(missing_ok=True)
    subprocess.run(["argus", "-X", *args, "-r", str(pcap), "-w", str(out)], check=True, capture_output=True)
    return out


def ra_rows(
    path: Path, fields: list[str], *args: str, precision: int | None = 6, ok_codes: tuple[int, ...] = (0,)
) -> list[Line] | None:
    """What real ``ra -X -n -u [-p precision] -c , -s FIELDS ARGS`` prints for the record
    file ``path``, one tuple of stripped values per record; None when ra exits with
    another code than ``ok_codes``."""
    digits = [] if precision is None else ["-p", str(precision)]
    ra = subprocess.run(
        ["ra", "-X", "-n", "-u", *digits, "-c", ",", "-r", str(path), "-s", *fields, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ra.returncode not in ok_codes:
        return None
    return [normalise(tuple(x.split(","))) for x in ra.stdout.splitlines()[1:] if x]


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


#: Fields that identify a record when records of two tools are matched up.
RECORD_KEY = ["stime", "saddr", "sport", "daddr", "dport"]


def real_record_fields(
    pcap: Path, argus_args: list[str], fields: list[str], workdir: Path, ra_filter: str = "ip or ipv6"
) -> dict[Line, list[str]]:
    """Run real argus with `argus_args` on `pcap`, then real ra once per field
    (each printed last, so separators inside values do not matter): the values
    of `fields` by record key. ra's padding is stripped; values keep inner blanks."""
    out = workdir / (pcap.name + ".fields.argus")
    out.unlink(missing_ok=True)
    subprocess.run(["argus", "-X", *argus_args, "-r", str(pcap), "-w", str(out)], check=True, timeout=120)
    result: dict[Line, list[str]] = {}
    for i, name in enumerate(fields):
        ra = subprocess.run(
            ["ra", "-X", "-n", "-u", "-p", "6", "-c", "\t", "-r", str(out), "-s", *RECORD_KEY, name, "-", ra_filter],
            capture_output=True,
            text=True,
            errors="replace",
            check=True,
            timeout=120,
        )
        for line in ra.stdout.splitlines()[1:]:
            parts = line.split("\t", len(RECORD_KEY))
            # ra trims trailing blank columns: an empty port and value leave fewer parts
            parts += [""] * (len(RECORD_KEY) + 1 - len(parts))
            key = normalise(tuple(parts[: len(RECORD_KEY)]))
            value = parts[len(RECORD_KEY)] if len(parts) > len(RECORD_KEY) else ""
            result.setdefault(key, [""] * len(fields))[i] = value.strip()
    return result


def our_record_keys(df: pl.DataFrame) -> list[Line]:
    """Our records' keys, rendered as `real_record_fields` keys them."""
    us = pl.col("stime").dt.epoch("us")
    view = df.select(
        ((us // 1_000_000).cast(pl.Utf8) + "." + (us % 1_000_000).cast(pl.Utf8).str.zfill(6)).alias("stime"),
        "saddr",
        pl.col("sport").fill_null(""),
        "daddr",
        pl.col("dport").fill_null(""),
    )
    return [normalise(tuple(r)) for r in view.iter_rows()]
