"""``argus.conf`` files, read as argus 3.0.8.2 reads them (reference §1.2, §1.4).

One ``VARIABLE=value`` per line; leading blanks are skipped; lines starting
with ``#`` or ``!`` and empty lines are ignored; a value may be double-quoted
(an unterminated quote is an error); in an unquoted value `` //`` or ``\\t//``
starts a comment.  ``ARGUS_MONITOR_ID=`hostname``` runs ``hostname`` (a
trailing ``.local`` is dropped), as argus does; any other back-quoted command is
an error.  An unknown variable is an error too (argus ignores it silently; a
typo there silently changes nothing, which is worse).

:func:`read_conf` returns the settings in file order; what they mean is for the
caller (the sensor checks and maps them with :mod:`argus_rs.conf_directives`).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from argus_rs.conf_directives import DIRECTIVES

__all__ = ["CONF_VARIABLES", "ConfError", "ConfSetting", "parse_conf", "read_conf"]

#: Every variable argus 3.0.8.2 recognises (what each means: :mod:`argus_rs.conf_directives`).
CONF_VARIABLES: frozenset[str] = frozenset(DIRECTIVES)


class ConfError(ValueError):
    """A configuration file that cannot be used: one line naming the file and line."""


@dataclass(frozen=True)
class ConfSetting:
    name: str
    value: str
    #: where it was set, for messages: ``path:line``
    where: str


def _hostname() -> str:
    try:
        name = subprocess.run(["hostname"], capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = os.uname().nodename
    return name.removesuffix(".local")


def _value(raw: str, where: str, name: str) -> str:
    text = raw.strip()
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            raise ConfError(f"{where}: unterminated quote in the value of {name}")
        return text[1:end]
    for marker in (" //", "\t//"):
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    text = text.strip()
    if text.startswith("`"):
        if name == "ARGUS_MONITOR_ID" and text == "`hostname`":
            return _hostname()
        raise ConfError(f"{where}: only `hostname` may be run, in ARGUS_MONITOR_ID (got {text})")
    return text


def parse_conf(text: str, path: str = "<conf>") -> list[ConfSetting]:
    """The settings of a configuration text, in order."""
    settings: list[ConfSetting] = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        stripped = line.lstrip()
        if not stripped or stripped[0] in "#!":
            continue
        name, sep, raw = stripped.partition("=")
        if not sep:
            raise ConfError(f"{where}: expected VARIABLE=value, got {stripped.rstrip()!r}")
        if name != name.rstrip():
            raise ConfError(f"{where}: no blanks allowed before '=' (in {name.rstrip()!r})")
        if name not in CONF_VARIABLES:
            raise ConfError(f"{where}: unknown variable {name!r}")
        settings.append(ConfSetting(name, _value(raw, where, name), where))
    return settings


def read_conf(path: str | os.PathLike[str]) -> list[ConfSetting]:
    """Read a configuration file; ConfError (one line) if it cannot be read or parsed."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfError(f"{name}: {exc.strerror or exc}") from None
    return parse_conf(text, name)
