"""argus-rs rastrip against real rastrip 3.0.8.2: real ra prints the same of both outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from argus_rs.analytics.strip import DEFAULT_KEEP, dsr_mask
from bins_oracle import ours, real
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

pytestmark = [needs_real_argus, pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")]

#: fields that show whether each DSR survived: transport (srcid, seq), flow, time, metric,
#: ipattr (ttl, tos), user data, MAC, jitter, packet sizes, encapsulation
FIELDS = [
    "srcid",
    "seq",
    "stime",
    "ltime",
    "proto",
    "saddr",
    "sport",
    "daddr",
    "dport",
    "spkts",
    "dpkts",
    "sbytes",
    "dbytes",
    "sttl",
    "stos",
    "smac",
    "dmac",
]
MORE = ["suser:16", "duser:16", "sintpkt", "smaxsz", "senc", "state"]

MODES = [[], ["-mac", "-suser"], ["+mac"], ["+ipattr"], ["+suser"], ["+trans"], ["-time"], ["mac"], ["-ipattr"]]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rastrip")
    return real_argus_file(SHARED_PCAPS / "apps" / "sip.pcap", out / "full.argus", "-U", "32", "-m", "-J", "-Z")


def _printed(path: Path) -> list[str]:
    got = real("ra", "-r", str(path), "-n", "-s", *FIELDS, *MORE)
    return [line for line in got.stdout.splitlines() if " man " not in line]


@pytest.mark.parametrize("modes", MODES, ids=lambda m: " ".join(m) or "default")
def test_rastrip_output_prints_as_real(full: Path, tmp_path: Path, modes: list[str]) -> None:
    words = [w for m in modes for w in ("-M", m)]
    (tmp_path / "real.argus").unlink(missing_ok=True)
    want = real("rastrip", "-r", str(full), *words, "-w", str(tmp_path / "real.argus"))
    assert want.returncode == 0, want.stderr
    got = ours("rastrip", "-r", str(full), *words, "-w", str(tmp_path / "ours.argus"))
    assert got.returncode == 0, got.stderr
    assert _printed(tmp_path / "ours.argus") == _printed(tmp_path / "real.argus")


def test_rastrip_filter_and_text(full: Path) -> None:
    want = real("rastrip", "-r", str(full), "-M", "-mac", "-n", "-s", *FIELDS, "-", "udp and port 5060")
    got = ours("rastrip", "-r", str(full), "-M", "-mac", "-n", "-s", *FIELDS, "-", "udp and port 5060")
    assert got.returncode == 0, got.stderr
    assert [x for x in got.stdout.splitlines() if " man " not in x] == [
        x for x in want.stdout.splitlines() if " man " not in x
    ]


def test_dsr_mask_rules() -> None:
    assert dsr_mask([]) == DEFAULT_KEEP
    assert dsr_mask(["+mac", "+ipattr"]) == DEFAULT_KEEP | (1 << 9)  # 3.0.8: only the last "+" adds
    assert dsr_mask(["-mac", "-suser"]) == 0xFFFFFFFF & ~(1 << 13) & ~(1 << 11)
    assert dsr_mask(["mac"]) == 1 << 13
    assert dsr_mask(["bogus"]) == 0


def test_missing_input_one_line(tmp_path: Path) -> None:
    got = ours("rastrip", "-r", str(tmp_path / "nope.argus"), "-w", str(tmp_path / "o.argus"))
    assert got.returncode != 0
    assert "nope.argus" in got.stderr
    assert "Traceback" not in got.stderr
