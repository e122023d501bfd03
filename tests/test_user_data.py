"""`-U n` user data: the first n payload bytes of each record and direction,
compared with what real `argus -U n` + `ra -s suser:N duser:N` show."""

from __future__ import annotations

import struct
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


def _wlan_capture(path: Path) -> Path:
    """802.11 frames (DLT 105) argus keys as wlan flows (the corpus's 802.11 captures have
    none): a beacon, a probe request with an SSID, a data frame whose SNAP ethertype argus
    does not open."""
    bcast, sta, ap = b"\xff" * 6, bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 9])
    beacon = struct.pack("<HH", 0x0080, 0) + bcast + sta + ap + b"\x10\x00" + bytes(8)
    beacon += struct.pack("<HH", 100, 0x0401) + b"\x00\x04test" + b"PAYLOADXYZ" * 3
    probe = struct.pack("<HH", 0x0040, 0) + bcast + bytes([2, 0, 0, 0, 0, 2]) + bcast + b"\x20\x00"
    probe += b"\x00\x04test" + b"HELLOWORLD" * 3
    data = struct.pack("<HH", 0x0108, 0) + ap + sta + bcast + b"\x30\x00"
    data += b"\xaa\xaa\x03\x00\x00\x00\x88\xb5" + b"DATADATA12" * 3
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105)
    for i, frame in enumerate([beacon, beacon, probe, data, data]):
        out += struct.pack("<IIII", 1000 + i, 0, len(frame), len(frame)) + frame
    path.write_bytes(out)
    return path


@pytest.mark.parametrize("n", [16, 40])
def test_wlan_user_data_matches_real_argus(n: int, tmp_path: Path) -> None:
    """802.11 wlan flows: argus takes user data from the bytes it keyed (the 802.11 header
    of a management frame, past SNAP for an ethertype it does not open)."""
    assert_user_data_as_real_argus(_wlan_capture(tmp_path / "wlan.pcap"), n, tmp_path, "not ip and not ipv6")


def test_user_data_is_null_without_the_option() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]))
    assert df["suser"].null_count() == df.height
    assert df["duser"].null_count() == df.height


def test_user_data_is_capped_per_direction() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]), capture_data_len=8)
    lens = df.select(pl.col("suser").bin.size().max(), pl.col("duser").bin.size().max()).row(0)
    assert lens == (8, 8)
