"""Damaged, crafted and unusual captures: reading either works or fails with one clean line.

Every file in shared/pcaps/malformed and shared/pcaps/format (fuzzer finds, truncated files,
bad headers, unsupported link types, odd but valid formats): ``read_pcap`` returns a DataFrame or
raises ArgusReadError whose message is one line naming the file and a byte offset, with the records
read so far in ``partial``; ``argus-rs argus -r FILE`` exits 0 or 1 with nothing but its own
one-line errors on stderr.  A synthetic truncation checks the offset and the partial records exactly.
"""

from __future__ import annotations

import os
import struct
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from argus_rs import ArgusReadError, read_pcap
from conftest import DEMO_PCAP, SHARED_PCAPS, RunCli

DIRECTORIES = ("malformed", "format")
CLI_PREFIX = "argus-rs argus:"


def odd_captures(root: Path) -> list[str]:
    """Every file (whatever its name) under the malformed/ and format/ folders, relative to ``root``."""
    found: list[str] = []
    for folder in DIRECTORIES:
        base = root / folder
        if base.is_dir():
            found.extend(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file())
    return sorted(found)


CAPTURES = odd_captures(SHARED_PCAPS) or [None]


def _path(pcaps_dir: Path, rel: str | None) -> Path:
    if rel is None:
        pytest.skip(f"no files in {', '.join(DIRECTORIES)} under {pcaps_dir}")
    return pcaps_dir / rel


def check_read_error(exc: ArgusReadError, path: Path) -> None:
    message = str(exc)
    assert "\n" not in message, f"multi-line error: {message!r}"
    assert "\r" not in message, f"multi-line error: {message!r}"
    assert str(path) in message, f"error does not name {path}: {message!r}"
    assert "byte offset" in message, f"error gives no byte offset: {message!r}"
    assert isinstance(exc.partial, pl.DataFrame), f"partial is {type(exc.partial).__name__}, not a DataFrame"


@pytest.mark.parametrize("rel", CAPTURES, ids=str)
def test_read_pcap_returns_frame_or_clean_error(rel: str | None, pcaps_dir: Path) -> None:
    path = _path(pcaps_dir, rel)
    try:
        frame = read_pcap(str(path))
    except ArgusReadError as exc:
        check_read_error(exc, path)
    else:
        assert isinstance(frame, pl.DataFrame)


@pytest.fixture(scope="module")
def cli_runs(
    request: pytest.FixtureRequest, pcaps_dir: Path, run_cli: RunCli
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """``argus-rs argus -r FILE`` for each file this session's CLI tests ask for, started at once a few at a time."""
    wanted = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") == "test_cli_exits_cleanly" and callspec is not None:
            rel = callspec.params.get("rel")
            if isinstance(rel, str) and rel not in wanted:
                wanted.append(rel)
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        yield {rel: pool.submit(run_cli, ["argus", "-r", pcaps_dir / rel]) for rel in wanted}


@pytest.mark.parametrize("rel", CAPTURES, ids=str)
def test_cli_exits_cleanly(
    rel: str | None, pcaps_dir: Path, cli_runs: dict[str, Future[subprocess.CompletedProcess[str]]], run_cli: RunCli
) -> None:
    path = _path(pcaps_dir, rel)
    assert rel is not None
    future = cli_runs.get(rel)
    proc = future.result() if future is not None else run_cli(["argus", "-r", path])
    assert proc.returncode in (0, 1), f"exit {proc.returncode}; stderr: {proc.stderr!r}"
    assert "Traceback" not in proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    stray = [line for line in lines if not line.startswith(CLI_PREFIX)]
    assert not stray, f"stderr lines not from argus-rs argus: {stray}"
    assert (proc.returncode == 1) == bool(lines), f"exit {proc.returncode} with stderr {proc.stderr!r}"


# --- a truncated copy of a clean capture --------------------------------------------------------


def pcap_records(data: bytes) -> list[tuple[int, int, int]]:
    """(byte offset, captured length, original length) of each record of a little-endian microsecond pcap."""
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "expected a little-endian microsecond pcap"
    records: list[tuple[int, int, int]] = []
    offset = 24
    while offset < len(data):
        _sec, _usec, incl_len, orig_len = struct.unpack_from("<IIII", data, offset)
        records.append((offset, incl_len, orig_len))
        offset += 16 + incl_len
    assert offset == len(data), "the source capture is itself truncated"
    return records


@pytest.fixture(scope="module")
def clean_capture() -> Path:
    """basic/wikipedia.pcap from the corpus (samples/demo.pcap is the same file, if the corpus is absent)."""
    shared = SHARED_PCAPS / "basic" / "wikipedia.pcap"
    return shared if shared.is_file() else DEMO_PCAP


@pytest.mark.parametrize(
    ("index", "where"),
    [
        (0, "data"),  # inside the very first record: nothing complete before it
        (100, "header"),  # inside a record header
        (100, "after-header"),  # the header is whole, the packet data missing
        (100, "data"),  # half the packet data present
        (-1, "data"),  # inside the last record
    ],
)
def test_truncated_capture(clean_capture: Path, tmp_path: Path, index: int, where: str) -> None:
    data = clean_capture.read_bytes()
    records = pcap_records(data)
    if index < 0:
        index += len(records)
    start, incl_len, _orig = records[index]
    cut = {"header": start + 8, "after-header": start + 16, "data": start + 16 + incl_len // 2}[where]
    assert start < cut < start + 16 + incl_len
    truncated = tmp_path / "truncated.pcap"
    truncated.write_bytes(data[:cut])

    with pytest.raises(ArgusReadError) as info:
        read_pcap(str(truncated))
    check_read_error(info.value, truncated)
    assert f"byte offset {start}:" in str(info.value), str(info.value)

    partial = info.value.partial
    assert partial is not None
    complete = records[:index]
    assert (int(partial.get_column("pkts").sum()) if partial.height else 0) == len(complete)
    assert (int(partial.get_column("bytes").sum()) if partial.height else 0) == sum(r[2] for r in complete)
