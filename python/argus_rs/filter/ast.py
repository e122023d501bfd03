"""The parsed form of an ra filter: plain frozen dataclasses.

A filter is a tree of :class:`And`, :class:`Or`, :class:`Not` and primitives.
The primitives say what Argus 3.0.8 tests, after the parser has applied its
qualifier rules (elision, defaults, name lookups), so they carry no syntax:

* ``dir`` is ``""`` (no qualifier), ``"src"``, ``"dst"``, ``"or"`` (``src or dst``)
  or ``"and"`` (``src and dst``). What ``""`` means depends on the primitive,
  as in Argus (``bytes gt 5`` is src-or-dst, ``jit gt 1.0`` is src-and-dst).
* ``op`` is ``"eq"``, ``"lt"``, ``"le"``, ``"gt"`` or ``"ge"``.

:func:`to_core` turns a tree into nested tuples for the Rust evaluator:

====================================  ==============================================
node                                  tuple
====================================  ==============================================
``And(a, b)`` / ``Or(a, b)``           ``("and", a, b)`` / ``("or", a, b)``
``Not(a)``                             ``("not", a)``
``Const(v)``                           ``("const", v)``
``Keyword(name, dir)``                 ``("kw", name, dir)``
``Address(proto, dir, family, a, m)``  ``("addr", proto, dir, family, a, m)`` (bytes)
``EtherAddress(dir, mac)``             ``("ether", dir, mac)``
``ArpHardware(mac)``                   ``("arphw", mac)``
``SourceId(v)`` / ``Inode(v)``         ``("srcid", v)`` / ``("inode", v)``
``Port(proto, dir, op, v)``            ``("port", proto, dir, op, v)``
``Protocol(qual, v)``                  ``("proto", qual, v)``
``Compare(field, dir, op, v)``         ``("cmp", field, dir, op, v)`` (int or float)
====================================  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["", "src", "dst", "or", "and"]
Op = Literal["eq", "lt", "le", "gt", "ge"]

CoreTuple = tuple[object, ...]


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Const:
    """A filter Argus compiles to "accept all" (``fragonly``, ``error``, ``anon``, ``1 > 0``) or "accept none"."""

    value: bool


@dataclass(frozen=True)
class Keyword:
    """A primitive without a value.

    Protocols (``tcp udp icmp igmp arp rarp ip ipv4 ipv6 rtp rtcp udt mpls vlan isis``),
    record causes and types (``start status stop shutdown timeout man far event index``),
    TCP states (``con`` for est/con, ``normal wait synack finack``), ICMP and IGMP classes
    (``echo unreach redirect timexed icmpmap rtr mbr lvg``), ``cocode``, ``inbound``,
    ``outbound``, ``multicast``; and, taking a direction, TCP flags (``syn fin rst ack push
    urg ece cwr``), conditions (``retrans outoforder winshut ecn frag multipath``), IS-IS
    PDUs (``hello lsp csnp psnp``) and TCP options (``tcpopt mss wscale selackok selack
    tcpecho tcpechoreply tcptimestamp tcpcc tcpccnew tcpccecho secn decn``).
    """

    name: str
    dir: Direction = ""


@dataclass(frozen=True)
class Address:
    """An IP (or ARP) address test.

    ``proto`` is the protocol qualifier as Argus applies it to addresses: ``""`` (ARP, IPv4
    and IPv6 flows, as the literal's family allows), ``"ip"``, ``"ipv4"``, ``"ipv6"``,
    ``"arp"`` or ``"icmp"``. ``family`` is the literal's: ``"ipv4"`` (4 bytes),
    ``"ipv6"`` (16 bytes) or ``"any"`` (a bare number as a host: only the record family is
    tested). ``mask`` has the length of ``addr`` (all ones for a host).
    """

    proto: str
    dir: Direction
    family: Literal["ipv4", "ipv6", "any"]
    addr: bytes
    mask: bytes


@dataclass(frozen=True)
class EtherAddress:
    """A MAC address against the record's MAC data (``ether host``, ``ether broadcast``)."""

    dir: Direction
    mac: bytes


@dataclass(frozen=True)
class ArpHardware:
    """``arp host xx:xx:xx:xx:xx:xx``: the hardware address in an ARP flow key."""

    mac: bytes


@dataclass(frozen=True)
class SourceId:
    """``srcid``: the probe id, as the 32-bit value Argus compares (an IPv4 address as a number)."""

    value: int


@dataclass(frozen=True)
class Inode:
    """``inode``: the address of the node that sent an ICMP error mapped onto the flow."""

    value: int


@dataclass(frozen=True)
class Port:
    """A TCP/UDP port test.

    ``proto`` is ``"any"`` (TCP or UDP), ``"tcp"``, ``"udp"``, ``"udt"``, ``"rtp"`` or ``"rtcp"``.
    """

    proto: str
    dir: Direction
    op: Op
    value: int


@dataclass(frozen=True)
class Protocol:
    """``[qual] proto N``.

    An IP protocol number (``qual`` ``""``, ``ip``, ``ipv4``, ``ipv6``), an ethertype
    (``link``), or any ARP flow (``arp``).
    """

    qual: str
    number: int


@dataclass(frozen=True)
class Compare:
    """A numeric attribute against a value.

    Integer fields: ``ipid ttl tos dsb vid vpri mid bytes appbytes pkts trans tcpb seq nstroke
    spi encaps co deldur delltime asn``; float fields: ``dur avgdur rate load ploss pcr inter
    intpktact intpktidle jit jitact jitidle`` and ``jit#int``/``inter#int`` (Argus's handling of
    an integer written after those two). Integer values are the 32-bit pattern Argus compares.
    """

    field: str
    dir: Direction
    op: Op
    value: int | float


Node = (
    And
    | Or
    | Not
    | Const
    | Keyword
    | Address
    | EtherAddress
    | ArpHardware
    | SourceId
    | Inode
    | Port
    | Protocol
    | Compare
)


def to_core(node: Node) -> CoreTuple:
    """The tuple form of `node` that ``argus_rs._core.compile_filter`` takes (see the module doc)."""
    if isinstance(node, And):
        return ("and", to_core(node.left), to_core(node.right))
    if isinstance(node, Or):
        return ("or", to_core(node.left), to_core(node.right))
    if isinstance(node, Not):
        return ("not", to_core(node.operand))
    if isinstance(node, Const):
        return ("const", node.value)
    if isinstance(node, Keyword):
        return ("kw", node.name, node.dir)
    if isinstance(node, Address):
        return ("addr", node.proto, node.dir, node.family, node.addr, node.mask)
    if isinstance(node, EtherAddress):
        return ("ether", node.dir, node.mac)
    if isinstance(node, ArpHardware):
        return ("arphw", node.mac)
    if isinstance(node, SourceId):
        return ("srcid", node.value)
    if isinstance(node, Inode):
        return ("inode", node.value)
    if isinstance(node, Port):
        return ("port", node.proto, node.dir, node.op, node.value)
    if isinstance(node, Protocol):
        return ("proto", node.qual, node.number)
    if isinstance(node, Compare):
        return ("cmp", node.field, node.dir, node.op, node.value)
    raise TypeError(f"not a filter node: {node!r}")
