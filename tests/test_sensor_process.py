"""The sensor as a process: signals, output files moved while it runs, daemon, pid file, -u.

Each test feeds ``argus-rs argus -r -`` from a pipe (tests/sensor_feed.py) so that the sensor
lives while it is signalled, and reads what it wrote with the real ``ra``.
"""

from __future__ import annotations

import os
import pwd
import signal
import time
from pathlib import Path

import pytest

import oracle
from conftest import RunCli
from sensor_feed import FedSensor, filler, udp_capture, udp_packets

pytestmark = oracle.needs_real_argus

FLOWS = 120
#: request/response pairs 2 s apart with a 30 s UDP timeout: records come all along
PACKETS = udp_packets(FLOWS)
#: after PACKETS (same time as the last): flushes read-ahead buffers; its own flow, port 9, not counted
PUSH = filler(200, 1_600_000_000 + 2 * FLOWS)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (daemon pid file in a root-owned run dir, -u)")


def ra_rows(path: Path, *fields: str, man: bool = False) -> list[tuple[str, ...]]:
    rows = oracle.ra_rows(path, list(fields), *(["-M", "man"] if man else []), precision=None)
    assert rows is not None, f"real ra could not read {path}"
    return rows


def mar_states(path: Path) -> list[str]:
    return [state for proto, state in ra_rows(path, "proto", "state", man=True) if proto == "man"]


def flow_ports(*paths: Path) -> list[int]:
    """The client port of every flow record in ``paths`` (one per flow unless duplicated)."""
    ports = []
    for path in paths:
        ports += [int(sport if int(sport) != 5000 else dport) for sport, dport in ra_rows(path, "sport", "dport")]
    ports = [port for port in ports if port != 9]
    return sorted(ports)


def total_packets(*paths: Path) -> int:
    return sum(int(p) for path in paths for p, sport in ra_rows(path, "pkts", "sport") if sport != "9")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_flushes_flows_and_writes_stop_mar(cli_path: Path, tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out.argus"
    sensor = FedSensor(cli_path, ["-X", "-w", out])
    sensor.wait_started(out)
    sensor.feed(PACKETS + PUSH, settle=2.0)
    sensor.signal(sig)
    code, err = sensor.wait()
    assert code == 0, err
    assert err == ""
    # every packet is in a record: the flows still open were written on the signal
    assert total_packets(out) == 2 * FLOWS
    assert flow_ports(out) == list(range(40000, 40000 + FLOWS))
    causes = [cause for cause, sport in ra_rows(out, "cause", "sport") if int(sport) >= 40000 + FLOWS - 10]
    assert "Shutdown" in causes
    assert mar_states(out) == ["STA", "STP"]


def test_same_records_as_reading_the_file(run_cli: RunCli, cli_path: Path, tmp_path: Path) -> None:
    """Signalled after all packets, the records are those of an uninterrupted run (but the cause)."""
    whole = tmp_path / "whole.argus"
    proc = run_cli(["argus", "-X", "-r", udp_capture(tmp_path / "u.pcap", FLOWS), "-w", whole])
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out.argus"
    sensor = FedSensor(cli_path, ["-X", "-w", out])
    sensor.wait_started(out)
    sensor.feed(PACKETS + PUSH, settle=2.0)
    sensor.signal(signal.SIGTERM)
    assert sensor.wait()[0] == 0
    fields = ("stime", "ltime", "saddr", "sport", "daddr", "dport", "spkts", "dpkts", "sbytes", "dbytes")
    assert sorted(r for r in ra_rows(out, *fields) if r[3] != "9") == sorted(ra_rows(whole, *fields))


def test_renamed_output_is_recreated_with_start_mar(cli_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "argus.out"
    moved = tmp_path / "argus.out.1"
    sensor = FedSensor(cli_path, ["-X", "-w", out])
    sensor.wait_started(out)
    half = len(PACKETS) // 2
    sensor.feed(PACKETS[:half] + filler(100, 1_600_000_000 + FLOWS))
    assert out.exists()
    out.rename(moved)
    # the sensor checks its path about once a second
    assert _wait_for(out.exists), "the output file was not created again"
    sensor.feed(PACKETS[half:], settle=0.2)
    code, err = sensor.close()
    assert code == 0, err
    # the old file: complete (its records readable), begun with START; the new one begins with START
    assert mar_states(moved)[0] == "STA"
    assert mar_states(out) == ["STA", "STP"]
    assert ra_rows(moved, "sport"), "no record reached the first file"
    # no flow lost or written twice across the two files
    assert flow_ports(moved, out) == list(range(40000, 40000 + FLOWS))
    assert total_packets(moved, out) == 2 * FLOWS


def test_removed_output_is_recreated(cli_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "argus.out"
    sensor = FedSensor(cli_path, ["-X", "-w", out])
    sensor.wait_started(out)
    sensor.feed(PACKETS[:20])
    out.unlink()
    assert _wait_for(out.exists), "the output file was not created again"
    sensor.feed(PACKETS[20:], settle=0.2)
    assert sensor.close()[0] == 0
    assert mar_states(out) == ["STA", "STP"]
    assert ra_rows(out, "sport")


def test_sighup_reopens_outputs(cli_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "argus.out"
    moved = tmp_path / "argus.out.1"
    sensor = FedSensor(cli_path, ["-X", "-w", out])
    sensor.wait_started(out)
    half = len(PACKETS) // 2
    sensor.feed(PACKETS[:half] + filler(100, 1_600_000_000 + FLOWS))
    # SIGHUP without a move: the same file, a new START MAR in it
    sensor.signal(signal.SIGHUP)
    time.sleep(0.5)
    # logrotate: move, then SIGHUP; the sensor does not wait for its once-a-second check
    out.rename(moved)
    sensor.signal(signal.SIGHUP)
    time.sleep(0.5)
    assert out.exists()
    sensor.feed(PACKETS[half:], settle=0.2)
    code, err = sensor.close()
    assert code == 0, err
    assert mar_states(moved) == ["STA", "STA"]
    assert mar_states(out) == ["STA", "STP"]
    assert flow_ports(moved, out) == list(range(40000, 40000 + FLOWS))


def _wait_for(predicate: object, timeout: float = 10.0) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@needs_root
def test_daemon_detaches_and_writes_pid_file(cli_path: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    conf = tmp_path / "argus.conf"
    conf.write_text(f"ARGUS_DAEMON=yes\nARGUS_SET_PID=yes\nARGUS_PID_PATH={run_dir}\n")
    out = tmp_path / "argus.out"
    sensor = FedSensor(cli_path, ["-F", conf, "-w", out.name], cwd=tmp_path)
    # the started process exits 0 once the daemon is up; the daemon keeps reading the pipe
    started = time.monotonic()
    assert sensor.proc.wait(timeout=20) == 0
    assert time.monotonic() - started < 10
    pid_file = run_dir / "argus.stdin.0.pid"
    assert pid_file.exists()
    pid = int(pid_file.read_text())
    assert pid_file.read_text() == f"{pid}\n"
    assert pid != sensor.pid
    os.kill(pid, 0)  # alive
    # detached: its own session, no terminal, stdout and stderr on /dev/null
    assert os.getsid(pid) != os.getsid(0)
    assert os.readlink(f"/proc/{pid}/fd/1") == "/dev/null"
    assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
    # a relative -w is where it was asked for, though the daemon runs in /
    sensor.feed(PACKETS, settle=0.2)
    sensor.stdin.close()
    assert _wait_for(lambda: not pid_file.exists()), "pid file not removed at exit"
    assert _wait_for(lambda: not Path(f"/proc/{pid}").exists())
    assert total_packets(out) == 2 * FLOWS
    assert mar_states(out) == ["STA", "STP"]


@needs_root
def test_second_daemon_takes_the_next_pid_file(cli_path: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "argus.stdin.0.pid").write_text(f"{os.getpid()}\n")  # a live process
    (run_dir / "argus.stdin.1.pid").write_text("999999999\n")  # stale
    conf = tmp_path / "argus.conf"
    conf.write_text(f"ARGUS_SET_PID=yes\nARGUS_PID_PATH={run_dir}\n")
    sensor = FedSensor(cli_path, ["-F", conf, "-d", "-w", tmp_path / "o.argus"], cwd=tmp_path)
    assert sensor.proc.wait(timeout=20) == 0
    second = run_dir / "argus.stdin.1.pid"
    assert _wait_for(second.exists)
    assert second.read_text() != "999999999\n"
    sensor.stdin.close()
    assert _wait_for(lambda: not second.exists())


@needs_root
def test_daemon_error_before_detaching_is_reported(cli_path: Path, tmp_path: Path) -> None:
    sensor = FedSensor(cli_path, ["-X", "-d", "-w", tmp_path / "no" / "such" / "dir.argus"])
    code, err = sensor.close()
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "dir.argus" in lines[0]


@needs_root
def test_user_drops_privileges_after_opening(cli_path: Path, tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp_path, 0o700)  # nobody could not create the output: it is opened as root first
    out = tmp_path / "out.argus"
    sensor = FedSensor(cli_path, ["-X", "-u", "nobody", "-w", out])
    sensor.wait_started(out)
    sensor.feed(PACKETS[:10], settle=1.5)
    status = Path(f"/proc/{sensor.pid}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    gids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Gid:"))
    assert uids == [str(nobody.pw_uid)] * 4
    assert gids == [str(nobody.pw_gid)] * 4
    sensor.feed(PACKETS[10:], settle=0.5)
    code, err = sensor.close()
    assert code == 0, err
    assert total_packets(out) == 2 * FLOWS


def test_unknown_user_is_an_error_before_running(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.argus"
    proc = run_cli(["argus", "-X", "-u", "no-such-user-here", "-r", demo_pcap, "-w", out])
    assert proc.returncode == 2
    assert proc.stderr.strip() == "argus-rs argus: -u no-such-user-here: no such user"
    assert not out.exists()
