"""``argus-rs rahisto``: the frequency distribution of a record metric, as rahisto 3.0.8.2 prints
it: ``-H METRIC BINS[L][:MIN-MAX]`` (``L``: logarithmic classes), ``-M nozero`` (only the classes
from the first to the last non-empty one, empty ones left out), ra's reading options
(``-r``, ``-t``, ``-N``, a filter) and ``-p`` (digits). The report comes from
:func:`argus_rs.analytics.histo.rahisto_report`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from argus_rs.cli._common import CliError
from argus_rs.cli.client import open_client

COMMAND = "rahisto"
HELP = (
    "Frequency distribution of a record metric, as rahisto 3.0.8.2: -r FILE ... -H METRIC BINS(L):MIN-MAX "
    "(-M nozero) (-t RANGE) (- FILTER). Metrics: dur proto sport dport stos dtos sttl dttl, (s|d)bytes, "
    "(s|d)appbytes, (s|d)pkts, (s|d)meansz, (s|d)rate, (s|d)load."
)


def take_histo_option(words: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """``-H METRIC SPEC`` taken out of ra's words (ra reads -H as a flag)."""
    rest: list[str] = []
    found: tuple[str, str] | None = None
    i = 0
    while i < len(words):
        if words[i] == "-H":
            if i + 2 >= len(words):
                raise CliError("-H: needs a metric and its classes, like -H dur 10:0-1")
            found = (words[i + 1], words[i + 2])
            i += 3
            continue
        rest.append(words[i])
        i += 1
    return rest, found


def run(words: list[str]) -> int:
    from argus_rs.analytics.histo import parse_spec, rahisto_report

    words, histo = take_histo_option(words)
    if histo is None:
        raise CliError("-H METRIC BINS[L][:MIN-MAX]: rahisto needs a metric (e.g. -H dur 10:0-1)")
    try:
        spec = parse_spec(*histo)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    client = open_client(COMMAND, words, lambda word: word.lower() in ("nozero", "outlayer"))
    if client.args.config.outputs:
        raise CliError("-w: rahisto's class records are not written by argus-rs (print the report)")
    frame = client.lazy().collect()
    text = rahisto_report(frame, spec, nozero="nozero" in client.modes, precision=client.args.config.precision)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 1 if client.errors else 0


def rahisto_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OPTIONS] [- FILTER]", help="rahisto's options and filter.", show_default=False),
    ] = None,
) -> None:
    code = run(list(words or []))
    if code:
        raise typer.Exit(code)


__all__ = ["COMMAND", "HELP", "rahisto_command", "run", "take_histo_option"]
