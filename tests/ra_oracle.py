"""Running real ``ra`` and ours on the same arguments, for the ra test files.

Both run with TZ=UTC: real ra as a child, ours in the test process (so its output is
captured with pytest's ``capfdbinary``; conftest's ``utc`` fixture sets the zone).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def real(args: list[str], *, env: dict[str, str] | None = None, stdin: bytes | None = None) -> tuple[bytes, int]:
    """Real ``ra ARGS``: standard output, exit status."""
    run = subprocess.run(
        ["ra", *args],
        capture_output=True,
        timeout=120,
        input=stdin,
        env={**os.environ, "TZ": "UTC", **(env or {})},
    )
    return run.stdout, run.returncode


def run_ours(capfdbinary: pytest.CaptureFixture[bytes], args: list[str]) -> tuple[bytes, bytes, int]:
    """Our ``ra ARGS`` in this process: standard output, standard error, exit status."""
    from argus_rs.cli import main

    capfdbinary.readouterr()
    code = main(["ra", *args])
    sys.stdout.flush()
    out, err = capfdbinary.readouterr()
    return out, err, code


def ours(capfdbinary: pytest.CaptureFixture[bytes], args: list[str]) -> tuple[bytes, int]:
    """Our ``ra ARGS``: standard output, exit status."""
    out, _, code = run_ours(capfdbinary, args)
    return out, code
