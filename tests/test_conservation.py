"""Conservation: every packet and wire byte the core decodes lands in exactly one flow record.

Over the whole shared corpus (no real argus needed): the records' ``pkts``/``bytes`` add up to the
core's ``packets_decoded``/``bytes_decoded``, each record's totals are its two directions, and
every packet read is either decoded or skipped.  On a few clean Ethernet captures the totals are
also checked against the capture itself, counted by a small pure-Python pcap reader here (and
against the packet counts capinfos gave in shared/pcaps/SOURCES.md).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from argus_rs.io import ScanResult, scan
from conftest import SHARED_PCAPS

CAPTURE_SUFFIXES = frozenset({".pcap", ".pcapng", ".cap", ".gz"})
STATS_KEYS = ("packets", "bytes", "packets_decoded", "bytes_decoded", "packets_skipped")
LINKTYPE_ETHERNET = 1
SPLIT_COLUMNS = ["proto", "saddr", "sport", "daddr", "dport", "pkts", "spkts", "dpkts", "bytes", "sbytes", "dbytes"]

#: clean Ethernet captures (pcap, one link type, no damage) whose every packet makes a flow
CLEAN_ETHERNET = (
    "basic/wikipedia.pcap",
    "basic/smtp.pcap",
    "tcp/wireshark-retrans.pcap",
    "tcp/ssh-dups.pcap",
)


def corpus_captures(root: Path) -> list[str]:
    """Relative paths (posix) of the capture files under ``root``, sorted."""
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix in CAPTURE_SUFFIXES
    )


CAPTURES = corpus_captures(SHARED_PCAPS) or [None]


def _sum(frame: pl.DataFrame, column: str) -> int:
    return int(frame.get_column(column).sum()) if frame.height else 0


def _stats(result: ScanResult) -> dict[str, int]:
    if not result.stats:  # the core refused the file before reading anything
        assert result.errors, "no counters and no error"
        assert result.frame.height == 0
        return dict.fromkeys(STATS_KEYS, 0)
    missing = [key for key in STATS_KEYS if key not in result.stats]
    assert not missing, f"stats lack {missing}: {result.stats}"
    return result.stats


@pytest.mark.parametrize("rel", CAPTURES, ids=str)
def test_records_conserve_decoded_packets_and_bytes(rel: str | None, pcaps_dir: Path) -> None:
    if rel is None:
        pytest.skip(f"no capture files in {pcaps_dir}")
    result = scan(pcaps_dir / rel)
    stats = _stats(result)
    frame = result.frame
    context = f"{rel}: stats {stats}, {frame.height} records, errors {result.errors}"

    assert _sum(frame, "pkts") == stats["packets_decoded"], f"sum(pkts) != packets_decoded; {context}"
    assert _sum(frame, "bytes") == stats["bytes_decoded"], f"sum(bytes) != bytes_decoded; {context}"
    assert stats["packets_decoded"] + stats["packets_skipped"] == stats["packets"], (
        f"packets_decoded + packets_skipped != packets; {context}"
    )
    assert stats["bytes_decoded"] <= stats["bytes"], f"bytes_decoded > bytes; {context}"

    if frame.height:
        split = frame.filter(
            (pl.col("spkts") + pl.col("dpkts") != pl.col("pkts"))
            | (pl.col("sbytes") + pl.col("dbytes") != pl.col("bytes"))
        )
        assert split.height == 0, (
            f"{rel}: {split.height} records whose pkts/bytes are not spkts+dpkts/sbytes+dbytes, first: "
            f"{split.select(SPLIT_COLUMNS).head(3).rows()}"
        )


# --- an independent count, straight from the file ---------------------------------------------


@dataclass(frozen=True)
class PcapCount:
    linktype: int
    packets: int
    wire_bytes: int  # sum of the records' original (on-the-wire) lengths


_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\x3c\x4d": ">",
}


def count_pcap(path: Path) -> PcapCount:
    """Count the records of a classic pcap file: 24-byte file header, then 16-byte record headers."""
    data = path.read_bytes()
    order = _PCAP_MAGIC.get(data[:4])
    assert order is not None, f"{path} is not a classic pcap file (magic {data[:4].hex()})"
    (linktype,) = struct.unpack_from(order + "I", data, 20)
    offset, packets, wire_bytes = 24, 0, 0
    while offset < len(data):
        assert offset + 16 <= len(data), f"{path}: truncated record header at byte offset {offset}"
        _sec, _frac, incl_len, orig_len = struct.unpack_from(order + "IIII", data, offset)
        assert offset + 16 + incl_len <= len(data), f"{path}: truncated record at byte offset {offset}"
        offset += 16 + incl_len
        packets += 1
        wire_bytes += orig_len
    return PcapCount(linktype & 0xFFFF, packets, wire_bytes)


def sources_packet_counts(sources: Path) -> dict[str, int]:
    """``file -> packets`` from the corpus's SOURCES.md tables (rows whose packets cell is a number)."""
    counts: dict[str, int] = {}
    if not sources.is_file():
        return counts
    header: list[str] | None = None
    for line in sources.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == "file":
            header = cells
            continue
        if header is None or "packets" not in header or len(cells) != len(header):
            continue
        row = dict(zip(header, cells, strict=True))
        if row["packets"].isdigit():
            counts[row["file"]] = int(row["packets"])
    return counts


@pytest.mark.parametrize("rel", CLEAN_ETHERNET)
def test_clean_capture_totals_match_the_file(rel: str, pcaps_dir: Path) -> None:
    path = pcaps_dir / rel
    if not path.is_file():
        pytest.skip(f"{rel} is not in the corpus")
    counted = count_pcap(path)
    assert counted.linktype == LINKTYPE_ETHERNET, f"{rel}: link type {counted.linktype}, not Ethernet"
    listed = sources_packet_counts(pcaps_dir / "SOURCES.md").get(rel)
    if listed is not None:
        assert counted.packets == listed, f"{rel}: {counted.packets} pcap records, SOURCES.md says {listed}"

    result = scan(path)
    assert result.errors == []
    assert result.stats["packets"] == counted.packets
    assert result.stats["bytes"] == counted.wire_bytes
    assert result.stats["packets_skipped"] == 0
    assert _sum(result.frame, "pkts") == counted.packets
    assert _sum(result.frame, "bytes") == counted.wire_bytes
