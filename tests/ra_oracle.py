"""Running real ``ra`` and ours on the same arguments, for the ra test files.

Both run with TZ=UTC: real ra as a child, ours in the test process (so its output is
captured with pytest's ``capfdbinary``; conftest's ``utc`` fixture sets the zone).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

#: for a test module that compares with real ra on files made from corpus captures, in TZ=UTC
MARKS = [
    needs_real_argus,
    pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available"),
    pytest.mark.usefixtures("utc"),
]


def real_argus_files(out: Path, captures: Sequence[str], minimum: int) -> list[str]:
    """Record files real argus makes in ``out`` from those corpus ``captures`` that exist
    (the test skips when fewer than ``minimum`` do)."""
    made = [
        str(real_argus_file(SHARED_PCAPS / c, out / (Path(c).stem + ".argus")))
        for c in captures
        if (SHARED_PCAPS / c).exists()
    ]
    if len(made) < minimum:
        pytest.skip("too few corpus captures")
    return made


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
