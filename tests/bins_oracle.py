"""Shared by the rabins/rasplit/rastrip/rahisto tests: real argus record files of a few corpus
captures, and running ``argus-rs CLIENT`` and the real client side by side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SHARED_PCAPS
from oracle import real_argus_file

#: small captures with long TCP records (cut at bin edges), SIP over UDP, a BitTorrent mix
CAPTURES = {
    "dnp3": "long/dnp3.pcap",
    "modbus": "long/modbus.pcap",
    "sip": "apps/sip.pcap",
    "cwd": "long/cwd-navigation.pcap",
    "bittorrent": "apps/bittorrent.pcap",
}


def argus_files(out: Path, *argus_args: str) -> dict[str, Path]:
    """name -> the record file real argus writes of that capture."""
    return {
        name: real_argus_file(SHARED_PCAPS / cap, out / f"{name}.argus", *argus_args) for name, cap in CAPTURES.items()
    }


def run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=cwd)


def ours(command: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``argus-rs COMMAND ARGS`` (the real clients are run with -X: no rarc; ours likewise)."""
    return run([sys.executable, "-m", "argus_rs.cli", command, "-X", *args], cwd=cwd)


def real(command: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run([command, "-X", *args], cwd=cwd)


def flow_lines(text: str) -> list[str]:
    """The record lines of a client's text output: no header, no management-record lines."""
    lines = text.splitlines()[1:]
    return sorted(line for line in lines if " man " not in line)
