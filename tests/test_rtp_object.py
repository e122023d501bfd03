"""The RTP/RTCP object of RTP and RTCP flow records, against real argus.

Argus keeps on an RTP flow the last RTP header of each direction, the packets missing from each
direction's sequence in the record (ra's ``sloss``/``dloss`` and flag ``*``/``s``/``d``), the
out-of-order bits, and silence bits by payload type; on an RTCP flow the first packet's header.
A synthetic capture (gaps, a late packet, silent payloads, a status record, RTCP both ways) and
the corpus's RTP captures go through real ``argus`` and our sensor: the NETWORK DSR bytes of the
RTP/RTCP records and what real ``ra`` prints of them must be equal.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import oracle
from conftest import SHARED_PCAPS, RunCli

pytestmark = oracle.needs_real_argus

FIELDS = ["stime", "proto", "sport", "dport", "spkts", "dpkts", "sloss", "dloss", "flgs", "cause"]
NETWORK_DSR = 0x30
RTP, RTCP = 0x0A, 0x09

A, B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def frame(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def rtp(seq: int, ts: int, ssrc: int, pt: int = 0, mark: int = 0, plen: int = 160) -> bytes:
    return struct.pack("!BBHII", 0x80, pt | mark << 7, seq & 0xFFFF, ts, ssrc) + bytes(plen)


def rtp_capture(path: Path) -> Path:
    base = 1_600_000_000.0
    pkts: list[tuple[float, bytes]] = []
    # A gap of 2, a late packet (takes one back, out of order), a gap of 2; replies with a gap of 3
    # and two silent (13-byte PCMU) payloads.
    for i, s in enumerate([100, 101, 102, 105, 104, 106, 107, 110, 111, 112]):
        pkts.append((base + i * 0.02, frame(A, B, 5004, 5006, rtp(s, 1000 + i * 160, 0x11223344))))
        reply = rtp(7000 + i + (3 if i > 5 else 0), 5000 + i, 0x55667788, plen=13 if i in (2, 3) else 160)
        pkts.append((base + i * 0.02 + 0.01, frame(B, A, 5006, 5004, reply)))
    # 6 s later (a status record first): PCMA with a marker and a gap of 2.
    for i in range(8):
        pkts.append(
            (
                base + 6 + i * 0.02,
                frame(
                    A, B, 5004, 5006, rtp(113 + i + (2 if i > 3 else 0), 9000 + i, 0x11223344, pt=8, mark=int(i == 0))
                ),
            )
        )
    # RTCP: a sender report, a receiver report back, another one forward.
    sr = struct.pack("!BBHI", 0x80, 200, 6, 0xAABBCCDD) + bytes(24)
    rr = struct.pack("!BBHI", 0x81, 201, 7, 0x01020304) + bytes(28)
    pkts += [(base + 0.5, frame(A, B, 5005, 5007, sr)), (base + 0.6, frame(B, A, 5007, 5005, rr))]
    pkts.append((base + 0.7, frame(A, B, 5005, 5007, rr)))
    # G.723 with a 4-byte (silent) payload; G.729 whose sequence wraps through 0.
    pkts += [(base + 1.0, frame(A, B, 6000, 6002, rtp(1, 1, 0x99, pt=4, plen=20)))]
    pkts += [(base + 1.1, frame(A, B, 6000, 6002, rtp(2, 2, 0x99, pt=4, plen=4)))]
    for i, s in enumerate([65534, 65535, 0, 1, 3]):
        pkts.append((base + 1.3 + i * 0.1, frame(B, A, 6002, 6000, rtp(s, 2, 0x77, pt=18, plen=30))))
    pkts.sort(key=lambda p: p[0])
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for t, f in pkts:
        usec = round(t * 1_000_000)
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(f), len(f)) + f)
    path.write_bytes(b"".join(out))
    return path


def rtp_objects(path: Path) -> list[tuple[int, int, bytes]]:
    """(subtype, qualifier, body) of each record's RTP/RTCP NETWORK DSR, in file order."""
    data, out, i = path.read_bytes(), [], 0
    while i + 4 <= len(data):
        words = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if words == 0:
            break
        rec, i = data[i : i + words * 4], i + words * 4
        if rec[0] & 0xF0 == 0x80:  # management record
            continue
        j = 4
        while j + 4 <= len(rec):
            dtype, sub = rec[j], rec[j + 1]
            n = 1 if dtype & 0x80 else (struct.unpack(">H", rec[j + 2 : j + 4])[0] if sub & 0x80 else rec[j + 3])
            if n == 0:
                break
            if dtype == NETWORK_DSR and sub in (RTP, RTCP):
                out.append((sub, rec[j + 2], rec[j + 4 : j + n * 4]))
            j += n * 4
    return out


def both(pcap: Path, tmp_path: Path, run_cli: RunCli) -> tuple[Path, Path]:
    theirs = oracle.real_argus_file(pcap, tmp_path / "theirs.argus", "-A", "-m")
    ours = tmp_path / "ours.argus"
    run = run_cli(["argus", "-X", "-A", "-m", "-r", pcap, "-w", ours])
    assert run.returncode == 0, run.stderr
    return ours, theirs


def test_rtp_object_as_real_argus(tmp_path: Path, run_cli: RunCli) -> None:
    ours, theirs = both(rtp_capture(tmp_path / "rtp.pcap"), tmp_path, run_cli)
    want = rtp_objects(theirs)
    assert {s for s, _, _ in want} == {RTP, RTCP}, "real argus labelled no RTP/RTCP flow"
    assert any(b[28:32] != bytes(4) for s, _, b in want if s == RTP), "no drops in the capture"
    assert rtp_objects(ours) == want
    assert oracle.ra_rows(ours, FIELDS, "-", "not", "man") == oracle.ra_rows(theirs, FIELDS, "-", "not", "man")


@pytest.mark.parametrize("name", ["apps/sip.pcap", "apps/rtp.pcapng"])
def test_corpus_rtp_objects(name: str, tmp_path: Path, run_cli: RunCli) -> None:
    pcap = SHARED_PCAPS / name
    if not pcap.exists():
        pytest.skip(f"{pcap} not present")
    ours, theirs = both(pcap, tmp_path, run_cli)
    want = rtp_objects(theirs)
    assert want, "real argus labelled no RTP/RTCP flow"
    assert rtp_objects(ours) == want
