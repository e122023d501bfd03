"""The flow table sharded across threads (``threads=N``): the records of one engine.

As multisets (the sequence number aside, which shards give out in steps of N,
and the ``record`` column that carries it), and exactly with ``ordered=True``,
whose order and numbering are the same for every thread count.  The Rust
tests (rust/argus-capture/tests/sharded.rs) cover the whole corpus, option
variants and synthetic captures; these check the Python and CLI wiring.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.io import scan
from conftest import RunCli

CAPTURES = [
    "tcp",
    "frag",
    "apps",
    "ipv6",
    "encap",
]


def _unsequenced(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    rest = frame.drop(["seq", "record"])
    return sorted(rest.rows(), key=repr)


def _some_captures(root: Path) -> list[Path]:
    found: list[Path] = []
    for name in CAPTURES:
        files = sorted(p for p in (root / name).rglob("*") if p.is_file())
        found += files[:3]
    return found


@pytest.mark.parametrize("threads", [2, 3])
def test_same_records_as_one_engine(pcaps_dir: Path, threads: int) -> None:
    captures = _some_captures(pcaps_dir)
    assert captures
    for capture in captures:
        one = scan(capture)
        many = scan(capture, threads=threads)
        assert many.errors == one.errors, capture
        assert many.stats == one.stats, capture
        assert _unsequenced(many.frame) == _unsequenced(one.frame), capture


def test_ordered_is_the_same_for_every_thread_count(pcaps_dir: Path) -> None:
    # Capture by capture: across files the clock jumps back, and after a step back the one
    # engine (as argus) only requeues a due flow that flows queued later stand before, which a
    # shard's own queue may not hold (docs/compat.md).
    for capture in [str(p) for p in _some_captures(pcaps_dir)]:
        one = scan([capture], ordered=True, flow_status_interval=1)
        plain = scan([capture], flow_status_interval=1)
        assert _unsequenced(one.frame) == _unsequenced(plain.frame), capture
        for threads in (2, 4):
            many = scan([capture], ordered=True, threads=threads, flow_status_interval=1)
            assert many.frame.equals(one.frame), (capture, threads)


def test_iter_pcap_with_threads(demo_pcap: Path) -> None:
    one = argus_rs.read_pcap(demo_pcap)
    batches = list(argus_rs.iter_pcap(demo_pcap, threads=2, batch_rows=7))
    assert all(pl.DataFrame(b).height <= 7 for b in batches)
    many = pl.concat([pl.DataFrame(b) for b in batches])
    assert _unsequenced(many) == _unsequenced(one)
    # sequence numbers still name flows one to one
    assert many.get_column("seq").n_unique() == one.get_column("seq").n_unique()


@pytest.mark.parametrize("bad", [0, -1, 65, True, 1.5, "2"])
def test_bad_thread_counts(demo_pcap: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="threads"):
        argus_rs.read_pcap(demo_pcap, threads=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threads"):
        argus_rs.iter_pcap(demo_pcap, threads=bad)  # type: ignore[arg-type]


def test_sensor_cli_threads(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.argus", tmp_path / "two.argus"
    for out, extra in ((one, []), (two, ["--threads", "2"])):
        proc = run_cli(["argus", "-X", "-r", demo_pcap, *extra, "-w", out])
        assert proc.returncode == 0, proc.stderr
    a, b = argus_rs.read_argus(one), argus_rs.read_argus(two)
    assert a.height > 0
    assert _unsequenced(a) == _unsequenced(b)
    summary = run_cli(["argus", "-X", "-r", demo_pcap, "--threads", "2"])
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout == run_cli(["argus", "-X", "-r", demo_pcap]).stdout
    bad = run_cli(["argus", "-X", "-r", demo_pcap, "--threads", "0"])
    assert bad.returncode == 2
