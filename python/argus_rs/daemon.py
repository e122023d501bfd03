"""Running the sensor as a daemon (argus ``-d``, ``ARGUS_DAEMON``) and its pid file (reference §1.5).

:func:`daemonize` detaches the classic way (fork, ``setsid``, fork again, stdin and
stdout to /dev/null) but keeps the daemon's stderr on a pipe to the process that was
started until :meth:`Detached.ready` is called: an error while the daemon opens its
inputs and outputs, drops privileges or writes its pid file still reaches the terminal
as one line and a non-zero exit status, as a foreground run would. Once ready, the
daemon's stderr goes to /dev/null and the started process exits 0.

Pid file, as argus: only for a daemon with ``ARGUS_SET_PID=yes``, named
``<ARGUS_PID_PATH>/argus.<device>.<n>.pid`` with ``<n>`` the first of 0..4 whose file is
missing or names a dead process; content = pid and a newline; removed at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

__all__ = ["MAX_INSTANCES", "DaemonError", "Detached", "daemonize", "pid_file_name", "write_pid_file"]

#: argus tries instance numbers 0..4
MAX_INSTANCES = 5
#: the program name argus puts first in the pid file's name
APP_NAME = "argus"
#: what the daemon writes on the pipe when it is up (stderr text before it is passed on)
_READY = b"\0argus-rs-ready\n"


class DaemonError(OSError):
    """The daemon could not start (one line)."""


class Detached:
    """The daemon's side: tell the started process that all went well."""

    def __init__(self, pipe_fd: int) -> None:
        self._fd: int | None = pipe_fd

    def ready(self) -> None:
        """Inputs and outputs are open: release the started process, stderr to /dev/null."""
        if self._fd is None:
            return
        sys.stderr.flush()
        with contextlib.suppress(OSError):
            os.write(self._fd, _READY)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        os.close(self._fd)
        self._fd = None


def _wait_for_daemon(read_fd: int) -> int:
    """The started process: pass the daemon's stderr on until it is ready or gone."""
    data = bytearray()
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        data += chunk
        if data.endswith(_READY):
            break
    ok = data.endswith(_READY)
    text = bytes(data[: -len(_READY)] if ok else data)
    if text:
        os.write(2, text)
    return 0 if ok else 1


def daemonize() -> Detached:
    """Detach; returns in the daemon only (the started process exits with the daemon's verdict)."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    first = os.fork()
    if first > 0:
        # the started process: reap the middle child, then wait for the daemon's word
        os.close(write_fd)
        os.waitpid(first, 0)
        os._exit(_wait_for_daemon(read_fd))
    os.close(read_fd)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    # the daemon: no controlling terminal, not a session leader (cannot get one back)
    os.chdir("/")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(write_fd, 2)
    # stdin stays as given when it is data to read (argus -r -), else /dev/null
    if os.isatty(0):
        os.dup2(devnull, 0)
    os.close(devnull)
    return Detached(write_fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pid_file_name(pid_path: str, device: str) -> str:
    """The first free ``argus.<device>.<n>.pid`` in ``pid_path``; DaemonError when all 5 are taken."""
    dev = os.path.basename(device.rstrip("/")) or device
    for n in range(MAX_INSTANCES):
        name = os.path.join(pid_path, f"{APP_NAME}.{dev}.{n}.pid")
        try:
            with open(name, encoding="ascii", errors="replace") as handle:
                text = handle.readline().strip()
        except FileNotFoundError:
            return name
        except OSError:
            continue
        if not (text.isdigit() and 0 < int(text) < 100_000_000 and _alive(int(text))):
            return name
    raise DaemonError(f"daemon cannot create pid file: {MAX_INSTANCES} instances already run for {dev} in {pid_path}")


def write_pid_file(pid_path: str, device: str) -> str:
    """Write this process's pid file and remove it at exit; its name."""
    name = pid_file_name(pid_path, device)
    try:
        with open(name, "w", encoding="ascii") as handle:
            handle.write(f"{os.getpid()}\n")
    except OSError as exc:
        raise DaemonError(f"daemon cannot create pid file {name}: {exc.strerror or exc}") from None
    pid = os.getpid()

    def remove() -> None:
        # only the daemon itself (not a forked child) removes it
        if os.getpid() == pid:
            with contextlib.suppress(OSError):
                os.unlink(name)

    atexit.register(remove)
    return name
