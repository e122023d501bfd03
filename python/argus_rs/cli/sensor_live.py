"""``argus -i``: which interfaces the live sensor opens and how (docs/sensor.md).

argus 3.0.8.2 takes ``-i`` as ``ifname[/srcid]``, ``all``, ``any``, ``ind:a,b``,
``dup:a,b/srcid``, ``bond:a,b/srcid`` and nested ``dup:[bond:a,b],c``; ``-i a b``
and repeated ``-i`` name several.  argus-rs reads every form, and captures on
every interface named into one flow table (argus's ``bond``; a per-interface
source id and argus's separate modelers are not kept: docs/compat.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from argus_rs.cli._common import CliError
from argus_rs.sensor import DEFAULT_SNAPLEN

if TYPE_CHECKING:
    from argus_rs.cli.sensor_settings import SensorSettings

__all__ = ["capture_settings", "check_live", "interface_names"]

_PREFIX = re.compile(r"^(ind|dup|bond):", re.IGNORECASE)


def _names_of(spec: str) -> list[str]:
    text = spec.strip()
    # the source id after the last "/" names the modeler, not an interface
    if "/" in text and not text.endswith("]"):
        text = text.rsplit("/", 1)[0]
    names: list[str] = []
    for word in re.split(r"[,\[\]]+", text):
        word = word.strip()
        while _PREFIX.match(word):
            word = _PREFIX.sub("", word, count=1)
        if "/" in word:
            word = word.split("/", 1)[0]
        if word:
            names.append(word)
    return names


def interface_names(specs: Sequence[str]) -> list[str]:
    """Every interface the ``-i`` words / ARGUS_INTERFACE values name, in order, once."""
    out: list[str] = []
    for spec in specs:
        names = _names_of(spec)
        if not names:
            raise CliError(f"-i {spec!r}: no interface name")
        out += [n for n in names if n not in out]
    return out


def capture_settings(
    promiscuous: bool, snaplen: int | None, buffer_size: int | None, user_data_len: object
) -> dict[str, object]:
    """The capture options of the compiled core for these settings."""
    if snaplen is None:
        snaplen = DEFAULT_SNAPLEN + (user_data_len if isinstance(user_data_len, int) else 0)
    capture: dict[str, object] = {"promisc": promiscuous, "snaplen": snaplen, "immediate": True}
    if buffer_size is not None:
        capture["buffer_size"] = min(buffer_size, 2**31 - 1)
    return capture


def check_live(read: Sequence[str] | None, interface: Sequence[str] | None, settings: SensorSettings) -> list[str]:
    """The files to read, or [] for a live run (then ``settings.interfaces`` are set).

    As argus: ``-i`` (or ARGUS_INTERFACE) without ``-r`` captures live; with neither,
    libpcap's first interface.  A live run needs somewhere to put records (-w or -P).
    """
    if read:
        if interface:
            raise CliError("-i and -r: capture live or read files, not both")
        return list(read)
    if interface:
        settings.interfaces = list(interface)
    settings.interfaces = interface_names(settings.interfaces)
    if settings.threads > 1:
        raise CliError("--threads: live capture runs one flow table")
    if not settings.outputs and not settings.access_port:
        raise CliError("live capture needs an output: -w OUT or -P PORT")
    return []
