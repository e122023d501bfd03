"""What the subcommands share: the error type that becomes one line and an exit code."""

from __future__ import annotations

import sys

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
