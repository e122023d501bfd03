"""racluster.conf's ``status=``, ``idle=`` and ``label=`` against real racluster 3.0.8.2: the text
printed for record files real argus writes with 5 s status records (long flows cut into many
records), compared as sorted lines (racluster prints its groups in hash-table order)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from argus_rs.analytics.cluster_timers import segments
from argus_rs.cli import main
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

CAPTURES = {"dnp3": "long/dnp3.pcap", "modbus": "long/modbus.pcap", "sip": "apps/sip.pcap"}

FIELDS = ["stime", "ltime", "dur", "trans", "proto", "saddr", "sport", "daddr", "dport"]
FIELDS += ["pkts", "bytes", "state", "min", "max", "label"]

#: conf files: a status interval, an idle timeout, both with a label, timers on later and
#: cont rules, timers with the default (flow) model
CONFS = {
    "status": 'filter="tcp" model="saddr daddr proto dport" status=30\n',
    "idle": 'filter="tcp" model="saddr daddr proto dport" idle=20\n',
    "both-label": 'filter="tcp or udp" model="saddr daddr" status=60 idle=10 label="timed"\n',
    "two-rules": 'filter="udp" model="saddr" idle=5\nfilter="tcp" status=10\n',
    "cont": 'filter="tcp" model="daddr" idle=30 cont\nfilter="tcp" model="proto" status=120 label="all"\n',
    "udp-status": 'filter="udp" model="proto" status=5\nfilter="tcp" model="saddr daddr" idle=15\n',
    "label-only": 'filter="tcp" model="saddr" label="averylonglabel"\nfilter="udp" label="u"\n',
    "masked-idle": 'filter="" model="saddr/24" idle=20\n',
    "ports-both": 'model="proto dport" idle=8 status=40\n',
    "none-status": 'filter="udp" model="none" status=5\n',
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("timers")
    return {n: str(real_argus_file(SHARED_PCAPS / c, out / f"{n}.argus", "-S", "5")) for n, c in CAPTURES.items()}


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
@pytest.mark.parametrize("conf", sorted(CONFS))
@pytest.mark.parametrize("capture", sorted(CAPTURES))
def test_timed_rules_match_real(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path, capture: str, conf: str
) -> None:
    path = tmp_path / "racluster.conf"
    path.write_text(CONFS[conf])
    argv = ["-X", "-r", files[capture], "-f", str(path), "-n", "-s", *FIELDS]
    real = subprocess.run(["racluster", *argv], capture_output=True, text=True, timeout=120)
    capfd.readouterr()
    code = main(["racluster", *argv])
    ours = capfd.readouterr().out
    assert code == real.returncode == 0
    assert ours.splitlines()[0] == real.stdout.splitlines()[0]
    assert sorted(ours.splitlines()) == sorted(real.stdout.splitlines())


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
def test_label_with_separator(files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "racluster.conf"
    path.write_text(CONFS["label-only"])
    argv = ["-X", "-r", files["sip"], "-f", str(path), "-n", "-c", ",", "-s", "saddr", "label", "trans"]
    real = subprocess.run(["racluster", *argv], capture_output=True, text=True, timeout=120)
    capfd.readouterr()
    assert main(["racluster", *argv]) == 0
    assert sorted(capfd.readouterr().out.splitlines()) == sorted(real.stdout.splitlines())


#: what real ra prints of the records racluster -f -w writes (mean and stddev: 3.0.8.2's float
#: sums over a restarted aggregate differ in the last digit)
WRITTEN = ["stime", "ltime", "dur", "trans", "proto", "saddr", "sport", "dir", "daddr", "dport"]
WRITTEN += ["spkts", "dpkts", "sbytes", "dbytes", "state", "min", "max", "label"]


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
@pytest.mark.parametrize("conf", ["status", "idle", "cont", "label-only", "both-label", "udp-status"])
def test_timed_rules_write_read_by_real_ra(files: dict[str, str], tmp_path: Path, conf: str) -> None:
    path = tmp_path / "racluster.conf"
    path.write_text(CONFS[conf])
    ours, theirs = tmp_path / "ours.argus", tmp_path / "theirs.argus"
    assert main(["racluster", "-X", "-r", files["dnp3"], files["sip"], "-f", str(path), "-w", str(ours)]) == 0
    argv = ["racluster", "-X", "-r", files["dnp3"], files["sip"], "-f", str(path), "-w", str(theirs)]
    subprocess.run(argv, check=True, timeout=120)
    texts = []
    for out in (ours, theirs):
        ra = subprocess.run(["ra", "-X", "-r", str(out), "-n", "-s", *WRITTEN], capture_output=True, text=True)
        assert ra.returncode == 0, ra.stderr
        texts.append(sorted(ra.stdout.splitlines()))
    assert texts[0] == texts[1]


S = 1_000_000


def test_segments_status_idle_and_sweep() -> None:
    # one key: records at 0, 10, 100 s (idle 60: the gap restarts), then 105 s
    st = [0, 10 * S, 100 * S, 105 * S]
    lt = [1 * S, 11 * S, 101 * S, 106 * S]
    keys = [1, 1, 1, 1]
    # the idle sweep dropped the aggregate before the record at 100 s: a new entry
    assert segments(st, st, lt, keys, 0, 60) == ([1, 1, 2, 2], [0, 0, 0, 0])
    # no sweep without idle: the aggregate is restarted (same entry, next segment)
    assert segments(st, st, lt, keys, 10, 0) == ([1, 1, 1, 1], [0, 1, 2, 2])
    # records of other rules move the clock of the sweep: a clock of 100 s before the 2nd record
    assert segments([0, 100 * S], [0, 10 * S], [1 * S, 11 * S], [1, 1], 0, 60) == ([1, 2], [0, 0])
