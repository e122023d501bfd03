"""``argus-rs rasort``, ``racluster`` and ``ramon`` against the real Argus 3.0.8.2 clients: the text
printed for record files real argus makes of corpus captures.

rasort's output is compared byte for byte; racluster prints its groups in hash-table order, so its
lines are compared as sorted lists (header first, equal); ramon (not shipped with 3.0.8.2) is
compared with the pipeline that replaces it, ``racluster ... -w - | rasort ...``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from argus_rs.cli import main
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

CAPTURES = [
    "basic/smtp.pcap",
    "apps/sip.pcap",
    "basic/dhcp.pcap",
    "ipv6/ipv6.pcap",
    "scans/synscan.pcap",
    "basic/5-pings.pcap",
]

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("clients")
    return {Path(c).stem: str(real_argus_file(SHARED_PCAPS / c, out / f"{Path(c).stem}.argus")) for c in CAPTURES}


def _real(*argv: str) -> tuple[str, int]:
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return run.stdout, run.returncode


def _ours(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[str, int]:
    capfd.readouterr()
    code = main(list(argv))
    return capfd.readouterr().out, code


SORT_ARGS = [
    ["-m", "bytes"],
    ["-m", "pkts", "-n"],
    ["-m", "saddr", "dport", "-nn", "-s", "stime", "saddr", "dport", "pkts", "bytes"],
    ["-m", "proto", "bytes", "-u", "-p", "3"],
    ["-m", "dur", "-c", ",", "-s", "stime", "dur", "proto", "bytes"],
    ["-m", "stime", "-z", "-N", "3"],
    ["-m", "dbytes", "-L", "3", "-", "tcp"],
    ["-m", "ltime", "-Z", "b", "-", "udp or icmp"],
]


@pytest.mark.parametrize("args", SORT_ARGS, ids=" ".join)
@pytest.mark.parametrize("capture", ["smtp", "synscan", "ipv6"])
def test_rasort_text_matches_real(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], capture: str, args: list[str]
) -> None:
    argv = ["-X", "-r", files[capture], *args]
    assert _ours(capfd, "rasort", *argv) == _real("rasort", *argv)


CLUSTER_ARGS = [
    [],
    ["-n"],
    ["-m", "saddr", "daddr", "-n", "-s", "stime", "dur", "trans", "saddr", "dir", "daddr", "pkts", "bytes"],
    ["-m", "proto", "-s", "proto", "trans", "pkts", "bytes", "min", "max"],
    ["-m", "saddr/16", "-nn", "-u"],
    ["-m", "matrix", "-s", "stime", "trans", "saddr", "dir", "daddr", "pkts"],
    ["-M", "rmon", "-m", "saddr", "-s", "saddr", "trans", "spkts", "dpkts", "sbytes", "dbytes"],
    ["-M", "rmon", "-m", "saddr"],
    ["-m", "dport", "-c", ",", "-", "tcp or udp"],
    # fields the merge itself does not read (racluster reads only the columns it needs)
    ["-s", "stime", "saddr", "daddr", "trans", "sttl", "dttl", "tcprtt", "smac"],
]


@pytest.mark.parametrize("args", CLUSTER_ARGS, ids=" ".join)
@pytest.mark.parametrize("capture", ["smtp", "sip", "synscan", "5-pings"])
def test_racluster_text_matches_real(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], capture: str, args: list[str]
) -> None:
    argv = ["-X", "-r", files[capture], *args]
    ours, ours_code = _ours(capfd, "racluster", *argv)
    real, real_code = _real("racluster", *argv)
    assert ours_code == real_code
    o, r = ours.splitlines(), real.splitlines()
    assert o[:1] == r[:1]  # the header
    assert sorted(o[1:]) == sorted(r[1:])


def test_racluster_several_files(files: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    argv = ["-X", "-r", files["smtp"], files["sip"], "-m", "proto", "-s", "proto", "trans", "pkts", "bytes"]
    ours, _ = _ours(capfd, "racluster", *argv)
    real, _ = _real("racluster", *argv)
    assert sorted(ours.splitlines()) == sorted(real.splitlines())


def test_no_match_exits_1(files: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    for command in ("rasort", "racluster"):
        argv = ["-X", "-r", files["5-pings"], "-", "tcp"]
        assert _ours(capfd, command, *argv) == _real(command, *argv)


def test_missing_input_and_bad_key(files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    capfd.readouterr()
    assert main(["racluster", "-X", "-r", str(tmp_path / "nope.argus"), files["smtp"]]) == 2
    err = capfd.readouterr().err
    assert "nope.argus" in err
    assert "Traceback" not in err
    assert main(["rasort", "-X", "-r", files["smtp"], "-m", "nosuchkey"]) == 2
    err = capfd.readouterr().err
    assert err.count("\n") == 1
    assert "nosuchkey" in err


def test_rasort_write_is_read_by_real_ra(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "sorted.argus"
    assert main(["rasort", "-X", "-r", files["smtp"], "-m", "bytes", "-w", str(out)]) == 0
    real_sorted, _ = _real("rasort", "-X", "-r", files["smtp"], "-m", "bytes", "-n")
    from_file, code = _real("ra", "-X", "-r", str(out), "-n")
    assert code == 0
    assert from_file == real_sorted


def _real_pipe(path: str, cluster: list[str], sort: list[str], fields: list[str]) -> str:
    first = subprocess.run(["racluster", "-X", "-r", path, *cluster, "-w", "-"], capture_output=True, timeout=120)
    second = subprocess.run(
        ["rasort", "-X", "-r", "-", *sort, *fields], input=first.stdout, capture_output=True, timeout=120
    )
    return second.stdout.decode()


@pytest.mark.parametrize("capture", ["smtp", "sip", "synscan"])
@pytest.mark.parametrize("by", ["bytes", "pkts"])
def test_ramon_matches_racluster_rasort(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], capture: str, by: str
) -> None:
    fields = ["-s", "saddr", "trans", "spkts", "dpkts", "sbytes", "dbytes"]
    ours, code = _ours(capfd, "ramon", "-X", "-r", files[capture], "-M", "TopN", "-m", by, "-n", *fields)
    assert code == 0
    real = _real_pipe(files[capture], ["-M", "rmon", "-m", "saddr"], ["-m", by], ["-n", *fields])
    o, r = ours.splitlines(), real.splitlines()
    # rasort breaks ties by racluster's hash order, ours by first appearance: same rows, same keys
    assert o[0].split() == ["Host", "Trans", "OutPkts", "InPkts", "OutBytes", "InBytes"]
    assert sorted(o[1:]) == sorted(r[1:])
    column = {"bytes": (4, 5), "pkts": (2, 3)}[by]
    totals = [int(line.split()[column[0]]) + int(line.split()[column[1]]) for line in o[1:]]
    assert totals == sorted(totals, reverse=True)
    matrix, code = _ours(capfd, "ramon", "-X", "-r", files[capture], "-M", "Matrix", "-n", "-s", "saddr", "daddr", by)
    real = _real_pipe(files[capture], ["-m", "matrix"], ["-m", by], ["-n", "-s", "saddr", "daddr", by])
    assert sorted(matrix.splitlines()) == sorted(real.splitlines())


def test_ramon_top_count(files: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    full, _ = _ours(capfd, "ramon", "-X", "-r", files["synscan"], "-n")
    top, _ = _ours(capfd, "ramon", "-X", "-r", files["synscan"], "-n", "-N", "3")
    assert top.splitlines() == full.splitlines()[:4]


CONFS = {
    "two-models": 'filter="udp" model="proto"\nfilter="tcp" model="saddr daddr"\n',
    "one-rule": 'filter="tcp" model="saddr"\n',
    "ports-kept": 'filter="tcp" model="saddr daddr"\n',
    "later-rule-zeroes": 'filter="udp" model="proto"\nfilter="tcp" model="dport"\n',
    "proto-in-model": 'filter="udp" model="proto"\nfilter="tcp" model="saddr daddr proto"\n',
    "cont": 'filter="tcp" model="saddr" cont\nfilter="tcp" model="dport"\n',
    "settings": 'RACLUSTER_AUTO_CORRECTION=no\n# a comment\n\nfilter="udp or icmp" model="saddr" label="small"\n',
}


@pytest.mark.parametrize("conf", sorted(CONFS))
@pytest.mark.parametrize("capture", ["smtp", "synscan"])
def test_racluster_conf_matches_real(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path, capture: str, conf: str
) -> None:
    path = tmp_path / "racluster.conf"
    path.write_text(CONFS[conf])
    argv = ["-X", "-r", files[capture], "-f", str(path), "-n", "-s", "proto", "saddr", "sport", "daddr", "dport"]
    argv += ["trans", "pkts", "bytes", "state"]
    ours, code = _ours(capfd, "racluster", *argv)
    real, real_code = _real("racluster", *argv)
    assert code == real_code
    assert sorted(ours.splitlines()) == sorted(real.splitlines())


def test_racluster_conf_errors(files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.conf"
    bad.write_text('filter="tcp" model="saddr"\nfilter="tcp" modle="daddr"\n')
    capfd.readouterr()
    assert main(["racluster", "-X", "-r", files["smtp"], "-f", str(bad)]) == 2
    err = capfd.readouterr().err
    assert f"{bad}:2" in err
    assert err.count("\n") == 1
    bad.write_text('filter="tcp and" model="saddr"\n')
    assert main(["racluster", "-X", "-r", files["smtp"], "-f", str(bad)]) == 2
    assert f"{bad}:1" in capfd.readouterr().err
    assert main(["racluster", "-X", "-r", files["smtp"], "-f", str(tmp_path / "none.conf")]) == 2
    assert "none.conf" in capfd.readouterr().err


WRITE_FIELDS = [
    "stime",
    "ltime",
    "trans",
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
    "mean",
    "min",
    "max",
]


@pytest.mark.parametrize(
    "keys",
    [
        [],
        ["-m", "proto"],
        ["-m", "saddr/16", "daddr"],
        ["-m", "matrix"],
        ["-M", "rmon", "-m", "saddr"],
        ["-m", "proto", "-M", "norep"],
    ],
)
def test_racluster_write_is_read_by_real_ra(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], tmp_path: Path, keys: list[str]
) -> None:
    inputs = [files["smtp"], files["sip"], files["synscan"]]
    ours, theirs = tmp_path / "ours.argus", tmp_path / "theirs.argus"
    assert main(["racluster", "-X", "-r", *inputs, *keys, "-w", str(ours)]) == 0
    subprocess.run(["racluster", "-X", "-r", *inputs, *keys, "-w", str(theirs)], check=True, timeout=120)
    ours_text, code = _real("ra", "-X", "-r", str(ours), "-n", "-s", *WRITE_FIELDS)
    assert code == 0
    theirs_text, _ = _real("ra", "-X", "-r", str(theirs), "-n", "-s", *WRITE_FIELDS)
    assert sorted(ours_text.splitlines()) == sorted(theirs_text.splitlines())


@pytest.mark.parametrize("limit", ["3", "12", "15", "2-5", "5+3", "10-13", "o3"])
@pytest.mark.parametrize("expression", [[], ["-", "udp"]])
def test_input_limit_counts_as_real(
    files: dict[str, str], capfd: pytest.CaptureFixture[str], limit: str, expression: list[str]
) -> None:
    """-N counts ra's input stream (management records too) across two files."""
    argv = ["-X", "-r", files["smtp"], files["sip"], "-m", "pkts", "-N", limit, "-s", "stime", "pkts", *expression]
    assert _ours(capfd, "rasort", *argv) == _real("rasort", *argv)


def test_racluster_per_input_file(files: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    """-M ind: every input file merged on its own."""
    argv = ["-X", "-r", files["smtp"], files["smtp"], files["sip"], "-M", "ind", "-m", "proto", "-s", "proto"]
    argv += ["trans", "pkts", "bytes"]
    ours, code = _ours(capfd, "racluster", *argv)
    real, real_code = _real("racluster", *argv)
    assert code == real_code
    assert sorted(ours.splitlines()) == sorted(real.splitlines())
