"""ra ``-M rtime[:factor]`` / ``realtime``: the text against real ra 3.0.8, the pace measured."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from argus_rs.ra.pacing import Pacer, pace_factor
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file
from ra_oracle import ours, real

CAPTURE = SHARED_PCAPS / "apps/ftp.pcap"  # 4 flows starting over 6.65 s

pytestmark = [needs_real_argus, pytest.mark.skipif(not CAPTURE.is_file(), reason="corpus capture not available")]


@pytest.fixture(scope="module")
def ftp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_argus_file(CAPTURE, tmp_path_factory.mktemp("rtime") / "ftp.argus")


@pytest.mark.parametrize(
    "modes",
    [["-M", "rtime:1000000"], ["-M", "realtime:1e6", "-M", "man"], ["-M", "rtime:x"], ["-M", "rtime:0"]],
    ids=" ".join,
)
def test_rtime_text_matches_real_ra(
    ftp: Path, modes: list[str], capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    args = ["-r", str(ftp), *modes, "-s", "+dur", "-", "tcp"]
    expected, code = real(args)
    assert code == 0
    assert ours(capfdbinary, args) == (expected, 0)


def _span(path: Path, *filter_words: str) -> float:
    """Seconds between the first and the last start time of the flow records real ra selects."""
    text, _ = real(["-r", str(path), "-u", "-s", "stime", "-L", "-1", "-", "not man", *filter_words])
    starts = [float(x) for x in text.split()]
    return max(starts) - min(starts)


@pytest.mark.parametrize("filter_words", [[], ["and", "(port 50695 or port 50696)"]], ids=["all", "two"])
def test_rtime_paces_the_selected_records(
    ftp: Path, filter_words: list[str], capfdbinary: pytest.CaptureFixture[bytes], utc: None
) -> None:
    factor = 4.0
    span = _span(ftp, *filter_words)
    assert span > 2
    args = ["-r", str(ftp), "-M", f"rtime:{factor:g}", "-", "not man", *filter_words]
    expected, _ = real(args)
    began = time.monotonic()
    assert ours(capfdbinary, args) == (expected, 0)
    elapsed = time.monotonic() - began
    assert span / factor * 0.5 <= elapsed <= span / factor + 5


def test_pace_factor_reads_modes_as_ra() -> None:
    assert pace_factor(["rtime"]) == 1.0
    assert pace_factor(["RealTime:2.5x"]) == 2.5
    assert pace_factor(["rtime:10", "rtime:junk"]) == 10.0  # no number: the factor stays
    assert pace_factor(["rtime:0"]) is None
    assert pace_factor(["man", "rmon"]) is None


def test_pacer_sleeps_to_each_start_time_and_not_backwards() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(2.0, lambda: None, clock=lambda: now[0], sleep=sleep)
    second = 1_000_000
    stimes = [0, 2, 1, 3, 3]
    frame = pl.DataFrame({"stime": [1_700_000_000 * second + s * second for s in stimes]}).with_columns(
        pl.col("stime").cast(pl.Datetime("us"))
    )
    parts = [part.height for part in pacer.parts(frame)]
    assert slept == [1.0, 0.5]  # to 2 s / 2, then from 2 s to 3 s / 2; 1 s is past: at once
    assert parts == [1, 2, 2]
