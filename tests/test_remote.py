"""Remote access (issue 7): our ``argus -P`` / ``radium`` served to the REAL ``ra -S``, our
``ra -S`` against our server and against the REAL ``argus -P`` (live on lo, root only), and the
protocol's failure cases (bad filter, 11th client, unreachable source).  Loopback only."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import SHARED_PCAPS, RunCli

CAPTURE = SHARED_PCAPS / "basic" / "example2.pcap"
FIELDS = ["stime", "flgs", "proto", "saddr", "sport", "dir", "daddr", "dport", "pkts", "bytes", "state"]

pytestmark = pytest.mark.skipif(shutil.which("ra") is None, reason="real Argus clients (ra) not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Wait until the port accepts (a probe that never sends START: is not a client)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
                s.recv(128)
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@contextmanager
def served(cli: Path, *args: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Our ``argus-rs argus -X ARGS -P port`` (ARGS: ``-r capture`` ...) while the block runs."""
    port = free_port()
    proc = subprocess.Popen([str(cli), *args, "-P", str(port)], stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def real_ra_remote(port: int, server: subprocess.Popen[bytes], *args: str) -> list[str]:
    """Real ``ra -S`` until our server has ended (real ra then keeps trying to reconnect: stopped)."""
    ra = subprocess.Popen(
        ["ra", "-X", "-n", "-S", f"127.0.0.1:{port}", *args, "-s", *FIELDS],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        server.wait(30)
        time.sleep(0.5)
    finally:
        ra.terminate()
    out, _ = ra.communicate(timeout=10)
    return out.splitlines()


def real_ra(*args: str, timeout: float = 30) -> list[str]:
    run = subprocess.run(
        ["ra", "-X", "-n", *args, "-s", *FIELDS], capture_output=True, text=True, timeout=timeout, check=False
    )
    return run.stdout.splitlines()


@pytest.fixture(scope="module")
def our_file(cli_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CAPTURE.is_file():
        pytest.skip(f"capture {CAPTURE} not found")
    out = tmp_path_factory.mktemp("remote") / "ours.argus"
    subprocess.run([str(cli_path), "argus", "-X", "-r", str(CAPTURE), "-w", str(out)], check=True)
    return out


def test_real_ra_reads_our_server(cli_path: Path, our_file: Path) -> None:
    expected = real_ra("-r", str(our_file))
    assert len(expected) > 10
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, proc):
        got = real_ra_remote(port, proc)
    assert got == expected
    assert proc.returncode == 0


def test_real_ra_filter_is_applied_by_our_server(cli_path: Path, our_file: Path) -> None:
    expected = real_ra("-r", str(our_file), "-", "udp")
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, proc):
        got = real_ra_remote(port, proc, "-", "udp")
    assert got == expected
    assert all(" udp " in line for line in got[1:])


def test_our_ra_reads_our_server(cli_path: Path, run_cli: RunCli, our_file: Path) -> None:
    expected = real_ra("-r", str(our_file), "-", "tcp")
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, _proc):
        run = run_cli(["ra", "-X", "-n", "-S", f"argus://127.0.0.1:{port}", "-s", *FIELDS, "-", "tcp"])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == expected


def test_bad_filter_is_refused_and_server_serves_on(cli_path: Path, our_file: Path) -> None:
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, proc):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            assert len(s.recv(128, socket.MSG_WAITALL)) == 128
            s.sendall(b"FILTER: man or (this is not a filter")
            assert s.recv(2, socket.MSG_WAITALL) == b"ER"
            assert s.recv(1) == b""  # then closed
        got = real_ra_remote(port, proc)
        err = proc.stderr.read().decode() if proc.stderr else ""
    assert got == real_ra("-r", str(our_file))
    assert "bad filter" in err


def test_eleventh_client_refused(cli_path: Path, our_file: Path) -> None:
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, proc):
        time.sleep(0.3)  # the readiness probe's slot is given back
        ten = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
        try:
            for s in ten:
                assert len(s.recv(128, socket.MSG_WAITALL)) == 128
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                assert s.recv(16, socket.MSG_WAITALL) == bytes([0x83, 0x82, 0x00, 0x01])
        finally:
            for s in ten:
                s.close()
        time.sleep(0.3)
        got = real_ra_remote(port, proc)
    assert got == real_ra("-r", str(our_file))


def test_ra_to_closed_port_is_one_line_error(run_cli: RunCli) -> None:
    port = free_port()
    run = run_cli(["ra", "-S", f"127.0.0.1:{port}"])
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"127.0.0.1:{port}" in lines[0]
    assert "cannot connect" in lines[0]
    assert "Traceback" not in run.stderr


def test_racount_reads_remote(cli_path: Path, run_cli: RunCli, our_file: Path) -> None:
    expected = subprocess.run(["racount", "-X", "-r", str(our_file)], capture_output=True, text=True).stdout
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, _proc):
        run = run_cli(["racount", "-X", "-S", f"127.0.0.1:{port}"])
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected


@pytest.mark.parametrize(
    ("client", "args"),
    [
        ("rasort", ["-m", "bytes", "-n", "-s", *FIELDS]),
        ("racluster", ["-m", "proto", "-n", "-s", "proto", "trans", "pkts", "bytes"]),
        ("racluster", ["-n", "-s", "proto", "saddr", "daddr", "pkts", "bytes", "-", "tcp"]),
    ],
)
def test_clients_read_remote(cli_path: Path, run_cli: RunCli, our_file: Path, client: str, args: list[str]) -> None:
    """rasort/racluster -S print what the real client prints for the file the server reads."""
    expected = subprocess.run([client, "-X", "-r", str(our_file), *args], capture_output=True, text=True).stdout
    assert expected.strip(), f"real {client} printed nothing"
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, _proc):
        run = run_cli([client, "-X", "-S", f"127.0.0.1:{port}", *args])
    assert run.returncode == 0, run.stderr
    if client == "racluster":  # group order is not defined (real: hash order): compared as sets
        assert sorted(run.stdout.splitlines()) == sorted(expected.splitlines())
    else:
        assert run.stdout == expected


def test_radium_relays_file_to_real_ra(cli_path: Path, our_file: Path) -> None:
    with served(cli_path, "radium", "-r", str(our_file)) as (port, proc):
        got = real_ra_remote(port, proc)
    assert got == real_ra("-r", str(our_file))


def test_radium_collects_from_our_server(cli_path: Path, our_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "relayed.argus"
    with served(cli_path, "argus", "-X", "-r", str(CAPTURE)) as (port, _proc):
        subprocess.run(
            [str(cli_path), "radium", "-p", "-S", f"127.0.0.1:{port}", "-w", str(out)], check=True, timeout=30
        )
    assert real_ra("-r", str(out)) == real_ra("-r", str(our_file))


@pytest.mark.skipif(os.geteuid() != 0, reason="real argus -P needs live capture on lo (root)")
@pytest.mark.skipif(shutil.which("argus") is None, reason="real argus not installed")
def test_our_ra_reads_real_argus(cli_path: Path, tmp_path: Path) -> None:
    port = free_port()
    argus = subprocess.Popen(["argus", "-X", "-i", "lo", "-P", str(port), "-S", "1"], stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, argus)
        ra = subprocess.Popen(
            [str(cli_path), "ra", "-n", "-S", f"127.0.0.1:{port}", "-s", "proto", "dport", "-", "udp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        target = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            for _ in range(5):
                u.sendto(b"argus-rs remote test", ("127.0.0.1", target))
                time.sleep(0.05)
        time.sleep(2.5)
    finally:
        argus.send_signal(signal.SIGTERM)
        argus.wait(10)
    out, err = ra.communicate(timeout=15)
    assert f"udp {target}" in " ".join(out.split()), (out, err)


@pytest.mark.skipif(os.geteuid() != 0, reason="real argus -P needs live capture on lo (root)")
@pytest.mark.skipif(shutil.which("argus") is None, reason="real argus not installed")
def test_chain_real_argus_our_radium_real_ra(cli_path: Path) -> None:
    """The verified chain of reference §4.4: argus -P -> radium -S -P -> ra -S, with our radium."""
    upstream, relay = free_port(), free_port()
    argus = subprocess.Popen(["argus", "-X", "-i", "lo", "-P", str(upstream), "-S", "1"], stderr=subprocess.DEVNULL)
    radium = None
    ra = None
    try:
        wait_listening(upstream, argus)
        radium = subprocess.Popen(
            [str(cli_path), "radium", "-S", f"127.0.0.1:{upstream}", "-P", str(relay)], stderr=subprocess.PIPE
        )
        wait_listening(relay, radium)
        ra = subprocess.Popen(
            ["ra", "-X", "-n", "-S", f"127.0.0.1:{relay}", "-s", "proto", "dport", "-", "udp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        time.sleep(1.0)
        target = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            for _ in range(5):
                u.sendto(b"argus-rs radium chain", ("127.0.0.1", target))
                time.sleep(0.05)
        time.sleep(3.0)
    finally:
        for proc in (argus, radium):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT if proc is radium else signal.SIGTERM)
                proc.wait(10)
        if ra is not None:
            time.sleep(0.3)
            ra.terminate()
    assert ra is not None
    out, _ = ra.communicate(timeout=10)
    assert f"udp {target}" in " ".join(out.split()), out
