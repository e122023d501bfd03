"""argus_rs.read_pcap / iter_pcap: the Python API over the compiled core."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs import ArgusReadError, iter_pcap, read_pcap, record_schema


def schema_names() -> list[str]:
    return list(pl.Schema(record_schema()).names())


def test_public_names() -> None:
    assert isinstance(argus_rs.__version__, str)
    assert argus_rs.__version__
    assert issubclass(ArgusReadError, Exception)
    assert set(argus_rs.__all__) >= {"read_pcap", "iter_pcap", "ArgusReadError", "record_schema", "__version__"}


def test_read_demo(demo_pcap: Path) -> None:
    frame = read_pcap(demo_pcap)
    assert isinstance(frame, pl.DataFrame)
    assert frame.height > 0
    assert frame.columns == schema_names()


def test_read_str_path_and_list(demo_pcap: Path) -> None:
    one = read_pcap(str(demo_pcap))
    listed = read_pcap([demo_pcap])
    assert one.equals(listed)


def test_iter_batches_add_up(demo_pcap: Path) -> None:
    whole = read_pcap(demo_pcap)
    batches = list(iter_pcap(demo_pcap, batch_rows=3))
    assert len(batches) >= 2
    frames = [pl.DataFrame(batch) for batch in batches]
    assert all(f.height <= 3 for f in frames)
    assert pl.concat(frames).equals(whole)


def test_options_are_passed(demo_pcap: Path) -> None:
    frame = read_pcap(demo_pcap, flow_status_interval="1", generate_mac_data="yes", ARGUS_MONITOR_ID='"demo"')
    assert frame.height > 0


def test_bad_option_raises_before_reading(demo_pcap: Path) -> None:
    with pytest.raises(ValueError, match="flow_status_interval"):
        read_pcap(demo_pcap, flow_status_interval="abc")
    with pytest.raises(ValueError, match="unknown option"):
        iter_pcap(demo_pcap, no_such_option=1)


@pytest.mark.parametrize("batch_rows", [0, -1])
def test_bad_batch_rows(demo_pcap: Path, batch_rows: int) -> None:
    with pytest.raises(ValueError, match="batch_rows"):
        read_pcap(demo_pcap, batch_rows=batch_rows)


def test_no_paths() -> None:
    with pytest.raises(ValueError, match="no capture files"):
        read_pcap([])


def test_header_only_capture_is_empty_with_schema(demo_pcap: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(demo_pcap.read_bytes()[:24])  # the pcap file header, no packets
    frame = read_pcap(empty)
    assert frame.height == 0
    assert frame.columns == schema_names()


def test_missing_file_raises_with_partial(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pcap"
    with pytest.raises(ArgusReadError) as info:
        read_pcap(missing)
    assert "missing.pcap" in str(info.value)
    assert "\n" not in str(info.value)
    partial = info.value.partial
    assert isinstance(partial, pl.DataFrame)
    assert partial.height == 0
    assert partial.columns == schema_names()


def test_bad_file_keeps_records_of_good_one(demo_pcap: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"garbage" * 10)
    good = read_pcap(demo_pcap)
    with pytest.raises(ArgusReadError) as info:
        read_pcap([bad, demo_pcap])
    assert "bad.pcap" in str(info.value)
    partial = info.value.partial
    assert partial is not None
    assert partial.height == good.height


def test_two_errors_joined(tmp_path: Path) -> None:
    with pytest.raises(ArgusReadError) as info:
        read_pcap([tmp_path / "one.pcap", tmp_path / "two.pcap"])
    message = str(info.value)
    assert "; " in message
    assert message.index("one.pcap") < message.index("two.pcap")


def test_iter_raises_after_all_batches(demo_pcap: Path, tmp_path: Path) -> None:
    expected = read_pcap(demo_pcap).height
    seen = 0
    with pytest.raises(ArgusReadError, match=r"missing\.pcap"):  # noqa: PT012 - counting what came before
        for batch in iter_pcap([demo_pcap, tmp_path / "missing.pcap"]):
            seen += pl.DataFrame(batch).height
    assert seen == expected


def test_shared_corpus_smoke(pcaps_dir: Path) -> None:
    """A few real captures of the shared corpus read without error."""
    for name in ("icmp-ping.pcap", "dhcp.pcap", "smtp.pcap"):
        path = pcaps_dir / "basic" / name
        if not path.is_file():
            pytest.skip(f"{path} not in the corpus")
        frame = read_pcap(path)
        assert frame.height > 0, name
