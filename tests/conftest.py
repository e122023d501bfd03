"""Shared fixtures: where the repository, the sample capture, the shared corpus and the CLI are."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_PCAP = REPO_ROOT / "samples" / "demo.pcap"
#: The shared capture corpus: ``shared/`` sits beside the repository (CI clones main next to it).
#: ARGUS_RS_PCAPS overrides the location.
SHARED_PCAPS = Path(os.environ.get("ARGUS_RS_PCAPS", REPO_ROOT.parent / "shared" / "pcaps"))

# samples/demo.pcap (zeek's wikipedia.pcap): numbers counted from the file itself
DEMO_PACKETS = 136
DEMO_WIRE_BYTES = 25260


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def demo_pcap() -> Path:
    assert DEMO_PCAP.is_file(), f"missing {DEMO_PCAP}"
    return DEMO_PCAP


@pytest.fixture(scope="session")
def pcaps_dir() -> Path:
    """The shared corpus (shared/pcaps); tests that need it skip when it is not there."""
    if not SHARED_PCAPS.is_dir():
        pytest.skip(f"shared capture corpus not found at {SHARED_PCAPS} (set ARGUS_RS_PCAPS)")
    return SHARED_PCAPS


def _find_cli() -> Path | None:
    name = "argus-rs"
    candidates = [
        Path(sys.executable).parent / name,  # the venv pytest runs in
        REPO_ROOT / ".venv" / "bin" / name,
    ]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="session")
def cli_path() -> Path:
    path = _find_cli()
    if path is None:
        pytest.fail("the argus-rs command is not installed (run `make develop`)")
    return path


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_cli(cli_path: Path) -> RunCli:
    """Run ``argus-rs ARGS...``; returns the CompletedProcess (text mode, never raises on exit code)."""

    def run(args: Sequence[str | os.PathLike[str]], *, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env.pop("ARGUS_RS_DEBUG", None)
        env["COLUMNS"] = "200"
        # the host's /etc/argus.conf (Debian's names an output file) must not steer the tests
        env.setdefault("ARGUS_RS_SYSTEM_CONF", "")
        proc = subprocess.run(
            [str(cli_path), *(os.fspath(a) for a in args)],
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=300,
            check=False,
        )
        return subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    return run


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process in TZ=UTC (as the real clients are run by the tests), restored after."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
