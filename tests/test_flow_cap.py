"""The open-flow cap (``max_flows`` / ``max_flow_memory``, docs/memory.md).

Under a cap the flows idle longest are reported early and forgotten, never dropped: the records
still hold every packet and byte, as many as real argus's records of the same capture hold
(real argus has no cap; its totals are the oracle), and the early emissions are counted in the
stats and in the ``argus-rs argus`` summary.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from argus_rs.io import scan
from argus_rs.records import read_argus
from conftest import DEMO_PACKETS, DEMO_PCAP, SHARED_PCAPS, RunCli

CAPTURES = ("basic/wikipedia.pcap", "basic/DnsPackets.pcap", "apps/teams.pcap", "encap/erspan.pcap")


def _totals(frame: pl.DataFrame) -> tuple[int, int]:
    return int(frame["pkts"].sum()), int(frame["bytes"].sum())


def _real_argus_totals(pcap: Path, tmp_path: Path) -> tuple[int, int]:
    out = tmp_path / "real.argus"
    out.unlink(missing_ok=True)  # real argus -w appends
    subprocess.run(["argus", "-X", "-r", str(pcap), "-w", str(out)], check=True, capture_output=True)
    return _totals(read_argus(out))


@pytest.mark.parametrize("name", CAPTURES)
def test_cap_keeps_every_packet(name: str, tmp_path: Path) -> None:
    pcap = SHARED_PCAPS / name
    if not pcap.is_file():
        pytest.skip(f"corpus capture {pcap} not found")
    free = scan(pcap)
    capped = scan(pcap, max_flows=2)
    assert free.stats["flows_evicted"] == 0
    assert free.stats["flows"] > 2
    assert capped.stats["flows_evicted"] > 0
    # evicted flows come back as new flows when they talk again
    assert capped.stats["flows"] >= free.stats["flows"]
    assert capped.frame.height >= free.frame.height
    assert _totals(capped.frame) == _totals(free.frame)
    assert _totals(capped.frame) == (capped.stats["packets_decoded"], capped.stats["bytes_decoded"])
    if shutil.which("argus"):
        assert _totals(capped.frame) == _real_argus_totals(pcap, tmp_path)


def test_memory_cap_and_bad_values() -> None:
    result = scan(DEMO_PCAP, max_flow_memory="1K")
    assert result.stats["flows_evicted"] > 0
    assert int(result.frame["pkts"].sum()) == DEMO_PACKETS
    assert scan(DEMO_PCAP, max_flows=0).stats["flows_evicted"] == 0
    with pytest.raises(ValueError, match="max_flows"):
        scan(DEMO_PCAP, max_flows="many")
    with pytest.raises(ValueError, match="max_flow_memory"):
        scan(DEMO_PCAP, max_flow_memory="12X")


def _summary(stdout: str) -> dict[str, str]:
    lines = stdout.splitlines()
    header = lines[0].split()
    total = next(line.split() for line in lines if line.startswith("total"))
    return dict(zip(header[1:], total[1:], strict=False))


def test_summary_counts_evictions(run_cli: RunCli) -> None:
    capped = run_cli(["argus", "-X", "-r", DEMO_PCAP, "--max-flows", "3"])
    assert capped.returncode == 0, capped.stderr
    assert int(_summary(capped.stdout)["evicted"]) > 0
    free = run_cli(["argus", "-X", "-r", DEMO_PCAP])
    assert "evicted" not in _summary(free.stdout)
    bad = run_cli(["argus", "-X", "-r", DEMO_PCAP, "--max-flows", "x"])
    assert bad.returncode != 0
    assert "max_flows" in bad.stderr
    assert "Traceback" not in bad.stderr
