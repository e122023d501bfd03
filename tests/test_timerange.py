"""ra's -t time ranges (argus_rs.timerange): the forms of reference §5.3 at TZ=UTC, then
(when real argus and ra are installed) the records each form selects from synthetic flows at
chosen times, against real ra's selection, in several time zones.

tests/test_ra_cli.py also compares the selections on corpus captures.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from argus_rs.timerange import CONTAINS, INTERSECTS, SPANS, TimeRangeError, join_words, parse_time_range
from oracle import needs_real_argus, real_argus_file

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


# --- against real ra ----------------------------------------------------------------------------
# One UDP flow per entry (a packet at each of its times, so a flow's stime/ltime are known), made
# into records by real argus; each -t form must keep the same records in real ra and in ours.

Flow = list[float]


def _write_pcap(flows: list[Flow], path: Path) -> None:
    packets = sorted((t, i) for i, flow in enumerate(flows) for t in flow)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for t, i in packets:
        usec = round(t * 1_000_000)
        udp = struct.pack("!HHHH", 10000 + i, 53, 16, 0) + b"x" * 8
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, b"\n\0\0\1", b"\n\0\0\2")
        frame = b"\0\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + udp
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))


def _records(flows: list[Flow], workdir: Path, name: str) -> Path:
    _write_pcap(flows, workdir / f"{name}.pcap")
    return real_argus_file(workdir / f"{name}.pcap", workdir / f"{name}.argus")


def _theirs(path: Path, spec: str, tz: str) -> list[tuple[str, str]] | None:
    run = subprocess.run(
        ["ra", "-X", "-n", "-u", "-p", "6", "-L", "-1", "-r", str(path), "-s", "stime", "ltime", "-t", spec],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": tz},
    )
    if run.stderr.strip():  # ra reports a bad -t on standard error
        return None
    return sorted((a, b) for a, b in (line.split() for line in run.stdout.splitlines() if line.strip()))


def _ours(path: Path, spec: str) -> list[tuple[str, str]] | None:
    from argus_rs.records import read_argus

    try:
        selection = parse_time_range(spec)
    except TimeRangeError:
        return None
    frame = read_argus(path)
    frame = frame.filter(selection.mask(frame))
    return sorted(
        (f"{a.timestamp():.6f}", f"{b.timestamp():.6f}") for a, b in zip(frame["stime"], frame["ltime"], strict=True)
    )


def _compare(monkeypatch: pytest.MonkeyPatch, path: Path, specs: list[str], zones: list[str]) -> None:
    wrong = []
    for tz in zones:
        monkeypatch.setenv("TZ", tz)
        time.tzset()
        for spec in specs:
            theirs, ours = _theirs(path, spec, tz), _ours(path, spec)
            if theirs != ours:
                wrong.append(f"TZ={tz} -t {spec!r}: ra {theirs and len(theirs)}, ours {ours and len(ours)}")
    assert not wrong, "\n".join(wrong)


@pytest.fixture(scope="module")
def around_t0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Points every 10 s for ±1000 s around T0, points on each minute, and a few longer flows."""
    grid: list[Flow] = [[T0 + 10 * k] for k in range(-100, 100)]
    minutes: list[Flow] = [[T0 - 56 + 60 * k] for k in range(-20, 20) if k % 2]
    longer: list[Flow] = [[T0 - 50, T0 + 3], [T0 - 1.5, T0 + 0.5], [T0 + 0.2, T0 + 0.7], [T0 - 3, T0 + 2]]
    return _records(grid + minutes + longer, tmp_path_factory.mktemp("t0"), "t0")


@pytest.fixture(scope="module")
def around_now(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Points every 10 min for ±50 h around now, daily for ±70 days, weekly for a year back."""
    now = int(time.time())
    base = now - now % 600
    points = [base + 600 * k for k in range(-300, 300)]
    points += [base + 86400 * k for k in range(-70, 70)]
    points += [base + 7 * 86400 * k + 1800 for k in range(-55, 10)]
    flows: list[Flow] = [[p] for p in sorted(set(points)) if abs(p - now) > 120]  # clear of ra's "now"
    return _records(flows, tmp_path_factory.mktemp("now"), "now")


S = "2019/03/14.19:03:56"
ABSOLUTE = [
    "2019",
    "2019/03",
    "2019/03/14",
    "2019/03/14.19",
    "2019/03/14.19:04",
    S,
    "03/14.19:04",
    "14.19:04",
    "2019/03/14.19:03:55.5-2019/03/14.19:04:01.5",
    "2019/03/14.19:03:40.5+10s",
    *(prefix + f"{T0}-{T0 + 6}" for prefix in ("", "i", "c", "n", "s", "x", "xc", "xn")),
    *(prefix + f"{S}+1m" for prefix in ("", "c", "n", "x")),
    f"{T0}",
    f"{T0}+5s",
    f"{T0}-1m",
    f"{T0}+1m30s",
    f"{T0}+1.5m",
    f"{T0}+1h",
    f"{T0}+20",  # a plain number after + is an end time: 20:00 that day
    f"{T0}-2019/03/14.19:05",
    "2019/03/14.19:03:40-19:04",  # the end takes the start's date
    "2019/03/14.19:03:40-14.19:05",
    "2019/03/14.19:03:40-03/14.19:05",
    "2019/03/14.19:03:40+20sx",
    "2019/03/14.19:03:40 +20s",
    "2019/03/14.19:03:40+ 20s",
    "2019/03/14.19:03:50-1m",
    "2019/03/14.19:03:50-30s",
    "2019/03/14.*",
    "2019/03/14.19:*",
    "2019/03/14.19:03:*",
    "2019/03/14.*:04",
    "2019/03/14.19:*:01",
    "2019/03/14.*:*:30",
    "c2019/03/14.19:*",
    "x2019/03/14.19:*",
    "2019/03/14.20:*",
    # errors
    "2019/13",
    "*/*/14.19",
    "2019/03/*",
    "*.19",
    "1552590236.5",
    "tomorrow",
    "",
    "cx2019",
    "2019/3/14.19:03",
    "19/03/14.19:03",
    " 2019/03/14",
    "2019/03/14.19:04:01-",
    "2019/03/14.19:03:40-now",
    "2019/03/14.19:03:40+0s",
    "2019/03/14.19:03:40+20S",
    "2019/03/14.19:03:40+-20s",
    f"{T0}+60",
    "2019/03/14.19:03:40-2019/03/14.19:03:40",
]

RELATIVE = [
    # the last N units, up to the current one
    "-1d",
    "-2d",
    "-3d",
    "-1h",
    "-2h",
    "-3h",
    "-30m",
    "-90m",
    "-25h",
    "-1y",
    "-2y",
    "-1M",
    "-2M",
    "-3M",
    "-50d",
    # ... to now, or with a duration
    "-1d-now",
    "-1d-",
    "-2h-now",
    "-1d+1h",
    "-1d+1d",
    "-2d+1h",
    "-2d-1h",
    "-3d-1d",
    "-2h-1h",
    "-2M+1d",
    "-2M-now",
    "-1h+30m",
    # a field of the current time set
    "0h",
    "1h",
    "2h",
    "23h",
    "30m",
    "90m",
    "1d",
    "21d",
    "22d",
    "1M",
    "4M",
    "9M",
    "10M",
    "11M",
    "12M",
    "10M-1d",
    "10M+1d",
    "1h-now",
    "1h-2h",
    "2h-5h",
    # dates and times of this year, month, day
    "11/22",
    "21.23-22.02",
    "23:59",
    "01:30",
    "0",
    "1",
    "23",
    "2026",
    "2025/11/22-2026/01",
    "2026/10",
    "2026/04/05",
    "x-1d",
    "c-2d",
    "n-1h",
    # errors
    "-1w",
    "now",
    "today",
    "-1",
    "-0d",
    "-2d--1d",
    "24",
]


@needs_real_argus
def test_absolute_forms_like_ra(monkeypatch: pytest.MonkeyPatch, around_t0: Path) -> None:
    _compare(monkeypatch, around_t0, ABSOLUTE, ["UTC", "America/New_York", "Asia/Kolkata"])


@needs_real_argus
def test_forms_from_now_like_ra(monkeypatch: pytest.MonkeyPatch, around_now: Path) -> None:
    zones = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Adelaide"]
    _compare(monkeypatch, around_now, RELATIVE, zones)


@needs_real_argus
def test_daylight_saving_days_like_ra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dates and hours on the days New York's clocks change (times that occur twice or never)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    if time.localtime().tm_hour < 3:
        # Known deviation (docs/compat.md): a doubled or skipped hour is read with a DST flag
        # that depends on the current time of day; between 00:00 and 03:00 New York time
        # argus-rs and ra pick differently (seen 2026-11-22 at 00:12 EST).
        reason = "DST-ambiguous -t forms are compared only outside 00:00-03:00 New York time"
        print(f"test_daylight_saving_days_like_ra skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    days = [(3, 7), (3, 8), (3, 9), (10, 31), (11, 1), (11, 2), (11, 30), (12, 1)]
    points = [
        int(time.mktime((2026, month, day, hour, 0, 0, 0, 0, -1))) + half
        for month, day in days
        for hour in (0, 1, 2, 3, 12, 23)
        for half in (0, 1800)
    ]
    path = _records([[p] for p in sorted(set(points))], tmp_path, "dst")
    specs = [
        "2026/11/01",
        "2026/11",
        "2026/10",
        "2026/11/01.01",
        "2026/03/08",
        "2026/03/08.02",
        "2026/03/08.01",
        "01.01",
        "2026/03/07+1d",
        "2026/11/01+1d",
        "2026/10/31.12+1d",
        "2026/11/01.12-1d",
        "11/01.01+2h",
        "2026/11/01.00:30+1h",
        "2026/10-2026/12",
        "2026/10+2M",
        "2026/11/01-1M",
    ]
    _compare(monkeypatch, path, specs, ["America/New_York"])
