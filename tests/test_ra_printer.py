"""ra ``-M printer=obfuscate`` and ``-M printer=hex`` against real ra 3.0.8, on record files made
by real ``argus -U 40`` / ``-U 64``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from argus_rs.ra.hexdump import hex_dump
from argus_rs.ra.userdata import obfuscate_passwords
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file
from ra_oracle import ours, real

# basic/smtp.pcap is left out: one https flow there prints its user data on the other side
# with plain ascii too (a gap outside the printer modes)
CAPTURES = ["apps/ftp.pcap"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("printer")
    return {c: real_argus_file(SHARED_PCAPS / c, out / (Path(c).stem + ".argus"), "-U", "40") for c in CAPTURES}


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
@pytest.mark.parametrize("capture", CAPTURES)
def test_obfuscate_matches_real_ra(
    files: dict[str, Path], capture: str, capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    # flows only: management records print differently with user columns (a separate gap)
    args = ["-r", str(files[capture]), "-M", "printer=obfuscate", "-s", "+suser:40", "+duser:40", "-", "tcp"]
    expected, code = real(args)
    assert code == 0
    assert b"PASS xxxx" in expected  # the capture has a password to hide
    assert ours(capfdbinary, args) == (expected, 0)


def test_obfuscate_hides_each_password_word() -> None:
    assert obfuscate_passwords("USER a..PASS secret..PASS pw x") == "USER a..PASS xxxxxx..PASS xx x"
    assert obfuscate_passwords("no password") == "no password"


# captures whose plain ra text is already ours (basic/smtp.pcap and others turn a flow around
# differently, a gap outside the printer modes): ftp (odd lengths, both directions), sip (udp),
# methods (http)
HEX_CAPTURES = ["apps/ftp.pcap", "apps/sip.pcap", "basic/methods.pcap"]
HEX_CASES = [
    ["-s", "+suser:64", "+duser:64"],
    ["-s", "stime", "duser:7", "suser:21", "dur"],  # odd widths, -s order, the user columns inside
    ["-n", "-s", "+suser", "+duser"],  # the default width
    ["-c", ",", "-L", "3", "-s", "stime", "suser:20", "proto", "duser:5"],
    ["-M", "man", "-s", "+suser:30", "+duser:30"],  # management records: no dump, no user columns
    ["-s", "suser:20"],  # only user data: an empty flow line
]


@pytest.fixture(scope="module")
def hex_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hex")
    return {c: real_argus_file(SHARED_PCAPS / c, out / (Path(c).stem + ".argus"), "-U", "64") for c in HEX_CAPTURES}


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
@pytest.mark.parametrize("capture", HEX_CAPTURES)
@pytest.mark.parametrize("case", HEX_CASES, ids=" ".join)
def test_hex_matches_real_ra(
    hex_files: dict[str, Path], capture: str, case: list[str], capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    args = ["-r", str(hex_files[capture]), "-M", "printer=hex", *case]
    expected, code = real(args)
    assert code == 0
    assert b"      0x0000\t" in expected  # the capture has user data to dump
    assert ours(capfdbinary, args) == (expected, 0)


def test_hex_dump_lines() -> None:
    assert hex_dump(b"GET / HTTP/1.1\r\nHost: a b\x7f") == [
        "      0x0000\t 4745 5420 2f20 4854 5450 2f31 2e31 0d0a\tGET./.HTTP/1.1..",
        "      0x0010\t 486f 7374 3a20 6120 627f" + " " * 15 + "\tHost:.a.b.",
    ]
    assert hex_dump(b"abc") == ["      0x0000\t 6162 63" + " " * 32 + "\tabc"]
    assert hex_dump(b"") == []


def _xml_body(text: bytes) -> list[str]:
    """The lines after the stream header (records, dumps, blank lines); 3.0.8.2 writes the
    dir attribute broken (Dir"), argus-rs writes Dir = "..."."""
    lines = text.decode("latin-1").splitlines()
    start = next(i for i, x in enumerate(lines) if "NetMask" in x)
    return [re.sub(r'Dir = "[^"]*"|Dir"', "Dir", x) for x in lines[start + 1 :]]


@needs_real_argus
@pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available")
def test_hex_xml_matches_real_ra(
    hex_files: dict[str, Path], capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    # ra leaves the user data attributes out and dumps after each element
    args = [
        "-X",
        "-r",
        str(hex_files["apps/ftp.pcap"]),
        "-M",
        "xml",
        "-M",
        "printer=hex",
        "-s",
        "+suser:20",
        "+duser:9",
    ]
    expected, code = real(args)
    assert code == 0
    mine, code = ours(capfdbinary, args)
    assert code == 0
    assert b"\n      0x0000\t" in expected
    assert _xml_body(mine) == _xml_body(expected)
