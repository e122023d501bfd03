"""`-J` inter-packet statistics (mean interval and jitter per direction, in
total and per active/idle class), compared with real `argus -J` + ra."""

from __future__ import annotations

from pathlib import Path

import pytest

import argus_rs
from conftest import DEMO_PCAP, SHARED_PCAPS
from oracle import needs_real_argus, our_record_keys, real_record_fields

CAPTURES = [
    DEMO_PCAP,
    SHARED_PCAPS / "apps" / "sip.pcap",
    SHARED_PCAPS / "tcp" / "tcp_ecn.pcap",
    SHARED_PCAPS / "basic" / "smtp.pcap",
]
#: ra field -> our column
FIELDS = {
    "sintpkt": "sintpkt",
    "dintpkt": "dintpkt",
    "sjit": "sjit",
    "djit": "djit",
    "sintpktact": "sintpktact",
    "sintpktidl": "sintpktidl",
    "dintpktact": "dintpktact",
    "dintpktidl": "dintpktidl",
}

pytestmark = needs_real_argus


def close(ours: float | None, theirs: str) -> bool:
    # ra leaves a field blank when the record has no interval of that kind.
    if theirs == "":
        return ours is None or ours == 0.0
    return ours is not None and abs(ours - float(theirs)) <= 1e-3 + 1e-6 * abs(float(theirs))


@pytest.mark.parametrize("pcap", CAPTURES, ids=lambda p: p.name)
def test_jitter_matches_real_argus(pcap: Path, tmp_path: Path) -> None:
    if not pcap.exists():
        pytest.skip(f"{pcap} not present")
    want = real_record_fields(pcap, ["-J"], list(FIELDS), tmp_path, ra_filter="tcp or udp")
    df = argus_rs.read_pcap(str(pcap), generate_jitter_data=True)
    got = dict(zip(our_record_keys(df), df.select(list(FIELDS.values())).iter_rows(), strict=True))
    common = want.keys() & got.keys()
    assert len(common) >= 0.9 * len(want), f"only {len(common)} of {len(want)} flows found"
    diff = [
        (k, name, got[k][i], want[k][i])
        for k in sorted(common)
        for i, name in enumerate(FIELDS)
        if not close(got[k][i], want[k][i])
    ]
    assert not diff, f"{len(diff)} values differ over {len(common)} records, e.g. {diff[:4]}"


def test_jitter_is_null_without_the_option() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]))
    assert df["sjit"].null_count() == df.height
