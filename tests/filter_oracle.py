"""Real argus files and real ra selections, for comparing the filter evaluator with ra 3.0.8.

A record is known by its ra line (sequence number, times, addresses, ports,
packets). The file's bytes are split here (4-byte header, length in 32-bit words
in bytes 2-3, type in the high nibble of byte 0: 0x80 MAR, else a flow record),
and ra's unfiltered output (MAR lines dropped) lists the same records in the
same order, which gives each record its line. A selection is compared as the
multiset of the lines of the selected records.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

#: ra fields that make a line (nearly) unique; `seq` and the times separate records of one flow.
RA_FIELDS = ["seq", "stime", "ltime", "proto", "saddr", "sport", "daddr", "dport", "spkts", "dpkts"]


def split_records(data: bytes) -> list[bytes]:
    """The flow records (FAR bytes) of an Argus file, MARs skipped."""
    out: list[bytes] = []
    at = 0
    while at + 4 <= len(data):
        words = int.from_bytes(data[at + 2 : at + 4], "big")
        n = words * 4
        if n == 0 or at + n > len(data):
            break
        if data[at] & 0xF0 != 0x80:
            out.append(data[at : at + n])
        at += n
    return out


def make_argus_file(pcap: Path, out: Path, args: list[str]) -> bool:
    """Run real argus on `pcap` (argus appends, so `out` is removed first); False when it fails."""
    out.unlink(missing_ok=True)
    try:
        run = subprocess.run(["argus", "-X", *args, "-r", str(pcap), "-w", str(out)], capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False
    return run.returncode == 0 and out.exists()


def ra_lines(path: Path, expr: str | None) -> tuple[int, list[str], str]:
    """(exit status, flow-record lines, stderr) of ``ra -r path - expr``."""
    cmd = ["ra", "-X", "-n", "-u", "-c", "\t", "-r", str(path), "-s", *RA_FIELDS]
    if expr is not None:
        cmd += ["-", expr]
    run = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)
    lines = []
    for line in run.stdout.splitlines()[1:]:
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) > 3 and parts[3] == "man":
            continue
        lines.append("\t".join(parts))
    return run.returncode, lines, run.stderr


@dataclass
class ArgusFile:
    path: Path
    records: list[bytes]
    #: ra's line for each record, by index.
    lines: list[str]

    def ra_select(self, expr: str) -> tuple[Counter[str] | None, str]:
        """The lines real ra prints for `expr` (a multiset); None (and ra's message) if ra rejects it."""
        _, lines, err = ra_lines(self.path, expr)
        if "syntax error" in err or "rejects all records" in err:
            return None, err.strip()
        return Counter(lines), err.strip()

    def lines_of(self, chosen: list[bool | None]) -> Counter[str]:
        """The lines of the records a mask selects."""
        assert len(chosen) == len(self.lines)
        return Counter(line for line, ok in zip(self.lines, chosen, strict=True) if ok)


def load_argus_file(pcap: Path, out: Path, args: list[str]) -> ArgusFile | None:
    """A real argus file of `pcap`, its flow records and ra's line for each; None when argus fails."""
    if not make_argus_file(pcap, out, args):
        return None
    records = split_records(out.read_bytes())
    _, lines, _ = ra_lines(out, None)
    if len(lines) != len(records):
        raise AssertionError(f"{pcap.name}: {len(records)} flow records but ra printed {len(lines)} lines")
    return ArgusFile(out, records, lines)
