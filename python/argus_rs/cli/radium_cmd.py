"""``argus-rs radium``: the record relay of Argus 3 (reference §4.4).

Merges ``-S host[:port]`` sources (reconnected every 5 s when lost, unless
``-p``) and ``-r`` record files, and relays the records unchanged to ``-w``
files (each with an optional ra filter) and to remote clients on ``-P port``
(the same protocol as ``argus -P``).  A filter after ``-`` is sent to the
sources.  Runs until every source has ended (never, with reconnection) or
Ctrl-C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from argus_rs.cli._common import EXIT_READ_ERROR, CliError, report

if TYPE_CHECKING:
    from argus_rs._core import RecordFilter

COMMAND = "radium"

HELP = (
    "Relay Argus records: radium [-S host[:port] ...] [-r FILE ...] [-P PORT [-B ADDR]] "
    '[-w FILE ["FILTER"]] [-e ID] [-p] [- FILTER]. '
    "Sources are merged and relayed unchanged to the -w files and to ra -S clients of -P. "
    "See docs/remote.md."
)

_VALUE = frozenset("SrPBwe")
_IGNORED_FLAGS = frozenset("XdOD")


def _compile(target: str, text: str) -> RecordFilter:
    from argus_rs.filter import compile as compile_filter

    try:
        return compile_filter(text)
    except ValueError as exc:
        raise CliError(f"-w {target}: {exc}") from None


def _monitor_id(text: str) -> int:
    from argus_rs.options import to_core_options

    try:
        value = to_core_options(monitor_id=text).get("monitor_id", 0)
    except (ValueError, TypeError) as exc:
        raise CliError(f"-e {text}: {exc}") from None
    return value if isinstance(value, int) else 0


def run(words: list[str]) -> int:
    from argus_rs import _core
    from argus_rs.remote import remote_filter, serve_settings

    sources: list[str] = []
    files: list[str] = []
    outputs: list[tuple[str, str | None]] = []
    port: int | None = None
    bind: list[str] = []
    monitor = 0
    persistent = True
    filter_words: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-":
            filter_words = words[i + 1 :]
            break
        if len(word) < 2 or not word.startswith("-"):
            filter_words = words[i:]
            break
        letter, inline = word[1], word[2:]
        if letter in _VALUE:
            value = inline or (words[i + 1] if i + 1 < len(words) else None)
            if value is None:
                raise CliError(f"-{letter}: needs a value")
            i += 1 if inline else 2
            if letter == "S":
                sources.append(value)
            elif letter == "r":
                files.append(value)
                while i < len(words) and not words[i].startswith("-"):
                    files.append(words[i])
                    i += 1
            elif letter == "P":
                if not value.isdigit() or not 0 <= int(value) <= 65535:
                    raise CliError(f"-P {value}: not a port number")
                port = int(value)
            elif letter == "B":
                bind.append(value)
            elif letter == "e":
                monitor = _monitor_id(value)
            elif letter == "w":
                text = None
                if i < len(words) and not words[i].startswith("-"):
                    text = words[i]
                    i += 1
                outputs.append((value, text))
            continue
        if letter == "p":
            persistent = False
        elif letter not in _IGNORED_FLAGS:
            raise CliError(f"{word}: unknown option")
        i += 1
    if not sources and not files:
        raise CliError("no input: give -S host[:port] or -r FILE")
    send, _local = remote_filter(" ".join(filter_words) or None)
    serve = None
    if port:
        serve = serve_settings(port, bind, name=f"argus-rs {COMMAND}", offline=not sources)
    compiled = [(target, _compile(target, text) if text else None) for target, text in outputs]
    try:
        result = _core.run_radium(sources, files, compiled, serve, send, persistent, monitor)
    except OSError as exc:
        raise CliError(str(exc), EXIT_READ_ERROR) from None
    for error in result.errors:
        report(COMMAND, error)
    if result.interrupted:
        raise KeyboardInterrupt
    return EXIT_READ_ERROR if result.errors and not result.stats.get("records") else 0


def radium(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="radium's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)
