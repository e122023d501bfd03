"""Captures whose packet clock runs backwards: records, their order and their ``seq`` as real argus.

Argus's "now" is the current packet's time, backwards too: flows are queued and found due by it,
while the queue sweeps wait for the clock to pass the next sweep time again. After a step back,
a due flow's sweep stops at flows queued at later times, so the flow is requeued without a
record. Synthetic UDP captures (written here) with small and large backward steps go through
real ``argus`` and our sensor; real ``ra`` must print the same records in the same order.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

import oracle
from conftest import RunCli

pytestmark = oracle.needs_real_argus

FIELDS = ["stime", "ltime", "proto", "saddr", "sport", "daddr", "dport", "spkts", "dpkts", "sbytes", "cause", "seq"]

#: (time in seconds, flow number, from the flow's destination)
Packet = tuple[float, int, bool]


def udp_frame(flow: int, reply: bool) -> bytes:
    """An Ethernet/IPv4/UDP frame of flow ``flow`` (10.0.0.1:2000+flow -> 10.0.1.N:53)."""
    src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 1, flow % 250 + 1])
    sport, dport = 2000 + flow, 53
    if reply:
        src, dst, sport, dport = dst, src, dport, sport
    payload = bytes(20)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp


def write_pcap(path: Path, packets: list[Packet]) -> Path:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for t, flow, reply in packets:
        frame = udp_frame(flow, reply)
        usec = round(t * 1_000_000)
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def big_jump_back() -> list[Packet]:
    """Flows at t=1000..1012, then the clock jumps back 900 s and new and old flows trickle
    for 60 s (longer than the 5 s status interval) without reaching 1012 again (as
    apps/ipsec_isakmp_esp.pcap)."""
    base = 1_600_000_000.0
    pkts: list[Packet] = []
    for i in range(6):
        pkts += [(base + 1000 + 2 * i, i, False), (base + 1000.1 + 2 * i, i, True)]
    rng = random.Random(3)
    t = base + 100
    for _ in range(80):
        t += rng.uniform(0.1, 1.5)
        pkts.append((t, rng.randrange(12), rng.random() < 0.5))
    return pkts


def jitter_back() -> list[Packet]:
    """60 s of packets of 10 flows whose times step back up to 0.4 s now and then, with one
    step back of 7 s (longer than the status interval)."""
    base = 1_600_000_000.0
    rng = random.Random(7)
    pkts: list[Packet] = []
    t = base
    for n in range(300):
        t += rng.uniform(0.01, 0.4)
        back = 7.0 if n == 150 else (rng.uniform(0, 0.4) if rng.random() < 0.15 else 0.0)
        pkts.append((t - back, rng.randrange(10), rng.random() < 0.4))
    return pkts


def back_then_past() -> list[Packet]:
    """A jump back of 30 s, then the clock runs on past where it was (sweeps resume)."""
    base = 1_600_000_000.0
    rng = random.Random(11)
    pkts: list[Packet] = []
    for t in range(0, 40, 2):
        pkts.append((base + 100 + t + rng.random(), rng.randrange(5), rng.random() < 0.5))
    for t in range(0, 80, 2):
        pkts.append((base + 110 + t + rng.random(), rng.randrange(8), rng.random() < 0.5))
    return pkts


CASES = {"big_jump_back": big_jump_back, "jitter_back": jitter_back, "back_then_past": back_then_past}


@pytest.mark.parametrize("case", sorted(CASES))
def test_records_in_real_argus_order(case: str, tmp_path: Path, run_cli: RunCli) -> None:
    pcap = write_pcap(tmp_path / f"{case}.pcap", CASES[case]())
    theirs = oracle.real_argus_file(pcap, tmp_path / "theirs.argus")
    ours = tmp_path / "ours.argus"
    run = run_cli(["argus", "-X", "-r", pcap, "-w", ours])
    assert run.returncode == 0, run.stderr
    want = oracle.ra_rows(theirs, FIELDS, "-", "not", "man")
    got = oracle.ra_rows(ours, FIELDS, "-", "not", "man")
    assert want, "real argus wrote no flow records"
    assert got == want
