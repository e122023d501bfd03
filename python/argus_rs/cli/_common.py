"""What the subcommands share: the error type that becomes one line and an exit code."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argus_rs.timerange import TimeRange

PROG = "argus-rs"

#: exit codes
EXIT_OK = 0
EXIT_READ_ERROR = 1  # some input could not be read; what could be read was still reported
EXIT_USAGE = 2  # bad option or value; nothing was done


class CliError(Exception):
    """An error a subcommand reports as one line on stderr, then exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def one_line(text: str) -> str:
    """Collapse a message to one line (errors must never span lines)."""
    return " ".join(text.split())


def report(command: str | None, message: str) -> None:
    """Print ``argus-rs COMMAND: message`` on stderr, as one line."""
    prefix = f"{PROG} {command}: " if command else f"{PROG}: "
    print(prefix + one_line(message), file=sys.stderr, flush=True)


def silence_stdout() -> None:
    """After EPIPE on stdout: point it at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def time_range_option(text: str | None) -> TimeRange | None:
    """The ra clients' ``-t`` value, or None when not given; a bad range is a CliError."""
    if not text:
        return None
    from argus_rs.timerange import parse_time_range

    try:
        return parse_time_range(text)
    except ValueError as exc:
        raise CliError(f"-t {text}: {exc}") from None


def split_plot(words: list[str]) -> tuple[list[str], str | None]:
    """``--plot FILE`` (rabins, ramon) (or ``--plot=FILE``) taken out of ra's words."""
    rest: list[str] = []
    plot: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--plot":
            if i + 1 >= len(words):
                raise CliError("--plot: needs a file name (FILE.png or FILE.html)")
            plot = words[i + 1]
            i += 2
            continue
        if word.startswith("--plot="):
            plot = word.split("=", 1)[1]
        else:
            rest.append(word)
        i += 1
    if plot is not None and not plot.lower().endswith((".png", ".html", ".htm")):
        raise CliError(f"--plot {plot}: the file name must end in .png or .html")
    return rest, plot
