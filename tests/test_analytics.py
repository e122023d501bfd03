"""argus_rs.analytics against the real Argus 3.0.8.2 clients (racluster, rasort, racount) on
record files real argus makes of corpus captures."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.analytics import racluster, racount, racount_report, ramon, rasort
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

PCAPS = SHARED_PCAPS

#: captures whose real argus files the tests read (small, varied: TCP status records, UDP with
#: RTP, ICMP, IPv6, DHCP broadcast, a SYN scan, ARP, multicast)
CAPTURES = [
    "basic/smtp.pcap",
    "apps/sip.pcap",
    "long/modbus.pcap",
    "long/dnp3.pcap",
    "basic/dhcp.pcap",
    "ipv6/ipv6.pcap",
    "scans/synscan.pcap",
    "basic/var-services-std-ports.pcap",
    "basic/igmp-many-groups.pcap",
    "basic/5-pings.pcap",
]

FIELDS = [
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
    "pkts",
    "bytes",
    "state",
    "flgs",
    "mean",
    "min",
    "max",
    "stddev",
]
#: AGR statistics are 32-bit floats accumulated record by record: allow one unit in the 6th place
LOOSE = {"mean", "stddev"}

pytestmark = [needs_real_argus, pytest.mark.skipif(not PCAPS.is_dir(), reason="corpus captures not available")]


@pytest.fixture(scope="module")
def argus_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("analytics")
    files = {}
    for cap in CAPTURES:
        name = Path(cap).stem
        files[name] = real_argus_file(PCAPS / cap, out / f"{name}.argus")
    return files


def _run(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout


def _epoch(col: str) -> pl.Expr:
    us = pl.col(col).dt.epoch("us")
    return (us // 1_000_000).cast(pl.Utf8) + "." + (us % 1_000_000).cast(pl.Utf8).str.zfill(6)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value).strip()


def _our_rows(frame: pl.DataFrame) -> list[tuple[str, ...]]:
    view = frame.select(_epoch("stime").alias("stime"), _epoch("ltime").alias("ltime"), *FIELDS[2:])
    return [tuple(_text(v) for v in row) for row in view.iter_rows()]


def _real_cluster(path: Path, keys: str, *modes: str) -> list[tuple[str, ...]]:
    m = ["-m", *keys.split()] if keys else []
    m += [x for mode in modes for x in ("-M", mode)]
    text = _run("racluster", "-X", "-r", str(path), *m, "-n", "-u", "-p", "6", "-c", "\t", "-s", *FIELDS)
    rows = [tuple(v.strip() for v in line.split("\t")) for line in text.splitlines()[1:] if line]
    return [r for r in rows if r[FIELDS.index("proto")] != "man"]


def _same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    for name, x, y in zip(FIELDS, a, b, strict=True):
        if x == y:
            continue
        if name in LOOSE and abs(float(x) - float(y)) <= 2.5e-6:
            continue
        return False
    return True


def _match(ours: list[tuple[str, ...]], theirs: list[tuple[str, ...]]) -> list[str]:
    """Pair records (order aside: racluster prints in hash order); describe the differences."""
    left = list(theirs)
    problems = []
    for row in ours:
        hit = next((i for i, t in enumerate(left) if _same(row, t)), None)
        if hit is None:
            problems.append(f"only ours: {row}")
        else:
            left.pop(hit)
    problems += [f"only real: {row}" for row in left]
    return problems


CLUSTER_CASES = [
    (cap, keys)
    for keys in ("", "saddr daddr", "proto", "dport", "srcid", "matrix")
    for cap in ("smtp", "sip", "modbus", "dnp3", "dhcp", "ipv6", "synscan", "5-pings")
] + [
    ("smtp", "saddr"),
    ("dnp3", "saddr"),
    ("dhcp", "saddr"),
    ("ipv6", "saddr"),
    ("synscan", "saddr"),
    ("modbus", "saddr/16"),
    ("smtp", "daddr/8"),
    ("sip", "sport"),
]


@pytest.mark.parametrize(("capture", "keys"), CLUSTER_CASES)
def test_racluster_matches_real(argus_files: dict[str, Path], capture: str, keys: str) -> None:
    path = argus_files[capture]
    ours = racluster(argus_rs.scan_argus(path), keys or None).collect()
    theirs = _real_cluster(path, keys)
    assert ours.height == len(theirs)
    assert _match(_our_rows(ours), theirs) == []


RMON_CASES = [(cap, keys) for keys in ("saddr", "saddr daddr") for cap in ("smtp", "sip", "modbus", "dhcp", "ipv6")]
RMON_CASES += [("5-pings", "saddr"), ("synscan", "saddr"), ("dnp3", "saddr")]


@pytest.mark.parametrize(("capture", "keys"), RMON_CASES)
def test_racluster_rmon_matches_real(argus_files: dict[str, Path], capture: str, keys: str) -> None:
    path = argus_files[capture]
    ours = racluster(argus_rs.scan_argus(path), keys, rmon=True).collect()
    theirs = _real_cluster(path, keys, "rmon")
    assert ours.height == len(theirs)
    assert _match(_our_rows(ours), theirs) == []


def test_racluster_is_lazy_and_keeps_columns(argus_files: dict[str, Path]) -> None:
    lf = racluster(argus_rs.scan_argus(argus_files["modbus"]))
    assert isinstance(lf, pl.LazyFrame)
    names = lf.collect_schema().names()
    assert (
        names[: len(argus_rs.read_argus(argus_files["modbus"]).columns)]
        == argus_rs.read_argus(argus_files["modbus"]).columns
    )
    assert names[-6:] == ["trans", "mean", "min", "max", "stddev", "sum"]
    # conservation: merging never loses packets or bytes
    frame = argus_rs.read_argus(argus_files["modbus"])
    merged = lf.collect()
    assert merged["pkts"].sum() == frame["pkts"].sum()
    assert merged["trans"].sum() == frame.height


def test_racluster_none_does_not_merge(argus_files: dict[str, Path]) -> None:
    frame = argus_rs.read_argus(argus_files["modbus"])
    out = racluster(frame, "none").collect()
    assert out.height == frame.height
    assert set(out["trans"].to_list()) == {1}


def test_racluster_unknown_key(argus_files: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="unknown -m key"):
        racluster(argus_rs.scan_argus(argus_files["smtp"]), "bogus")


SORT_ID = ["stime", "saddr", "sport", "daddr", "dport", "seq", "pkts"]


def _real_sort(path: Path, keys: str) -> list[tuple[str, ...]]:
    text = _run(
        "rasort", "-X", "-r", str(path), "-m", *keys.split(), "-n", "-u", "-p", "6", "-c", "\t", "-s", *SORT_ID,
        "-", "not man",
    )  # fmt: skip
    return [tuple(v.strip() for v in line.split("\t")) for line in text.splitlines()[1:] if line]


def _our_sort(path: Path, keys: str) -> list[tuple[str, ...]]:
    frame = rasort(argus_rs.scan_argus(path), keys).collect()
    view = frame.select(
        _epoch("stime"),
        "saddr",
        pl.col("sport").fill_null(""),
        "daddr",
        pl.col("dport").fill_null(""),
        pl.col("seq").cast(pl.Utf8),
        pl.col("pkts").cast(pl.Utf8),
    )
    return [tuple(r) for r in view.iter_rows()]


SORT_KEYS = ["stime", "ltime", "bytes", "pkts", "saddr", "daddr dport", "proto", "sport", "dur", "sttl"]
SORT_KEYS += ["stos", "sbytes dpkts", "dbytes", "spkts", "seq", "proto saddr bytes", "sloss", "trans"]


@pytest.mark.parametrize("keys", SORT_KEYS)
@pytest.mark.parametrize("capture", ["smtp", "sip", "modbus", "synscan", "var-services-std-ports", "ipv6"])
def test_rasort_matches_real(argus_files: dict[str, Path], capture: str, keys: str) -> None:
    if keys in ("sttl", "stos") and capture == "var-services-std-ports":
        pytest.skip("3.0.8 compares records without IP attributes (ARP) equal to all in TTL/TOS sorts")
    path = argus_files[capture]
    assert _our_sort(path, keys) == _real_sort(path, keys)


def test_rasort_unknown_key() -> None:
    with pytest.raises(ValueError, match="unknown sort key"):
        rasort(pl.LazyFrame(), "bogus")


@pytest.mark.parametrize("modes", [[], ["proto"], ["addr"], ["proto", "addr"], ["rmon", "proto", "addr"]])
@pytest.mark.parametrize("capture", CAPTURES)
def test_racount_report_matches_real(argus_files: dict[str, Path], capture: str, modes: list[str]) -> None:
    path = argus_files[Path(capture).stem]
    m = [x for mode in modes for x in ("-M", mode)]
    assert racount_report(argus_rs.scan_argus(path), modes) == _run("racount", "-X", "-r", str(path), *m)


def test_racount_several_files(argus_files: dict[str, Path]) -> None:
    paths = [argus_files["smtp"], argus_files["sip"]]
    real = _run("racount", "-X", "-r", str(paths[0]), "-r", str(paths[1]), "-M", "proto", "-M", "addr")
    assert racount_report(argus_rs.scan_argus(paths), ["proto", "addr"]) == real


def test_racount_totals(argus_files: dict[str, Path]) -> None:
    frame = argus_rs.read_argus(argus_files["smtp"])
    row = racount(frame.lazy()).collect().row(0, named=True)
    assert row["records"] == frame.height + 1  # 3.0.8 reports one more record than it read
    assert row["bytes"] == frame["bytes"].sum()
    assert Counter(racount_report(frame.head(0)).splitlines()[1].split()) == Counter(["sum", "1", *["0"] * 6])


def _real_pipe(path: Path, cluster: list[str], by: str) -> list[tuple[str, ...]]:
    fields = ["saddr", "daddr", "spkts", "dpkts", "sbytes", "dbytes"]
    clustered = subprocess.run(
        ["racluster", "-X", "-r", str(path), *cluster, "-w", "-"], capture_output=True, check=True, timeout=120
    ).stdout
    text = subprocess.run(
        ["rasort", "-X", "-r", "-", "-m", by, "-n", "-c", "\t", "-s", *fields],
        input=clustered,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode()
    rows = [tuple(v.strip() for v in line.split("\t")) for line in text.splitlines()[1:] if line]
    return [r for r in rows if r[2] or r[3]]


@pytest.mark.parametrize("capture", ["smtp", "sip", "modbus", "dnp3"])
@pytest.mark.parametrize(("mode", "cluster"), [("TopN", ["-M", "rmon", "-m", "saddr"]), ("Matrix", ["-m", "matrix"])])
def test_ramon_matches_racluster_rasort(
    argus_files: dict[str, Path], capture: str, mode: str, cluster: list[str]
) -> None:
    path = argus_files[capture]
    ours = ramon(argus_rs.scan_argus(path), mode, by="bytes").collect()
    view = ours.select("saddr", "daddr", *(pl.col(c).cast(pl.Utf8) for c in ("spkts", "dpkts", "sbytes", "dbytes")))
    rows = [tuple(r) for r in view.iter_rows()]
    theirs = _real_pipe(path, cluster, "bytes")
    # racluster's output order decides how rasort orders ties: compare the totals in order, and
    # the rows as sets
    assert [int(r[4]) + int(r[5]) for r in rows] == [int(r[4]) + int(r[5]) for r in theirs]
    assert sorted(rows) == sorted(theirs)


def test_ramon_top_n(argus_files: dict[str, Path]) -> None:
    top = ramon(argus_rs.scan_argus(argus_files["smtp"]), "topn", n=2).collect()
    assert top.height == 2
    assert top["saddr"].to_list() == ["10.10.1.4", "74.53.140.153"]
    with pytest.raises(ValueError, match="unknown mode"):
        ramon(argus_rs.scan_argus(argus_files["smtp"]), "pairs")


RACOUNT_ARGS = [
    ["-M", "proto", "addr"],
    ["-M", "proto", "-", "tcp"],
    ["-M", "addr", "-", "not udp"],
    [],
]


@pytest.mark.parametrize("extra", RACOUNT_ARGS)
@pytest.mark.parametrize("capture", ["smtp", "synscan", "igmp-many-groups"])
def test_racount_command_matches_real(argus_files: dict[str, Path], capture: str, extra: list[str]) -> None:
    path = str(argus_files[capture])
    real = subprocess.run(["racount", "-X", "-r", path, *extra], capture_output=True, text=True, timeout=120)
    ours = subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", "racount", "-X", "-r", path, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ours.stdout, ours.returncode) == (real.stdout, real.returncode)


def test_racount_command_several_files_and_errors(argus_files: dict[str, Path], tmp_path: Path) -> None:
    a, b = str(argus_files["smtp"]), str(argus_files["sip"])
    real = _run("racount", "-X", "-r", a, b, "-M", "proto")
    assert _run(sys.executable, "-m", "argus_rs.cli", "racount", "-X", "-r", a, b, "-M", "proto") == real
    missing = subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", "racount", "-X", "-r", str(tmp_path / "nope.argus"), a],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "nope.argus" in missing.stderr
    assert missing.stdout == _run("racount", "-X", "-r", a)
