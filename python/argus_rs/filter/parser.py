"""The ra filter grammar of Argus 3.0.8, parsed by recursive descent.

Structure (what 3.0.8 accepts, verified against its ``ra``):

* ``expr := term {("and" | "or") (term | value)}`` — ``and``/``&&`` and ``or``/``||``
  have the same precedence and group to the left: ``a or b and c`` is ``(a or b) and c``.
* ``term := {"not" | "!"} primitive | "(" expr ")"`` — ``not`` binds tightest.
* A *value* after ``and``/``or`` without keywords reuses the qualifiers of what came
  before (``host a or b``, ``port 80 or 443``, ``tcp dst port ftp or ssh``); a value in
  parentheses may itself be a list of values (``port (80 or 443)``).
* ``primitive := [proto] [dir] type value | [proto] dir flag | keyword | ...`` where a
  value is a name, number, float, address, address/len, ``addr mask m``, IPv6 address,
  MAC address or quoted string, optionally preceded by a comparison word
  (``eq lt lte gt gte``); symbols (``>``, ``<``) are only for constant arithmetic.

The qualifiers a value is read with follow 3.0.8 exactly, including its quirks: a
flag after ``and`` takes the direction of what came before (``src host a and syn``
tests the source's SYN), host names match IPv4/IPv6 flows only while dotted quads
also match ARP flows, ``port lo-hi`` is ``port >= lo and port <= hi`` each taken
src-or-dst, and names with a dash in a port position are read as ranges.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace

from argus_rs.filter import names
from argus_rs.filter.ast import (
    Address,
    And,
    ArpHardware,
    Compare,
    Const,
    Direction,
    EtherAddress,
    Inode,
    Keyword,
    Node,
    Not,
    Op,
    Or,
    Port,
    Protocol,
    SourceId,
)
from argus_rs.filter.errors import FilterError
from argus_rs.filter.lexer import Token, tokenize

#: Attributes compared as integers, and those Argus 3.0.8 declares but cannot compile.
INT_FIELDS = {
    "ipid", "ttl", "tos", "dsb", "vid", "vpri", "mid", "bytes", "appbytes", "pkts", "trans",
    "tcpb", "seq", "nstroke", "spi", "encaps", "deldur", "delltime", "co",
}  # fmt: skip
FLOAT_FIELDS = {
    "dur", "avgdur", "rate", "load", "ploss", "pcr", "inter", "intpktact", "intpktidle", "jit", "jitact",
    "jitidle", "asn",
}  # fmt: skip
#: Attribute words the 3.0.8 scanner knows but its code generator rejects.
REJECTED_FIELDS = {"tcprtt", "loss", "gap"}
#: Value-less keywords 3.0.8 compiles to "accept everything".
ACCEPT_ALL = {"error", "anon", "fragonly"}
#: Value-less keywords 3.0.8 cannot compile.
REJECTED_KEYWORDS = {"svc", "cor", "dup", "link"}

_RELOPS = {"EQ": "eq", "LT": "lt", "LE": "le", "GT": "gt", "GE": "ge"}
_VALUE_START = {"ID", "STRING", "HIDV4", "HIDV6", "EID", "NUM", "FLOAT", "EQ", "LT", "LE", "GT", "GE", "(", "NOT"}
_ARITH = {"+", "-", "*", "/", "&", "|", "LSH", "RSH"}
#: Relations between constants: ``> >= gte = == eq`` and (negated) ``<= lte < !=``.
_REL_SYMBOLS = {">": "gt", "GE": "ge", "=": "eq", "EQ": "eq", "<": "lt", "LE": "le", "NE_SYM": "ne"}


@dataclass(frozen=True)
class Qual:
    """The qualifiers a value is read with (Argus's ``struct qual``).

    ``addr``: ``""`` (none), ``host net srcid inode gateway proto`` or an attribute name;
    ``proto``: ``""`` or a protocol word; ``dir``: ``""``, ``src dst or and``;
    ``type``: ``""``, ``ipv4 ipv6 string int float`` or the protocol word 3.0.8 leaves there.
    ``undef`` marks the "no qualifiers at all" state that follows a bare keyword.
    """

    addr: str = ""
    proto: str = ""
    dir: str = ""
    type: str = ""

    @property
    def undefined(self) -> bool:
        return self.proto == "undef"


QERR = Qual(addr="", proto="undef", dir="undef", type="undef")


def _dir(q: Qual) -> Direction:
    d = q.dir
    if d in ("src", "dst", "or", "and"):
        return d  # type: ignore[return-value]
    return ""


class _Fail(Exception):
    """Internal: a parse attempt failed at a position (turned into FilterError at the top)."""

    def __init__(self, pos: int, problem: str) -> None:
        super().__init__(problem)
        self.pos = pos
        self.problem = problem


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        #: where keywords 3.0.8 compiles to nothing ("accept all") were used
        self.null_blocks: list[Token] = []

    # -- token helpers ---------------------------------------------------------------
    @property
    def cur(self) -> Token:
        return self.toks[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.toks[min(self.i + n, len(self.toks) - 1)]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if self.i < len(self.toks) - 1:
            self.i += 1
        return t

    def fail(self, problem: str, tok: Token | None = None) -> _Fail:
        t = tok or self.cur
        return _Fail(t.pos, problem)

    def unexpected(self) -> _Fail:
        t = self.cur
        if t.kind == "END":
            return self.fail("unexpected end of expression")
        if t.kind == "ID":
            return self.fail(f'unknown keyword "{t.text}"')
        return self.fail(f'syntax error at "{t.text}"')

    def expect(self, kind: str) -> Token:
        if self.cur.kind != kind:
            raise self.unexpected()
        return self.advance()

    # -- grammar -----------------------------------------------------------------------
    def parse(self) -> Node:
        if self.cur.kind == "END":
            return Const(True)
        node, _ = self.expr(QERR)
        if self.cur.kind != "END":
            raise self.unexpected()
        if self.null_blocks:
            # 3.0.8 generates no code for these: alone they accept everything,
            # combined with anything its compiler fails
            t = self.null_blocks[0]
            if len(self.null_blocks) == 1 and isinstance(node, Const):
                return node
            raise self.fail(f'"{t.text}" cannot be combined with other primitives', t)
        first = _lead(node)
        if first is False or (first is None and _contradiction(node)):
            raise _Fail(0, "expression rejects all records")
        return Const(True) if first else node

    def expr(self, qb: Qual) -> tuple[Node, Qual]:
        node, q = self.term(qb)
        while self.cur.kind in ("AND", "OR"):
            op = self.advance().kind
            rhs, q = self.after_connective(q)
            node = And(node, rhs) if op == "AND" else Or(node, rhs)
        return node, q

    def after_connective(self, q: Qual) -> tuple[Node, Qual]:
        """What follows ``and``/``or``: a full term, or a bare value that reuses `q`."""
        t = self.cur
        if t.kind == "NUM" and (self.peek().kind in _REL_SYMBOLS or self.peek().kind in _ARITH):
            return self.term(q)
        if t.kind in ("(", "NOT"):
            return self.either(lambda: self.value(q), lambda: self.term(q))
        if t.kind in _VALUE_START:
            return self.value(q)
        return self.term(q)

    def either(
        self, first: Callable[[], tuple[Node, Qual]], second: Callable[[], tuple[Node, Qual]]
    ) -> tuple[Node, Qual]:
        """Try `first`; on failure rewind and try `second` (the error that got further wins)."""
        start = self.i
        try:
            return first()
        except _Fail as e1:
            self.i = start
            try:
                return second()
            except _Fail as e2:
                raise (e1 if e1.pos > e2.pos else e2) from None

    def term(self, qb: Qual) -> tuple[Node, Qual]:
        if self.cur.kind == "NOT":
            self.advance()
            node, q = self.term(qb)
            return Not(node), q
        return self.rterm(qb)

    def rterm(self, qb: Qual) -> tuple[Node, Qual]:
        t = self.cur
        k = t.kind
        if k == "(":
            return self.either(lambda: self.paren_expr(qb), lambda: (self.relation(), QERR))
        if k == "PNAME":
            nxt = self.peek().kind
            if nxt in ("SRC", "DST", "AQUAL", "IQUAL", "FQUAL", "PROTO", "GATEWAY"):
                self.advance()
                return self.head(str(t.value))
            if nxt in ("BROADCAST", "MULTICAST"):
                self.advance()
                return self.other(str(t.value)), QERR
            if nxt == "[":
                return self.relation(), QERR
            self.advance()
            return self.keyword(t, ""), QERR
        if k == "SNAME":
            self.advance()
            return self.keyword(t, ""), QERR
        if k == "TNAME":
            self.advance()
            return self.flag(t, _dir(qb)), qb
        if k == "ONAME":
            self.advance()
            return Keyword(str(t.value)), qb
        if k in ("SRC", "DST", "AQUAL", "IQUAL", "FQUAL", "PROTO", "GATEWAY"):
            return self.head("")
        if k in ("BROADCAST", "MULTICAST"):
            return self.other(""), QERR
        if k in ("INBOUND", "OUTBOUND"):
            self.advance()
            return Keyword(str(t.value)), QERR
        if k in ("NUM", "LEN"):
            return self.relation(), QERR
        raise self.unexpected()

    def paren_expr(self, qb: Qual) -> tuple[Node, Qual]:
        self.expect("(")
        node, _ = self.expr(qb)
        self.expect(")")
        return node, qb

    def keyword(self, t: Token, d: Direction) -> Node:
        name = str(t.value)
        if name in ACCEPT_ALL:
            self.null_blocks.append(t)
            return Const(True)
        if name in REJECTED_KEYWORDS:
            what = "ether/link" if name == "link" else f'"{t.text}"'
            raise self.fail(f"{what} cannot be used on its own (argus 3.0.8 rejects it)", t)
        if name == "est":
            name = "con"
        return Keyword(name, d)

    def flag(self, t: Token, d: Direction) -> Node:
        name = str(t.value)
        if name == "fragonly":
            self.null_blocks.append(t)
            return Const(True)
        if name == "dup":
            raise self.fail('"dup" is not supported by argus 3.0.8', t)
        return Keyword(name, d)

    def dqual(self) -> str:
        first = self.advance().kind
        if self.cur.kind in ("OR", "AND"):
            conn = self.advance().kind
            want = "DST" if first == "SRC" else "SRC"
            if self.cur.kind != want:
                raise self.unexpected()
            self.advance()
            return "or" if conn == "OR" else "and"
        return "src" if first == "SRC" else "dst"

    def head(self, pqual: str) -> tuple[Node, Qual]:
        d = ""
        if self.cur.kind in ("SRC", "DST"):
            d = self.dqual()
        t = self.cur
        # What 3.0.8 leaves in the qualifier's type: the protocol word (0 without one).
        q = Qual(addr="", proto=pqual, dir=d, type=pqual)
        if t.kind == "AQUAL":
            self.advance()
            q = replace(q, addr=str(t.value))
        elif t.kind == "IQUAL":
            self.advance()
            q = replace(q, addr=str(t.value), type="int")
        elif t.kind == "FQUAL":
            self.advance()
            q = replace(q, addr=str(t.value), type="float")
        elif t.kind in ("PROTO", "GATEWAY") and not d:
            self.advance()
            q = replace(q, addr="proto" if t.kind == "PROTO" else "gateway")
        elif t.kind == "TNAME" and d:
            self.advance()
            return self.flag(t, d), q  # type: ignore[arg-type]
        elif not d:
            raise self.unexpected()
        return self.value(q)

    def other(self, pqual: str) -> Node:
        t = self.advance()
        if t.kind == "BROADCAST":
            if pqual == "link":
                return EtherAddress("or", b"\xff" * 6)
            if pqual == "ip":
                return Address("ip", "or", "ipv4", b"\xff" * 4, b"\xff" * 4)
            if pqual == "":
                raise self.fail("only ether/ip broadcast filters are supported", t)
            raise self.fail(f'"broadcast" cannot follow "{pqual}"', t)
        if pqual in ("", "ip"):
            return Keyword("multicast")
        if pqual == "link":
            raise self.fail('"ether multicast" has no meaning for flow records (argus-rs does not evaluate it)', t)
        raise self.fail(f'"multicast" cannot follow "{pqual}"', t)

    # -- values --------------------------------------------------------------------------
    def value(self, q: Qual) -> tuple[Node, Qual]:
        t = self.cur
        k = t.kind
        if k in ("ID", "STRING", "HIDV4", "HIDV6", "EID", "NOT"):
            return self.nid(q)
        if k == "NUM":
            self.advance()
            return self.ncode(None, int(t.value), q, "eq", t), q
        if k == "FLOAT":
            self.advance()
            return self.fcode(float(t.value), q, "eq", t), q
        if k in _RELOPS:
            self.advance()
            op: Op = _RELOPS[k]  # type: ignore[assignment]
            num = self.number()
            if num.kind == "NUM":
                return self.ncode(None, int(num.value), q, op, num), q
            return self.fcode(float(num.value), q, op, num), q
        if k == "(":
            return self.paren_values(q)
        raise self.unexpected()

    def number(self) -> Token:
        """``NUM``/``FLOAT``, possibly in parentheses."""
        if self.cur.kind == "(":
            self.advance()
            t = self.number()
            self.expect(")")
            return t
        if self.cur.kind not in ("NUM", "FLOAT"):
            raise self.unexpected()
        return self.advance()

    def paren_values(self, q: Qual) -> tuple[Node, Qual]:
        self.expect("(")
        t = self.cur
        if t.kind in ("NUM", "FLOAT", "("):
            num = self.number()
            node = (
                self.ncode(None, int(num.value), q, "eq", num)
                if num.kind == "NUM"
                else self.fcode(float(num.value), q, "eq", num)
            )
            qc = q
        elif t.kind in ("ID", "STRING", "HIDV4", "HIDV6", "EID", "NOT"):
            node, qc = self.nid(q)
        else:
            raise self.unexpected()
        while self.cur.kind in ("AND", "OR"):
            op = self.advance().kind
            rhs, qc = self.value(qc)
            node = And(node, rhs) if op == "AND" else Or(node, rhs)
        self.expect(")")
        return node, qc

    def nid(self, q: Qual) -> tuple[Node, Qual]:
        t = self.advance()
        k = t.kind
        if k == "NOT":
            node, q2 = self.value(q)
            return Not(node), q2
        if k == "ID":
            return self.scode(str(t.value), q, t), q
        if k == "STRING":
            q2 = replace(q, type="string")
            return self.scode(str(t.value), q2, t), q2
        if k == "HIDV4":
            q2 = replace(q, type="ipv4")
            if self.cur.kind == "/":
                self.advance()
                n = self.expect("NUM")
                return self.mcode(t, None, int(n.value), q2), q2
            if self.cur.kind == "MASK":
                self.advance()
                m = self.expect("HIDV4")
                return self.mcode(t, m, 0, q2), q2
            return self.ncode(str(t.value), 0, q2, "eq", t), q2
        if k == "HIDV6":
            q2 = replace(q, type="ipv6")
            if self.cur.kind == "/":
                self.advance()
                n = self.expect("NUM")
                return self.mcode(t, None, int(n.value), q2), q2
            return self.ncode(str(t.value), 0, q2, "eq", t), q2
        if k == "EID":
            q2 = replace(q, type="ipv6")
            return self.ecode(str(t.value), q2, t), q2
        raise self.fail("expected a value", t)

    # -- code generation (what each qualified value tests) -------------------------------
    def address(self, q: Qual, family: str, addr: bytes, mask: bytes, t: Token) -> Node:
        """Argus's host test for `q.proto` (with the value's family as its type)."""
        p = q.proto
        if p == "undef":
            raise self.fail(f'"{t.text}" needs a qualifier (host, net, port, ...)', t)
        if p == "ip" and family == "ipv6":
            # 3.0.8 builds this test from an empty part and fails
            raise self.fail('"ip host/net" takes an IPv4 address (3.0.8 fails on IPv6 here; use "ipv6")', t)
        if p in ("", "ip", "ipv4", "arp", "icmp"):
            return Address(p, _dir(q), family, addr, mask)  # type: ignore[arg-type]
        if p == "ipv6":
            if family != "any" and not any(mask[:4]):
                raise self.fail("an IPv6 net with a mask shorter than 1 bit is not supported", t)
            return Address(p, _dir(q), family, addr, mask)  # type: ignore[arg-type]
        if p in ("tcp", "udp", "rtp", "rtcp", "udt", "isis"):
            raise self.fail(f'"{p}" cannot qualify a host', t)
        raise self.fail(f'"{p}" cannot qualify an address', t)

    def ncode(self, s: str | None, v: int, q: Qual, op: Op, t: Token) -> Node:
        a = q.addr
        u = v & 0xFFFFFFFF
        if a in ("", "host", "net"):
            if q.proto == "undef":
                raise self.fail(f'"{t.text}" needs a qualifier (host, net, port, ...)', t)
            if q.type == "ipv6":
                if s is None:
                    raise self.fail("a number is not an IPv6 address", t)
                packed = socket.inet_pton(socket.AF_INET6, s)
                return self.address(q, "ipv6", packed, b"\xff" * 16, t)
            if q.type == "ipv4":
                if s is not None:
                    value, vlen = _atoin(s)
                else:
                    value, vlen = u, 32
                mask = 0xFFFFFFFF
                if s is None and a == "net":
                    while value and not value & 0xFF000000:
                        value = (value << 8) & 0xFFFFFFFF
                        mask = (mask << 8) & 0xFFFFFFFF
                else:
                    value = (value << (32 - vlen)) & 0xFFFFFFFF
                    mask = (mask << (32 - vlen)) & 0xFFFFFFFF
                return self.address(q, "ipv4", value.to_bytes(4, "big"), mask.to_bytes(4, "big"), t)
            if q.type in ("", "arp", "icmp"):
                return self.address(q, "any", b"", b"", t)
            if q.type == "ip" and q.proto == "ip":
                # 3.0.8 generates no test here: alone it accepts everything
                self.null_blocks.append(t)
                return Const(True)
            raise self.fail(f'the number "{t.text}" is not an address here', t)
        if a in ("srcid", "inode"):
            if s is not None:
                u, _ = _atoin(s)
            return SourceId(u) if a == "srcid" else Inode(u)
        if a == "port":
            return Port(self.port_proto(q, t), _dir(q), op, u)
        if a == "gateway":
            raise self.fail('"gateway" requires a name', t)
        if a == "proto":
            return self.protocol(q, u, t)
        if a in REJECTED_FIELDS:
            raise self.fail(f'"{a}" is not supported by argus 3.0.8', t)
        if a in ("inter", "intpktact", "intpktidle", "jit", "jitact", "jitidle"):
            # 3.0.8 compiles an integer here as the source's active-class value (no
            # dir, "and") or as a read of the DSR's header (src, dst; "or": or the
            # destination's active class)
            base = "inter" if a.startswith("int") else "jit"
            return Compare(f"{base}#int", _dir(q), op, float(v))
        if a == "avgdur":
            return Compare("avgdur", _dir(q), op, u)
        if a == "asn":
            return Compare("asn", _dir(q), op, u)
        if a in FLOAT_FIELDS:
            return Compare(a, _dir(q), op, float(_f32(float(v))))
        if a == "co":
            raise self.fail('"co" takes a country code', t)
        if a in INT_FIELDS:
            return Compare(a, _dir(q), op, u)
        raise self.fail(f'unexpected number "{t.text}"', t)

    def fcode(self, v: float, q: Qual, op: Op, t: Token) -> Node:
        a = q.addr
        if a == "asn":
            return Compare("asn", _dir(q), "eq", 0)
        if a == "avgdur":
            return Compare("avgdur", _dir(q), op, int(v) & 0xFFFFFFFF)
        if a in FLOAT_FIELDS:
            return Compare(a, _dir(q), op, v)
        if a in REJECTED_FIELDS:
            raise self.fail(f'"{a}" is not supported by argus 3.0.8', t)
        if q.proto == "undef":
            raise self.fail(f'"{t.text}" needs a qualifier', t)
        raise self.fail(f'a decimal number cannot follow "{a or "this"}"', t)

    def port_proto(self, q: Qual, t: Token) -> str:
        p = q.proto
        if p == "":
            return "any"
        if p in ("tcp", "udp", "udt", "rtp", "rtcp"):
            return p
        raise self.fail(f'"{p}" cannot qualify a port', t)

    def protocol(self, q: Qual, v: int, t: Token) -> Node:
        p = q.proto
        if p in ("", "ip", "ipv4", "ipv6", "arp", "link"):
            return Protocol(p, v & 0xFFFFFFFF)
        if p == "rarp":
            raise self.fail("rarp does not encapsulate another protocol", t)
        if p in ("tcp", "udp", "rtp", "rtcp", "icmp", "igmp"):
            raise self.fail(f'"{p} proto" is bogus', t)
        raise self.fail(f'"{p}" cannot qualify "proto"', t)

    def scode(self, name: str, q: Qual, t: Token) -> Node:
        if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
            name = name[1:-1]
        a, p = q.addr, q.proto
        if p == "undef":
            raise self.fail(f'unknown keyword "{t.text}"', t)
        if a == "net":
            net = names.network_by_name(name)
            if net == 0:
                raise self.fail(f'unknown network "{name}"', t)
            value = net or 0
            mask = 0xFFFFFFFF
            if value:
                while not value & 0xFF000000:
                    value = (value << 8) & 0xFFFFFFFF
                    mask = (mask << 8) & 0xFFFFFFFF
            packed, pmask = value.to_bytes(4, "big"), mask.to_bytes(4, "big")
            if p == "" and q.type == "":
                # an IPv4 number for every family: ARP, IPv4, and the first word of IPv6 addresses
                return Or(
                    Address("", _dir(q), "ipv4", packed, pmask),
                    Address("ipv6", _dir(q), "ipv4", packed, pmask),
                )
            if p in ("ipv4", "ipv6", "arp", "icmp"):
                return self.address(q, "ipv4", packed, pmask, t)
            raise self.fail(f'"{name}" cannot be used as a network here', t)
        if a in ("", "host"):
            if p == "link":
                mac = names.ether_by_name(name)
                if mac is None:
                    raise self.fail(f'unknown ether host "{name}"', t)
                return EtherAddress(_dir(q), mac)
            if p in ("", "ipv6", "ip", "ipv4"):
                return self.resolve(name, q, t)
            raise self.fail(f'"{p}" cannot qualify a host name', t)
        if a in ("srcid", "inode"):
            if q.type == "string":
                raw = name.encode()[:4].ljust(4, b"\0")
                v = int.from_bytes(raw, "little")
                return SourceId(v) if a == "srcid" else Inode(v)
            found = names.addresses(name, socket.AF_INET)
            if not found:
                raise self.fail(f'{a} "{name}" unknown', t)
            out: Node | None = None
            for _fam, packed in dict.fromkeys(found):
                v = int.from_bytes(packed, "big")
                n: Node = SourceId(v) if a == "srcid" else Inode(v)
                out = n if out is None else Or(out, n)
            assert out is not None
            return out
        if a == "port":
            return self.port_name(name, q, t)
        if a == "gateway":
            return self.gateway(name, q, t)
        if a == "proto":
            return self.proto_name(name, q, t)
        if a == "dsb":
            code = names.prefix_lookup(names.DSCP_CODES, name)
            if code is None:
                raise self.fail(f'unknown DSCP name "{name}"', t)
            return Compare("dsb", _dir(q), "eq", code)
        if a == "co":
            raw = name.encode()[:2].ljust(2, b"\0")
            return Compare("co", _dir(q), "eq", int.from_bytes(raw, "little"))
        if a == "encaps":
            code = names.prefix_lookup(names.ENCAPS_CODES, name)
            if code is None:
                raise self.fail(f'unknown encapsulation "{name}"', t)
            return Compare("encaps", _dir(q), "eq", code)
        if a in REJECTED_FIELDS:
            raise self.fail(f'"{a}" is not supported by argus 3.0.8', t)
        raise self.fail(f'"{name}" is not a value for "{a}"', t)

    def resolve(self, name: str, q: Qual, t: Token) -> Node:
        found = names.addresses(name)
        if not found:
            raise self.fail(f'host "{name}" unknown', t)
        out: Node | None = None
        for fam, packed in dict.fromkeys(found):
            if fam == socket.AF_INET:
                n = Address("ipv4", _dir(q), "ipv4", packed, b"\xff" * 4)
            else:
                n = Address("ipv6", _dir(q), "ipv6", packed, b"\xff" * 16)
            out = n if out is None else Or(out, n)
        assert out is not None
        return out

    def port_name(self, name: str, q: Qual, t: Token) -> Node:
        proto = self.port_proto(q, t)
        if "-" in name:
            lo_text, _, hi_text = name.partition("-")
            lo = _strtol(lo_text)
            if lo is None:
                raise self.fail(f'bad port range "{name}"', t)
            node: Node = Port(proto, _dir(q), "ge", lo & 0xFFFFFFFF)
            hi = _strtol(hi_text)
            if hi is not None:
                node = And(node, Port(proto, _dir(q), "le", hi & 0xFFFFFFFF))
            return node
        found = names.port_by_name(name)
        if found is None:
            raise self.fail(f'unknown port "{name}"', t)
        port, real = found
        if proto in ("udp", "rtp", "rtcp", "udt"):
            if real == "tcp":
                raise self.fail(f'port "{name}" is tcp', t)
            real = "udp"
        elif proto == "tcp":
            if real == "udp":
                raise self.fail(f'port "{name}" is udp', t)
            real = "tcp"
        if real not in ("tcp", "udp", "any", "rtp", "rtcp", "udt"):
            raise self.fail(f'port "{name}" is {real}', t)
        return Port(real, _dir(q), "eq", port)

    def gateway(self, name: str, q: Qual, t: Token) -> Node:
        mac = names.ether_by_name(name)
        if mac is None:
            raise self.fail(f'unknown ether host "{name}"', t)
        if q.proto not in ("", "ip", "ipv4", "arp", "rarp"):
            raise self.fail(f'"{q.proto}" cannot qualify "gateway"', t)
        found = names.addresses(name)
        if not found:
            raise self.fail(f'host "{name}" unknown', t)
        out: Node | None = None
        for fam, packed in dict.fromkeys(found):
            if fam != socket.AF_INET:
                raise self.fail("IPv6 gateways are not supported by argus 3.0.8", t)
            n: Node = And(EtherAddress("or", mac), Not(Address("ipv4", "or", "ipv4", packed, b"\xff" * 4)))
            out = n if out is None else Or(out, n)
        assert out is not None
        return out

    def proto_name(self, name: str, q: Qual, t: Token) -> Node:
        p = q.proto
        if p in ("", "ip", "ipv4", "ipv6"):
            num = names.protocol_number(name)
            if num is None:
                raise self.fail(f'unknown protocol "{name}"', t)
            return Protocol(p, num)
        if p == "link":
            num = names.ETHERTYPE_NUMBERS.get(name)
            if num is None:
                raise self.fail(f'unknown ether protocol "{name}"', t)
            return Protocol("link", num)
        return self.protocol(q, 0, t)

    def mcode(self, a: Token, m: Token | None, masklen: int, q: Qual) -> Node:
        if q.addr != "net":
            raise self.fail("mask syntax is for networks only", a)
        text = str(a.value)
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise self.fail(f'bad address "{text}"', a) from None
        if m is not None:
            try:
                mask_ip = ipaddress.ip_address(str(m.value))
            except ValueError:
                raise self.fail(f'bad mask "{m.value}"', m) from None
            mask = mask_ip.packed
        else:
            bits = 32 if ip.version == 4 else 128
            if not 0 <= masklen <= bits:
                raise self.fail(f"bad mask length {masklen}", a)
            mask = ((((1 << bits) - 1) << (bits - masklen)) & ((1 << bits) - 1)).to_bytes(bits // 8, "big")
        fam = "ipv4" if ip.version == 4 else "ipv6"
        return self.address(q, fam, ip.packed, mask, a)

    def ecode(self, text: str, q: Qual, t: Token) -> Node:
        mac = bytes(int(x, 16) for x in text.split(":"))
        if q.proto == "link" and q.addr in ("", "host"):
            return EtherAddress(_dir(q), mac)
        if q.proto == "arp" and q.addr == "host":
            return ArpHardware(mac)
        if q.proto in ("link", "arp"):
            # 3.0.8 generates no test here: alone it accepts everything
            self.null_blocks.append(t)
            return Const(True)
        raise self.fail("ethernet address used in non-ether expression", t)

    # -- constant arithmetic -------------------------------------------------------------
    def relation(self) -> Node:
        """``arth relop arth`` with constants only (3.0.8 folds it to a constant)."""
        a = self.arith()
        t = self.cur
        if t.kind not in _REL_SYMBOLS:
            raise self.unexpected()
        self.advance()
        b = self.arith()
        rel = _REL_SYMBOLS[t.kind]
        ok = {
            "gt": a > b,
            "lt": a < b,
            "eq": a == b,
            "ge": a >= b,
            "le": a <= b,
            "ne": a != b,
        }[rel]
        return Const(ok)

    def arith(self, level: int = 0) -> int:
        levels = [("|",), ("&",), ("LSH", "RSH"), ("+", "-"), ("*", "/")]
        if level == len(levels):
            return self.arith_atom()
        v = self.arith(level + 1)
        while self.cur.kind in levels[level]:
            op = self.advance().kind
            w = self.arith(level + 1)
            if op == "|":
                v |= w
            elif op == "&":
                v &= w
            elif op == "LSH":
                v = (v << (w & 63)) & 0xFFFFFFFFFFFFFFFF
            elif op == "RSH":
                v >>= w & 63
            elif op == "+":
                v += w
            elif op == "-":
                v -= w
            elif op == "*":
                v *= w
            elif w == 0:
                raise self.fail("division by zero")
            else:
                v = int(v / w)
        return v

    def arith_atom(self) -> int:
        t = self.cur
        if t.kind == "NUM":
            self.advance()
            return int(t.value)
        if t.kind == "(":
            self.advance()
            v = self.arith()
            self.expect(")")
            return v
        if t.kind == "LEN" or t.kind == "PNAME":
            raise self.fail("packet-level expressions (len, proto[...]) have no meaning for flow records", t)
        raise self.unexpected()


def _lead(node: Node) -> bool | None:
    """The result when evaluation from the start of the expression meets only constants.

    3.0.8's optimizer folds constant tests (``1 > 0``) only from the first test of
    the program on: ``0 > 1 and tcp`` is rejected ("expression rejects all
    records") while ``tcp and 0 > 1`` is kept (and matches nothing).
    """
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Not):
        inner = _lead(node.operand)
        return None if inner is None else not inner
    if isinstance(node, (And, Or)):
        first = _lead(node.left)
        if first is None:
            return None
        if first == isinstance(node, Or):
            return first
        return _lead(node.right)
    return None


_FAMILY_KEYWORDS = {"tcp": 6, "udp": 17, "icmp": 1, "igmp": 2, "ip": -1, "ipv4": -1, "ipv6": -1, "rarp": -1}


def _family_test(node: Node, fam: int, p4: int, p6: int, etype: int) -> bool | None:
    """`node` for a record of flow family `fam` (1 IPv4, 2 IPv6, 3 ether, 4 ARP) with IP
    protocol `p4`/`p6` and ethertype `etype`; None when it tests anything else
    (constants included: 3.0.8 keeps ``tcp and 0 > 1``)."""
    if isinstance(node, Not):
        v = _family_test(node.operand, fam, p4, p6, etype)
        return None if v is None else not v
    if isinstance(node, (And, Or)):
        a = _family_test(node.left, fam, p4, p6, etype)
        b = _family_test(node.right, fam, p4, p6, etype)
        if a is None or b is None:
            return None
        return (a and b) if isinstance(node, And) else (a or b)
    if isinstance(node, Keyword) and node.name in _FAMILY_KEYWORDS:
        n = _FAMILY_KEYWORDS[node.name]
        if n >= 0:
            return (fam == 1 and p4 == n) or (fam == 2 and p6 == n)
        return {"ip": fam in (1, 2), "ipv4": fam == 1, "ipv6": fam == 2, "rarp": fam == 4}[node.name]
    if isinstance(node, Protocol):
        n = node.number
        if node.qual in ("", "ip"):
            return (fam == 1 and p4 == n) or (fam == 2 and p6 == n)
        if node.qual == "ipv4":
            return fam == 1 and p4 == n
        if node.qual == "ipv6":
            return fam == 2 and p6 == n
        if node.qual == "arp":
            return fam == 4
        special = {0x0800: 1, 0x86DD: 2, 0x0806: 4, 0x8035: 4}
        return fam == special[n] if n in special else (fam == 3 and etype == n)
    return None


def _numbers(node: Node) -> set[int]:
    if isinstance(node, Not):
        return _numbers(node.operand)
    if isinstance(node, (And, Or)):
        return _numbers(node.left) | _numbers(node.right)
    if isinstance(node, Keyword) and _FAMILY_KEYWORDS.get(node.name, -1) >= 0:
        return {_FAMILY_KEYWORDS[node.name]}
    if isinstance(node, Protocol):
        return {node.number}
    return set()


def _contradiction(node: Node) -> bool:
    """True when `node` tests only the flow family and protocol numbers and no record passes.

    3.0.8's optimizer follows these tests along every path of its compiled program
    and rejects such a filter ("expression rejects all records"): ``tcp and udp``,
    ``ipv4 and ipv6``, ``tcp and not ip``. (It can also fold contradictions among
    other tests, depending on the shape of the program; those are not reproduced.)
    """
    nums = sorted(_numbers(node) | {-1})
    for fam in (0, 1, 2, 3, 4, 5):
        for p4 in nums:
            for p6 in nums:
                for et in nums:
                    v = _family_test(node, fam, p4, p6, et)
                    if v is None or v:
                        return False
    return True


def _atoin(s: str) -> tuple[int, int]:
    """Argus's ``__argus_atoin``: dotted decimal (digits not checked), value and bit length."""
    addr, length = 0, 0
    for part in s.split("."):
        n = 0
        for c in part:
            n = n * 10 + (ord(c) - ord("0"))
        addr = ((addr << 8) | (n & 0xFF)) & 0xFFFFFFFF
        length += 8
    return addr, min(length, 32)


def _strtol(s: str) -> int | None:
    """``strtol(s, &end, 10)``: the leading decimal number, None when there is none."""
    i = 0
    while i < len(s) and s[i] in " \t":
        i += 1
    j = i
    if j < len(s) and s[j] in "+-":
        j += 1
    k = j
    while k < len(s) and s[k].isdigit():
        k += 1
    if k == j:
        return None
    return int(s[i:k])


def _f32(x: float) -> float:
    import struct

    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def parse_filter(text: str) -> Node:
    """Parse an ra filter expression (Argus 3.0.8 syntax) into a tree; FilterError when 3.0.8 would reject it."""
    try:
        return Parser(text).parse()
    except _Fail as e:
        raise FilterError(text, e.pos, e.problem) from None
