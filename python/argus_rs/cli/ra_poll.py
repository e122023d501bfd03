"""ra's ``-M poll``: read each input's START management record only.

As ra 3.0.8 (observed): of a file, ra reads the opening MAR and stops (printed with ``-M man``
when the filter passes management records; each file counts its MAR twice in ``-A``'s
TotalManRecords); of a ``-S`` source, ra connects, reads the START MAR, never sends ``START:``,
and prints nothing (``-A`` counts one MAR per connection).  The exit status is 0, or with a
filter 1 when there was one input (the MAR is no match, but ra's record count passes one with a
second input).  Real ra then reconnects to the source
every ~6 s (the server drops the client that never started after 5 s) and never exits; argus-rs
reads each source once and exits.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["poll_mode", "poll_run", "poll_source"]

#: ra's default source port (RA_SOURCE_PORT)
DEFAULT_PORT = 561
#: a MAR's bytes and the cookie real argus puts in its argusid
_MAR_LEN = 128
_COOKIE = bytes([0xE5, 0x71, 0x2D, 0xCB])


def poll_mode(modes: Sequence[str]) -> bool:
    """``-M poll`` (ra's strncasecmp prefix test)."""
    return any(word.lower().startswith("poll") for word in modes)


def _address(text: str) -> tuple[str, int]:
    """``[argus[-tcp]://][user@]host[:port]`` as (host, port); ValueError naming the source."""
    rest = text.strip()
    scheme, sep, after = rest.partition("://")
    if sep:
        if scheme.lower() not in ("argus", "argus-tcp"):
            raise ValueError(f"-S {text}: the {scheme}:// scheme is not supported")
        rest = after
    rest = rest.rpartition("@")[2].rstrip("/")
    port_text: str | None = None
    if rest.startswith("["):
        host, closed, tail = rest[1:].partition("]")
        if not closed:
            raise ValueError(f"-S {text}: unclosed [")
        port_text = tail[1:] if tail.startswith(":") else None
    elif rest.count(":") > 1:
        host = rest  # a bare IPv6 address
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise ValueError(f"-S {text}: no host")
    if not port_text:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"-S {text}: bad port {port_text!r}")
    return host, int(port_text)


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def poll_source(text: str, timeout: float) -> bytes:
    """Connect to the source, read its START MAR, close without ``START:``; ValueError when that fails."""
    host, port = _address(text)
    name = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            mar = _read(sock, _MAR_LEN)
    except TimeoutError:
        raise ValueError(f"{name}: no answer from the server (timed out)") from None
    except OSError as exc:
        raise ValueError(f"{name}: cannot connect: {exc.strerror or exc}") from None
    if len(mar) >= 4 and mar[0] & 0xF0 == 0x80 and mar[1] & 0xF0 == 0x80:
        why = {1: "access denied by the server", 2: "refused: the server has too many clients"}
        raise ValueError(f"{name}: {why.get(mar[1] & 0x0F, 'the server reported an error')}")
    if len(mar) < _MAR_LEN:
        raise ValueError(f"{name}: the server closed the connection")
    if mar[0] & 0xF0 != 0x80 or mar[8:12] != _COOKIE:
        raise ValueError(f"{name}: not an Argus 3 server (no START record)")
    return mar


def poll_run(
    run: Any,
    inputs: Sequence[str],
    remotes: Sequence[str],
    print_mars: bool,
    filtered: bool,
    report: Callable[[str], None],
    timeout: float,
) -> int:
    """``-M poll`` over ``inputs`` (files) and ``remotes`` (-S sources); the exit status.

    ``run`` is ra's run (argus_rs.cli.ra_cmd._Run): its state counts, its printer prints.
    """
    from argus_rs.ra.mar import read_mars

    state, errors = run.state, 0
    for path in inputs:
        if path == "\0remote":
            continue
        if path != "-" and not os.path.exists(path):
            report(f"open '{path}': No such file or directory")
            errors += 1
            continue
        try:
            opening = read_mars(path)[:1]
        except (OSError, ValueError) as exc:
            report(f"{path}: {exc}")
            errors += 1
            continue
        state.count += 1
        state.files += 1
        state.mars += 2  # ra counts a file's opening MAR when it opens it and when it handles it
        if print_mars and run.printer is not None:
            run.printer.mars(opening, state)
    for source in remotes:
        try:
            poll_source(source, timeout)
        except ValueError as exc:
            report(str(exc))
            errors += 1
            continue
        state.count += 1
        state.mars += 1
    if run.config.summary:
        sys.stdout.buffer.write((run.summary() + "\n").encode())
    sys.stdout.buffer.flush()
    if errors:
        return 2
    # as ra's: with a filter, 0 once the count of records read passes one (a second input)
    return 1 if filtered and state.count <= 1 else 0
