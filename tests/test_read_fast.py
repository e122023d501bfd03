"""The reader's fast paths (column projection, the ra filter tested in Rust) give the full path's rows.

Real argus makes record files from corpus captures.  ``read_argus(f, columns=C)`` must equal
``read_argus(f).select(C)``; ``read_argus(f, filter=E)`` must keep exactly the records real
``ra -r f - E`` prints (compared by the sequence numbers argus gives each record) and equal the
full frame masked by the record evaluator; the lazy ``scan_argus`` must pass polars' projection
down; and ``argus-rs ra`` with the projected, pre-filtered read prints what the full read prints.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.filter import compile as compile_filter
from conftest import SHARED_PCAPS
from oracle import needs_real_argus, real_argus_file

CAPTURES = [
    "apps/ftp.pcap",
    "apps/sip.pcap",
    "ipv6/ipv6.pcap",
    "basic/cloudshark-arp.pcap",
    "basic/DnsPackets.pcap",
    "basic/smtp.pcap",
]

COLUMN_SETS = [
    ["saddr", "daddr", "bytes"],
    ["stime", "ltime", "proto", "sport", "dport"],
    ["record"],
    ["bytes", "record", "pkts"],  # any order asked: schema order given
    ["state", "flgs", "dir", "srcid", "seq", "cause"],
    ["sttl", "dtos", "smac", "dvid", "smpls", "sintpkt", "djitidl", "suser", "tcpopt", "sloss", "synack"],
]

FILTERS = [
    "tcp",
    "udp",
    "icmp or arp",
    "ipv6",
    "tcp and dst port 21",
    "not tcp",
    "src host 10.0.0.1 or dst port 53",
    "bytes gt 1000",
    "pkts lt 3 and not udp",
    "syn and not fin",
    "dst port gte 1024",
    "net 192.168.0.0/16",
    "con or rst",
    "ttl gt 60",
]

pytestmark = [
    needs_real_argus,
    pytest.mark.skipif(not SHARED_PCAPS.is_dir(), reason="corpus captures not available"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("fast-read")
    made = []
    for capture in CAPTURES:
        pcap = SHARED_PCAPS / capture
        if pcap.exists():
            made.append(real_argus_file(pcap, out / (pcap.stem + ".argus")))
    if len(made) < 3:
        pytest.skip("too few corpus captures")
    return made


@pytest.mark.parametrize("columns", COLUMN_SETS, ids=lambda c: ",".join(c))
def test_projection_equals_full_read(files: list[Path], columns: list[str]) -> None:
    for f in files:
        full = argus_rs.read_argus(f)
        got = argus_rs.read_argus(f, columns=columns, batch_rows=7)
        order = [c for c in full.columns if c in columns]
        assert got.columns == order, f
        assert got.equals(full.select(order)), f"{f.name}: columns {columns} differ from the full read"


def _real_seqs(path: Path, expression: str) -> list[int]:
    ra = subprocess.run(
        ["ra", "-X", "-n", "-L", "-1", "-s", "seq", "-r", str(path), "-", expression],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ra.returncode in (0, 1), ra.stderr
    return [int(line) for line in ra.stdout.split()]


@pytest.mark.parametrize("expression", FILTERS)
def test_filter_in_reader_selects_as_real_ra(files: list[Path], expression: str) -> None:
    for f in files:
        got = argus_rs.read_argus(f, filter=expression, columns=["seq", "record"])
        assert got.get_column("seq").to_list() == _real_seqs(f, expression), f"{f.name}: {expression}"
        full = argus_rs.read_argus(f)
        mask = pl.Series(compile_filter(expression).mask(full.get_column("record"))).fill_null(False)
        assert got.equals(full.filter(mask).select("seq", "record")), f"{f.name}: {expression}"


def test_filter_stats_count_dropped_records(files: list[Path]) -> None:
    from argus_rs import _core

    f = files[0]
    batches = _core.scan_argus([str(f)], 65536, ["seq"], compile_filter("udp"))
    rows = sum(pl.DataFrame(b).height for b in batches)
    stats = batches.stats
    assert rows + stats["filtered_out"] == stats["records"] == argus_rs.read_argus(f).height


def test_lazy_scan_projects(files: list[Path]) -> None:
    f = files[0]
    full = argus_rs.read_argus(f)
    lazy = argus_rs.scan_argus(f).filter(pl.col("bytes") > 100).select("saddr", "dport")
    assert lazy.collect().equals(full.filter(pl.col("bytes") > 100).select("saddr", "dport"))
    tcp = argus_rs.scan_argus(f, filter="tcp").select("proto").collect()
    assert tcp.height == full.filter(pl.col("proto") == "tcp").height


def test_bad_column_and_filter(files: list[Path]) -> None:
    with pytest.raises(ValueError, match="nosuch"):
        argus_rs.read_argus(files[0], columns=["saddr", "nosuch"])
    with pytest.raises(ValueError, match="list of column names"):
        argus_rs.read_argus(files[0], columns="saddr")
    with pytest.raises(ValueError, match="and"):
        argus_rs.read_argus(files[0], filter="tcp and and")
    empty = argus_rs.read_argus(files[0], columns=["saddr", "bytes"], filter="port 1 and port 2")
    assert empty.columns == ["saddr", "bytes"]
    assert empty.height == 0


@pytest.mark.parametrize(
    "args",
    [
        ["-n", "-", "tcp"],
        ["-s", "+dur", "+sttl", "+smac", "-nn", "-", "udp or arp"],
        ["-z", "-Zb", "-s", "+suser:16", "+dintpkt", "-", "not icmp"],
        ["-A", "-t", "1970/01/01-2030/01/01", "-", "ip"],
        ["-M", "json", "-", "tcp"],
        ["-q", "-A", "-", "udp"],
    ],
    ids=lambda a: " ".join(a),
)
def test_ra_fast_path_prints_as_full_read(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch, files: list[Path], args: list[str]
) -> None:
    """Our ra with the reader's projection and filter, and with every column and the filter in Python."""
    from argus_rs.cli import main, ra_cmd

    monkeypatch.setenv("TZ", "UTC")
    argv = ["ra", "-X", "-r", *map(str, files), *args]

    def run() -> bytes:
        capfdbinary.readouterr()
        code = main(argv)
        sys.stdout.flush()
        out, _ = capfdbinary.readouterr()
        return out + bytes([code])

    fast = run()
    monkeypatch.setattr(ra_cmd, "_read_plan", lambda *a: ra_cmd._Read())
    slow = run()
    assert fast == slow
    assert len(fast) > 100
