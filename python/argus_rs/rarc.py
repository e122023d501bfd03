"""ra's configuration: the ``rarc`` files and the settings they share with the command line.

:class:`RaConfig` holds what an ``ra`` run is configured with (built-in
defaults, then rarc files, then the command line, in that order).
:func:`default_rarc_files` is the search order of Argus 3.0.8.2 (reference
§5.1): unless some command-line word contains ``-X``, ``/etc/ra.conf``, then
``$ARGUSHOME/ra.conf``, then the first ``.rarc`` of the colon-separated
directories of ``$ARGUSPATH`` or, without ``ARGUSPATH``, the first of
``$HOME/.rarc`` and ``$ARGUSHOME/.rarc``.  ``-F FILE`` is read at its place on
the command line and ``-X`` resets everything read so far.

rarc syntax (``ArgusParseResourceFile``): one ``RA_NAME=value`` per line, the
name exactly at the start of the line (after blanks) and directly followed by
``=``; ``#`` and ``!`` start comment lines; double quotes around the value are
dropped; an empty value leaves the setting alone.  A line that is not a known
variable is an error (``FILE: syntax error line N``, as ra says it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "RA_VARIABLES",
    "RaConfig",
    "RarcError",
    "apply_rarc",
    "default_rarc_files",
    "parse_rarc",
    "read_rarc",
]

#: every variable ra 3.0.8.2 recognises in a rarc (ArgusResourceFileStr), in its order
RA_VARIABLES: tuple[str, ...] = (
    "RA_ARGUS_SERVER",
    "RA_SOURCE_PORT",
    "RA_CISCONETFLOW_PORT",
    "RA_ARGUS_SERVERPORT",
    "RA_INPUT_FILE",
    "RA_NO_OUTPUT",
    "RA_USER_AUTH",
    "RA_AUTH_PASS",
    "RA_OUTPUT_FILE",
    "RA_EXCEPTION_OUTPUT_FILE",
    "RA_TIMERANGE",
    "RA_RUN_TIME",
    "RA_NUMBER",
    "RA_FLOW_MODEL",
    "RA_FIELD_DELIMITER",
    "RA_TIME_FORMAT",
    "RA_TZ",
    "RA_USEC_PRECISION",
    "RA_PRINT_MAN_RECORDS",
    "RA_PRINT_EVENT_RECORDS",
    "RA_PRINT_LABELS",
    "RA_PRINT_SUMMARY",
    "RA_PRINT_NAMES",
    "RA_PRINT_LOCALONLY",
    "RA_PRINT_DOMAINONLY",
    "RA_PRINT_RESPONSE_DATA",
    "RA_PRINT_TCPSTATES",
    "RA_PRINT_TCPFLAGS",
    "RAMON_MODE",
    "RA_DEBUG_LEVEL",
    "RA_USERDATA_ENCODE",
    "RA_FILTER",
    "RA_FIELD_SPECIFIER",
    "RA_MIN_SSF",
    "RA_MAX_SSF",
    "ARGUS_ARCHIVE",
    "RADIUM_DAEMON",
    "RADIUM_MONITOR_ID",
    "RADIUM_MAR_STATUS_INTERVAL",
    "RADIUM_ADJUST_TIME",
    "RADIUM_ACCESS_PORT",
    "RA_CONNECT_TIME",
    "RA_UPDATE_INTERVAL",
    "RA_FIELD_QUOTED",
    "RA_FIELD_WIDTH",
    "RA_SET_PID",
    "RA_PID_PATH",
    "RA_DELEGATED_IP",
    "RA_RELIABLE_CONNECT",
    "RA_DATABASE",
    "RA_DB_USER",
    "RA_DB_PASS",
    "RA_DB_HOST",
    "RA_DB_PORT",
    "RA_DB_TABLE",
    "RA_AIS_CACHE",
    "RA_PRINT_UNIX_TIME",
    "RA_TIMEOUT_INTERVAL",
    "RA_CIDR_ADDRESS_FORMAT",
    "RA_SORT_ALGORITHMS",
    "MYSQL_DB_ENGINE",
    "RA_PRINT_ETHERNET_VENDORS",
    "RA_ETHERNET_VENDORS",
    "RA_LOCAL",
    "RA_LOCAL_DIRECTION",
    "RA_PORT_DIRECTION",
    "RA_SERVICES_SIGNATURES",
    "RA_COLOR_SUPPORT",
    "RA_COLOR_CONFIG",
    "RA_CORRELATE_EVENTS",
    "RA_SEPARATE_ADDR_FROM_PORT_WITH_PERIOD",
    "RA_GENERATE_BIN_MAR_RECORDS",
    "RA_ASN_PRINT_FORMAT",
    "RA_FILTER_TIMEOUT",
)

_DELIMITER_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "\\": "\\"}


class RarcError(ValueError):
    """A rarc line ra would reject (``FILE: syntax error line N``) or a bad value."""


@dataclass
class RaConfig:
    """Everything an ``ra`` run is configured with; fields are ra's parser flags.

    ``nflag`` is ra's own counter (1 = default: ports and protocols named;
    2 = ``-n``; 3 = ``-nn``; 0 = ``-nnn``, names for everything).
    ``labels`` is ra's Lflag: -1 = header once, 0 = none, n = every n lines.
    """

    nflag: int = 1
    precision: int = 6
    unix_time: bool = False
    separator: str | None = None
    time_format: str = "%T.%f"
    labels: int = -1
    quiet: bool = False
    state_z: bool = False
    flags_z: str | None = None
    fields: list[str] | None = None  # the -s / RA_FIELD_SPECIFIER words, in order, or None
    field_words: list[list[str]] = field(default_factory=list)  # each -s / RA_FIELD_SPECIFIER group
    filter_text: str | None = None  # RA_FILTER (the command-line filter wins)
    time_range: str | None = None
    first_n: tuple[int, int] = (-1, -1)  # sNflag, eNflag (input stream); eN -1 = no limit
    output_n: tuple[int, int] = (0, 0)  # sNoflag, eNoflag (output stream); eN 0 = no limit
    inputs: list[str] = field(default_factory=list)
    outputs: list[tuple[str, str | None]] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    summary: bool = False
    print_man: bool = False
    print_event: bool = False
    user_data_encoding: str | None = None
    field_width: str | None = None  # "fixed" / "variable"
    field_quoted: str | None = None  # "double" / "single"
    cidr: str | None = None
    separate_addr_port_with_period: bool = True
    timezone: str | None = None
    hflag: bool = False
    #: where each setting came from (for messages)
    sources: list[str] = field(default_factory=list)

    def reset(self) -> None:
        """``-X``: back to the built-in defaults (RaClearConfiguration)."""
        fresh = RaConfig()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))


def parse_rarc(text: str, name: str) -> list[tuple[int, str, str]]:
    """The settings of one rarc text: (line number, variable, value) for the non-empty values."""
    out: list[tuple[int, str, str]] = []
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        raw = lines[n]
        n += 1
        line = raw.lstrip()
        if not line or line[0] in "#!" or line == "\r":
            continue
        for var in RA_VARIABLES:
            if line.startswith(var + "="):
                value = line[len(var) + 1 :]
                if var == "RA_FILTER":
                    # a filter may go on over lines that end in a backslash
                    while value.endswith("\\") and n < len(lines):
                        value = value[:-1] + " " + lines[n].strip()
                        n += 1
                    value = value.replace('"', "")
                value = value.lstrip('"').rstrip('"')
                if value:
                    out.append((n, var, value))
                break
        else:
            raise RarcError(f"{name}: syntax error line {n}")
    return out


def _yes(value: str) -> bool:
    return value[:3].lower() == "yes"


def _labels(value: int) -> int:
    return {0: -1, -1: 0}.get(value, value)


def _atoi(value: str) -> int:
    digits = value.strip()
    sign = 1
    if digits[:1] in "+-" and digits[:1]:
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
    n = len(digits) - len(digits.lstrip("0123456789"))
    return sign * int(digits[:n]) if n else 0


def apply_rarc(config: RaConfig, settings: Sequence[tuple[int, str, str]], name: str) -> None:
    """Apply rarc settings to ``config``, as ra does (unknown-to-us variables are accepted and ignored)."""
    words: list[str] = []
    for line, var, value in settings:
        where = f"{name}:{line}"
        if var == "RA_PRINT_LABELS":
            config.labels = _labels(_atoi(value))
        elif var == "RA_FIELD_DELIMITER":
            # ra wants the character in single quotes ('\t', ','); a value without
            # them crashes ra 3.0.8.2, here it is taken as it is
            at = value.find("'")
            text = value[at + 1 :] if at >= 0 else value
            if at >= 0 and text.startswith("'"):
                continue
            if text.startswith("\\") and len(text) > 1:
                config.separator = _DELIMITER_ESCAPES.get(text[1], config.separator or " ")
            elif text:
                config.separator = text[0]
        elif var == "RA_TIME_FORMAT":
            config.time_format = value
        elif var == "RA_TZ":
            config.timezone = value
        elif var == "RA_USEC_PRECISION":
            config.precision = _atoi(value)
        elif var == "RA_PRINT_NAMES":
            lowered = value.lower()
            for prefix, flag in (("none", 3), ("proto", 2), ("port", 1), ("all", 0)):
                if lowered.startswith(prefix):
                    config.nflag = flag
                    break
        elif var == "RA_PRINT_UNIX_TIME":
            config.unix_time = _yes(value)
        elif var == "RA_PRINT_TCPSTATES":
            config.state_z = _yes(value)
        elif var == "RA_PRINT_TCPFLAGS":
            config.flags_z = value[0]
        elif var == "RA_NUMBER":
            config.first_n = (0, _atoi(value))
        elif var == "RA_TIMERANGE":
            # ra parses it without the command line's next words: a lone time is no range there
            body = value[1:]
            if not any(c in body[:-1] for c in "+-"):
                raise RarcError(f"{where}: RA_TIMERANGE={value}: needs a range (START-END or START+DURATION)")
            # 3.0.8.2 parses it but never turns the time test on (only -t does): checked, not applied
            from argus_rs.timerange import parse_time_range

            try:
                parse_time_range(value)
            except ValueError as exc:
                raise RarcError(f"{where}: RA_TIMERANGE={value}: {exc}") from None
        elif var == "RA_FILTER":
            config.filter_text = value
        elif var == "RA_FIELD_SPECIFIER":
            words.extend(value.replace(",", " ").split())
        elif var == "RA_NO_OUTPUT":
            config.quiet = _yes(value)
        elif var == "RA_INPUT_FILE":
            config.inputs = [value]
        elif var == "RA_OUTPUT_FILE":
            target, _, rest = value.partition(" ")
            config.outputs.append((target, rest.replace('"', "").strip() or None))
        elif var == "RA_PRINT_MAN_RECORDS":
            config.print_man = _yes(value)
        elif var == "RA_PRINT_EVENT_RECORDS":
            config.print_event = _yes(value)
        elif var == "RA_USERDATA_ENCODE":
            config.user_data_encoding = value
        elif var == "RA_FIELD_WIDTH":
            lowered = value.lower()
            if lowered.startswith("fixed"):
                config.field_width = "fixed"
            elif lowered.startswith("var"):
                config.field_width = "variable"
        elif var == "RA_FIELD_QUOTED":
            lowered = value.lower()
            if lowered.startswith(("double", "single")):
                config.field_quoted = lowered[:6]
        elif var == "RA_CIDR_ADDRESS_FORMAT":
            config.cidr = value.lower()
        elif var == "RA_SEPARATE_ADDR_FROM_PORT_WITH_PERIOD":
            config.separate_addr_port_with_period = _yes(value)
        elif var.startswith("RADIUM_"):
            raise RarcError(f"{where}: radium directive in client configuration (use -f)")
        config.sources.append(f"{where} {var}")
    if words:
        config.field_words.append(words)


def read_rarc(config: RaConfig, path: str | os.PathLike[str]) -> None:
    """Read one rarc file into ``config`` (OSError when it cannot be read)."""
    name = os.fspath(path)
    with open(name, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    apply_rarc(config, parse_rarc(text, name), name)


def default_rarc_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The rarc files ra reads before its command line (when no word contains ``-X``), existing ones only."""
    env = os.environ if env is None else env
    found: list[Path] = []
    system = Path("/etc/ra.conf")
    if system.exists():
        found.append(system)
    home = env.get("ARGUSHOME")
    if home and (Path(home) / "ra.conf").exists():
        found.append(Path(home) / "ra.conf")
    if "ARGUSPATH" in env:
        for directory in env["ARGUSPATH"].split(":"):
            if directory and (Path(directory) / ".rarc").exists():
                found.append(Path(directory) / ".rarc")
                break
    else:
        for var in ("HOME", "ARGUSHOME"):
            base = env.get(var)
            if base and (Path(base) / ".rarc").exists():
                found.append(Path(base) / ".rarc")
                break
    return found
