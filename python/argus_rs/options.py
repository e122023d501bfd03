"""Sensor options: argus.conf names in, the compiled core's option names out.

The user-facing names follow the ``argus.conf`` directives of Argus 3 with the
``ARGUS_`` prefix dropped and the rest lowercased (``ARGUS_FLOW_STATUS_INTERVAL``
becomes ``flow_status_interval``).  Both spellings are accepted, so a directive
copied from an ``argus.conf`` works as a keyword argument too.  A value of
``None`` means "not set" (the core's default applies).

Every bad name or value raises :class:`ValueError` with a one-line message that
names the option and the value.

>>> to_core_options(flow_status_interval="10", generate_jitter_data="yes")
{'status_interval': 10.0, 'jitter': True}
"""

from __future__ import annotations

import difflib
import math
import re
import socket
import struct
from collections.abc import Callable, Iterable
from typing import Literal

__all__ = [
    "FLOW_KEYS",
    "OPTION_NAMES",
    "MonitorIdKind",
    "normalize_name",
    "parse_bool",
    "parse_flow_key",
    "parse_flow_type",
    "parse_monitor_id",
    "to_core_options",
]

#: Flow-key components recognised by ``ARGUS_FLOW_KEY``.
FLOW_KEYS: tuple[str, ...] = (
    "CLASSIC_5_TUPLE",
    "LAYER_2",
    "LOCAL_MPLS",
    "COMPLETE_MPLS",
    "VLAN",
    "LAYER_2_MATRIX",
    "LAYER_3_MATRIX",
)

#: How an ``ARGUS_MONITOR_ID`` value was given (the Argus source-id type).
MonitorIdKind = Literal["int", "ipv4", "string"]

_U32_MAX = 0xFFFF_FFFF
#: Upper bound for ``capture_data_len`` (bytes of user payload per direction).
_MAX_CAPTURE_DATA_LEN = 65535

_TRUE_WORDS = frozenset({"yes", "y", "true", "t", "on", "1"})
_FALSE_WORDS = frozenset({"no", "n", "false", "f", "off", "0"})


def _fail(name: str, value: object, expected: str) -> ValueError:
    return ValueError(f"invalid value for option {name}: {value!r} ({expected})")


def parse_bool(name: str, value: object) -> bool:
    """A yes/no option: ``True``/``False``, ``0``/``1``, or yes/no, true/false, on/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _fail(name, value, "expected yes or no")


def _parse_seconds(name: str, value: object, *, allow_zero: bool) -> float:
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    bound = ">= 0" if allow_zero else "> 0"
    if number is None or not math.isfinite(number):
        raise _fail(name, value, f"expected a number of seconds {bound}")
    if number < 0 or (number == 0 and not allow_zero):
        raise _fail(name, value, f"expected a number of seconds {bound}")
    return number


def _interval(name: str, value: object) -> float:
    return _parse_seconds(name, value, allow_zero=False)


def _timeout(name: str, value: object) -> float:
    return _parse_seconds(name, value, allow_zero=True)


def _capture_data_len(name: str, value: object) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    if number is None or not 0 <= number <= _MAX_CAPTURE_DATA_LEN:
        raise _fail(name, value, f"expected a byte count from 0 to {_MAX_CAPTURE_DATA_LEN}")
    return number


def parse_flow_type(name: str, value: object) -> bool:
    """``Bidirectional``/``Unidirectional`` (prefix ``Bi``/``Uni``, any case) -> unidirectional?"""
    if isinstance(value, str):
        word = value.strip().lower()
        if word.startswith("bi"):
            return False
        if word.startswith("uni"):
            return True
    raise _fail(name, value, "expected Bidirectional or Unidirectional")


def parse_flow_key(name: str, value: object) -> list[str]:
    """``"CLASSIC_5_TUPLE+VLAN"``, ``"LAYER_2 VLAN"`` or a list of components."""
    parts: list[object]
    if isinstance(value, str):
        parts = [p for p in re.split(r"[+\s]+", value) if p]
    elif isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            if isinstance(item, str):
                parts.extend(p for p in re.split(r"[+\s]+", item) if p)
            else:
                parts.append(item)
    else:
        raise _fail(name, value, "expected components joined by '+', e.g. CLASSIC_5_TUPLE+VLAN")
    if not parts:
        raise _fail(name, value, "expected at least one of " + ", ".join(FLOW_KEYS))
    keys: list[str] = []
    for part in parts:
        key = part.upper() if isinstance(part, str) else None
        if key not in FLOW_KEYS:
            raise _fail(name, value, f"unknown flow key {part!r}; known: " + ", ".join(FLOW_KEYS))
        if key not in keys:
            keys.append(key)
    return keys


def _resolve_ipv4(host: str) -> int | None:
    try:
        infos = socket.getaddrinfo(host, None, family=socket.AF_INET)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = info[4][0]
        if isinstance(address, str):
            return int(struct.unpack("!I", socket.inet_aton(address))[0])
    return None


def parse_monitor_id(value: object, name: str = "monitor_id") -> tuple[int, MonitorIdKind]:
    """The Argus ``-e`` / ``ARGUS_MONITOR_ID`` forms, as ``(u32 value, kind)``.

    Tried in the order Argus 3.0.8.2 tries them:

    * ``'"abcd"'`` (in double quotes): a string id, cut to 4 characters, its bytes
      packed big-endian and zero-padded (``"ab"`` -> ``0x61620000``);
    * a decimal integer (``42``; a Python ``int`` too): an integer id, 0 .. 2**32-1;
    * an IPv4 address in any ``inet_aton`` form (``10.0.0.1``): its 32-bit value;
    * (deviation) an unquoted string of at most 4 characters: a string id, as if quoted;
    * a longer name: resolved to an IPv4 address, as Argus does.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= _U32_MAX:
            return value, "int"
        raise _fail(name, value, "an integer id must be from 0 to 4294967295")
    if not isinstance(value, str):
        raise _fail(name, value, "expected an integer, an IPv4 address or a string of up to 4 characters")
    text = value.strip()
    if text.startswith('"'):
        inner = text[1:]
        if inner.endswith('"'):
            inner = inner[:-1]
        return _pack_string_id(name, value, inner), "string"
    if not text or not text[0].isalnum() or any(ch.isspace() for ch in text):
        raise _fail(name, value, "expected an integer, an IPv4 address or a string of up to 4 characters")
    if text.isascii() and text.isdigit():
        number = int(text)
        if number > _U32_MAX:
            raise _fail(name, value, "an integer id must be from 0 to 4294967295")
        return number, "int"
    if text.isascii():
        try:
            packed = socket.inet_aton(text)
        except OSError:
            pass
        else:
            return int(struct.unpack("!I", packed)[0]), "ipv4"
    if len(text) <= 4:
        return _pack_string_id(name, value, text), "string"
    resolved = _resolve_ipv4(text)
    if resolved is None:
        raise _fail(
            name,
            value,
            "not an integer, an IPv4 address, a string of up to 4 characters or a resolvable host name",
        )
    return resolved, "ipv4"


def _pack_string_id(name: str, original: object, text: str) -> int:
    data = text.encode("utf-8")[:4]
    if not data:
        raise _fail(name, original, "a string id needs 1 to 4 characters")
    return int.from_bytes(data.ljust(4, b"\0"), "big")


def _flow_count(name: str, value: object) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    if number is None or number < 0:
        raise _fail(name, value, "expected a number of flows, 0 for no limit")
    return number


def _memory_size(name: str, value: object) -> int:
    """Bytes, with an optional K/M/G suffix (x 10^3, 10^6, 10^9, as ARGUS_PCAP_BUF_SIZE)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.fullmatch(r"\s*(\d+)([KkMmGg]?)\s*", value) if isinstance(value, str) else None
    if not match:
        raise _fail(name, value, "expected a byte count with an optional K, M or G suffix, 0 for no limit")
    return int(match.group(1)) * {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[match.group(2).lower()]


def _monitor_id(name: str, value: object) -> int:
    return parse_monitor_id(value, name)[0]


_Converter = Callable[[str, object], object]

#: user-facing name -> (core option name, converter)
_OPTIONS: dict[str, tuple[str, _Converter]] = {
    "flow_status_interval": ("status_interval", _interval),
    "mar_status_interval": ("mar_interval", _interval),
    "tcp_timeout": ("tcp_timeout", _timeout),
    "ip_timeout": ("ip_timeout", _timeout),
    "icmp_timeout": ("icmp_timeout", _timeout),
    "igmp_timeout": ("igmp_timeout", _timeout),
    "frag_timeout": ("frag_timeout", _timeout),
    "arp_timeout": ("arp_timeout", _timeout),
    "other_timeout": ("other_timeout", _timeout),
    "generate_appbyte_metric": ("appbytes", parse_bool),
    "generate_jitter_data": ("jitter", parse_bool),
    "generate_mac_data": ("mac", parse_bool),
    "generate_packet_size": ("packet_size", parse_bool),
    "capture_data_len": ("user_data_len", _capture_data_len),
    "generate_start_records": ("start_records", parse_bool),
    "flow_type": ("unidirectional", parse_flow_type),
    "flow_key": ("flow_key", parse_flow_key),
    "generate_tcp_perf_metric": ("tcp_perf", parse_bool),
    "generate_bidirectional_timestamps": ("bidirectional_timestamps", parse_bool),
    "monitor_id": ("monitor_id", _monitor_id),
    "track_duplicates": ("track_duplicates", parse_bool),
    # argus-rs extensions (docs/memory.md): the open-flow cap
    "max_flows": ("max_flows", _flow_count),
    "max_flow_memory": ("max_flow_memory", _memory_size),
}

#: The user-facing option names, in argus.conf order.
OPTION_NAMES: tuple[str, ...] = tuple(_OPTIONS)


def normalize_name(name: str) -> str:
    """``ARGUS_FLOW_KEY`` / ``Flow_Key`` -> ``flow_key``; unknown names raise ValueError."""
    key = name.strip().lower()
    if key.startswith("argus_"):
        key = key[len("argus_") :]
    if key not in _OPTIONS:
        hint = difflib.get_close_matches(key, OPTION_NAMES, n=1)
        suggestion = f"; did you mean {hint[0]}?" if hint else "; known options: " + ", ".join(OPTION_NAMES)
        raise ValueError(f"unknown option {name!r}{suggestion}")
    return key


def to_core_options(**user: object) -> dict[str, object]:
    """Validate argus.conf-style options and map them to the compiled core's names.

    Options whose value is ``None`` are left out.  Raises ValueError on an unknown
    option, on one given twice (``flow_key`` and ``ARGUS_FLOW_KEY``), or on a bad value.
    """
    return options_from_items(user.items())


def options_from_items(items: Iterable[tuple[str, object]]) -> dict[str, object]:
    """Like :func:`to_core_options`, from ``(name, value)`` pairs."""
    seen: dict[str, str] = {}
    core: dict[str, object] = {}
    for name, value in items:
        key = normalize_name(name)
        if key in seen:
            raise ValueError(f"option {key} given twice (as {seen[key]!r} and {name!r})")
        seen[key] = name
        if value is None:
            continue
        core_name, convert = _OPTIONS[key]
        core[core_name] = convert(key, value)
        if key == "monitor_id":
            # how the id was given decides how records and MARs label it
            core["monitor_id_kind"] = parse_monitor_id(value, key)[1]
    return core
