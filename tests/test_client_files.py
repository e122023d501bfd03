"""Record files written by the real clients, and the sensor's STATUS MARs.

* ``read_argus`` reads what real ``ra -w``, ``racluster -w`` and ``rastrip -w`` wrote (the clients'
  encodings: relative-range TIME DSRs, address masks, the aggregation DSR, stripped DSRs) and gives
  the flows real ``ra`` prints for the same files;
* ``argus-rs argus -M N`` writes STATUS MARs as real argus does: one START MAR first, a STATUS MAR
  each N seconds of capture time, one STOP MAR last, each where real argus puts it among the flow
  records; ``ra -M man`` (``-s`` of MAR fields) reads them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import oracle
from argus_rs import read_argus, read_pcap
from conftest import SHARED_PCAPS

#: captures whose flows our sensor writes as real argus does, of several protocols
CAPTURES = ["basic/DnsPackets.pcap", "apps/teamviewer.pcap", "basic/methods.pcap", "encap/Teredo.pcap"]

#: real client commands that rewrite a record file (output path appended after -w)
CLIENTS = {
    "ra": ["ra"],
    "racluster": ["racluster"],
    "racluster-proto": ["racluster", "-m", "proto"],
    "rastrip-mac": ["rastrip", "-M", "-mac"],
    "rastrip-time-metric": ["rastrip", "-M", "-net", "-attr"],
}


def _captures() -> list[Path]:
    return [p for p in (SHARED_PCAPS / c for c in CAPTURES) if p.exists()]


def real_argus(pcap: Path, out: Path) -> Path:
    return oracle.real_argus_file(pcap, out, "-A", "-m")


@oracle.needs_real_argus
@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("pcap", _captures(), ids=lambda p: p.name)
def test_reader_on_client_written_files(pcap: Path, client: str, tmp_path: Path) -> None:
    source = real_argus(pcap, tmp_path / "argus.out")
    rewritten = tmp_path / f"{client}.out"
    subprocess.run([*CLIENTS[client], "-r", str(source), "-w", str(rewritten)], check=True, capture_output=True)
    theirs = oracle.ra_rows(rewritten, oracle.FIELDS)
    assert theirs, f"real ra printed nothing for {client}'s file"
    ours = oracle.our_lines(read_argus(rewritten))
    comparison = oracle.compare(ours, theirs)
    assert comparison.equal, f"{client}: only ours {comparison.only_ours[:3]}, only theirs {comparison.only_theirs[:3]}"


# ---------------------------------------------------------------- MARs (-M)

MAR_FIELDS = ["cause", "srcid", "spkts", "sbytes"]


def mars(path: Path) -> list[tuple[str, ...]]:
    """The MARs of a record file as real ra prints them (``-M man - man``), in file order."""
    rows = oracle.ra_rows(path, MAR_FIELDS, "-M", "man", "-", "man", precision=None)
    assert rows is not None, f"real ra could not read {path}"
    return rows


def mar_records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    out, at = [], 0
    while at + 4 <= len(data):
        n = int.from_bytes(data[at + 2 : at + 4], "big") * 4
        if data[at] & 0xF0 == 0x80:
            out.append(data[at : at + n])
        at += n
    return out


def ours_sensor(pcap: Path, out: Path, *args: str) -> Path:
    out.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", "argus", "-X", *args, "-r", str(pcap), "-w", str(out)],
        check=True,
        capture_output=True,
    )
    return out


@oracle.needs_real_argus
@pytest.mark.parametrize("pcap", _captures()[:2], ids=lambda p: p.name)
def test_mars_of_a_capture_file_like_real_argus(pcap: Path, tmp_path: Path) -> None:
    theirs = oracle.real_argus_file(pcap, tmp_path / "t.argus", "-M", "1")
    ours = ours_sensor(pcap, tmp_path / "o.argus", "-M", "1")
    their_mars, our_mars = mars(theirs), mars(ours)
    # START first, STOP last, STATUS between (real argus reads a small file within about a
    # second of wall-clock time, so it may write one STATUS MAR more than we do)
    for rows in (their_mars, our_mars):
        causes = [r[0] for r in rows]
        assert causes[0] == "Start", causes
        assert causes[-1] == "Stop", causes
        assert set(causes[1:-1]) <= {"Status"}, causes
    assert len(our_mars) <= len(their_mars)
    assert [r[1] for r in our_mars] == [their_mars[0][1]] * len(our_mars)
    # the START MAR is real argus's, byte for byte, but for its two wall-clock times
    (their_start, *_), (our_start, *_) = mar_records(theirs), mar_records(ours)
    assert len(our_start) == len(their_start) == 128
    assert our_start[:24] == their_start[:24]
    assert our_start[40:] == their_start[40:]
    # our MARs count every packet read (real argus's STOP MAR says 0 when it reads a file:
    # docs/compat.md); the flow records hold them all
    flows = oracle.ra_rows(ours, ["pkts"], precision=None)
    assert flows is not None
    assert sum(int(r[2]) for r in our_mars) == sum(int(r[0]) for r in flows) > 0


def trickle(pcap: Path, seconds: float) -> Iterator[bytes]:
    """A classic pcap file piece by piece: the header, then each packet after a pause."""
    data = pcap.read_bytes()
    yield data[:24]
    at, pieces = 24, []
    while at + 16 <= len(data):
        n = int.from_bytes(data[at + 8 : at + 12], "little")
        pieces.append(data[at : at + 16 + n])
        at += 16 + n
    for piece in pieces:
        time.sleep(seconds / len(pieces))
        yield piece


def mars_of_slow_input(command: list[str], pcap: Path, out: Path) -> list[tuple[str, ...]]:
    out.unlink(missing_ok=True)
    proc = subprocess.Popen([*command, "-M", "1", "-r", "-", "-w", str(out)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for piece in trickle(pcap, 3.0):
        proc.stdin.write(piece)
        proc.stdin.flush()
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    return mars(out)


@oracle.needs_real_argus
def test_status_mars_every_interval_on_slow_input(tmp_path: Path) -> None:
    pcap = SHARED_PCAPS / "basic/DnsPackets.pcap"
    if not pcap.exists():
        pytest.skip(f"{pcap} is missing")
    theirs = mars_of_slow_input(["argus", "-X"], pcap, tmp_path / "t.argus")
    assert len([r for r in theirs if r[0] == "Status"]) >= 2, theirs
    ours = mars_of_slow_input([sys.executable, "-m", "argus_rs.cli", "argus", "-X"], pcap, tmp_path / "o.argus")
    assert ours[0][0] == "Start"
    assert ours[-1][0] == "Stop"
    # stdin is read on a thread of its own, so the sensor writes its MARs by the clock
    # while the input trickles (docs/sensor.md)
    assert abs(len(ours) - len(theirs)) <= 2, (ours, theirs)


# ---------------------------------------------------------------- loss columns

#: captures with TCP retransmissions, some in records of closed connections
LOSS_CAPTURES = ["basic/real.pcap", "tcp/wireshark-retrans.pcap", "tcp/reassembly.pcap"]


@oracle.needs_real_argus
@pytest.mark.parametrize(
    "pcap", [p for p in (SHARED_PCAPS / c for c in LOSS_CAPTURES) if p.exists()], ids=lambda p: p.name
)
def test_dataframe_loss_columns_say_what_ra_shows(pcap: Path, tmp_path: Path) -> None:
    """sloss/dloss of read_pcap are ra's: 0 in records whose TCP state is CLOSED (ra shows a
    direction's retransmissions only while the connection is not closed)."""
    key = ["stime", "saddr", "sport", "daddr", "dport"]
    theirs = oracle.ra_rows(real_argus(pcap, tmp_path / "t.argus"), [*key, "proto", "sloss", "dloss"])
    assert theirs
    want = sorted(r for r in theirs if r[5] == "tcp")
    frame = read_pcap(pcap, generate_appbyte_metric=True, generate_mac_data=True).filter(pl.col("proto") == "tcp")
    keys = oracle.our_record_keys(frame)
    got = sorted(
        (*k, "tcp", str(s), str(d))
        for k, s, d in zip(keys, frame["sloss"].to_list(), frame["dloss"].to_list(), strict=True)
    )
    assert got == want
    assert any(r[6] != "0" or r[7] != "0" for r in want), "the capture shows no loss"
