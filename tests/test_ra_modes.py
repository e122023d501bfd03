"""ra -M modes beyond the output formats, compared with real ra 3.0.8 on real argus files."""

from __future__ import annotations

import pytest

from ra_oracle import MARKS, ours, real, real_argus_files

CAPTURES = ["basic/smtp.pcap", "basic/DnsPackets.pcap", "basic/5-pings.pcap"]

pytestmark = MARKS


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return real_argus_files(tmp_path_factory.mktemp("ra-modes"), CAPTURES, 2)


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
