"""ra's filter decided on the flow key (the reader's key probe) and ``-q`` without columns, against real ra.

The reader settles protocol, address and port tests from the FLOW DSR alone and decodes a
record only when the rest of it can change the answer; ``-q`` reads row counts only.  These
must not change what ra prints, its summary (``-A``, also when ``-N`` stops the read) or its
exit status.  Real argus makes the record files from corpus captures with TCP (some flows
seen from mid-connection, which ra turns around), IPv6, ICMP, ARP and DNS flows.
"""

from __future__ import annotations

import pytest

from ra_oracle import MARKS, ours, real, real_argus_files

pytestmark = MARKS

CAPTURES = [
    "basic/wikipedia.pcap",
    "basic/smtp.pcap",
    "ipv6/ipv6.pcap",
    "basic/icmp-ping.pcap",
    "basic/cloudshark-arp.pcap",
    "basic/DnsPackets.pcap",
    "basic/gateway_or_not.pcap",
]

#: key-only expressions (decided without decoding), mixed ones, and ones the key cannot decide
EXPRESSIONS = [
    "tcp",
    "udp",
    "not tcp",
    "tcp and dst port 80",
    "src port 80",
    "dst port 53 or src port 53",
    "icmp and src host 10.0.0.1",
    "arp or rarp",
    "ipv6 and tcp",
    "dst port gt 1023",
    "proto 200",
    "tcp and bytes gt 1000",
    "udp or pkts gt 10",
    "not (tcp and syn)",
    "dst net 192.168.0.0/16 and not dst port 80",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return real_argus_files(tmp_path_factory.mktemp("fast-filter"), CAPTURES, 4)


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_printed_records_equal_real_ra(files: list[str], expr: str, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    args = ["-X", "-n", "-r", *files, "-", *expr.split()]
    assert ours(capfdbinary, args) == real(args), expr


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_quiet_exit_status_and_summary_equal_real_ra(
    files: list[str], expr: str, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    for extra in (["-q"], ["-q", "-A"]):
        args = ["-X", *extra, "-r", *files, "-", *expr.split()]
        assert ours(capfdbinary, args) == real(args), f"{extra} {expr}"


@pytest.mark.parametrize("limit", ["1", "3", "2+5", "40", "100000"])
def test_summary_when_n_stops_the_read_equals_real_ra(
    files: list[str], limit: str, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    """ra counts only the records it read before -N's end, and the opening MAR twice."""
    for expr in ([], ["-", "udp"]):
        args = ["-X", "-q", "-A", "-N", limit, "-r", *files, *expr]
        assert ours(capfdbinary, args) == real(args), f"-N {limit} {expr}"
