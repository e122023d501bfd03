"""racluster's default merge in Rust (analytics/cluster_kernel.py, _core.ClusterMerger) against
the polars merge it replaces, on corpus record files real argus writes (with and without status
records): the same merged rows, columns and order; and the command's text against real racluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import argus_rs
from argus_rs import _core
from argus_rs.analytics import cluster_kernel, racluster
from argus_rs.cli import main
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

#: TCP with status records, UDP/RTP, ICMP, IPv6, ARP and DHCP, a SYN scan, IGMP
CAPTURES = {
    "smtp": "basic/smtp.pcap",
    "sip": "apps/sip.pcap",
    "modbus": "long/modbus.pcap",
    "dnp3": "long/dnp3.pcap",
    "dhcp": "basic/dhcp.pcap",
    "ipv6": "ipv6/ipv6.pcap",
    "synscan": "scans/synscan.pcap",
    "igmp": "basic/igmp-many-groups.pcap",
    "pings": "basic/5-pings.pcap",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("kernel")
    # -S 5: status records every 5 s, so that long flows are many records to merge
    return {n: real_argus_file(SHARED_PCAPS / c, out / f"{n}.argus", "-S", "5") for n, c in CAPTURES.items()}


def _both(
    frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch, keys: str | None = None, **kw: object
) -> tuple[pl.DataFrame, pl.DataFrame]:
    assert cluster_kernel.kernel_applies(frame.columns, keys)
    kernel = racluster(frame, keys, **kw).collect()  # type: ignore[arg-type]
    with monkeypatch.context() as m:
        m.setenv("ARGUS_RS_CLUSTER_KERNEL", "0")
        assert not cluster_kernel.kernel_applies(frame.columns, keys)
        slow = racluster(frame, keys, **kw).collect()  # type: ignore[arg-type]
    return kernel, slow


#: the default key with and without -M correct, and the 5-tuple -m list the kernel covers
KEY_CASES = [
    (None, True),
    (None, False),
    ("saddr daddr proto sport dport", None),
    ("proto dport sport daddr saddr", True),
]


@pytest.mark.parametrize(("keys", "correct"), KEY_CASES)
@pytest.mark.parametrize("capture", list(CAPTURES))
def test_kernel_equals_polars(
    files: dict[str, Path], capture: str, keys: str | None, correct: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = argus_rs.read_argus(files[capture]).drop("record")
    kernel, slow = _both(frame, monkeypatch, keys, correct=correct)
    assert kernel.height <= frame.height
    assert_frame_equal(kernel, slow, check_dtypes=False, rel_tol=1e-12)


def test_kernel_templates_equal_polars(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    frame = argus_rs.read_argus(files["modbus"])
    kernel, slow = _both(frame, monkeypatch, templates=True)
    assert kernel.columns[-1] == "_record_last"
    assert_frame_equal(kernel, slow, check_dtypes=False, rel_tol=1e-12)


@pytest.mark.parametrize("five", [False, True])
def test_kernel_compaction(files: dict[str, Path], five: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches compacted to each group's first and last rows after every small push: the same
    merged rows (first/last values, turned-around last records, record bytes)."""
    frame = argus_rs.read_argus(files["modbus"])
    keys = "saddr daddr proto sport dport" if five else None
    _, slow = _both(frame, monkeypatch, keys, templates=True)
    merger = _core.ClusterMerger(True, True, five, 1)
    for start in range(0, frame.height, 7):
        merger.push(frame.slice(start, 7))
    assert_frame_equal(pl.DataFrame(merger.finish()), slow, check_dtypes=False, rel_tol=1e-12)


def test_kernel_not_for_other_keys(files: dict[str, Path]) -> None:
    frame = argus_rs.read_argus(files["smtp"])
    assert not cluster_kernel.kernel_applies(frame.columns, "saddr daddr")
    assert not cluster_kernel.kernel_applies(frame.columns, "saddr daddr proto sport dport srcid")
    assert not cluster_kernel.kernel_applies(frame.columns, None, rmon=True)
    merged = racluster(frame).collect()
    assert not cluster_kernel.kernel_applies(merged.columns, None)  # merged again: polars combines


def test_kernel_bad_column_falls_back(files: dict[str, Path]) -> None:
    frame = argus_rs.read_argus(files["smtp"]).drop("record")
    odd = frame.with_columns(pl.col("spkts").cast(pl.Int64))
    assert_frame_equal(racluster(odd).collect(), racluster(frame).collect(), check_dtypes=False)


@pytest.mark.parametrize("keys", [[], ["-m", "saddr", "daddr", "proto", "sport", "dport"]])
@pytest.mark.parametrize("capture", ["smtp", "modbus", "ipv6", "synscan", "pings"])
def test_command_matches_real_racluster(
    files: dict[str, Path], capture: str, keys: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fields = ["stime", "ltime", "trans", "proto", "saddr", "sport", "dir", "daddr", "dport"]
    fields += ["spkts", "dpkts", "sbytes", "dbytes", "state", "flgs", "min", "max"]
    args = ["-r", str(files[capture]), *keys, "-n", "-u", "-c", ",", "-s", *fields]
    real = subprocess.run(["racluster", "-X", *args], capture_output=True, text=True, check=True, timeout=120).stdout
    assert main(["racluster", *args]) in (0, None)
    ours = capsys.readouterr().out
    # racluster prints its hash-table order: compare the rows as sets
    assert sorted(ours.splitlines()) == sorted(real.splitlines())
