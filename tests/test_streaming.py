"""Inputs larger than memory: racount and racluster stay within a data-size limit
(RLIMIT_DATA, set in the child) that reading the same input whole into a DataFrame exceeds,
and still print what the real clients print.

The input is 600 000 records (about 58 MB on disk; about 600 MB as a DataFrame with every
column): records of real argus files of corpus captures, repeated.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from argus_rs import _core
from argus_rs.records import scan_argus_result
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

RECORDS = 600_000
#: the data-size limit of the child (bytes): the clients need far less, a whole read far more
LIMIT = 500 << 20


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("streaming")
    sources = [
        real_argus_file(SHARED_PCAPS / c, out / f"{i}.argus")
        for i, c in enumerate(["scans/synscan.pcap", "apps/sip.pcap", "basic/smtp.pcap"])
    ]
    records = pl.concat([scan_argus_result(p).frame.select("record", "stime", "ltime") for p in sources])
    column = pl.concat([records.get_column("record")] * (RECORDS // records.height + 1)).head(RECORDS)
    first = int(records.get_column("stime").min().timestamp() * 1e6)  # type: ignore[union-attr]
    last = int(records.get_column("ltime").max().timestamp() * 1e6)  # type: ignore[union-attr]
    path = out / "big.argus"
    writer = _core.ArgusWriter(str(path), first, last, False)
    for at in range(0, RECORDS, 100_000):
        writer.write(column.slice(at, 100_000))
    writer.close()
    return path


def _limited(argv: list[str]) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (LIMIT, LIMIT))

    env = dict(os.environ, POLARS_MAX_THREADS="2", ARGUS_RS_CHUNK_ROWS="50000", ARGUS_RS_PROGRESS="0")
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, preexec_fn=limit)


def test_whole_read_exceeds_the_limit(big: Path) -> None:
    run = _limited([sys.executable, "-c", f"import argus_rs; print(argus_rs.read_argus({str(big)!r}).height)"])
    assert run.returncode != 0, "the limit does not bite: reading everything fitted"


def test_racount_within_the_limit(big: Path) -> None:
    args = ["-X", "-r", str(big), "-M", "proto", "addr"]
    ours = _limited([sys.executable, "-m", "argus_rs.cli", "racount", *args])
    assert ours.returncode == 0, ours.stderr
    real = subprocess.run(["racount", *args], capture_output=True, text=True, timeout=600)
    assert ours.stdout == real.stdout


@pytest.mark.parametrize("keys", [["-m", "saddr"], []])
def test_racluster_within_the_limit(big: Path, keys: list[str]) -> None:
    args = ["-X", "-r", str(big), *keys, "-n", "-s", "proto", "saddr", "sport", "daddr", "dport", "trans", "pkts"]
    args += ["bytes", "state"]
    ours = _limited([sys.executable, "-m", "argus_rs.cli", "racluster", *args])
    assert ours.returncode == 0, ours.stderr
    real = subprocess.run(["racluster", *args], capture_output=True, text=True, timeout=600)
    assert sorted(ours.stdout.splitlines()) == sorted(real.stdout.splitlines())
