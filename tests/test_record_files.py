"""Argus 3 record files from Python: read_argus / scan_argus / write_argus, against the real tools.

* our reader on real argus's files gives the DataFrame our engine gives on the capture;
* write -> read -> write is byte-identical, and real ra reads what write_argus wrote;
* compressed files (gzip, bzip2, xz, zstd made by the real compressors) read like plain ones;
* a truncated or corrupt file yields the records before the damage and one message with the offset.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import oracle
from argus_rs import ArgusReadError, read_argus, read_pcap, scan_argus, write_argus
from conftest import SHARED_PCAPS

#: captures whose flows equal real argus's on the wide field list (see test_sensor_records.py)
SAME_AS_ARGUS = [
    "basic/DnsPackets.pcap",
    "apps/teamviewer.pcap",
    "basic/methods.pcap",
    "long/dnp3.pcap",
    "encap/Teredo.pcap",
]


def _existing(names: list[str]) -> list[Path]:
    paths = [SHARED_PCAPS / n for n in names]
    return [p for p in paths if p.exists()]


def without_record(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("record")


@oracle.needs_real_argus
@pytest.mark.parametrize("pcap", _existing(SAME_AS_ARGUS), ids=lambda p: p.name)
def test_reader_on_real_argus_file_equals_engine_on_capture(pcap: Path, tmp_path: Path) -> None:
    theirs = read_argus(oracle.real_argus_file(pcap, tmp_path / "t.argus", "-A", "-m"))
    ours = read_pcap(pcap, generate_appbyte_metric=True, generate_mac_data=True)
    assert theirs.height == ours.height > 0
    key = ["stime", "saddr", "sport", "daddr", "dport", "proto"]
    shown = [c for c in ours.columns if c not in ("record", "flgs", "swin", "dwin")]
    assert_frame_equal(
        without_record(theirs).sort(key).select(shown), ours.sort(key).select(shown), check_exact=False, rel_tol=1e-6
    )


def test_round_trip_is_byte_identical(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap, generate_jitter_data=True, generate_packet_size=True, capture_data_len=32)
    first, second = tmp_path / "a.argus", tmp_path / "b.argus"
    assert write_argus(frame, first) == frame.height
    again = read_argus(first)
    # the same rows; jitter deviations come back at the f32 precision the record stores
    assert_frame_equal(again, frame, check_exact=False, rel_tol=1e-6)
    write_argus(again, second)
    assert first.read_bytes() == second.read_bytes()


@oracle.needs_real_argus
def test_real_ra_reads_written_frame_after_filter_and_sort(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap).filter(pl.col("proto") == "udp").sort("sbytes", descending=True)
    out = tmp_path / "udp.argus"
    write_argus(frame, out)
    rows = oracle.ra_rows(out, ["saddr", "sport", "sbytes"], precision=None)
    expected = [(r["saddr"], r["sport"] or "", str(r["sbytes"])) for r in frame.iter_rows(named=True)]
    assert rows == expected


def test_append_adds_a_second_stream(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap)
    out = tmp_path / "both.argus"
    write_argus(frame.head(3), out)
    write_argus(frame.tail(2), out, append=True)
    assert read_argus(out).equals(pl.concat([frame.head(3), frame.tail(2)]))


def test_write_needs_the_record_column(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap).drop("record")
    with pytest.raises(ValueError, match="record"):
        write_argus(frame, tmp_path / "x.argus")


def test_scan_argus_is_lazy_and_streams(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap)
    out = tmp_path / "d.argus"
    write_argus(frame, out)
    lazy = scan_argus([out, out], batch_rows=7)
    got = lazy.filter(pl.col("proto") == "tcp").select("saddr", "bytes").collect()
    want = pl.concat([frame, frame]).filter(pl.col("proto") == "tcp").select("saddr", "bytes")
    assert got.equals(want)
    assert lazy.head(5).collect().height == 5
    # a lazy frame is written batch by batch, to the same bytes
    again = tmp_path / "e.argus"
    write_argus(scan_argus(out, batch_rows=4), again)
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(("tool", "suffix"), [("gzip", ".gz"), ("bzip2", ".bz2"), ("xz", ".xz"), ("zstd", ".zst")])
def test_compressed_files_read_like_plain(tool: str, suffix: str, demo_pcap: Path, tmp_path: Path) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    frame = read_pcap(demo_pcap)
    plain = tmp_path / "d.argus"
    write_argus(frame, plain)
    packed = tmp_path / ("d.argus" + suffix)
    packed.write_bytes(subprocess.run([tool, "-c", str(plain)], capture_output=True, check=True).stdout)
    assert read_argus(packed).equals(frame)


def test_truncated_file_keeps_records_before_damage(demo_pcap: Path, tmp_path: Path) -> None:
    frame = read_pcap(demo_pcap)
    whole = tmp_path / "d.argus"
    write_argus(frame, whole)
    data = whole.read_bytes()
    cut = tmp_path / "cut.argus"
    cut.write_bytes(data[: len(data) - 10])
    with pytest.raises(ArgusReadError) as info:
        read_argus(cut)
    message = str(info.value)
    assert str(cut) in message
    assert "byte offset" in message
    assert "truncated" in message
    assert "\n" not in message
    partial = info.value.partial
    assert partial is not None
    assert partial.equals(frame.head(frame.height - 1))


def test_not_argus_data(demo_pcap: Path) -> None:
    with pytest.raises(ArgusReadError, match="byte offset 0: not an Argus 3 stream"):
        read_argus(demo_pcap)


def test_missing_file_then_good_file(demo_pcap: Path, tmp_path: Path) -> None:
    good = tmp_path / "d.argus"
    write_argus(read_pcap(demo_pcap), good)
    with pytest.raises(ArgusReadError) as info:
        read_argus([tmp_path / "missing.argus", good])
    assert "missing.argus" in str(info.value)
    assert info.value.partial is not None
    assert info.value.partial.height == read_pcap(demo_pcap).height
