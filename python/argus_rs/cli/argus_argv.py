"""Argus's own command-line grammar, turned into plain options for typer.

argus 3.0.8.2 reads its words in ways option parsers do not (reference §1.1):

* ``-r a.pcap b.pcap`` takes every following word that does not start with
  ``-`` as another input, and so does ``-i eth0 eth1`` (interfaces);
* ``-w out.argus "tcp and port 80"`` takes the next word, when it does not
  start with ``-``, as that output's record filter (ra filter language);
* a lone ``-`` (not an argument of -r/-w) ends the options: the words after
  it are the BPF input filter;
* without -r, the words after the options are the BPF filter too.

:func:`normalize` rewrites such an argument list into repeated ``-r FILE``,
``-w TARGET --output-filter FILTER`` pairs (an empty filter when none) and
``-- WORDS`` for the BPF expression.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["OUTPUT_FILTER_OPTION", "normalize"]

#: the hidden option that carries each -w output's filter, one per -w
OUTPUT_FILTER_OPTION = "--output-filter"

#: options of the argus command that take a value (their next word is not a file or filter)
_TAKES_VALUE = frozenset(
    {"-S", "-M", "-U", "-e", "-F", "-N", "-s", "--snaplen", "-P", "-B", "-u", "-g", "-c", "--port", "--bind"}
    | {"--flows", "--threads", "--format", "--status-interval", "--mar-interval"}
    | {"--user-data", "--monitor-id", "--config", OUTPUT_FILTER_OPTION}
    | {"--max-flows", "--max-flow-memory"}
)


def _is_word(arg: str) -> bool:
    return not arg.startswith("-")


def normalize(args: Sequence[str]) -> list[str]:
    """The argus subcommand's arguments (after ``argus``), rewritten for typer."""
    out: list[str] = []
    expression: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            expression.extend(args[i + 1 :])
            break
        if arg in ("-r", "--read", "-i", "--interface"):
            # the first word may be "-" (stdin); the rest must not start with "-"
            if i + 1 < n:
                out += [arg, args[i + 1]]
                i += 2
                while i < n and _is_word(args[i]):
                    out += [arg, args[i]]
                    i += 1
                continue
        elif arg in ("-w", "--write"):
            if i + 1 < n:
                out += [arg, args[i + 1]]
                i += 2
                output_filter = ""
                if i < n and _is_word(args[i]):
                    output_filter = args[i]
                    i += 1
                out += [OUTPUT_FILTER_OPTION, output_filter]
                continue
        elif arg == "-":
            expression.extend(args[i + 1 :])
            break
        elif arg in _TAKES_VALUE:
            out += args[i : i + 2]
            i += 2
            continue
        elif _is_word(arg):
            # no -r before it: the rest is the BPF expression
            expression.extend(args[i:])
            break
        out.append(arg)
        i += 1
    if expression:
        out += ["--", *expression]
    return out
