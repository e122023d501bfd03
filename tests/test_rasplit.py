"""argus-rs rasplit against real rasplit 3.0.8.2: the same file names, and real ra prints the
same flow records of each file."""

from __future__ import annotations

from pathlib import Path

import pytest

from argus_rs.cli.rasplit_cmd import suffixes
from bins_oracle import argus_files, ours, real
from conftest import SHARED_PCAPS
from oracle import needs_real_argus

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

FIELDS = ["stime", "ltime", "proto", "saddr", "sport", "daddr", "dport", "spkts", "dpkts", "sbytes", "dbytes"]

CASES = [
    ("modbus", ["-M", "count", "10"], "c."),
    ("modbus", ["-M", "count", "20", "-a", "3"], "x"),
    ("modbus", ["-M", "flow", "dst host 10.0.0.8"], "f."),
    ("sip", ["-M", "time", "1s"], "t.%H%M%S"),
    ("dnp3", ["-M", "time", "1s"], "t.%H%M%S"),
    ("modbus", ["-M", "time", "1m"], "t.%Y%m%d.%H%M%S"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return argus_files(tmp_path_factory.mktemp("rasplit"))


def _records(directory: Path) -> dict[str, list[str]]:
    """file name -> the flow records real ra prints of it (files without flow records left out:
    real rasplit also writes one named after its opening management record's wall-clock time)."""
    out = {}
    for path in sorted(directory.iterdir()):
        printed = real("ra", "-r", str(path), "-n", "-s", *FIELDS, "-", "not man")
        lines = printed.stdout.splitlines()[1:]
        if lines:
            out[path.name] = lines
    return out


@pytest.mark.parametrize(("name", "args", "prefix"), CASES)
def test_rasplit_files_as_real(files: dict[str, Path], tmp_path: Path, name: str, args: list[str], prefix: str) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "ours").mkdir()
    w = [] if prefix == "x" else ["-w", prefix]
    want = real("rasplit", "-r", str(files[name]), *args, *w, cwd=tmp_path / "real")
    assert want.returncode == 0, want.stderr
    got = ours("rasplit", "-r", str(files[name]), *args, *w, cwd=tmp_path / "ours")
    assert got.returncode == 0, got.stderr
    assert _records(tmp_path / "ours") == _records(tmp_path / "real")


def test_suffixes() -> None:
    names = list(suffixes(2))
    assert names[:3] == ["aa", "ab", "ac"]
    assert names[25:27] == ["az", "ba"]
    assert len(names) == 676


@pytest.mark.parametrize(
    ("args", "message"), [(["-M", "count", "0"], "-M count 0"), (["-M", "bogus", "1"], "-M bogus")]
)
def test_bad_mode_one_line(files: dict[str, Path], tmp_path: Path, args: list[str], message: str) -> None:
    got = ours("rasplit", "-r", str(files["sip"]), *args, "-w", str(tmp_path / "p."))
    assert got.returncode != 0
    assert message in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
