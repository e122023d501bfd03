"""Live capture options on a veth pair (root only): several interfaces at once, a
kernel input filter with promiscuous mode off, and the Python Sensor's bounded queue.

Every check is against what the test itself sent: datagram counts and their wire
bytes (Ethernet 14 + IPv4 20 + UDP 8 + payload on both veth and Linux loopback).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import oracle
from netns import VethPair, why_not_available

if (_why := why_not_available()) is not None:
    print(f"test_live_options skipped: {_why}", file=sys.stderr)
    pytest.skip(_why, allow_module_level=True)

PAYLOAD = 60
WIRE = 14 + 20 + 8 + PAYLOAD


@pytest.fixture
def net() -> Iterator[VethPair]:
    with VethPair.create() as pair:
        yield pair


def _sensor(net: VethPair, out: Path, *args: str, bpf: str | None = None) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "argus_rs.cli", "argus", "-X", *args, "-w", str(out)]
    argv += [] if bpf is None else [bpf]
    proc = subprocess.Popen(net.exec(net.a, *argv), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not (out.exists() and out.stat().st_size >= 128):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            assert proc.stderr is not None
            pytest.fail(f"sensor did not start: {proc.stderr.read().decode()}")
        time.sleep(0.05)
    time.sleep(0.5)  # the pcap handles are open once the START MAR is out
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert proc.returncode == 0, err
    return err


def _udp(net: VethPair, dst: str, port: int, count: int) -> int:
    """``count`` datagrams from namespace a to ``dst``:port; returns the source port."""
    with net.inside(net.a):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        s.bind(("0.0.0.0", 0))
        for _ in range(count):
            s.sendto(b"x" * PAYLOAD, (dst, port))
            time.sleep(0.005)
        return int(s.getsockname()[1])


def _flows(path: Path) -> dict[tuple[str, str, str, str], tuple[int, int]]:
    """(saddr, sport, daddr, dport) -> (pkts, bytes) of the UDP records, as real ra prints them."""
    rows = oracle.ra_rows(
        path, ["proto", "saddr", "sport", "daddr", "dport", "pkts", "bytes"], "-", "udp", ok_codes=(0, 1)
    )
    assert rows is not None, f"real ra failed on {path}"
    out: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    for r in rows:
        key = (r[1], r[2], r[3], r[4])
        p, b = out.get(key, (0, 0))
        out[key] = (p + int(r[5]), b + int(r[6]))
    return out


def test_two_interfaces_one_sensor(net: VethPair, tmp_path: Path) -> None:
    out = tmp_path / "two.argus"
    proc = _sensor(net, out, "-i", net.a_if, "-i", "lo", "-S", "1")
    try:
        veth_sport = _udp(net, net.b_addr, 4001, 4)
        lo_sport = _udp(net, "127.0.0.1", 4002, 6)
        time.sleep(0.3)
    finally:
        _stop(proc)
    flows = _flows(out)
    assert flows.get((net.a_addr, str(veth_sport), net.b_addr, "4001")) == (4, 4 * WIRE), flows
    assert flows.get(("127.0.0.1", str(lo_sport), "127.0.0.1", "4002")) == (6, 6 * WIRE), flows


def test_kernel_filter_and_no_promiscuous(net: VethPair, tmp_path: Path) -> None:
    out = tmp_path / "filtered.argus"
    proc = _sensor(net, out, "-p", "-s", "128", "-i", net.a_if, bpf="udp and dst port 4003")
    try:
        kept = _udp(net, net.b_addr, 4003, 3)
        _udp(net, net.b_addr, 4004, 3)
        net.ping(2)
        time.sleep(0.3)
    finally:
        _stop(proc)
    assert _flows(out) == {(net.a_addr, str(kept), net.b_addr, "4003"): (3, 3 * WIRE)}
    icmp = oracle.ra_rows(out, ["proto", "saddr", "daddr"], "-", "icmp", ok_codes=(0, 1))
    assert icmp == [], icmp


def test_python_sensor_drops_whole_batches_when_not_read(net: VethPair) -> None:
    import argus_rs

    with net.inside(net.a):
        sensor = argus_rs.Sensor(net.a_if, flow_status_interval=1, batch_rows=1, queue_batches=2)
    try:
        for port in range(5000, 5040):  # 40 flows -> 40 one-row batches into a queue of 2
            _udp(net, net.b_addr, port, 1)
        time.sleep(2.5)  # status records are due; nobody reads
        stats = sensor.stats
        assert stats["dropped_batches"] > 0, stats
        assert stats["dropped_records"] >= stats["dropped_batches"], stats
    finally:
        rest = sensor.close()
    kept = rest.height
    # what Python kept plus what was dropped accounts for every flow sent
    assert kept + sensor.stats["dropped_records"] >= 40, (kept, sensor.stats)
