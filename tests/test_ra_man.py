"""``argus-rs ra -M man`` against real ``ra -M man`` (Argus 3.0.8.2): management records.

Record files are made by real argus (one with several MARs: ``argus -M 1`` on a long
capture) and by our argus; our ``ra`` (run in this process) and the real one must print
the same bytes with the MARs' lines (proto ``man``, state STA/CON/STP, counters in the
flow columns), with and without a ``man`` filter, ``-n`` and ``-s`` lists.
"""

from __future__ import annotations

import gzip
import itertools
import os
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import SHARED_PCAPS
from oracle import real_argus_file
from ra_oracle import MARKS, ours, real

CAPTURES = ["tcp/tcp_ipv4_rst.pcap", "basic/5-pings.pcap", "apps/sip.pcap"]
LONG = "basic/real.pcap"

pytestmark = MARKS


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from argus_rs.cli import main

    out = tmp_path_factory.mktemp("ra-man")
    made: dict[str, Path] = {}
    for capture in CAPTURES:
        pcap = SHARED_PCAPS / capture
        if pcap.exists():
            made["real-" + pcap.stem] = real_argus_file(pcap, out / (pcap.stem + ".argus"))
            ours = out / (pcap.stem + ".ours.argus")
            assert main(["argus", "-r", str(pcap), "-w", str(ours)]) == 0
            made["ours-" + pcap.stem] = ours
    # real argus -w appends: a file with a START MAR (and a STOP MAR) in its middle
    appended = out / "appended.argus"
    for capture in CAPTURES[:2]:
        if (SHARED_PCAPS / capture).exists():
            subprocess.run(["argus", "-X", "-r", str(SHARED_PCAPS / capture), "-w", str(appended)], check=True)
    made["real-appended"] = appended
    compressed = out / "appended.argus.gz"
    compressed.write_bytes(gzip.compress(appended.read_bytes()))
    made["real-appended-gz"] = compressed
    long = SHARED_PCAPS / LONG
    if long.exists():
        made["real-long"] = real_argus_file(long, out / "long.argus", "-M", "1")
        # where argus -M 1 puts its status MARs depends on the wall clock: MARs placed among the
        # first records and far in make -N ranges end before and after one every run
        made["real-long-spliced"] = _splice_status_mar(made["real-long"], out / "spliced.argus", (5, 1000))
    if len(made) < 3:
        pytest.skip("too few corpus captures")
    return made


def _splice_status_mar(path: Path, out: Path, before: tuple[int, ...]) -> Path:
    """A copy of ``path`` with a status MAR (its opening MAR with cause Status) before the records
    numbered ``before``."""
    data = path.read_bytes()
    starts: list[int] = []
    pos = 0
    while pos + 4 <= len(data):
        starts.append(pos)
        pos += struct.unpack_from(">H", data, pos + 2)[0] * 4
    assert data[0] & 0xF0 == 0x80, f"{path}: no opening MAR"
    assert len(starts) > max(before), f"{path}: too few records"
    status = data[:1] + bytes([(data[1] & 0x0F) | 0x20]) + data[2:128]
    cuts = [0, *(starts[k] for k in before), len(data)]
    out.write_bytes(status.join(data[a:b] for a, b in itertools.pairwise(cuts)))
    return out


OPTIONS = [
    [],
    ["-n"],
    ["-s", "stime", "proto", "state", "saddr", "pkts", "bytes"],
    ["-s", "stime", "ltime", "dur", "proto", "state", "saddr", "sport", "daddr", "dport"],
    ["-s", "spkts", "dpkts", "sbytes", "dbytes", "pkts", "bytes", "state"],
    ["-s", "stime", "srcid", "cause", "proto", "state", "seq", "load", "rate"],
    ["-c", ",", "-u", "-p", "3"],
    ["-L", "1", "-p", "0", "-s", "stime", "flgs", "dur", "state"],
    ["-s", "offset", "stime", "state"],
    ["-N", "4"],
    ["-N", "2-4"],
    ["-N", "3+2"],
]
FILTERS = [[], ["-", "man"], ["-", "tcp"], ["-", "not", "man"]]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: " ".join(o) or "default")
@pytest.mark.parametrize("filt", FILTERS, ids=lambda f: " ".join(f) or "nofilter")
def test_same_as_real_ra(
    files: dict[str, Path], capfdbinary: pytest.CaptureFixture[bytes], opts: list[str], filt: list[str]
) -> None:
    for name, path in files.items():
        args = ["-X", "-r", str(path), "-M", "man", *opts, *filt]
        theirs, their_code = real(args)
        mine, my_code = ours(capfdbinary, args)
        assert mine.decode().splitlines() == theirs.decode().splitlines(), f"{name}: ra {' '.join(args)}"
        assert my_code == their_code, f"{name}: ra {' '.join(args)}"


def test_long_file_has_status_mars(files: dict[str, Path], capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    if "real-long" not in files:
        pytest.skip(f"{LONG} not available")
    mine, _ = ours(capfdbinary, ["-r", str(files["real-long"]), "-M", "man", "-s", "proto", "state", "-", "man"])
    states = [line.split()[-1] for line in mine.decode().splitlines()[1:]]
    assert states[0] == "STA"
    assert states[-1] == "STP"
    assert "CON" in states


def test_without_man_no_mars(files: dict[str, Path], capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    path = next(iter(files.values()))
    mine, _ = ours(capfdbinary, ["-X", "-r", str(path)])
    assert b" man " not in mine


@pytest.mark.parametrize("args", [[], ["-M", "noman"], ["-M", "noman", "-M", "man"]], ids=["rarc", "noman", "man"])
def test_rarc_print_man_records(
    files: dict[str, Path],
    capfdbinary: pytest.CaptureFixture[bytes],
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without -X both read /etc/ra.conf (Debian's sets RA_PRINT_MAN_RECORDS=yes); an empty HOME."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("ARGUSPATH", raising=False)
    path = str(files["real-appended"])
    theirs = subprocess.run(
        ["ra", "-r", path, *args], capture_output=True, timeout=60, env={**os.environ, "TZ": "UTC"}
    ).stdout
    mine, _ = ours(capfdbinary, ["-r", path, *args])
    assert mine.decode().splitlines() == theirs.decode().splitlines()
