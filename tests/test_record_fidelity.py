"""Our Argus record files against real argus's, capture by capture, as real ``ra`` prints them.

For every capture in ``shared/pcaps`` that real argus processes, ``argus -X -A -m -r CAP -w theirs``
and our sensor with the same options write a record file each; real ``ra -X -n -u`` prints both
with a wide field list (issue 3: times, flags, addresses, counts, application bytes, state, TTL,
TOS, windows, TCP round trip, loss, MACs, VLANs, cause, sequence).  The two multisets of lines
must be equal.

Known deviations live in ``docs/compat-records.txt`` (same format as compat-captures.txt; listed
captures are strict xfails, ``# min-equal:`` is the least share that must be equal).

One deliberate deviation of docs/compat.md is masked on both sides before comparing, so that it
does not hide the other columns of the captures it touches: IPv6 ``stos``/``dtos`` (argus 3.0.8.2
reads them from flow-label bits, argus-rs writes the traffic class; the traffic class itself is
checked by the engine's tests).
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

import oracle
from argus_rs import _core
from argus_rs.options import to_core_options
from conftest import REPO_ROOT, SHARED_PCAPS
from test_fidelity import ORACLE_JOBS, capture_params, corpus_captures, load_known_deviations, parse_min_equal

WIDE = [
    "stime",
    "ltime",
    "flgs",
    "proto",
    "saddr",
    "sport",
    "dir",
    "daddr",
    "dport",
    "spkts",
    "dpkts",
    "sbytes",
    "dbytes",
    "sappbytes",
    "dappbytes",
    "state",
    "sttl",
    "dttl",
    "stos",
    "dtos",
    "swin",
    "dwin",
    "synack",
    "ackdat",
    "sloss",
    "dloss",
    "smac",
    "dmac",
    "svid",
    "dvid",
    "cause",
    "seq",
]
SENSOR_ARGS = ["-A", "-m"]
COMPAT_FILE = Path(os.environ.get("ARGUS_RS_COMPAT_RECORDS", REPO_ROOT / "docs" / "compat-records.txt"))
KNOWN = load_known_deviations(COMPAT_FILE)

Lines = list[tuple[str, ...]]

#: columns of a deliberate deviation (docs/compat.md), masked on IPv6 records
IPV6_TOS = (WIDE.index("stos"), WIDE.index("dtos"))


def mask_deviations(lines: Lines) -> Lines:
    """The lines with the IPv6 records' stos/dtos replaced by ``*`` (see the module docstring)."""
    out: Lines = []
    for line in lines:
        if ":" in line[WIDE.index("saddr")] or ":" in line[WIDE.index("daddr")]:
            cols = list(line)
            for i in IPV6_TOS:
                cols[i] = "*"
            line = tuple(cols)
        out.append(line)
    return out


def both(pcap: Path, workdir: Path) -> tuple[Lines, Lines] | None:
    """(ours, theirs) as real ra prints them; None when real argus cannot process the capture."""
    theirs = workdir / "theirs.argus"
    try:
        real = subprocess.run(
            ["argus", "-X", *SENSOR_ARGS, "-r", str(pcap), "-w", str(theirs)], capture_output=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return None
    if real.returncode != 0 or not theirs.exists():
        return None
    ours = workdir / "ours.argus"
    _core.run_sensor(
        [str(pcap)], [(str(ours), None)], to_core_options(generate_appbyte_metric=True, generate_mac_data=True)
    )
    their_lines, our_lines = oracle.ra_rows(theirs, WIDE), oracle.ra_rows(ours, WIDE)
    if their_lines is None:
        return None
    assert our_lines is not None, f"real ra could not read our file for {pcap}"
    return mask_deviations(our_lines), mask_deviations(their_lines)


class RecordOracle:
    def __init__(self, root: Path, workroot: Path) -> None:
        self.root = root
        self.workroot = workroot
        self.pool = ThreadPoolExecutor(max_workers=ORACLE_JOBS, thread_name_prefix="records")
        self.futures: dict[str, Future[tuple[Lines, Lines] | None]] = {}

    def get(self, rel: str) -> Future[tuple[Lines, Lines] | None]:
        if rel not in self.futures:
            workdir = self.workroot / f"{len(self.futures):04d}"
            workdir.mkdir()
            self.futures[rel] = self.pool.submit(both, self.root / rel, workdir)
        return self.futures[rel]


@pytest.fixture(scope="module")
def record_oracle(pcaps_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordOracle]:
    if not oracle.have_argus():
        pytest.skip("real argus 3.0.8 (argus, ra) is not installed")
    runner = RecordOracle(pcaps_dir, tmp_path_factory.mktemp("records"))
    for rel in corpus_captures(pcaps_dir):
        runner.get(rel)
    yield runner
    runner.pool.shutdown(wait=True, cancel_futures=True)


def differing_fields(ours: Lines, theirs: Lines) -> list[str]:
    only_theirs = sorted((Counter(theirs) - Counter(ours)).elements())
    only_ours = sorted((Counter(ours) - Counter(theirs)).elements())
    fields = {
        f for a, b in zip(only_theirs, only_ours, strict=False) for f, x, y in zip(WIDE, a, b, strict=True) if x != y
    }
    if len(only_theirs) != len(only_ours):
        fields.add("(record count)")
    return sorted(fields)


@pytest.mark.parametrize("rel", capture_params(corpus_captures(SHARED_PCAPS), KNOWN))
def test_ra_prints_our_records_as_real_argus_records(rel: str | None, record_oracle: RecordOracle) -> None:
    if rel is None:
        pytest.skip(f"no capture files in {SHARED_PCAPS}")
    result = record_oracle.get(rel).result()
    if result is None:
        pytest.skip("real argus 3.0.8 cannot process this capture")
    ours, theirs = result
    if Counter(ours) != Counter(theirs):
        sample_theirs = sorted((Counter(theirs) - Counter(ours)).elements())[:3]
        sample_ours = sorted((Counter(ours) - Counter(theirs)).elements())[:3]
        pytest.fail(
            f"{rel}: ra prints our records differently in {', '.join(differing_fields(ours, theirs))}\n"
            f"  fields: {','.join(WIDE)}\n"
            f"  theirs: {[','.join(x) for x in sample_theirs]}\n  ours:   {[','.join(x) for x in sample_ours]}"
        )


def test_equal_share_does_not_regress(record_oracle: RecordOracle, pcaps_dir: Path) -> None:
    if KNOWN.min_equal is None:
        pytest.skip(f"no '# min-equal:' line in {COMPAT_FILE}")
    results = [record_oracle.get(rel).result() for rel in corpus_captures(pcaps_dir)]
    processed = [r for r in results if r is not None]
    equal = sum(1 for ours, theirs in processed if Counter(ours) == Counter(theirs))
    assert processed
    share = equal / len(processed)
    assert share >= parse_min_equal(KNOWN.min_equal), f"{equal} of {len(processed)} captures equal ({share:.2%})"
