"""argus_rs.analytics.agr_record.aggregate_records (the Rust record builder): rows without a
template stay null, -M norep leaves the AGR DSR out, and real ra reads the merged counts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.analytics import racluster
from argus_rs.analytics.agr_record import aggregate_records
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

_AGR_BYTES = 80


def test_templates_norep_and_real_ra(tmp_path: Path) -> None:
    src = real_argus_file(SHARED_PCAPS / "basic" / "smtp.pcap", tmp_path / "smtp.argus")
    merged = racluster(argus_rs.read_argus(src), templates=True).collect()
    templates, lasts = merged.get_column("record"), merged.get_column("_record_last")
    with_agr = aggregate_records(merged, templates, lasts)
    without = aggregate_records(merged, templates, lasts, agr=False)
    assert with_agr.name == "record"
    assert [len(a) - len(b) for a, b in zip(with_agr, without, strict=True)] == [_AGR_BYTES] * merged.height
    nulls = aggregate_records(merged, pl.Series([None] * merged.height, dtype=pl.Binary), lasts)
    assert nulls.null_count() == merged.height

    out = tmp_path / "merged.argus"
    writer = argus_rs._core.ArgusWriter(str(out), 0, 0)
    writer.write(with_agr)
    writer.close()
    text = subprocess.run(
        ["ra", "-r", str(out), "-n", "-c", ",", "-s", "trans", "pkts", "bytes", "-", "not man"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()[1:]
    expected = [f"{t},{p},{b}" for t, p, b in merged.select("trans", "pkts", "bytes").iter_rows()]
    assert sorted(line.replace(" ", "") for line in text) == sorted(expected)
