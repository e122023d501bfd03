"""ra's command line as the rasplit and rastrip subcommands read it before ``cli/client.py``
takes over: their ``-M`` words as given (``-mac``, ``+ipattr``, ``flow "filter"``; the client
lowercases the modes it keeps)."""

from __future__ import annotations

from argus_rs.cli._common import CliError, one_line
from argus_rs.cli.ra_argv import RaArgs, parse


def parse_words(words: list[str]) -> RaArgs:
    """ra's command line; a bad one is a one-line CliError."""
    try:
        args = parse(words)
    except ValueError as exc:
        raise CliError(one_line(str(exc))) from None
    if args.remote is not None:
        raise CliError(f"-S {args.remote}: reading from a remote argus is not supported by this command")
    return args


__all__ = ["parse_words"]
