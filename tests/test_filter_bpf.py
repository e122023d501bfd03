"""``argus_rs.filter.to_bpf`` and the sensor's input filter, against real argus.

Unit tests: translations (libpcap compiles every one), record-only expressions refused with
the caret under the offending primitive, pure BPF passed through. With the real tools: for
packet expressions, ``argus-rs argus -r CAP -w OUT - EXPR`` (EXPR read with the ra grammar and
translated) gives the records real ``argus -r CAP -w OUT - BPF`` gives, where BPF is the same
text when both grammars mean the same, else its libpcap spelling.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import oracle
from argus_rs.filter import FilterError, parse_filter, to_bpf
from argus_rs.filter.bpf import libpcap_compiles, sensor_input_filter
from conftest import SHARED_PCAPS, RunCli

TRANSLATIONS = [
    ("tcp", "tcp"),
    ("ip", "(ip or ip6)"),
    ("ipv4", "ip"),
    ("ipv6", "ip6"),
    ("arp", "(arp or rarp)"),
    ("tcp and dst port 80", "(tcp and dst port 80)"),
    ("port 80 or 443", "(port 80 or port 443)"),
    ("udp port domain", "udp port 53"),
    ("port 53-80", "(portrange 53-65535 and portrange 0-80)"),
    ("src port gt 1023", "src portrange 1024-65535"),
    ("dst port lt 1024", "dst portrange 0-1023"),
    ("host 10.0.0.1", "host 10.0.0.1"),
    ("src or dst host 10.0.0.1", "src or dst host 10.0.0.1"),
    ("src and dst net 10.0.0.0/8", "src and dst net 10.0.0.0/8"),
    ("ip host 10.0.0.1", "ip host 10.0.0.1"),
    ("arp host 10.0.0.1", "arp host 10.0.0.1"),
    ("net 10.1.0.0 mask 255.255.0.0", "net 10.1.0.0/16"),
    ("net 10.0.0.0 mask 255.0.255.0", "net 10.0.0.0 mask 255.0.255.0"),
    ("host 2001:470:4867:99::21", "ip6 host 2001:470:4867:99::21"),
    ("net fe80::/10", "ip6 net fe80::/10"),
    ("ether src 00:1a:6b:6c:0c:cc", "ether src host 00:1a:6b:6c:0c:cc"),
    ("ether broadcast", "ether src or dst host ff:ff:ff:ff:ff:ff"),
    ("proto 47", "(ip proto 47 or ip6 proto 47)"),
    ("ipv4 proto 17", "ip proto 17"),
    ("ether proto 0x88cc", "ether proto 35020"),
    ("syn", "(tcp[tcpflags] & tcp-syn != 0 or (ip6[6] == 6 and ip6[53] & tcp-syn != 0))"),
    ("cwr", "(tcp[tcpflags] & 0x80 != 0 or (ip6[6] == 6 and ip6[53] & 0x80 != 0))"),
    ("synack", "(tcp[tcpflags] & 0x12 == 0x12 or (ip6[6] == 6 and ip6[53] & 0x12 == 0x12))"),
    (
        "not (syn or rst)",
        "not ((tcp[tcpflags] & tcp-syn != 0 or (ip6[6] == 6 and ip6[53] & tcp-syn != 0))"
        " or (tcp[tcpflags] & tcp-rst != 0 or (ip6[6] == 6 and ip6[53] & tcp-rst != 0)))",
    ),
    ("frag", "(ip[6:2] & 0x3fff != 0)"),
    ("vid 100", "vlan 100"),
    ("mid 16", "mpls 16"),
    ("vlan and tcp", "(vlan and tcp)"),
    ("echo", "(icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply)"),
    ("tcp and 1 > 0", "(tcp and len >= 0)"),
    ("1 > 0", ""),
    ("fragonly", ""),
]


@pytest.mark.parametrize(("expr", "bpf"), TRANSLATIONS)
def test_translation(expr: str, bpf: str) -> None:
    assert to_bpf(expr) == bpf
    assert to_bpf(parse_filter(expr)) == bpf
    if bpf:
        assert libpcap_compiles(bpf) is None


#: record-only expressions and the text the caret must point at
RECORD_ONLY = [
    ("bytes gt 1000", "bytes"),
    ("tcp and pkts gt 5", "pkts"),
    ("tcp and not (dur gt 1.0)", "dur"),
    ("udp or appbytes gt 0", "appbytes"),
    ("ttl 64", "ttl"),
    ("src ttl lt 64", "src"),
    ("man", "man"),
    ("tcp and con", "con"),
    ("start", "start"),
    ("src syn", "src"),
    ("tcp and dst port 80 and syn", "syn"),
    ("retrans", "retrans"),
    ("mss", "mss"),
    ("host 10", "host"),
    ("srcid 1.2.3.4", "srcid"),
    ("rtp port 6000", "rtp"),
    ("encaps eth", "encaps"),
    ("tcp and rate gt 1.0", "rate"),
]


@pytest.mark.parametrize(("expr", "word"), RECORD_ONLY)
def test_record_only_expressions_are_refused_with_a_caret(expr: str, word: str) -> None:
    with pytest.raises(FilterError) as err:
        to_bpf(expr)
    e = err.value
    assert e.expression == expr
    assert expr[e.position :].startswith(word), e.caret()
    assert "whole flow records" in e.problem
    assert e.caret().splitlines()[1] == " " * e.position + "^"
    assert len(str(e).splitlines()) == 1


def test_sensor_input_filter_passes_pure_bpf_through() -> None:
    assert sensor_input_filter("tcp[13] & 2 != 0") == "tcp[13] & 2 != 0"
    assert sensor_input_filter("ip6 and less 100") == "ip6 and less 100"
    assert sensor_input_filter("tcp and not port 80") == "(tcp and not port 80)"
    assert sensor_input_filter("") is None
    assert sensor_input_filter(None) is None
    assert sensor_input_filter("fragonly") is None
    with pytest.raises(FilterError, match="bytes"):
        sensor_input_filter("bytes gt 100")
    with pytest.raises(ValueError, match="neither an ra filter") as err:
        sensor_input_filter("tcp and prot 80")
    assert not isinstance(err.value, FilterError)


# -- the sensor's command line -------------------------------------------------------------


def test_cli_record_only_input_filter_is_one_line_exit_2(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.argus"
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", out, "-", "tcp", "and", "bytes", "gt", "100"])
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert "bytes" in proc.stderr
    assert "column 9" in proc.stderr
    assert not out.exists()


def test_cli_bad_input_filter_names_both_grammars(run_cli: RunCli, demo_pcap: Path, tmp_path: Path) -> None:
    proc = run_cli(["argus", "-X", "-r", demo_pcap, "-w", tmp_path / "x.argus", "-", "tcp and prot 80"])
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert "prot" in proc.stderr
    assert "libpcap" in proc.stderr


#: (expression given to argus-rs, libpcap text given to real argus)
SENSOR_PAIRS = [
    ("tcp", "tcp"),
    ("udp", "udp"),
    ("icmp", "icmp"),
    ("tcp and port 80", "tcp and port 80"),
    ("port 53", "port 53"),
    ("udp and port domain", "udp and port domain"),
    ("not port 80", "not port 80"),
    ("tcp and not port 80 and not port 443", "tcp and not port 80 and not port 443"),
    ("port 80 or 443", "port 80 or port 443"),
    ("dst port 53", "dst port 53"),
    ("src or dst port 80", "src or dst port 80"),
    ("tcp or udp and port 53", "tcp or udp and port 53"),
    ("not (tcp or udp)", "not (tcp or udp)"),
    ("host 10.0.0.1", "host 10.0.0.1"),
    ("src host 10.0.0.1", "src host 10.0.0.1"),
    ("dst host 10.0.0.1 or 10.10.10.1", "dst host 10.0.0.1 or dst host 10.10.10.1"),
    ("net 10.0.0.0/8", "net 10.0.0.0/8"),
    ("src net 192.168.0.0/16 and udp", "src net 192.168.0.0/16 and udp"),
    ("net 10.0.0.0 mask 255.255.0.0", "net 10.0.0.0 mask 255.255.0.0"),
    ("host 2001:470:4867:99::21", "host 2001:470:4867:99::21"),
    ("net fe80::/10", "net fe80::/10"),
    ("ether host 00:1a:6b:6c:0c:cc", "ether host 00:1a:6b:6c:0c:cc"),
    ("ether broadcast", "ether broadcast"),
    ("arp", "arp or rarp"),
    ("vlan", "vlan"),
    ("mpls", "mpls"),
    ("vid 118", "vlan 118"),
    ("proto 17", "ip proto 17 or ip6 proto 17"),
    ("ether proto 0x0806", "ether proto 0x0806"),
    ("ip", "ip or ip6"),
    ("ipv4", "ip"),
    ("ipv6", "ip6"),
    ("syn", "tcp[13] & 2 != 0 or (ip6[6] == 6 and ip6[53] & 2 != 0)"),
    ("fin or rst", "tcp[13] & 5 != 0 or (ip6[6] == 6 and ip6[53] & 5 != 0)"),
    ("tcp and not syn", "tcp and not (tcp[13] & 2 != 0 or (ip6[6] == 6 and ip6[53] & 2 != 0))"),
    ("echo", "icmp[0] == 8 or icmp[0] == 0"),
    ("unreach or timexed", "icmp[0] == 3 or icmp[0] == 11"),
    ("frag", "ip[6:2] & 0x3fff != 0"),
    ("multicast", "ip and (ip[12] >= 224 or ip[16] >= 224)"),
    ("port 1-1023", "portrange 1-65535 and portrange 0-1023"),
    ("dst port gt 1023", "dst portrange 1024-65535"),
    # pure BPF: the ra grammar refuses it, libpcap takes it as is
    ("tcp[13] & 2 != 0", "tcp[13] & 2 != 0"),
    ("less 100", "less 100"),
    ("ip6 and udp", "ip6 and udp"),
    ("icmp[icmptype] == icmp-echo", "icmp[icmptype] == icmp-echo"),
]

SENSOR_CAPTURES = [
    "basic/example2.pcap",
    "ipv6/ipv6.pcap",
    "basic/dhcp.pcap",
    "basic/cloudshark-arp.pcap",
    "frag/IPv4Frag.pcap",
    "encap/mixed-vlan-mpls.pcap",
    "scans/icmp_ttl.pcap",
]

FIELDS = ["stime", "ltime", "proto", "saddr", "sport", "dir", "daddr", "dport", "spkts", "dpkts", "sbytes", "state"]


def _lines(path: Path) -> list[str]:
    rows = oracle.ra_rows(path, FIELDS, precision=None)
    assert rows is not None, f"real ra could not read {path}"
    return sorted(",".join(r) for r in rows)


@oracle.needs_real_argus
def test_sensor_filter_like_real_argus(run_cli: RunCli, tmp_path: Path) -> None:
    if not SHARED_PCAPS.is_dir():
        pytest.skip(f"shared capture corpus not found at {SHARED_PCAPS}")
    jobs = [(i, j, e, b) for i, (e, b) in enumerate(SENSOR_PAIRS) for j, _ in enumerate(SENSOR_CAPTURES)]

    def one(job: tuple[int, int, str, str]) -> tuple[str, int, str | None]:
        i, j, expr, bpf = job
        cap = SHARED_PCAPS / SENSOR_CAPTURES[j]
        mine, theirs = tmp_path / f"o{i}_{j}.argus", tmp_path / f"t{i}_{j}.argus"
        proc = run_cli(["argus", "-X", "-r", cap, "-w", mine, "-", *expr.split()])
        real = subprocess.run(["argus", "-X", "-r", str(cap), "-w", str(theirs), "-", bpf], capture_output=True)
        if proc.returncode != 0:
            # libpcap cannot apply some filters to some link types (ether host on raw IP):
            # real argus gives up too
            if real.returncode != 0 or not theirs.exists() or not _lines(theirs):
                return expr, 0, None
            return expr, 0, f"{expr!r} [{cap.name}]: argus-rs failed: {proc.stderr.strip()}"
        a, b = _lines(mine), _lines(theirs)
        if a != b:
            return expr, len(b), f"{expr!r} [{cap.name}]: {len(a)} records, real argus ({bpf!r}) {len(b)}"
        return expr, len(b), None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, jobs))
    diffs = [d for _, _, d in results if d]
    assert not diffs, f"{len(diffs)} of {len(jobs)} differ:\n" + "\n".join(diffs[:30])
    # every expression selects records somewhere, and not always everything
    selected = {e: 0 for e, _ in SENSOR_PAIRS}
    for expr, n, _ in results:
        selected[expr] += n
    assert not [e for e, n in selected.items() if n == 0], selected
