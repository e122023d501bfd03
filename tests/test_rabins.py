"""argus-rs rabins and argus_rs.analytics.rabins against real rabins 3.0.8.2 (text compared)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.analytics.bins import bin_size, rabins
from bins_oracle import argus_files, flow_lines, ours, real
from conftest import SHARED_PCAPS
from oracle import needs_real_argus

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

CUT = "stime ltime dur proto saddr sport dir daddr dport spkts dpkts sbytes dbytes"

#: (capture, -M words, -m keys, -s fields): records cut at 1 s and 2 s edges, hard and soft
#: bins, groups by protocol and addresses, ra's default fields
CASES = [
    ("sip", "time 1s", "", CUT),
    ("cwd", "time 1s", "", CUT),
    ("dnp3", "time 1s", "", CUT),
    ("dnp3", "time 2s", "", CUT),
    ("sip", "hard time 2s", "", CUT + " state"),
    ("modbus", "hard time 1m", "", CUT),
    ("dnp3", "time 10s", "proto", "stime ltime dur trans proto pkts bytes"),
    ("cwd", "time 5s", "saddr daddr", "stime ltime trans proto saddr daddr pkts bytes state dir"),
    ("cwd", "hard time 1m", "proto", "stime ltime trans proto pkts bytes"),
    ("bittorrent", "time 10s", "saddr", "stime ltime trans proto saddr sport daddr dport spkts dpkts state dir"),
    ("bittorrent", "time 10s", "proto", "stime ltime trans proto saddr daddr pkts bytes state flgs dir"),
    ("sip", "time 1m", "", ""),
    # the AGR statistics of a bin: over the durations of the whole records cut into it
    ("dnp3", "time 1m", "", "stime ltime dur trans mean min max stddev"),
    ("dnp3", "hard time 1m", "", "stime ltime dur trans mean min max stddev"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return argus_files(tmp_path_factory.mktemp("rabins"))


@pytest.mark.parametrize(("name", "modes", "keys", "fields"), CASES)
def test_rabins_text_equals_real(files: dict[str, Path], name: str, modes: str, keys: str, fields: str) -> None:
    args = ["-r", str(files[name]), "-M", *modes.split()]
    if keys:
        args += ["-m", *keys.split()]
    if fields:
        args += ["-s", *fields.split()]
    want = real("rabins", *args)
    got = ours("rabins", *args)
    assert got.returncode == 0, got.stderr
    assert flow_lines(got.stdout) == flow_lines(want.stdout)
    assert got.stdout.splitlines()[0] == want.stdout.splitlines()[0]  # the header


def test_pieces_keep_the_counters(files: dict[str, Path]) -> None:
    flows = argus_rs.read_argus(files["cwd"])
    binned = rabins(flows, "1s").collect()
    for col in ("spkts", "dpkts", "sbytes", "dbytes"):
        assert binned.get_column(col).sum() == flows.get_column(col).sum()
    starts = binned.get_column("bin").dt.epoch("us")
    assert (starts % 1_000_000 == 0).all()
    assert (binned.get_column("stime") >= binned.get_column("bin")).all()


def test_rabins_python_api_hard_bins(files: dict[str, Path]) -> None:
    out = rabins(argus_rs.read_argus(files["dnp3"]), "10s", "proto", hard=True).collect()
    assert set(out.get_column("dur").round(6).to_list()) == {10.0}
    assert out.get_column("bin").is_sorted()
    assert isinstance(out, pl.DataFrame)


def test_bin_sizes() -> None:
    assert bin_size("10s") == 10_000_000
    assert bin_size("2m") == 120_000_000
    assert bin_size("1h") == 3_600_000_000
    assert bin_size("5") == 5_000_000
    with pytest.raises(ValueError, match="bin size"):
        bin_size("1x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-M", "time", "1x"], "-M time 1x"),
        (["-M", "hard"], "bin size"),
        (["-M", "count", "10"], "-M count"),
    ],
)
def test_bad_options_one_line(files: dict[str, Path], args: list[str], message: str) -> None:
    got = ours("rabins", "-r", str(files["sip"]), *args)
    assert got.returncode != 0
    assert message in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert "Traceback" not in got.stderr


def test_plot_file(files: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "bins.png"
    got = ours("rabins", "-r", str(files["cwd"]), "-M", "time", "10s", "-m", "proto", "--plot", str(png))
    assert got.returncode == 0, got.stderr
    assert png.stat().st_size > 1000


#: what ra prints of the written records (flgs: the merged TCP object's marks are the last
#: record's; stddev: real rabins writes a one-piece bin without statistics, ra prints stale ones)
WRITTEN = "stime ltime dur trans proto saddr sport dir daddr dport spkts dpkts sbytes dbytes sappbytes dappbytes"
WRITTEN += " state mean min max srcid"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("dnp3", "-M time 1m"),
        ("sip", "-M time 1m"),
        ("dnp3", "-M hard time 1m -m proto"),
        ("sip", "-M hard time 1m -m proto"),
        ("dnp3", "-M time 10s -m saddr daddr"),
        ("modbus", "-M time 10s -m saddr daddr"),
        ("sip", "-M hard time 2s"),
        ("dnp3", "-M time 1m -M norep"),  # real rabins writes the statistics all the same
    ],
)
def test_rabins_write_is_read_by_real_ra(files: dict[str, Path], tmp_path: Path, name: str, args: str) -> None:
    ours_out, real_out = tmp_path / "ours.argus", tmp_path / "real.argus"
    got = ours("rabins", "-r", str(files[name]), *args.split(), "-w", str(ours_out))
    assert got.returncode == 0, got.stderr
    assert real("rabins", "-r", str(files[name]), *args.split(), "-w", str(real_out)).returncode == 0
    fields = WRITTEN.split()
    ours_text = real("ra", "-r", str(ours_out), "-n", "-s", *fields)
    assert ours_text.returncode == 0, ours_text.stderr
    assert ours_text.stdout == real("ra", "-r", str(real_out), "-n", "-s", *fields).stdout
