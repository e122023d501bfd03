"""`-U n` user data: the first n payload bytes of each record and direction,
compared with what real `argus -U n` + `ra -s suser:N duser:N` show."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from oracle import have_argus

ROOT = Path(__file__).resolve().parent.parent
PCAPS = ROOT.parent / "shared" / "pcaps"
CAPTURES = [
    ROOT / "samples" / "demo.pcap",
    PCAPS / "basic" / "smtp.pcap",
    PCAPS / "basic" / "DnsPackets.pcap",
    PCAPS / "tcp" / "tcp_ecn.pcap",
]
KEY = ["stime", "saddr", "sport", "daddr", "dport"]

pytestmark = pytest.mark.skipif(
    not have_argus(), reason="real argus/ra (Debian argus-server, argus-client) not installed"
)


def ra_style(data: bytes | None, side: str) -> str:
    """ra's ascii rendering of a user-data buffer: `s[count]=text`, non-printables as '.'."""
    if not data:
        return ""
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)
    return f"{side}[{len(data)}]={text}"


def theirs(pcap: Path, n: int, tmp: Path) -> dict[tuple[str, ...], tuple[str, str]]:
    out = tmp / (pcap.name + ".argus")
    out.unlink(missing_ok=True)
    subprocess.run(["argus", "-X", "-U", str(n), "-r", str(pcap), "-w", str(out)], check=True, timeout=120)
    result: dict[tuple[str, ...], tuple[str, str]] = {}
    for side in ("suser", "duser"):
        # The user data column last, so separators inside it do not matter.
        fields = [*KEY, f"{side}:{n}"]
        ra = subprocess.run(
            ["ra", "-X", "-n", "-u", "-p", "6", "-c", "\t", "-r", str(out), "-s", *fields, "-", "ip or ipv6"],
            capture_output=True,
            text=True,
            errors="replace",
            check=True,
            timeout=120,
        )
        for line in ra.stdout.splitlines()[1:]:
            parts = line.split("\t", len(KEY))
            key = tuple(p.strip() for p in parts[: len(KEY)])
            value = parts[len(KEY)] if len(parts) > len(KEY) else ""
            s, d = result.get(key, ("", ""))
            # Data may end in a space: only the column's own padding goes.
            value = value if value.startswith(side[0] + "[") else value.strip()
            result[key] = (value, d) if side == "suser" else (s, value)
    return result


def ours(pcap: Path, n: int) -> dict[tuple[str, ...], tuple[str, str]]:
    df = argus_rs.read_pcap(str(pcap), capture_data_len=n)
    df = df.filter(pl.col("suser").is_not_null())
    us = pl.col("stime").dt.epoch("us")
    view = df.select(
        ((us // 1_000_000).cast(pl.Utf8) + "." + (us % 1_000_000).cast(pl.Utf8).str.zfill(6)).alias("stime"),
        "saddr",
        pl.col("sport").fill_null(""),
        "daddr",
        pl.col("dport").fill_null(""),
        "suser",
        "duser",
    )
    # Layer-2 records are in here too; only keys real ra also printed are compared.
    result = {}
    for st, sa, sp, da, dp, su, du in view.iter_rows():
        result[(st, sa, sp, da, dp)] = (ra_style(su, "s"), ra_style(du, "d"))
    return result


@pytest.mark.parametrize("n", [16, 64])
@pytest.mark.parametrize("pcap", CAPTURES, ids=lambda p: p.name)
def test_user_data_matches_real_argus(pcap: Path, n: int, tmp_path: Path) -> None:
    if not pcap.exists():
        pytest.skip(f"{pcap} not present")
    want = theirs(pcap, n, tmp_path)
    got = ours(pcap, n)
    common = want.keys() & got.keys()
    assert len(common) >= 0.9 * len(want), f"only {len(common)} of {len(want)} flows found"
    # ra trims trailing blanks off the last column it prints.
    diff = [(k, got[k], want[k]) for k in sorted(common) if tuple(v.rstrip() for v in got[k]) != want[k]]
    assert not diff, f"{len(diff)} of {len(common)} records differ, e.g. {diff[:3]}"


def test_user_data_is_null_without_the_option() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]))
    assert df["suser"].null_count() == df.height
    assert df["duser"].null_count() == df.height


def test_user_data_is_capped_per_direction() -> None:
    df = argus_rs.read_pcap(str(CAPTURES[0]), capture_data_len=8)
    lens = df.select(pl.col("suser").bin.size().max(), pl.col("duser").bin.size().max()).row(0)
    assert lens == (8, 8)
