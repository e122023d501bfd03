"""Name lookups the filter compiler does, as Argus 3.0.8 does them (services, networks,
protocols, hosts, ethertype, DSCP and encapsulation names)."""

from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path

#: ra's ethertype names (first number of the name's range), for ``ether proto NAME``.
ETHERTYPE_NUMBERS: dict[str, int] = {
    "llc": 0, "ipx": 100, "clns": 129, "esis": 130, "isis": 131, "nullns": 132, "exp": 257, "drip": 258,
    "pup": 512, "pupat": 513, "nix": 1024, "idp": 1536, "dlog": 1632, "ip": 2048, "x75": 2049, "nbs": 2050,
    "ecma": 2051, "chaos": 2052, "x25": 2053, "arp": 2054, "xnscp": 2055, "frarp": 2056, "symbl": 2076,
    "xyplx": 2184, "ubdeb": 2304, "pup.3": 2560, "vines": 2989, "vinlb": 2990, "vinec": 2991, "brktn": 4096,
    "brkte": 4097, "valid": 5632, "train": 6532, "cdp": 8192, "cgmp": 8193, "vtp": 8195, "cent": 9298,
    "nbp": 15367, "pcs": 16962, "bbn": 21000, "decun": 24576, "decdl": 24577, "decrc": 24578, "decro": 24579,
    "lat": 24580, "decdp": 24581, "deccp": 24582, "lavc": 24583, "3com": 24586, "trans": 25944, "rawfr": 25945,
    "dbdwn": 28672, "ubdia": 28674, "lrt": 28704, "prote": 28720, "cable": 28724, "cronv": 32771, "crond": 32772,
    "hppro": 32773, "nesta": 32774, "att": 32776, "excel": 32784, "sgid": 32787, "sging": 32788, "sgres": 32789,
    "sgibs": 32790, "apld": 32793, "tym": 32815, "tigan": 32816, "rarp": 32821, "aeon": 32822, "declb": 32824,
    "decee": 32829, "dectm": 32831, "plan": 32836, "expd": 32841, "Vexp": 32859, "Vprod": 32860, "es": 32861,
    "ltlm": 32864, "count": 32866, "um": 32869, "veeco": 32871, "gd": 32872, "autop": 32874, "comd": 32876,
    "comgr": 32877, "land": 32878, "matra": 32890, "dansk": 32891, "merit": 32892, "vtlnk": 32893, "atalk": 32923,
    "data": 32924, "spidr": 32927, "siem": 32932, "dcaex": 32960, "ban": 32964, "pacer": 32966, "appli": 32967,
    "intrg": 32968, "haris": 32973, "taylr": 32975, "rose": 32979, "sna": 32981, "varin": 32989, "trfs": 32990,
    "allen": 32992, "retix": 33010, "aarp": 33011, "kinet": 33012, "aplo": 33015, "wcp": 33023, "well": 33024,
    "hayes": 33072, "vglab": 33073, "brdg": 33074, "ipx/spx": 33079, "kti": 33081, "logic": 33096, "ncd": 33097,
    "alpha": 33098, "snmp": 33100, "biin": 33101, "elite": 33103, "ratnl": 33104, "qual": 33105, "cprot": 33108,
    "crd": 33124, "xtp": 33149, "sgitw": 33150, "hippi": 33152, "stp": 33153, "h6400": 33154, "sgi": 33156,
    "mot": 33165, "arai": 33188, "rad": 33189, "apri": 33228, "arti": 33238, "poly": 33254, "comst": 33264,
    "saic": 33267, "vg": 33270, "ismp": 33277, "quant": 33283, "ascom": 33313, "aes": 33342, "athen": 33407,
    "iiit": 33434, "tarus": 33436, "wrq": 33452, "ideac": 34452, "cnt": 34462, "gtway": 34467, "sectr": 34523,
    "delta": 34526, "ipv6": 34525, "atom": 34527, "lgp": 34528, "cwl": 34605, "compr": 34667, "ipas": 34668,
    "sdata": 34669, "mac": 34824, "slow": 34825, "ppp": 34827, "mplsu": 34887, "mplsm": 34888, "pppoe": 34915,
    "ans": 34925, "nlb": 34927, "cdma": 34945, "eapol": 34958, "prof": 34962, "hscsi": 34970, "csm": 34971,
    "aoe": 34978, "brd": 34990, "oui": 34999, "gse": 35000, "rsn": 35015, "tipc": 35018, "lldp": 35020,
    "3gpp": 35026, "invis": 35478, "loop": 36864, "xnssm": 36865, "3coms": 36866, "3coml": 36867, "rtmac": 36897,
    "rtcfg": 36898, "nrludt": 48879, "fcft": 64764, "ramo": 65280, "*": 65535,
}  # fmt: skip

#: IANA DSCP names, in the order Argus matches them (``dsb NAME``: the name must start with the label).
DSCP_CODES: list[tuple[str, int]] = [
    ("cs0", 0x00), ("cs1", 0x08), ("cs2", 0x10), ("cs3", 0x18), ("cs4", 0x20), ("cs5", 0x28), ("cs6", 0x30),
    ("cs7", 0x38), ("af11", 0x0A), ("af12", 0x0C), ("af13", 0x0E), ("af21", 0x12), ("af22", 0x14),
    ("af23", 0x16), ("af31", 0x1A), ("af32", 0x1C), ("af33", 0x1E), ("af41", 0x22), ("af42", 0x24),
    ("af43", 0x26), ("ef", 0x2E),
]  # fmt: skip

#: Encapsulation names and their bits in the ENCAPS data (``encaps NAME``, same prefix rule).
ENCAPS_CODES: list[tuple[str, int]] = [
    ("mpls", 0x01), ("eth", 0x02), ("802q", 0x04), ("llc", 0x08), ("pppoe", 0x10), ("isl", 0x20), ("gre", 0x40),
    ("ah", 0x80), ("ipnip", 0x100), ("ipnip6", 0x200), ("hdlc", 0x400), ("chdlc", 0x800), ("atm", 0x1000),
    ("sll", 0x2000), ("fddi", 0x4000), ("slip", 0x8000), ("arc", 0x10000), ("wlan", 0x20000),
    ("prism", 0x40000), ("avs", 0x80000), ("lrh", 0x100000), ("grh", 0x200000), ("teredo", 0x400000),
    ("udt", 0x800000), ("ipsec", 0x1000000), ("juniper", 0x2000000), ("erspan", 0x4000000),
]  # fmt: skip


def prefix_lookup(table: list[tuple[str, int]], name: str) -> int | None:
    """Argus's ``strncasecmp(label, name, strlen(label))`` walk: the first label `name` starts with."""
    low = name.lower()
    for label, code in table:
        if low.startswith(label):
            return code
    return None


def _entries(path: str) -> list[list[str]]:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return []
    return [line.split("#", 1)[0].split() for line in text.splitlines() if line.split("#", 1)[0].strip()]


@lru_cache(maxsize=1)
def _services() -> list[tuple[list[str], int, str]]:
    out = []
    for f in _entries("/etc/services"):
        if len(f) >= 2 and "/" in f[1]:
            port, _, proto = f[1].partition("/")
            if port.isdigit():
                out.append(([f[0], *f[2:]], int(port), proto))
    return out


def getservbyname(name: str, proto: str | None) -> tuple[int, str] | None:
    """(port, protocol name) of the first /etc/services entry for `name` (and `proto`, if given)."""
    for names, port, p in _services():
        if name in names and (proto is None or p == proto):
            return port, p
    return None


def port_by_name(name: str) -> tuple[int, str] | None:
    """Argus's ``argus_nametoport``: (port, ``"tcp"``/``"udp"``/``"any"``/other protocol), or None.

    The first entry decides the port and protocol; when the name also exists for the
    other of TCP/UDP with the same port it means both (``"any"``); with another port
    the name is unknown.
    """
    first = getservbyname(name, None)
    if first is None:
        return None
    port, proto = first
    other = getservbyname(name, "udp" if proto == "tcp" else "tcp")
    if other is not None:
        if other[0] != port:
            return None
        return port, "any"
    return port, proto


def protocol_number(name: str) -> int | None:
    """``getprotobyname``: an IP protocol number by name."""
    try:
        return socket.getprotobyname(name)
    except OSError:
        return None


def _inet_network(text: str) -> int | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    value = 0
    for p in parts:
        try:
            n = int(p, 0) if p.lower().startswith("0x") else int(p, 8 if len(p) > 1 and p.startswith("0") else 10)
        except ValueError:
            return None
        if not 0 <= n <= 255:
            return None
        value = (value << 8) | n
    return value


def network_by_name(name: str) -> int | None:
    """``getnetbyname``: the network number of an /etc/networks entry (None when absent)."""
    for f in _entries("/etc/networks"):
        if len(f) >= 2 and (name == f[0] or name in f[2:]):
            return _inet_network(f[1])
    return None


def ether_by_name(name: str) -> bytes | None:
    """``ether_hostton``: a MAC address from /etc/ethers (None when absent)."""
    for f in _entries("/etc/ethers"):
        if len(f) >= 2 and f[1] == name:
            try:
                mac = bytes(int(x, 16) for x in f[0].split(":"))
            except ValueError:
                continue
            if len(mac) == 6:
                return mac
    return None


def addresses(name: str, family: int = 0) -> list[tuple[int, bytes]] | None:
    """``getaddrinfo(name)``: (family, packed address) pairs in resolver order (None when unknown)."""
    try:
        infos = socket.getaddrinfo(name, None, family)
    except (OSError, UnicodeError):
        return None
    out: list[tuple[int, bytes]] = []
    for fam, _type, _proto, _canon, sa in infos:
        if fam == socket.AF_INET:
            out.append((fam, socket.inet_pton(socket.AF_INET, str(sa[0]))))
        elif fam == socket.AF_INET6:
            out.append((fam, socket.inet_pton(socket.AF_INET6, str(sa[0]).split("%", 1)[0])))
    return out
