"""`-U n` user data: the first n payload bytes of each record and direction,
compared with what real `argus -U n` + `ra -s suser:N duser:N` show."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import argus_rs
from conftest import DEMO_PCAP, SHARED_PCAPS
from oracle import needs_real_argus, our_record_keys, real_record_fields

CAPTURES = [
    DEMO_PCAP,
    SHARED_PCAPS / "basic" / "smtp.pcap",
    SHARED_PCAPS / "basic" / "DnsPackets.pcap",
    SHARED_PCAPS / "tcp" / "tcp_ecn.pcap",
]

pytestmark = needs_real_argus


def ra_style(data: bytes | None, side: str) -> str:
    """ra's ascii rendering of a user-data buffer: `s[count]=text`, non-printables
    as '.'; ra trims trailing blanks off the last column it prints."""
    if not data:
        return ""
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)
    return f"{side}[{len(data)}]={text}".rstrip()


LAYER2_CAPTURES = [
    SHARED_PCAPS / "encap" / "PPPoEDiscovery.pcap",
    SHARED_PCAPS / "encap" / "pppoe.pcap",
    SHARED_PCAPS / "basic" / "cloudshark-arp.pcap",
    SHARED_PCAPS / "basic" / "arp-who-has.pcap",
]


def assert_user_data_as_real_argus(pcap: Path, n: int, tmp_path: Path, ra_filter: str) -> None:
    if not pcap.exists():
        pytest.skip(f"{pcap} not present")
    want = real_record_fields(pcap, ["-U", str(n)], [f"suser:{n}", f"duser:{n}"], tmp_path, ra_filter)
    assert want, f"real ra printed no records for {ra_filter!r}"
    df = argus_rs.read_pcap(str(pcap), capture_data_len=n)
    # Records of the other kind are in here too; only keys real ra also printed are compared.
    got = {
        k: [ra_style(s, "s"), ra_style(d, "d")]
        for k, s, d in zip(our_record_keys(df), df["suser"], df["duser"], strict=True)
    }
    common = want.keys() & got.keys()
    assert len(common) >= 0.9 * len(want), f"only {len(common)} of {len(want)} flows found"
    diff = [(k, got[k], want[k]) for k in sorted(common) if got[k] != want[k]]
    assert not diff, f"{len(diff)} of {len(common)} records differ, e.g. {diff[:3]}"


@pytest.mark.parametrize("n", [16, 64])
@pytest.mark.parametrize("pcap", CAPTURES, ids=lambda p: p.name)
def test_user_data_matches_real_argus(pcap: Path, n: int, tmp_path: Path) -> None:
    assert_user_data_as_real_argus(pcap, n, tmp_path, "ip or ipv6")


@pytest.mark.parametrize("pcap", LAYER2_CAPTURES, ids=lambda p: p.name)
def test_layer2_user_data_matches_real_argus(pcap: Path, tmp_path: Path) -> None:
    """PPPoE discovery/session and ARP flows: Argus takes user data from just past
    the link headers it stepped over (for ARP: past the ARP body, the padding)."""
    assert_user_data_as_real_argus(pcap, 32, tmp_path, "not ip and not ipv6")


def test_user_data_is_null_without_the_option() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]))
    assert df["suser"].null_count() == df.height
    assert df["duser"].null_count() == df.height


def test_user_data_is_capped_per_direction() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]), capture_data_len=8)
    lens = df.select(pl.col("suser").bin.size().max(), pl.col("duser").bin.size().max()).row(0)
    assert lens == (8, 8)
