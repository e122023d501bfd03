"""ra filter expressions as BPF (libpcap) text, for the sensor's packet input filter.

``to_bpf("tcp and port 80 and fin")`` gives ``((tcp and port 80) and (tcp[tcpflags] & tcp-fin != 0
or (ip6[6] == 6 and ip6[53] & tcp-fin != 0)))`` (libpcap's ``tcp[]`` reads IPv4 packets only;
IPv6 TCP flags are read at their place after a 40-byte header).

Only primitives with a meaning for single packets translate: addresses (``host``, ``net``,
``ether host``), ports and port comparisons, protocols (``tcp udp icmp igmp arp rarp ip ipv4
ipv6 proto N ether proto N``), ``vlan``/``mpls`` and ``vid N``/``mid N``,
TCP flags (``syn fin rst ack push urg ece cwr synack finack``), ``frag``, ``multicast`` and the
ICMP classes (``echo unreach redirect timexed``). A test of whole flows (byte, packet and
application byte counts, TTL/TOS of a direction, durations, rates, record causes and types,
TCP states and options, retransmissions, ``src syn`` ...) raises FilterError with the caret
under it.

The words mean what the ra grammar says they mean, which is not always the same as what
libpcap reads from the same text: ``ip`` is IPv4 or IPv6 (``(ip or ip6)``), ``arp`` is ARP or
RARP, ``multicast`` tests source or destination (IPv4), ``port lo-hi`` is two independent
src-or-dst comparisons (``portrange lo-65535 and portrange 0-hi``).
"""

from __future__ import annotations

import ipaddress

from argus_rs.filter.ast import (
    Address,
    And,
    ArpHardware,
    Compare,
    Const,
    EtherAddress,
    Inode,
    Keyword,
    Node,
    Not,
    Or,
    Port,
    Protocol,
    SourceId,
)
from argus_rs.filter.spans import Parsed, as_parsed

__all__ = ["to_bpf"]

_DIRS = {"": "", "src": "src ", "dst": "dst ", "or": "src or dst ", "and": "src and dst "}

_FLAGS = {
    "syn": "tcp-syn",
    "fin": "tcp-fin",
    "rst": "tcp-rst",
    "ack": "tcp-ack",
    "push": "tcp-push",
    "urg": "tcp-urg",
    "ece": "0x40",
    "cwr": "0x80",
}

_KEYWORDS = {
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "igmp": "igmp",
    "arp": "(arp or rarp)",
    "rarp": "rarp",
    "ip": "(ip or ip6)",
    "ipv4": "ip",
    "ipv6": "ip6",
    "vlan": "vlan",
    "mpls": "mpls",
    "synack": "(tcp[tcpflags] & 0x12 == 0x12 or (ip6[6] == 6 and ip6[53] & 0x12 == 0x12))",
    "finack": "(tcp[tcpflags] & 0x11 == 0x11 or (ip6[6] == 6 and ip6[53] & 0x11 == 0x11))",
    "multicast": "(ip and (ip[12] >= 224 or ip[16] >= 224))",
    "echo": "(icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply)",
    "unreach": "icmp[icmptype] == icmp-unreach",
    "redirect": "icmp[icmptype] == icmp-redirect",
    "timexed": "icmp[icmptype] == icmp-timxceed",
}

#: libpcap's always-true and always-false tests (for constants inside an expression)
_TRUE = "len >= 0"
_FALSE = "len < 0"


def to_bpf(node_or_text: Node | str | Parsed) -> str:
    """BPF text with the packet meaning of an ra filter (text or parsed tree).

    FilterError (caret under the primitive) when the expression tests whole flow
    records; ``""`` (no filter) for an expression that accepts every record.
    """
    p = node_or_text if isinstance(node_or_text, Parsed) else as_parsed(node_or_text)
    if isinstance(p.tree, Const) and p.tree.value:
        return ""
    return _Translator(p).node(p.tree, 0)


class _Translator:
    def __init__(self, parsed: Parsed) -> None:
        self.p = parsed

    def record_only(self, node: Node, pos: int, what: str) -> Exception:
        return self.p.error(
            node, f"{what} tests whole flow records, not packets: it cannot be a packet (input) filter", pos
        )

    def word(self, node: Node, pos: int) -> str:
        """The expression's word at the node (for messages)."""
        text = self.p.text
        at = self.p.start(node, pos)
        if not text:
            return type(node).__name__.lower()
        end = at
        while end < len(text) and not text[end].isspace() and text[end] not in "()":
            end += 1
        return f'"{text[at:end] or text}"'

    def node(self, n: Node, pos: int) -> str:
        pos = self.p.start(n, pos)
        if isinstance(n, (And, Or)):
            op = "and" if isinstance(n, And) else "or"
            return f"({self.node(n.left, pos)} {op} {self.node(n.right, pos)})"
        if isinstance(n, Not):
            return f"not {self.node(n.operand, pos)}"
        if isinstance(n, Const):
            return _TRUE if n.value else _FALSE
        if isinstance(n, Keyword):
            return self.keyword(n, pos)
        if isinstance(n, Address):
            return self.address(n, pos)
        if isinstance(n, EtherAddress):
            return f"ether {_DIRS[n.dir]}host {':'.join(f'{b:02x}' for b in n.mac)}"
        if isinstance(n, Port):
            return self.port(n, pos)
        if isinstance(n, Protocol):
            return self.protocol(n)
        if isinstance(n, Compare):
            return self.compare(n, pos)
        if isinstance(n, (SourceId, Inode, ArpHardware)):
            raise self.record_only(n, pos, self.word(n, pos))
        raise TypeError(f"not a filter node: {n!r}")

    def keyword(self, n: Keyword, pos: int) -> str:
        if n.name in _FLAGS:
            if n.dir not in ("", "or"):
                raise self.record_only(n, pos, f'"{n.dir} {n.name}" (a flag seen in one direction of a flow)')
            # libpcap's tcp[] reads IPv4 only: IPv6 TCP without extension headers by hand
            bits = _FLAGS[n.name]
            return f"(tcp[tcpflags] & {bits} != 0 or (ip6[6] == 6 and ip6[53] & {bits} != 0))"
        if n.name == "frag" and n.dir in ("", "or"):
            return "(ip[6:2] & 0x3fff != 0)"
        bpf = _KEYWORDS.get(n.name)
        if bpf is None or n.dir not in ("", "or"):
            raise self.record_only(n, pos, f'"{n.name}"')
        return bpf

    def address(self, n: Address, pos: int) -> str:
        d = _DIRS[n.dir]
        if n.family == "any":
            raise self.record_only(n, pos, f"{self.word(n, pos)} (a number as a host: the record family)")
        if n.family == "ipv4":
            if n.proto == "ipv6":
                raise self.record_only(n, pos, f"{self.word(n, pos)} (an IPv4 number against IPv6 records)")
            prefix = {"": "", "ip": "ip ", "ipv4": "ip ", "icmp": "ip ", "arp": "arp "}[n.proto]
            addr = bytes(a & m for a, m in zip(n.addr, n.mask, strict=True))
            text = ".".join(str(b) for b in addr)
            mask_text = ".".join(str(b) for b in n.mask)
        else:
            prefix = "ip6 "
            addr = bytes(a & m for a, m in zip(n.addr, n.mask, strict=True))
            text = str(ipaddress.IPv6Address(addr))
            mask_text = ""
        bits = int.from_bytes(n.mask, "big")
        width = len(n.mask) * 8
        length = bin(bits).count("1")
        contiguous = bits == ((1 << width) - 1) ^ ((1 << (width - length)) - 1)
        if length == width:
            return f"{prefix}{d}host {text}"
        if contiguous:
            return f"{prefix}{d}net {text}/{length}"
        if mask_text:
            return f"{prefix}{d}net {text} mask {mask_text}"
        raise self.record_only(n, pos, f"{self.word(n, pos)} (an IPv6 mask that is not a prefix)")

    def port(self, n: Port, pos: int) -> str:
        if n.proto not in ("any", "tcp", "udp"):
            raise self.record_only(n, pos, f'"{n.proto} port" (a flow classified as {n.proto})')
        prefix = "" if n.proto == "any" else f"{n.proto} "
        d = _DIRS[n.dir]
        v = n.value
        if n.op == "eq":
            return f"{prefix}{d}port {v}" if v <= 0xFFFF else _FALSE
        lo, hi = {"ge": (v, 0xFFFF), "gt": (v + 1, 0xFFFF), "le": (0, v), "lt": (0, v - 1)}[n.op]
        hi = min(hi, 0xFFFF)
        if lo > hi:
            return _FALSE
        return f"{prefix}{d}portrange {lo}-{hi}"

    def protocol(self, n: Protocol) -> str:
        k = n.number
        if n.qual in ("", "ip"):
            return f"(ip proto {k} or ip6 proto {k})"
        if n.qual == "ipv4":
            return f"ip proto {k}"
        if n.qual == "ipv6":
            return f"ip6 proto {k}"
        if n.qual == "arp":
            return "(arp or rarp)"
        return f"ether proto {k}"

    def compare(self, n: Compare, pos: int) -> str:
        if n.field in ("vid", "mid") and n.dir in ("", "or") and n.op == "eq" and isinstance(n.value, int):
            return f"{'vlan' if n.field == 'vid' else 'mpls'} {n.value}"
        raise self.record_only(n, pos, self.word(n, pos))


def libpcap_compiles(text: str) -> str | None:
    """None when libpcap compiles `text` (for Ethernet), else its one-line complaint."""
    from argus_rs import _core

    try:
        _core.scan_pcap([], {}, 1, text)
    except ValueError as exc:
        return str(exc)
    return None


def sensor_input_filter(text: str | None) -> str | None:
    """The BPF program text the sensor runs for its input filter `text` (None: no filter).

    `text` is read with the ra grammar and translated by :func:`to_bpf`; an expression the
    ra grammar refuses but libpcap compiles (pure BPF such as ``tcp[13] & 2 != 0``, which
    is what Argus's own input filter takes) is passed through unchanged. Raises
    FilterError for a record-only expression (caret under it), ValueError naming both
    complaints when neither grammar takes it.
    """
    if text is None or not text.strip():
        return None
    from argus_rs.filter.errors import FilterError
    from argus_rs.filter.spans import parse_with_starts

    try:
        parsed = parse_with_starts(text)
    except FilterError as ra_error:
        pcap_error = libpcap_compiles(text)
        if pcap_error is None:
            return text
        raise ValueError(
            f'bad filter "{text}": neither an ra filter ({ra_error.problem} at column '
            f"{ra_error.position + 1}) nor a libpcap one ({pcap_error})"
        ) from None
    bpf = to_bpf(parsed)
    return bpf or None
