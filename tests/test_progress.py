"""The clients' progress bar: drawn on standard error only when it is a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

COMMANDS = ["rasort", "racluster", "ramon", "racount"]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("progress") / "sip.argus"
    return str(real_argus_file(SHARED_PCAPS / "apps/sip.pcap", out))


def _env(force: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARGUS_RS_PROGRESS", None)
    if force:
        env["ARGUS_RS_PROGRESS"] = "1"  # draw even for a small input
    env["COLUMNS"] = "120"
    return env


@pytest.mark.parametrize("command", COMMANDS)
def test_no_bar_when_stderr_is_not_a_terminal(records: str, command: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "argus_rs.cli", command, "-X", "-r", records],
        capture_output=True,
        timeout=120,
        env=_env(True),
    )
    assert run.returncode == 0
    assert run.stderr == b""
    assert b"\x1b[" not in run.stdout


def _on_pty(argv: list[str], env: dict[str, str]) -> tuple[bytes, bytes, int]:
    """Run with stderr on a pseudo terminal, stdout on a pipe: (stdout, terminal output, rc)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read() if proc.stdout else b""
    rc = proc.wait(timeout=120)
    os.close(leader)
    return out, seen, rc


@pytest.mark.parametrize("command", COMMANDS)
def test_bar_on_a_terminal(records: str, command: str) -> None:
    argv = [sys.executable, "-m", "argus_rs.cli", command, "-X", "-r", records]
    out, terminal, rc = _on_pty(argv, _env(True))
    assert rc == 0
    assert command.encode() in terminal
    assert b"records" in terminal
    assert b"\x1b[" not in out  # the bar never reaches standard output
    plain = subprocess.run(argv, capture_output=True, timeout=120, env=_env(False))
    assert out == plain.stdout


def test_small_input_draws_nothing_by_default(records: str) -> None:
    _, terminal, rc = _on_pty([sys.executable, "-m", "argus_rs.cli", "rasort", "-X", "-r", records], _env(False))
    assert rc == 0
    assert b"records" not in terminal


def test_progress_off_switch(records: str, tmp_path: Path) -> None:
    env = _env(False)
    env["ARGUS_RS_PROGRESS"] = "0"
    _, terminal, rc = _on_pty([sys.executable, "-m", "argus_rs.cli", "racluster", "-X", "-r", records], env)
    assert rc == 0
    assert terminal == b""
