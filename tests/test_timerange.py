"""ra's -t time ranges (argus_rs.timerange), without real ra: the forms of reference §5.3 at TZ=UTC.

tests/test_ra_cli.py compares the records they select with real ra's selection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import polars as pl
import pytest

from argus_rs.timerange import CONTAINS, INTERSECTS, SPANS, TimeRangeError, join_words, parse_time_range

NOW = 1_795_305_600 + 12 * 3600  # 2026-11-22 12:00:00 UTC
T0 = 1_552_590_236  # 2019-03-14 19:03:56 UTC


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


def span(text: str) -> tuple[float, float]:
    r = parse_time_range(text, now=NOW)
    return r.start_us / 1e6, r.end_us / 1e6


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2019", 1_546_300_800, 1_577_836_800),
        ("2019/03", 1_551_398_400, 1_554_076_800),
        ("2019/03/14", 1_552_521_600, 1_552_608_000),
        ("2019/03/14.19", 1_552_590_000, 1_552_593_600),
        ("2019/03/14.19:04", 1_552_590_240, 1_552_590_300),
        ("2019/03/14.19:03:56", T0, T0 + 1),
        ("2019/03/14.19:03:55.5-2019/03/14.19:04:01.5", T0 - 0.5, T0 + 5.5),
        (f"{T0}+5s", T0, T0 + 5),
        (f"{T0}-{T0 + 6}", T0, T0 + 6),
        (str(T0), T0, T0 + 366 * 86400),  # Unix seconds alone: a year, as 3.0.8.2 (2020 is a leap year)
        ("2019/03/14.19:03:50+1m", T0 - 6, T0 + 4),  # the end cut to its minute
        ("12:30", NOW + 1800, NOW + 1800 + 60),  # today
        ("11/22", NOW - 12 * 3600, NOW + 12 * 3600),  # this year
        ("-1d", NOW - 12 * 3600, NOW + 12 * 3600),  # 3.0.8.2: today
    ],
)
def test_forms(text: str, start: float, end: float) -> None:
    assert span(text) == (start, end)


def test_prefixes() -> None:
    assert parse_time_range("c2019", now=NOW).strategy == CONTAINS
    assert parse_time_range("n2019", now=NOW).strategy == SPANS
    assert parse_time_range("s2019", now=NOW).strategy == SPANS
    assert parse_time_range("i2019", now=NOW).strategy == INTERSECTS
    negated = parse_time_range("x2019/03/14", now=NOW)
    assert negated.negate
    assert negated.strategy == INTERSECTS


@pytest.mark.parametrize("text", ["2019/13", "*/*/14.19", "1552590236.5", "tomorrow", "2019/03/14.19:04:01-", ""])
def test_errors(text: str) -> None:
    with pytest.raises(TimeRangeError):
        parse_time_range(text, now=NOW)


def test_join_words() -> None:
    assert join_words("2019/03/14.19:03", ["-", "2019/03/14.19:05", "tcp"]) == ("2019/03/14.19:03-2019/03/14.19:05", 2)
    assert join_words("2019/03/14.19:03", ["-2019/03/14.19:05"]) == ("2019/03/14.19:03-2019/03/14.19:05", 1)
    assert join_words("2019", ["-", "tcp"]) == ("2019", 0)
    assert join_words("2019", ["-n"]) == ("2019", 0)
    assert join_words("2019-2020", ["-", "2021"]) == ("2019-2020", 0)


def test_mask_strategies() -> None:
    us = 1_000_000
    frame = pl.DataFrame(
        {
            "stime": [T0 - 10, T0 - 2, T0 + 1, T0 + 3, T0 - 1],
            "ltime": [T0 - 5, T0 + 1, T0 + 2, T0 + 10, T0 + 10],
        }
    ).select(pl.from_epoch(pl.col(c) * us, time_unit="us").dt.replace_time_zone("UTC") for c in ("stime", "ltime"))
    text = f"{T0}-{T0 + 5}"
    assert parse_time_range(text).mask(frame).to_list() == [False, True, True, True, False]  # spanning: not kept
    assert parse_time_range("c" + text).mask(frame).to_list() == [False, False, True, False, False]
    assert parse_time_range("n" + text).mask(frame).to_list() == [False, False, False, False, True]
    assert parse_time_range("x" + text).mask(frame).to_list() == [True, False, False, False, True]
