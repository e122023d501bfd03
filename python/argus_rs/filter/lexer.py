"""Tokens of the ra filter language, split the way Argus 3.0.8's scanner splits them.

At every position the longest match wins; on a tie the earlier rule below wins
(keywords before identifiers, dotted quads before identifiers, ...). That is
what makes ``10.0.0.1`` an address, ``1.5`` a float, ``1.2.3`` a name,
``53-80`` a single word (a port range) and ``tcpx`` a name rather than ``tcp``.
Keywords are case sensitive (``TCP`` is a name).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from argus_rs.filter.errors import FilterError

#: Word → (token kind, canonical value). Kinds: the grammar classes of the parser.
KEYWORDS: dict[str, tuple[str, str]] = {}


def _add(kind: str, *words: str, value: str | None = None) -> None:
    for w in words:
        KEYWORDS[w] = (kind, value if value is not None else w)


# record causes and types, flow states and other no-argument primitives
_add("SNAME", "start", "init", value="start")
_add("SNAME", "stop", "status", "error", "far", "event", "index", "svc", "normal", "wait")
_add("SNAME", "shut", value="shutdown")
_add("SNAME", "man", "mar", value="man")
_add("SNAME", "synack", "finack", "timeout", "icmpmap", "echo", "unreach", "redirect", "timexed")
_add("SNAME", "rtr", "mbr", "lvg", "cocode")
_add("SNAME", "est", value="est")
_add("SNAME", "con", "avail", value="con")
_add("SNAME", "cor", "corolated", value="cor")
# direction
_add("SRC", "src")
_add("DST", "dst")
# protocol qualifiers (and keywords on their own)
_add("PNAME", "link", "ppp", "slip", "fddi", "ether", value="link")
_add("PNAME", "arp", "rarp", "ip", "ipv4", "ipv6", "tcp", "udp", "udt", "rtp", "rtcp", "icmp", "igmp")
_add("PNAME", "mpls", "vlan", "anon", "isis")
# address types
_add("AQUAL", "host", "srcid", "inode", "net")
# integer attributes
_add("IQUAL", "port", "ipid", "ttl", "tos", "co", "vid", "vpri", "mid", "trans", "tcprtt", "spi", "encaps")
_add("IQUAL", "dsb", "dsbyte", value="dsb")
_add("IQUAL", "pkt", "pkts", value="pkts")
_add("IQUAL", "byte", "bytes", value="bytes")
_add("IQUAL", "data", "appbyte", "appbytes", value="appbytes")
_add("IQUAL", "nstroke", "nstrokes", value="nstroke")
_add("IQUAL", "tcpb", "base", value="tcpb")
_add("IQUAL", "deldur", "loss", "gap", "seq")
# 3.0.8's scanner maps both delstime and delltime to the "last" delta.
_add("IQUAL", "delstime", "delltime", value="delltime")
# float attributes
_add("FQUAL", "rate", "load", "dur", "avgdur", "ploss", "intpktact", "intpktidle", "jitact", "jitidle")
_add("FQUAL", "inter", "intpkt", value="inter")
_add("FQUAL", "jit", "jitter", value="jit")
_add("FQUAL", "pcr", "pcratio", "abr", "abratio", value="pcr")
_add("FQUAL", "as", "asn", value="asn")
_add("GATEWAY", "gateway")
_add("PROTO", "proto")
_add("MASK", "mask")
# comparison words
_add("EQ", "eq", "equal", value="eq")
_add("LT", "lt", "less", value="lt")
_add("LE", "lte", value="le")
_add("GT", "gt", "greater", value="gt")
_add("GE", "gte", value="ge")
_add("BROADCAST", "broadcast")
_add("MULTICAST", "multicast")
_add("AND", "and", "&&", value="and")
_add("OR", "or", "||", value="or")
_add("NOT", "not", value="not")
_add("LEN", "len", "length", value="len")
_add("INBOUND", "inbound")
_add("OUTBOUND", "outbound")
# flag-like primitives that take a direction
_add("TNAME", "syn", "fin", "ack", "urg", "ece", "cwr", "push", "ecn", "winshut", "frag", "fragonly")
_add("TNAME", "psnp", "csnp", "lsp", "hello", "dup")
_add("TNAME", "rst", "reset", value="rst")
_add("TNAME", "drop", "retrans", value="retrans")
_add("TNAME", "outoforder", "ooo", value="outoforder")
_add("TNAME", "multipath", "mpath", value="multipath")
# TCP options seen
_add("ONAME", "tcpopt", "mss", "wscale", "selackok", "selack", "tcpecho", "tcpechoreply", "tcptimestamp")
_add("ONAME", "tcpcc", "tcpccnew", "tcpccecho", "secn", "decn")
# words the scanner knows but no rule of the grammar takes
_add("UNUSED", "auth", "recurs", "req", "rsp")

_N = r"(?:0[Xx][0-9A-Fa-f]+|[0-9]+)"
_B = r"[0-9A-Fa-f]{1,2}"
_H4 = r"[0-9A-Fa-f]{1,4}"
_V6 = "|".join(
    [
        rf"(?:{_H4}:){{7}}{_H4}",
        rf"(?:{_H4}:){{6}}:{_H4}",
        rf"(?:{_H4}:){{5}}:(?:{_H4}:)?{_H4}",
        rf"(?:{_H4}:){{4}}:(?:{_H4}:){{0,2}}{_H4}",
        rf"(?:{_H4}:){{3}}:(?:{_H4}:){{0,3}}{_H4}",
        rf"(?:{_H4}:){{2}}:(?:{_H4}:){{0,4}}{_H4}",
        rf"{_H4}::(?:{_H4}:){{0,5}}{_H4}",
        rf"::(?:{_H4}:){{0,6}}{_H4}",
        rf"(?:{_H4}:){{1,7}}:",
    ]
)

#: (kind, pattern) in rule order; the first rule of a tie wins.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(p))
    for kind, p in [
        ("SPACE", r"[ \n\t]"),
        ("CHAR", r"[-+*/:\[\]!<>()&|=]"),
        ("GE_SYM", r">="),
        ("LE_SYM", r"<="),
        ("NE_SYM", r"!="),
        ("EQ_SYM", r"=="),
        ("LSH", r"<<"),
        ("RSH", r">>"),
        ("NUM", rf"\+?{_N}|-{_N}"),
        ("FLOAT", rf"[-+]?\.{_N}|[-+]?{_N}\.{_N}"),
        ("HIDV4", rf"{_N}\.{_N}\.{_N}\.{_N}"),
        ("STRING", rf"\.{_N}\.{_N}\.{_N}\.{_N}"),
        ("EID", rf"{_B}:{_B}:{_B}:{_B}:{_B}:{_B}"),
        ("HIDV6", _V6),
        ("QSTRING", r'"[^*\n]*"'),
        ("ID", r"[A-Za-z0-9][-_.A-Za-z0-9]*[.A-Za-z0-9]"),
        ("ESCAPED", r"\\[^ !()\n\t]+"),
        ("ILLEGAL", r"[^ \[\]\t\n\-_.A-Za-z0-9!<>()&|=]+i"),
    ]
]

_KEYWORD_RE = re.compile(r"[A-Za-z0-9]+|&&|\|\|")


@dataclass(frozen=True)
class Token:
    """One token: its grammar kind, its value (canonical keyword, number, text) and where it starts."""

    kind: str
    value: str | int | float
    pos: int
    text: str


def stoi(s: str) -> int:
    """Argus's string-to-integer: a leading 0 means octal, 0x hex; digits are not checked; 32-bit wrap."""
    i, sign, base, n = 0, 1, 10, 0
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        i = 1
    if s[i : i + 1] == "0" and i + 1 < len(s):
        i += 1
        if s[i] in "xX":
            i += 1
            base = 16
        else:
            base = 8
    for c in s[i:]:
        d = int(c, 16) if c.isdigit() or c.lower() in "abcdef" else ord(c) - ord("0")
        n = (n * base + d) & 0xFFFFFFFF
    if sign < 0:
        n = (-n) & 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def stof(s: str) -> float:
    """Argus's string-to-float for the FLOAT token, step by step in C float arithmetic."""
    i, neg = 0, False
    if s[:1] in "+-":
        neg = s[0] == "-"
        i = 1
    v = 0.0
    while i < len(s) and s[i].isdigit():
        v = _f32(_f32(v * 10) + (ord(s[i]) - ord("0")))
        i += 1
    if i < len(s) and s[i] == ".":
        j = i + 1
        while j < len(s) and s[j].isdigit():
            j += 1
        frac = 0.0
        for c in reversed(s[i + 1 : j]):
            frac = _f32(_f32(frac + (ord(c) - ord("0"))) / 10)
        v = _f32(v + frac)
    return -v if neg else v


def tokenize(text: str) -> list[Token]:
    """All tokens of `text`, then an ``END`` token; FilterError on a character the scanner rejects."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        best_kind, best_len = "", 0
        kw = _KEYWORD_RE.match(text, i)
        kw_len = 0
        if kw:
            # the longest keyword that is a prefix of the word here
            word = kw.group(0)
            for n in range(len(word), 0, -1):
                if word[:n] in KEYWORDS:
                    kw_len = n
                    break
        for kind, rx in _RULES:
            m = rx.match(text, i)
            if m and len(m.group(0)) > best_len:
                best_kind, best_len = kind, len(m.group(0))
        if kw_len and kw_len >= best_len:
            word = text[i : i + kw_len]
            kind, value = KEYWORDS[word]
            out.append(Token(kind, value, i, word))
            i += kw_len
            continue
        if best_len == 0:
            raise FilterError(text, i, f"illegal character {text[i]!r}")
        lexeme = text[i : i + best_len]
        if best_kind == "SPACE":
            pass
        elif best_kind == "ILLEGAL":
            raise FilterError(text, i, f"illegal token {lexeme!r}")
        elif best_kind == "CHAR":
            if lexeme == "!":
                out.append(Token("NOT", "not", i, lexeme))
            else:
                out.append(Token(lexeme, lexeme, i, lexeme))
        elif best_kind == "GE_SYM":
            # the scanner gives ">=" and "gte" (and "<=", "lte") the same token
            out.append(Token("GE", "ge", i, lexeme))
        elif best_kind == "LE_SYM":
            out.append(Token("LE", "le", i, lexeme))
        elif best_kind == "EQ_SYM":
            out.append(Token("=", "=", i, lexeme))
        elif best_kind in ("NE_SYM", "LSH", "RSH"):
            out.append(Token(best_kind, lexeme, i, lexeme))
        elif best_kind == "NUM":
            out.append(Token("NUM", stoi(lexeme), i, lexeme))
        elif best_kind == "FLOAT":
            out.append(Token("FLOAT", stof(lexeme), i, lexeme))
        elif best_kind in ("QSTRING", "STRING"):
            out.append(Token("STRING", lexeme, i, lexeme))
        elif best_kind == "ESCAPED":
            out.append(Token("ID", lexeme[1:], i, lexeme))
        else:
            out.append(Token(best_kind, lexeme, i, lexeme))
        i += best_len
    out.append(Token("END", "", len(text), ""))
    return out
