"""The sensor as a process: environment, daemon, pid file, privileges, signals (issue 7).

:func:`start` runs after the settings are resolved and checked, before the sensor opens
anything. It returns the ``on_open`` callback that the sensor calls once its inputs and
outputs are open: that is where root is given up (``-c``, ``-g``, ``-u``, as argus does
after its privileged setup) and where a daemon tells the started process that it is up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from argus_rs.cli import sensor_signals
from argus_rs.cli._common import CliError
from argus_rs.cli.sensor_settings import SensorSettings
from argus_rs.daemon import DaemonError, daemonize, write_pid_file
from argus_rs.privileges import PrivilegeError, drop_privileges, resolve_account

__all__ = ["absolute_paths", "start"]


def _absolute(path: str) -> str:
    if path == "-" or "://" in path:
        return path
    return os.path.abspath(path)


def absolute_paths(settings: SensorSettings, read: Sequence[str]) -> list[str]:
    """A daemon runs in /: input and output paths made absolute first (the inputs returned)."""
    settings.outputs = [(_absolute(target), text) for target, text in settings.outputs]
    settings.pid_path = os.path.abspath(settings.pid_path)
    return [_absolute(path) for path in read]


def _device(settings: SensorSettings, read: Sequence[str]) -> str:
    """What names the pid file: the first interface, as argus; offline the first input."""
    if settings.interfaces:
        return settings.interfaces[0].split("/")[0] or "any"
    first = read[0] if read else "-"
    return "stdin" if first == "-" else os.path.basename(first)


def start(settings: SensorSettings, read: Sequence[str]) -> Callable[[], None]:
    """Environment, account check, daemon and pid file, signal handlers; the ``on_open`` callback."""
    streams = [target for target, _ in settings.outputs if "://" in target]
    if streams:
        raise CliError(f"{streams[0]}: UDP record streams (ARGUS_OUTPUT_STREAM) are not implemented")
    for name, value in settings.env:
        os.environ[name] = value
    try:
        account = resolve_account(settings.user, settings.group)
    except PrivilegeError as exc:
        raise CliError(str(exc)) from None
    if (account.uid is not None or account.gid is not None or settings.chroot_dir) and os.geteuid() != 0:
        raise CliError("-u/-g/-c: changing user, group or root directory needs root")
    detached = daemonize() if settings.daemon else None
    if detached is not None and settings.set_pid:
        try:
            write_pid_file(settings.pid_path, _device(settings, read))
        except DaemonError as exc:
            raise CliError(str(exc), 1) from None
    sensor_signals.install()

    def on_open() -> None:
        try:
            drop_privileges(account, settings.chroot_dir)
        except PrivilegeError as exc:
            raise CliError(str(exc), 1) from None
        if detached is not None:
            detached.ready()

    return on_open
