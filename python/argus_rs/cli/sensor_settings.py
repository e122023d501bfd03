"""What the offline sensor runs with: argus.conf files and the command line, merged.

As argus 3.0.8.2 (reference §1.2): ``/etc/argus.conf`` is read only when
neither ``-X`` nor ``-F`` is given; each ``-F FILE`` is read in order; the
command line wins over every file (argus applies ``-F`` at its position among
the options; here files always come first: a documented simplification).
A ``-w`` on the command line replaces the outputs the files named.
``ARGUS_RS_SYSTEM_CONF`` names another system file (empty: none), for tests
and for hosts whose /etc/argus.conf belongs to a running real argus.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from argus_rs.cli._common import CliError
from argus_rs.conf import LIVE_ONLY_VARIABLES, ConfError, ConfSetting, read_conf
from argus_rs.options import OPTION_NAMES, normalize_name, to_core_options

__all__ = ["SYSTEM_CONF", "SensorSettings", "resolve"]

SYSTEM_CONF = "/etc/argus.conf"


def _system_conf() -> str:
    return os.environ.get("ARGUS_RS_SYSTEM_CONF", SYSTEM_CONF)


@dataclass
class SensorSettings:
    #: engine options in the core's names
    core_options: dict[str, object] = field(default_factory=dict)
    #: (target, ra filter or None), in order
    outputs: list[tuple[str, str | None]] = field(default_factory=list)
    #: BPF input filter
    bpf: str | None = None
    optimize: bool = True
    #: worker threads the flow table is sharded across (--threads; not an argus option)
    threads: int = 1


def _conf_settings(conf_files: Sequence[str], reset: bool) -> list[ConfSetting]:
    paths = list(conf_files)
    system = _system_conf()
    if not paths and not reset and system and os.path.exists(system):
        paths = [system]
    settings: list[ConfSetting] = []
    for path in paths:
        try:
            settings += read_conf(path)
        except ConfError as exc:
            raise CliError(str(exc)) from None
    return settings


def _split_output(value: str) -> tuple[str, str | None]:
    target, _, rest = value.strip().partition(" ")
    return target, (rest.strip() or None)


def resolve(
    *,
    conf_files: Sequence[str],
    reset: bool,
    cli_options: Sequence[tuple[str, str, object]],
    cli_outputs: Sequence[tuple[str, str | None]],
    expression: Sequence[str],
    no_optimize: bool,
) -> SensorSettings:
    """Merge files and command line; CliError (one line, naming the place) on a bad value."""
    merged: dict[str, tuple[str, object]] = {}
    settings = SensorSettings()
    outputs_from_files: list[tuple[str, str | None]] = []
    for item in _conf_settings(conf_files, reset):
        name = item.name
        if name == "ARGUS_OUTPUT_FILE":
            outputs_from_files.append(_split_output(item.value))
        elif name == "ARGUS_FILTER":
            settings.bpf = item.value or None
        elif name == "ARGUS_FILTER_OPTIMIZER":
            settings.optimize = item.value[:3].lower() == "yes"
        elif name in LIVE_ONLY_VARIABLES:
            continue
        else:
            key = normalize_name(name) if name.lower().removeprefix("argus_") in OPTION_NAMES else None
            if key is None:
                continue
            merged[key] = (item.where, item.value)
    for letter, key, value in cli_options:
        if value is not None:
            merged[key] = (letter, value)
    core: dict[str, object] = {}
    for key, (where, value) in merged.items():
        try:
            core.update(to_core_options(**{key: value}))
        except ValueError as exc:
            raise CliError(f"{where}: {exc}") from None
    settings.core_options = core
    settings.outputs = list(cli_outputs) if cli_outputs else outputs_from_files
    if expression:
        settings.bpf = " ".join(expression)
    if no_optimize:
        settings.optimize = False
    return settings
