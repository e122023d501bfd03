"""ra ``-M printer=obfuscate`` against real ra 3.0.8, on record files made by real ``argus -U 40``."""

from __future__ import annotations

from pathlib import Path

import pytest

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
