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
from argus_rs.conf import ConfError, ConfSetting, read_conf
from argus_rs.conf_directives import DIRECTIVES
from argus_rs.options import to_core_options

__all__ = ["SYSTEM_CONF", "SensorSettings", "resolve"]

SYSTEM_CONF = "/etc/argus.conf"


def _system_conf() -> str:
    return os.environ.get("ARGUS_RS_SYSTEM_CONF", SYSTEM_CONF)


@dataclass
class SensorSettings:
    """Every argus.conf directive lands in a field here (docs/conf.md: which are honoured)."""

    #: engine options in the core's names
    core_options: dict[str, object] = field(default_factory=dict)
    #: (target, ra filter or None), in order
    outputs: list[tuple[str, str | None]] = field(default_factory=list)
    #: BPF input filter
    bpf: str | None = None
    optimize: bool = True
    #: worker threads the flow table is sharded across (--threads; not an argus option)
    threads: int = 1
    # --- process (ARGUS_DAEMON, -d; pid file only for a daemon, as argus) ---
    daemon: bool = False
    set_pid: bool = False
    pid_path: str = "/var/run"
    #: -u / ARGUS_SETUSER_ID, -g / ARGUS_SETGROUP_ID: names or numeric ids, dropped to after opening
    user: str | None = None
    group: str | None = None
    #: -c / ARGUS_CHROOT_DIR
    chroot_dir: str | None = None
    #: ARGUS_ENV: (name, value) put into the environment, in order
    env: list[tuple[str, str]] = field(default_factory=list)
    # --- live capture and remote access (read by the live sensor and the -P server) ---
    interfaces: list[str] = field(default_factory=list)
    promiscuous: bool = True
    pcap_buffer_size: int | None = None
    #: -s: bytes captured per packet (None: argus's 96, plus -U)
    snaplen: int | None = None
    access_port: int = 0
    bind_ip: list[str] = field(default_factory=list)
    # --- accepted, checked, without effect (docs/conf.md) ---
    response_time_data: bool = False
    debug_level: int = 0
    packet_capture_file: str | None = None
    packet_capture_on_error: bool = False
    min_ssf: int = 0
    max_ssf: int = 0
    collector: str | None = None
    full_control_data: bool = False
    self_synchronize: bool = False
    event_data: list[str] = field(default_factory=list)
    jitter_histogram: str | None = None
    keystroke: str = "no"
    keystroke_conf: dict[str, float] = field(default_factory=dict)
    tunnel_discovery: bool = False


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


#: fields a directive may set several times: each line adds to the list
_LIST_FIELDS = frozenset({"outputs", "interfaces", "bind_ip", "env", "event_data"})


def _apply(settings: SensorSettings, name: str, value: str, where: str) -> None:
    """One non-engine directive into its field; CliError naming ``where`` on a bad value."""
    directive = DIRECTIVES[name]
    try:
        parsed = directive.parse(name, value)
    except ValueError as exc:
        raise CliError(f"{where}: {exc}") from None
    if directive.field == "outputs":
        settings.outputs.append(_split_output(value))
    elif directive.field == "bpf":
        settings.bpf = value or None
    elif directive.field in _LIST_FIELDS:
        target = getattr(settings, directive.field)
        target.extend(parsed if isinstance(parsed, list) else [parsed])
    else:
        setattr(settings, directive.field, parsed)


def resolve(
    *,
    conf_files: Sequence[str],
    reset: bool,
    cli_options: Sequence[tuple[str, str, object]],
    cli_outputs: Sequence[tuple[str, str | None]],
    expression: Sequence[str],
    no_optimize: bool,
    cli_settings: Sequence[tuple[str, str, object]] = (),
) -> SensorSettings:
    """Merge files and command line; CliError (one line, naming the place) on a bad value.

    ``cli_options`` are engine options ``(letter, name, value)``; ``cli_settings``
    are ``(letter, field, value)`` for the other fields, already checked (None:
    not given); ``-d`` toggles ``daemon`` as argus's -d does.
    """
    merged: dict[str, tuple[str, object]] = {}
    settings = SensorSettings()
    for item in _conf_settings(conf_files, reset):
        directive = DIRECTIVES[item.name]
        if directive.status == "core":
            merged[directive.field] = (item.where, item.value)
        else:
            _apply(settings, item.name, item.value, item.where)
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
    if cli_outputs:
        settings.outputs = list(cli_outputs)
    for letter, name, value in cli_settings:
        if value is None:
            continue
        if letter == "-d":
            settings.daemon = not settings.daemon
        else:
            setattr(settings, name, value)
    if expression:
        settings.bpf = " ".join(expression)
    if no_optimize:
        settings.optimize = False
    return settings
