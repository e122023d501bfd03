"""ra -M modes beyond the output formats, compared with real ra 3.0.8 on real argus files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file
from ra_oracle import ours, real

CAPTURES = ["basic/smtp.pcap", "basic/DnsPackets.pcap", "basic/5-pings.pcap"]

pytestmark = [
    needs_real_argus,
    pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available"),
]


@pytest.fixture(autouse=True)
def _utc(utc: None) -> None:
    """Every test in TZ=UTC, as real ra runs."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("ra-modes")
    made = [
        str(real_argus_file(SHARED_PCAPS / c, out / (Path(c).stem + ".argus")))
        for c in CAPTURES
        if (SHARED_PCAPS / c).exists()
    ]
    if len(made) < 2:
        pytest.skip("too few corpus captures")
    return made


@pytest.mark.parametrize(
    "extra",
    [["-M", "label=foo"], ["-M", "label=.*"], ["-M", "label=foo", "-M", "man"], ["-s", "+spkts", "-M", "label=x"]],
)
def test_label_mode_matches_real_ra(
    capfdbinary: pytest.CaptureFixture[bytes], files: list[str], extra: list[str]
) -> None:
    args = ["-n", *extra, "-r", *files]
    theirs = real(args)
    assert ours(capfdbinary, args) == theirs
