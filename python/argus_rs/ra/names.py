"""Name tables ra uses when printing: service names of TCP/UDP ports (from
``/etc/services``, first entry of a port wins, as ra's table does) and the
DiffServ code point names of ``sdsb``/``ddsb``."""

from __future__ import annotations

from functools import lru_cache

SERVICES = "/etc/services"


@lru_cache(maxsize=4)
def port_names(path: str = SERVICES) -> tuple[dict[str, str], dict[str, str]]:
    """(tcp, udp): port number as text -> service name."""
    tcp: dict[str, str] = {}
    udp: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return tcp, udp
    for text in lines:
        line = text.split("#", 1)[0].split()
        if len(line) < 2 or "/" not in line[1]:
            continue
        port, _, proto = line[1].partition("/")
        if not port.isdigit():
            continue
        key = str(int(port))
        table = tcp if proto == "tcp" else udp if proto == "udp" else None
        if table is not None and key not in table:
            table[key] = line[0]
    return tcp, udp


_DSCP = {
    0: "cs0",
    8: "cs1",
    16: "cs2",
    24: "cs3",
    32: "cs4",
    40: "cs5",
    48: "cs6",
    56: "cs7",
    10: "af11",
    12: "af12",
    14: "af13",
    18: "af21",
    20: "af22",
    22: "af23",
    26: "af31",
    28: "af32",
    30: "af33",
    34: "af41",
    36: "af42",
    38: "af43",
    46: "ef",
}


#: ra's -M disa table (US DISA DiffServ classes)
_DISA = {
    40: "US",
    46: "Voice",
    48: "NC",
    16: "OAM",
    38: "Video",
    26: "SMMS",
    28: "SMMS",
    30: "SMMS",
    32: "SM",
    25: "HPMMS",
    9: "HPHTD",
    17: "HPLLD",
    10: "SHTD",
    12: "SHTD",
    14: "SHTD",
    18: "SHLLD",
    20: "SHLLD",
    22: "SHLLD",
    0: "BE",
}


@lru_cache(maxsize=2)
def dscp_names(disa: bool = False) -> dict[str, str]:
    """DSCP value (text) -> name, for the code points ra names (``-M disa``: DISA's names)."""
    return {str(k): v for k, v in (_DISA if disa else _DSCP).items()}
