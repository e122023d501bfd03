"""``argus-rs ra`` against real ``ra`` (Argus 3.0.8.2): the same arguments, the same bytes.

Real argus makes record files from corpus captures; our ``ra`` and the real one
are run with the same arguments (TZ=UTC for both) and their standard output and
exit status are compared byte for byte: default fields, -n/-nn, -u, -p, -c, -z,
-Z, -L, -s lists, -N forms, -t forms, filters, -M xml, -A, rarc files (-F and the
$HOME search order), and -w files read back by real ra.  Our ``ra`` runs in this
process (``argus_rs.cli.main``) to keep the suite quick.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file
from ra_oracle import ours, real, run_ours

CORPUS = SHARED_PCAPS  # ARGUS_RS_PCAPS overrides it
CAPTURES = [
    "apps/ftp.pcap",
    "basic/smtp.pcap",
    "apps/sip.pcap",
    "ipv6/ipv6.pcap",
    "basic/5-pings.pcap",
    "basic/cloudshark-arp.pcap",
    "basic/DnsPackets.pcap",
]

pytestmark = [
    needs_real_argus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus captures not available"),
]


@pytest.fixture(autouse=True)
def _utc(utc: None) -> None:
    """Every test in TZ=UTC, as real ra runs."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ra-files")
    made: dict[str, Path] = {}
    for capture in CAPTURES:
        pcap = CORPUS / capture
        if pcap.exists():
            made[pcap.stem] = real_argus_file(pcap, out / (pcap.stem + ".argus"))
    if len(made) < 4:
        pytest.skip("too few corpus captures")
    return made


def same(capfdbinary: pytest.CaptureFixture[bytes], args: list[str]) -> None:
    theirs, their_code = real(args)
    mine, my_code = ours(capfdbinary, args)
    if mine != theirs:
        a, b = theirs.decode("latin-1").splitlines(), mine.decode("latin-1").splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        shown = (a[first] if first < len(a) else "<end>", b[first] if first < len(b) else "<end>")
        pytest.fail(f"ra {' '.join(args)}: line {first + 1} differs\n real: {shown[0]!r}\n ours: {shown[1]!r}")
    assert my_code == their_code, f"ra {' '.join(args)}: exit {my_code}, real ra {their_code}"


# --- text output, one file at a time ------------------------------------------------------------

PRINT_OPTIONS = [
    [],
    ["-n"],
    ["-nn"],
    ["-u"],
    ["-p", "3"],
    ["-p", "0"],
    ["-c", ","],
    ["-c", "\\t"],
    ["-z"],
    ["-Zb"],
    ["-Z", "s"],
    ["-L", "-1"],
    ["-L", "4"],
    ["-q"],
    ["-A"],
    ["-s", "stime", "ltime", "dur", "saddr", "daddr", "proto", "pkts", "bytes"],
    ["-s", "+dur", "-flgs"],
    ["-s", "+1srcid", "-s", "-state"],
    ["-s", "saddr:10", "sport:3", "stime:20", "spkts", "dpkts", "sbytes", "dbytes"],
    ["-n", "-s", "proto", "sport", "dport", "state", "flgs"],
    ["-u", "-p", "3", "-c", ",", "-s", "stime", "ltime", "saddr", "daddr", "bytes"],
]


@pytest.mark.parametrize("options", PRINT_OPTIONS, ids=lambda o: " ".join(o) or "default")
def test_print_options(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], options: list[str]) -> None:
    for path in files.values():
        same(capfdbinary, ["-X", "-r", str(path), *options])


SELECTIONS = [
    ["-", "tcp"],
    ["-", "udp", "and", "port", "53"],
    ["-", "not", "tcp"],
    ["-", "icmp", "or", "arp"],
    ["tcp"],  # the filter without its -
    ["-N", "3"],
    ["-N", "2-4"],
    ["-N", "2+1"],
    ["-N", "o2-3"],
    ["-N", "3", "-", "udp"],
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=" ".join)
def test_selections(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], selection: list[str]) -> None:
    for path in files.values():
        # the selection first: after -r or -s a bare word would be another file or field
        same(capfdbinary, ["-X", *selection, "-r", str(path), "-s", "stime", "proto", "saddr", "sport", "dport"])


# --- several files: ra's record counting (-N) goes across them -----------------------------------

MULTI = [
    [],
    ["-N", "5"],
    ["-N", "6"],
    ["-N", "8"],
    ["-N", "4-7"],
    ["-N", "6-9"],
    ["-N", "7", "-", "tcp"],
    ["-N", "5-7", "-", "tcp"],
    ["-N", "o3-6"],
    ["-A", "-", "tcp"],
    ["-q", "-", "udp"],
]


@pytest.mark.parametrize("options", MULTI, ids=lambda o: " ".join(o) or "all")
def test_several_files(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], options: list[str]) -> None:
    paths = [str(files[name]) for name in ("ftp", "smtp", "sip") if name in files]
    same(capfdbinary, ["-X", "-r", *paths, "-n", "-s", "stime", "proto", "sport", *options])


# --- time ranges ---------------------------------------------------------------------------------


def _time_ranges(frame: pl.DataFrame) -> list[list[str]]:
    """-t forms around the records of a file (absolute dates, Unix seconds, +/-, prefixes)."""
    first = frame["stime"].min()
    assert first is not None
    start = int(first.timestamp())  # type: ignore[union-attr]
    day = time.strftime("%Y/%m/%d", time.gmtime(start))
    hour = time.strftime("%Y/%m/%d.%H", time.gmtime(start))
    minute = time.strftime("%Y/%m/%d.%H:%M", time.gmtime(start))
    second = time.strftime("%Y/%m/%d.%H:%M:%S", time.gmtime(start + 2))
    later = time.strftime("%Y/%m/%d.%H:%M:%S", time.gmtime(start + 8))
    year = time.strftime("%Y", time.gmtime(start))
    return [
        ["-t", year],
        ["-t", time.strftime("%Y/%m", time.gmtime(start))],
        ["-t", day],
        ["-t", hour],
        ["-t", minute],
        ["-t", second],
        ["-t", f"{second}-{later}"],
        ["-t", second, "-", later],
        ["-t", second, f"-{later}"],
        ["-t", f"c{second}-{later}"],
        ["-t", f"n{second}+1s"],
        ["-t", f"x{second}-{later}"],
        ["-t", f"{start + 1}+5s"],
        ["-t", f"{start}-{start + 3}"],
        ["-t", str(start)],
        ["-t", f"{second}+1m"],
        ["-t", f"{day}.*"],
        ["-t", "-1d"],
        ["-t", "2001"],
    ]


def test_time_ranges(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    from argus_rs.records import read_argus

    for name in ("ftp", "smtp", "sip"):
        if name not in files:
            continue
        path = files[name]
        for form in _time_ranges(read_argus(path)):
            same(capfdbinary, ["-X", "-r", str(path), "-u", "-s", "stime", "ltime", "sport", *form])


def test_bad_time_range(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    path = str(next(iter(files.values())))
    for bad in ("2019/13", "*/*/14.19", "1552590236.5", "tomorrow"):
        _, code = ours(capfdbinary, ["-X", "-r", path, "-t", bad])
        assert code == 2, bad


# --- -M xml ------------------------------------------------------------------------------------


def _xml_records(text: bytes) -> list[str]:
    lines = [x for x in text.decode("latin-1").splitlines() if "ArgusFlowRecord" in x or "/ArgusDataStream" in x]
    # 3.0.8.2 writes the dir attribute broken (Dir"); argus-rs writes Dir = "..."
    return [re.sub(r'Dir = "[^"]*"|Dir"', "Dir", x) for x in lines]


@pytest.mark.parametrize(
    "options",
    [[], ["-p", "3"], ["-u"], ["-c", ","], ["-s", "stime", "ltime", "dur", "sport", "dport", "flgs", "state"]],
    ids=lambda o: " ".join(o) or "default",
)
def test_xml(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], options: list[str]) -> None:
    for name in ("ftp", "smtp", "ipv6"):
        if name in files:
            args = ["-X", "-r", str(files[name]), "-M", "xml", *options]
            theirs, _ = real(args)
            mine, code = ours(capfdbinary, args)
            assert code == 0
            assert mine.startswith(b'<?xml version ="1.0" encoding="UTF-8"?>\n')
            assert _xml_records(mine) == _xml_records(theirs)


def test_json(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    import json

    path = str(files["ftp"])
    mine, code = ours(capfdbinary, ["-X", "-r", path, "-M", "json", "-s", "stime", "saddr", "dport", "bytes"])
    theirs, _ = real(["-X", "-r", path, "-L", "-1", "-c", "|", "-s", "stime", "saddr", "dport", "bytes"])
    assert code == 0
    rows = [json.loads(line) for line in mine.decode().splitlines()]
    assert [list(r.values()) for r in rows] == [x.split("|") for x in theirs.decode().splitlines()]
    assert list(rows[0]) == ["stime", "saddr", "dport", "bytes"]


# --- -w: real ra reads what we write --------------------------------------------------------------


def test_write_read_back(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path) -> None:
    inputs = [str(p) for p in files.values()]
    for expression in (["tcp"], ["udp", "or", "icmp"], []):
        out = tmp_path / f"w{len(expression)}.argus"
        _, code = ours(capfdbinary, ["-X", "-r", *inputs, "-w", str(out), "-", *expression])
        assert code == 0
        assert out.exists()
        back, _ = real(["-X", "-r", str(out), "-n"])
        direct, _ = real(["-X", "-r", *inputs, "-n", "-", *expression])
        assert back == direct


def test_write_with_output_filters(
    capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path
) -> None:
    inputs = [str(p) for p in files.values()]
    a, b = tmp_path / "a.argus", tmp_path / "b.argus"
    _, code = ours(capfdbinary, ["-X", "-r", *inputs, "-w", str(a), "tcp", "-w", str(b), "not tcp"])
    assert code == 0
    assert real(["-X", "-r", str(a)])[0] == real(["-X", "-r", *inputs, "-", "tcp"])[0]
    assert real(["-X", "-r", str(b)])[0] == real(["-X", "-r", *inputs, "-", "not", "tcp"])[0]


def test_write_nothing_matched(
    capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "none.argus"
    _, code = ours(capfdbinary, ["-X", "-r", str(files["ftp"]), "-w", str(out), "-", "udp"])
    assert code == 1
    assert not out.exists()  # as ra: no record, no file


def test_write_stdout_pipes_into_real_ra(files: dict[str, Path]) -> None:
    path = str(files["smtp"])
    ours_run = subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", "ra", "-X", "-r", path, "-w", "-", "-", "tcp"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    back, _ = real(["-X", "-r", "-"], stdin=ours_run.stdout)
    assert back == real(["-X", "-r", path, "-", "tcp"])[0]


# --- inputs: stdin, compressed, globs -------------------------------------------------------------


def test_compressed_and_glob(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path) -> None:
    for name in ("ftp", "smtp"):
        (tmp_path / f"{name}.argus.gz").write_bytes(gzip.compress(files[name].read_bytes()))
    mine, code = ours(capfdbinary, ["-X", "-r", str(tmp_path / "*.argus.gz")])
    assert code == 0
    assert mine == real(["-X", "-r", str(files["ftp"]), str(files["smtp"])])[0]


def test_stdin(files: dict[str, Path]) -> None:
    data = files["sip"].read_bytes()
    for args in (["-X", "-r", "-"], ["-X"]):
        run = subprocess.run(
            [sys.executable, "-m", "argus_rs.cli", "ra", *args, "-n"],
            input=data,
            capture_output=True,
            timeout=120,
            env={**os.environ, "TZ": "UTC"},
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout == real(["-X", "-r", str(files["sip"]), "-n"])[0]


# --- rarc files ----------------------------------------------------------------------------------

RARC_1 = """# a comment
! another
RA_PRINT_LABELS=0
RA_USEC_PRECISION=3
RA_FIELD_SPECIFIER="stime dur proto saddr sport daddr dport pkts"
RA_PRINT_NAMES=proto
RA_FIELD_DELIMITER='|'
"""

RARC_2 = """RA_PRINT_UNIX_TIME=yes
RA_FILTER="tcp"
RA_NUMBER=3
RA_TIMERANGE=2001/01/01-2001/01/02
RA_PRINT_LABELS=-1
"""


@pytest.mark.parametrize(
    "options",
    [["-F", "r1"], ["-F", "r2"], ["-F", "r1", "-F", "r2"], ["-F", "r1", "-s", "+state"], ["-n", "-F", "r1", "-p", "1"]],
    ids=" ".join,
)
def test_rarc(
    capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path, options: list[str]
) -> None:
    (tmp_path / "r1").write_text(RARC_1)
    (tmp_path / "r2").write_text(RARC_2)
    args = [str(tmp_path / o) if o in ("r1", "r2") else o for o in options]
    paths = [str(files[n]) for n in ("ftp", "smtp", "sip") if n in files]
    same(capfdbinary, ["-X", "-r", *paths, *args])
    same(capfdbinary, ["-X", "-r", *paths, *args, "-", "udp"])


def test_rarc_search_order(
    capfdbinary: pytest.CaptureFixture[bytes],
    files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without -X: /etc/ra.conf, then $HOME/.rarc (or the first of $ARGUSPATH), as ra."""
    home, other = tmp_path / "home", tmp_path / "other"
    home.mkdir()
    other.mkdir()
    (home / ".rarc").write_text(RARC_1)
    (other / ".rarc").write_text("RA_PRINT_LABELS=-1\nRA_FIELD_SPECIFIER=proto saddr daddr bytes\n")
    path = str(files["ftp"])
    for env in ({"HOME": str(home)}, {"HOME": str(home), "ARGUSPATH": f"{tmp_path / 'none'}:{other}"}):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        if "ARGUSPATH" not in env:
            monkeypatch.delenv("ARGUSPATH", raising=False)
        theirs, _ = real(["-r", path], env=env)
        # Debian's /etc/ra.conf makes real ra (and ours) print management records
        kept = theirs.decode().splitlines()
        mine, code = ours(capfdbinary, ["-r", path])
        assert code == 0
        assert mine.decode().splitlines() == kept


def test_rarc_errors(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.rarc"
    bad.write_text("RA_PRINT_LABELS=0\nRA_NOT_A_VARIABLE=1\n")
    _, err, code = run_ours(capfdbinary, ["-X", "-F", str(bad), "-r", str(files["ftp"])])
    assert code == 2
    assert f"{bad}: syntax error line 2" in err.decode()
    _, code = ours(capfdbinary, ["-X", "-F", str(tmp_path / "missing.rarc"), "-r", str(files["ftp"])])
    assert code == 2


# --- errors and exit codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-", "tcp", "and"], "unexpected end of expression"),
        (["-s", "stime", "nosuchfield"], "nosuchfield"),
        (["-t", "2019/13"], "time syntax error"),
        (["-S", "127.0.0.1:1"], "cannot connect"),
        (["-M", "nosuchmode"], "unknown mode"),
        (["-N", "x"], "-N"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_errors(
    capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], args: list[str], message: str
) -> None:
    _, raw, code = run_ours(capfdbinary, ["-X", "-r", str(files["ftp"]), *args])
    err = raw.decode()
    assert code == 2
    assert err.startswith("argus-rs ra: ")
    assert message in err.splitlines()[0]


def test_filter_error_has_caret(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    _, raw, code = run_ours(capfdbinary, ["-X", "-r", str(files["ftp"]), "-", "tcp", "and", "prot", "80"])
    assert code == 2
    err = raw.decode().splitlines()
    assert "column 9" in err[0]
    assert err[-1].strip() == "^"
    assert err[-1].index("^") - 4 == 8


def test_missing_file_others_still_read(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    mine, code = ours(capfdbinary, ["-X", "-r", "/nonexistent.argus", str(files["ftp"])])
    assert code == 2
    assert mine == real(["-X", "-r", str(files["ftp"])])[0]


def test_closed_pipe_is_quiet(files: dict[str, Path]) -> None:
    paths = [str(p) for p in files.values()] * 20
    proc = subprocess.Popen(
        [sys.executable, "-m", "argus_rs.cli", "ra", "-X", "-r", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert err == b""


# --- extra formats -------------------------------------------------------------------------------------


def test_formats(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path], tmp_path: Path) -> None:
    inputs = [str(p) for p in files.values()]
    count = len(real(["-X", "-L", "-1", "-r", *inputs, "-", "tcp"])[0].splitlines())
    mine, code = ours(capfdbinary, ["-X", "-r", *inputs, "--format", "csv", "-", "tcp"])
    assert code == 0
    lines = mine.decode().splitlines()
    assert lines[0].startswith("stime,ltime,")
    assert len(lines) == count + 1
    pq = tmp_path / "tcp.parquet"
    _, code = ours(capfdbinary, ["-X", "-r", *inputs, "-w", str(pq), "-", "tcp"])
    assert code == 0
    assert pl.read_parquet(pq).height == count
    mine, _ = ours(capfdbinary, ["-X", "-r", *inputs, "--format", "ndjson", "-", "tcp"])
    assert len(mine.decode().splitlines()) == count


def test_help_lists_options() -> None:
    run = subprocess.run([sys.executable, "-m", "argus_rs.cli", "ra", "--help"], capture_output=True, timeout=120)
    assert run.returncode == 0
    assert b"-r FILE" in run.stdout


@pytest.mark.skipif(shutil.which("ra") is None, reason="real ra not installed")
def test_no_match_exit_code(capfdbinary: pytest.CaptureFixture[bytes], files: dict[str, Path]) -> None:
    same(capfdbinary, ["-X", "-r", str(files["ftp"]), "-", "udp"])
    same(capfdbinary, ["-X", "-r", str(files["ftp"]), "-t", "2001"])


# --- batch boundaries: -N, -L and -N o across batches and files ---------------------------------------


@pytest.mark.parametrize(
    "options",
    [[], ["-N", "25"], ["-N", "10-33"], ["-N", "o15-26"], ["-L", "7"], ["-N", "30", "-", "udp"], ["-A", "-", "tcp"]],
    ids=lambda o: " ".join(o) or "all",
)
def test_small_batches(
    capfdbinary: pytest.CaptureFixture[bytes],
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
) -> None:
    from argus_rs.cli import ra_cmd

    monkeypatch.setattr(ra_cmd, "BATCH_ROWS", 3)
    paths = [str(files[n]) for n in ("DnsPackets", "sip", "smtp") if n in files]
    same(capfdbinary, ["-X", "-r", *paths, "-n", "-s", "stime", "proto", "sport", *options])
