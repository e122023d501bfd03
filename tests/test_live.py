"""Live capture against real argus, on a veth pair between two network namespaces (root only).

One session (module fixture) runs three sensors at once on the same veth end: real
``argus -i``, ``argus-rs argus -i`` (subprocess, stopped with SIGINT) and
``argus_rs.Sensor`` (in process, ``close()``); it sends TCP (3000 bytes one way, 5000 the
other), UDP (5 datagrams of 100 bytes) and ICMP echo (3 requests) between the namespaces
with Python sockets, then stays quiet for a few seconds with ``-S 1 -M 1`` so that status
records and STATUS MARs must come from the wall clock.  The tests compare what each sensor
recorded, flow by flow, with real argus (ra reads both files) and with what was sent.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

import oracle
from netns import VethPair, why_not_available

if (_why := why_not_available()) is not None:
    print(f"test_live skipped: {_why}", file=sys.stderr)
    pytest.skip(_why, allow_module_level=True)

TCP_UP, TCP_DOWN = 3000, 5000
UDP_COUNT, UDP_SIZE = 5, 100
PINGS = 3
#: seconds of silence after the traffic: status records and MARs must still come
QUIET = 3.0

KEY = ["proto", "saddr", "sport", "daddr", "dport"]


@dataclass
class Session:
    net: VethPair
    ours: Path
    theirs: Path
    ours_stderr: str
    frame: pl.DataFrame
    stats: dict[str, int]
    ports: dict[str, int] = field(default_factory=dict)


def _wait_started(path: Path, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size >= 128:
            return
        if proc.poll() is not None:
            raise AssertionError(f"{what} ended early: {proc.returncode}")
        time.sleep(0.05)
    raise AssertionError(f"{what} wrote no START MAR within 10 s")


def _send_traffic(net: VethPair) -> dict[str, int]:
    with net.inside(net.b):
        server = socket.create_server((net.b_addr, 0))
        udp_in = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp_in.bind((net.b_addr, 0))
    tcp_port, udp_port = server.getsockname()[1], udp_in.getsockname()[1]
    with net.inside(net.a):
        client = socket.create_connection((net.b_addr, tcp_port), timeout=5)
        udp_out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    conn, _ = server.accept()
    conn.settimeout(5)
    client.sendall(b"u" * TCP_UP)
    got = 0
    while got < TCP_UP:
        got += len(conn.recv(65536))
    conn.sendall(b"d" * TCP_DOWN)
    got = 0
    while got < TCP_DOWN:
        got += len(client.recv(65536))
    client.close()
    conn.recv(1)  # the client's FIN
    conn.close()
    server.close()
    for _ in range(UDP_COUNT):
        udp_out.sendto(b"x" * UDP_SIZE, (net.b_addr, udp_port))
        udp_in.recv(2048)
    udp_out.close()
    udp_in.close()
    net.ping(PINGS)
    return {"tcp": tcp_port, "udp": udp_port}


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    import argus_rs

    if not oracle.have_argus():
        pytest.skip("real argus is not installed")
    tmp = tmp_path_factory.mktemp("live")
    ours, theirs = tmp / "ours.argus", tmp / "theirs.argus"
    with VethPair.create() as net:
        args = ["-X", "-i", net.b_if, "-S", "1", "-M", "1"]
        real = subprocess.Popen(net.exec(net.b, "argus", *args, "-w", str(theirs)), stderr=subprocess.DEVNULL)
        our = subprocess.Popen(
            net.exec(net.b, sys.executable, "-m", "argus_rs.cli", "argus", *args, "-w", str(ours)),
            stderr=subprocess.PIPE,
        )
        try:
            with net.inside(net.b):
                sensor = argus_rs.Sensor(net.b_if, flow_status_interval=1, batch_rows=64)
            try:
                _wait_started(theirs, real, "real argus")
                _wait_started(ours, our, "argus-rs argus")
                time.sleep(0.5)  # libpcap handles are open once the START MAR is out
                ports = _send_traffic(net)
                frames = []
                deadline = time.monotonic() + QUIET
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        frame = sensor.next_frame(timeout=left)
                    except TimeoutError:
                        break
                    if frame is not None:
                        frames.append(frame)
            finally:
                frames.append(sensor.close())
            stats = sensor.stats
        finally:
            _stop(real, signal.SIGTERM)
            _stop(our, signal.SIGINT)
        assert our.stderr is not None
        err = our.stderr.read().decode()
        assert our.returncode == 0, err
        yield Session(net, ours, theirs, err, pl.concat(frames), stats, ports)


def _between(rows: list[tuple[str, ...]], net: VethPair) -> list[tuple[str, ...]]:
    ends = {net.a_addr, net.b_addr}
    return [r for r in rows if r[1] in ends and r[3] in ends]


def _per_flow(rows: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, int]]:
    """pkts and bytes summed over each flow's records (status records split a flow differently
    in each sensor: their sum is what must agree)."""
    total: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        total[r[:5]][0] += int(r[5])
        total[r[:5]][1] += int(r[6])
    return {k: (v[0], v[1]) for k, v in total.items()}


def _ra(path: Path, net: VethPair) -> dict[tuple[str, ...], tuple[int, int]]:
    rows = oracle.ra_rows(path, [*KEY, "pkts", "bytes"], precision=None)
    assert rows is not None, f"real ra cannot read {path}"
    return _per_flow(_between(rows, net))


def test_cli_records_match_real_argus(session: Session) -> None:
    theirs, ours = _ra(session.theirs, session.net), _ra(session.ours, session.net)
    assert {k[0] for k in theirs} == {"tcp", "udp", "icmp"}, theirs
    assert ours == theirs


def test_counts_are_what_was_sent(session: Session) -> None:
    flows = _ra(session.ours, session.net)
    by_proto: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, counts in flows.items():
        by_proto[key[0]].append(counts)
    # UDP: one flow, every datagram with its Ethernet, IP and UDP headers
    assert by_proto["udp"] == [(UDP_COUNT, UDP_COUNT * (14 + 20 + 8 + UDP_SIZE))]
    # ICMP echo: every request and its reply
    icmp = [sum(c[0] for c in by_proto["icmp"]), sum(c[1] for c in by_proto["icmp"])]
    assert icmp == [2 * PINGS, 2 * PINGS * (14 + 20 + 8 + 56)]
    # TCP: one connection carrying both payloads (plus headers)
    ((pkts, octets),) = by_proto["tcp"]
    assert octets > TCP_UP + TCP_DOWN + pkts * (14 + 20 + 20)


def test_python_sensor_matches_real_argus(session: Session) -> None:
    frame = session.frame.filter(
        pl.col("saddr").is_in([session.net.a_addr, session.net.b_addr])
        & pl.col("daddr").is_in([session.net.a_addr, session.net.b_addr])
    )
    theirs = _ra(session.theirs, session.net)
    ours: Counter[str] = Counter()
    for proto, pkts, octets in frame.select("proto", "pkts", "bytes").iter_rows():
        ours[f"{proto} pkts"] += pkts
        ours[f"{proto} bytes"] += octets
    want: Counter[str] = Counter()
    for key, (pkts, octets) in theirs.items():
        want[f"{key[0]} pkts"] += pkts
        want[f"{key[0]} bytes"] += octets
    assert ours == want
    # close() flushed what was still open as SHUTDOWN records; nothing was dropped
    assert session.stats["dropped_batches"] == 0
    assert session.stats["packets"] >= sum(v for k, v in want.items() if k.endswith("pkts"))


def _causes(path: Path, net: VethPair) -> dict[str, list[str]]:
    """Each protocol's record causes (ra's cause field does not tell Status from Shutdown)."""
    import argus_rs

    frame = argus_rs.read_argus(path)
    out: dict[str, list[str]] = defaultdict(list)
    for proto, saddr, daddr, cause in frame.select("proto", "saddr", "daddr", "cause").iter_rows():
        if {saddr, daddr} == {net.a_addr, net.b_addr}:
            out[proto].append(cause)
    return out


def test_status_records_come_while_the_link_is_quiet(session: Session) -> None:
    """-S 1: the UDP flow's record comes from the wall clock, before the shutdown flush (which
    would say Shutdown): one record whose cause is argus's first-report cause, Start."""
    ours, theirs = _causes(session.ours, session.net), _causes(session.theirs, session.net)
    assert theirs["udp"] == ["Start"], theirs
    assert ours["udp"] == theirs["udp"], ours
    assert ours["icmp"] == theirs["icmp"], ours


def test_status_mars_while_the_link_is_quiet(session: Session) -> None:
    for path in (session.ours, session.theirs):
        mars = oracle.ra_rows(path, ["cause"], "-M", "man", "-", "man", precision=None)
        assert mars is not None
        causes = [m[0] for m in mars]
        assert causes[0] == "Start", causes
        assert causes[-1] == "Stop", causes
        assert causes.count("Status") >= QUIET - 1, (path.name, causes)


def test_drop_counters_logged_per_mar(session: Session) -> None:
    lines = [line for line in session.ours_stderr.splitlines() if "packets received" in line]
    assert len(lines) >= 2, session.ours_stderr
    assert session.net.b_if in lines[-1]
    assert "0 dropped by the kernel" in lines[-1]


def test_bad_interface_is_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", "argus", "-X", "-i", "nosuchif0", "-w", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ},
    )
    assert run.returncode != 0
    assert "nosuchif0" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
