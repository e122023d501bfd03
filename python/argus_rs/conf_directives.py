"""What each ``argus.conf`` directive means: its value type and where it goes (reference §1.4).

:data:`DIRECTIVES` lists every ``ARGUS_*`` variable argus 3.0.8.2 recognises.
Each entry says how its value is checked (a bad value is a :class:`ValueError`
with a one-line reason; the caller adds ``FILE:LINE``) and what becomes of it:

* ``core``: an engine option, converted by :mod:`argus_rs.options`;
* ``sensor``: a field of the sensor's settings that argus-rs honours;
* ``live``: a field only live capture or the remote-access server use;
* ``ignored``: accepted and checked, without effect (docs/conf.md says why).

docs/conf.md is the human-readable copy of this table.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from argus_rs.options import parse_bool

__all__ = ["DIRECTIVES", "Directive", "Status", "parse_buffer_size", "parse_keystroke_conf"]

Status = Literal["core", "sensor", "live", "ignored"]
Parser = Callable[[str, str], object]


@dataclass(frozen=True)
class Directive:
    #: field of SensorSettings (or the engine option's user-facing name for ``core``)
    field: str
    parse: Parser
    status: Status
    #: the argus command-line letter with the same meaning, if any
    letter: str | None = None


def _text(name: str, value: str) -> str:
    if not value:
        raise ValueError(f"{name}: expected a value")
    return value


def _any(name: str, value: str) -> str:
    return value


def _bool(name: str, value: str) -> bool:
    return parse_bool(name, value)


def _uint(upper: int) -> Parser:
    def parse(name: str, value: str) -> int:
        if not re.fullmatch(r"\d+", value) or int(value) > upper:
            raise ValueError(f"{name}: expected a whole number from 0 to {upper}, got {value!r}")
        return int(value)

    return parse


def _addresses(name: str, value: str) -> list[str]:
    words = [w for w in re.split(r"[,\s]+", value) if w]
    if not words:
        raise ValueError(f"{name}: expected one or more addresses, comma separated")
    for word in words:
        try:
            ipaddress.ip_address(word)
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", word):
                raise ValueError(f"{name}: {word!r} is not an IP address or host name") from None
    return words


def _output_stream(name: str, value: str) -> str:
    if not re.match(r"(argus-)?udp://\S+", value):
        raise ValueError(f"{name}: expected argus-udp://HOST[:PORT] [FILTER], got {value!r}")
    return value


def _env(name: str, value: str) -> tuple[str, str]:
    key, sep, rest = value.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise ValueError(f"{name}: expected NAME=value, got {value!r}")
    return key, rest


def _account(name: str, value: str) -> str:
    # a user or group name, or a numeric id; whether it exists is checked when it is used
    if not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.$-]*", value):
        raise ValueError(f"{name}: expected a name or a numeric id, got {value!r}")
    return value


def parse_buffer_size(name: str, value: str) -> int:
    """``ARGUS_PCAP_BUF_SIZE``: bytes, with an optional K/M/G suffix (x 10^3, 10^6, 10^9 as argus)."""
    match = re.fullmatch(r"(\d+)([KkMmGg]?)", value)
    if not match:
        raise ValueError(f"{name}: expected a byte count with an optional K, M or G suffix, got {value!r}")
    scale = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[match.group(2).lower()]
    return int(match.group(1)) * scale


def _keystroke(name: str, value: str) -> str:
    word = value.lower()
    if word not in ("yes", "tcp", "ssh", "no"):
        raise ValueError(f"{name}: expected yes, tcp, ssh or no, got {value!r}")
    return word


#: ARGUS_KEYSTROKE_CONF names, with whether their value is a float (else a whole number)
_KEYSTROKE_NAMES = {
    "DC_MIN": False,
    "DC_MAX": False,
    "GS_MAX": False,
    "DS_MIN": False,
    "DS_MAX": False,
    "GPC_MAX": False,
    "IC_MIN": False,
    "LCS_MAX": False,
    "ICR_MIN": True,
    "ICR_MAX": True,
    "N_MIN": False,
}


def parse_keystroke_conf(name: str, value: str) -> dict[str, float]:
    """``DC_MIN=48;ICR_MAX=1.122;...``: the keystroke detector's tunables."""
    out: dict[str, float] = {}
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        key, sep, number = part.partition("=")
        key = key.strip().upper()
        if not sep or key not in _KEYSTROKE_NAMES:
            known = ", ".join(_KEYSTROKE_NAMES)
            raise ValueError(f"{name}: expected NAME=value with NAME one of {known}, got {part!r}")
        pattern = r"\d+(\.\d*)?" if _KEYSTROKE_NAMES[key] else r"\d+"
        if not re.fullmatch(pattern, number.strip()):
            raise ValueError(f"{name}: {key} needs a {'number' if _KEYSTROKE_NAMES[key] else 'whole number'}")
        out[key] = float(number)
    return out


def _event_data(name: str, value: str) -> str:
    # method:path|prog:interval[:postproc], interval %d[smhd]
    match = re.fullmatch(r"(file|prog):([^:]+):(\d+)([smhd]?)(:(compress2?))?", value)
    if not match:
        raise ValueError(
            f"{name}: expected file:PATH:INTERVAL or prog:PROGRAM:INTERVAL[:compress|compress2], got {value!r}"
        )
    return value


def _d(field: str, parse: Parser, status: Status, letter: str | None = None) -> Directive:
    return Directive(field, parse, status, letter)


def _c(field: str, letter: str | None = None) -> Directive:
    # engine options are checked by argus_rs.options when settings are resolved
    return Directive(field, _any, "core", letter)


#: every ARGUS_* directive of argus 3.0.8.2, in the order of reference §1.4
DIRECTIVES: dict[str, Directive] = {
    "ARGUS_DAEMON": _d("daemon", _bool, "sensor", "-d"),
    "ARGUS_MONITOR_ID": _c("monitor_id", "-e"),
    "ARGUS_ACCESS_PORT": _d("access_port", _uint(65535), "live", "-P"),
    "ARGUS_BIND_IP": _d("bind_ip", _addresses, "live", "-B"),
    "ARGUS_INTERFACE": _d("interfaces", _text, "live", "-i"),
    "ARGUS_OUTPUT_FILE": _d("outputs", _text, "sensor", "-w"),
    "ARGUS_OUTPUT_STREAM": _d("outputs", _output_stream, "sensor", "-w"),
    "ARGUS_SET_PID": _d("set_pid", _bool, "sensor"),
    "ARGUS_PID_PATH": _d("pid_path", _text, "sensor"),
    "ARGUS_GO_PROMISCUOUS": _d("promiscuous", _bool, "live", "-p"),
    "ARGUS_FLOW_STATUS_INTERVAL": _c("flow_status_interval", "-S"),
    "ARGUS_MAR_STATUS_INTERVAL": _c("mar_status_interval", "-M"),
    "ARGUS_CAPTURE_DATA_LEN": _c("capture_data_len", "-U"),
    "ARGUS_GENERATE_START_RECORDS": _c("generate_start_records"),
    "ARGUS_GENERATE_RESPONSE_TIME_DATA": _d("response_time_data", _bool, "ignored", "-R"),
    "ARGUS_GENERATE_JITTER_DATA": _c("generate_jitter_data", "-J"),
    "ARGUS_GENERATE_MAC_DATA": _c("generate_mac_data", "-m"),
    "ARGUS_DEBUG_LEVEL": _d("debug_level", _uint(8), "ignored", "-D"),
    "ARGUS_FILTER_OPTIMIZER": _d("optimize", _bool, "sensor", "-O"),
    "ARGUS_FILTER": _d("bpf", _any, "sensor"),
    "ARGUS_PACKET_CAPTURE_FILE": _d("packet_capture_file", _text, "ignored"),
    "ARGUS_PACKET_CAPTURE_ON_ERROR": _d("packet_capture_on_error", _bool, "ignored"),
    "ARGUS_MIN_SSF": _d("min_ssf", _uint(2**31 - 1), "ignored"),
    "ARGUS_MAX_SSF": _d("max_ssf", _uint(2**31 - 1), "ignored"),
    "ARGUS_COLLECTOR": _d("collector", _any, "ignored"),
    "ARGUS_FLOW_TYPE": _c("flow_type"),
    "ARGUS_FLOW_KEY": _c("flow_key"),
    "ARGUS_GENERATE_APPBYTE_METRIC": _c("generate_appbyte_metric", "-A"),
    "ARGUS_CHROOT_DIR": _d("chroot_dir", _text, "sensor", "-c"),
    "ARGUS_SETUSER_ID": _d("user", _account, "sensor", "-u"),
    "ARGUS_SETGROUP_ID": _d("group", _account, "sensor", "-g"),
    "ARGUS_GENERATE_TCP_PERF_METRIC": _c("generate_tcp_perf_metric"),
    "ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS": _c("generate_bidirectional_timestamps"),
    "ARGUS_GENERATE_PACKET_SIZE": _c("generate_packet_size", "-Z"),
    "ARGUS_ENV": _d("env", _env, "sensor"),
    "ARGUS_CAPTURE_FULL_CONTROL_DATA": _d("full_control_data", _bool, "ignored", "-C"),
    "ARGUS_SELF_SYNCHRONIZE": _d("self_synchronize", _bool, "ignored"),
    "ARGUS_EVENT_DATA": _d("event_data", _event_data, "ignored"),
    "ARGUS_JITTER_HISTOGRAM": _d("jitter_histogram", _any, "ignored"),
    "ARGUS_KEYSTROKE": _d("keystroke", _keystroke, "ignored"),
    "ARGUS_KEYSTROKE_CONF": _d("keystroke_conf", parse_keystroke_conf, "ignored"),
    "ARGUS_TUNNEL_DISCOVERY": _d("tunnel_discovery", _bool, "ignored"),
    "ARGUS_IP_TIMEOUT": _c("ip_timeout"),
    "ARGUS_TCP_TIMEOUT": _c("tcp_timeout"),
    "ARGUS_ICMP_TIMEOUT": _c("icmp_timeout"),
    "ARGUS_IGMP_TIMEOUT": _c("igmp_timeout"),
    "ARGUS_FRAG_TIMEOUT": _c("frag_timeout"),
    "ARGUS_ARP_TIMEOUT": _c("arp_timeout"),
    "ARGUS_OTHER_TIMEOUT": _c("other_timeout"),
    "ARGUS_TRACK_DUPLICATES": _c("track_duplicates"),
    "ARGUS_PCAP_BUF_SIZE": _d("pcap_buffer_size", parse_buffer_size, "live"),
}
