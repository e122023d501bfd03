"""Smoke test of the benchmark's capture generator (bench/capgen) at a small scale.

The same arguments give the same bytes; every packet ends up in a flow record, of argus-rs and of
real argus; the TCP/UDP flows are the ones the generator says it made. The benchmark itself
(bench/run.py, `make bench`) is not run here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from oracle import needs_real_argus, real_argus_file

ROOT = Path(__file__).resolve().parent.parent
PACKETS = 30_000


def _capgen() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "capgen"
    if shutil.which("cargo") is None:
        if exe.exists():
            return exe
        pytest.skip("cargo not found: cannot build bench/capgen")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "capgen", "--bin", "capgen"], cwd=ROOT, check=True)
    return exe


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int | dict[str, int]]]:
    exe = _capgen()
    d = tmp_path_factory.mktemp("capgen")
    out = d / "mix.pcap"
    subprocess.run([str(exe), "mix", str(out), "--packets", str(PACKETS), "--duration", "120"], check=True)
    info = json.loads(Path(f"{out}.json").read_text())
    return out, info


def _keys(df: pl.DataFrame) -> int:
    tu = df.filter(pl.col("proto").is_in(["tcp", "udp"]))
    return tu.select("proto", "saddr", "sport", "daddr", "dport").unique().height


def test_same_bytes_twice(capture: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    path, _ = capture
    again = tmp_path / "again.pcap"
    subprocess.run([str(_capgen()), "mix", str(again), "--packets", str(PACKETS), "--duration", "120"], check=True)
    assert again.read_bytes() == path.read_bytes()


def test_summary_as_designed(capture: tuple[Path, dict[str, object]]) -> None:
    _, info = capture
    assert info["packets"] >= PACKETS  # type: ignore[operator]
    by_kind = info["by_kind"]
    assert isinstance(by_kind, dict)
    assert all(n > 0 for n in by_kind.values()), by_kind
    assert sum(by_kind.values()) == info["flows"]
    assert info["v6_flows"] > 0  # type: ignore[operator]
    assert info["vlan_flows"] > 0  # type: ignore[operator]
    # about 10 packets per flow: 10 M packets make ~1 M flows
    assert 8 <= PACKETS / info["flows"] <= 12  # type: ignore[operator]


def test_argus_rs_decodes_every_packet(capture: tuple[Path, dict[str, object]]) -> None:
    path, info = capture
    df = argus_rs.read_pcap(str(path))
    assert df["pkts"].sum() == info["packets"]
    assert _keys(df) == info["tcp_udp_keys"]
    protos = set(df["proto"].unique().to_list())
    assert {"tcp", "udp", "icmp", "ipv6-icmp"} <= protos


@needs_real_argus
def test_real_argus_decodes_every_packet(capture: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    path, info = capture
    out = real_argus_file(path, tmp_path / "mix.argus")
    df = argus_rs.read_argus(str(out))
    assert df["pkts"].sum() == info["packets"]
    assert _keys(df) == info["tcp_udp_keys"]
