"""``ra``'s command line, read as ra 3.0.8.2 reads it.

ra's getopt string is ``a:AbB:c:CdD:e:E:f:F:GhHiJlL:m:M:nN:Op:P:qQ:r:R:S:s:t:T:uU:Vvw:XzZ:%``.

The grammar is not one an option parser describes (reference §5.2), so the
``ra`` subcommand takes its words verbatim and :func:`parse` applies them, in
order, to an :class:`argus_rs.rarc.RaConfig`:

* flags may be grouped (``-nn``, ``-uz``) and an option's value may be attached
  (``-Zb``, ``-p3``, ``-L-1``) or the next word (even when it starts with ``-``:
  ``-L -1``, ``-s -dur``);
* ``-r``, ``-s``, ``-M`` (and ``-m``, ``-P``, ``-R``) take every following word
  that does not start with ``-``; ``-w FILE`` takes one more word, unless it
  starts with ``-``, as that output's filter; ``-t`` may take ``- END`` or
  ``-END`` (see :func:`argus_rs.timerange.join_words`);
* ``-F FILE`` is read where it stands, ``-X`` resets what came before it, and
  the rarc files are read first unless some word contains ``-X``;
* the other words, wherever they are (getopt permutes them), are the filter;
  a leading ``-`` or ``--`` before them is dropped; ``--`` ends the options.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from argus_rs.cli._common import CliError
from argus_rs.rarc import RaConfig, RarcError, default_rarc_files, read_rarc

__all__ = ["RaArgs", "normalize", "parse"]

#: option letters that take a value
_WITH_VALUE = frozenset("aBcCDeEfFLmMNpPQrRsStTUwZ")
#: flags
_FLAGS = frozenset("AbdGhHiJlnOquvVXz%")
#: options that go on taking words that do not start with "-"
_MULTI = frozenset("rsMmPR")
#: accepted and without effect when reading files (as ra: aggregation, remote, daemon, debug options)
_IGNORED = frozenset("aBDfGiJlmOPQTUvV%")


@dataclass
class RaArgs:
    """The command line, applied: the configuration and what is not configuration."""

    config: RaConfig = field(default_factory=RaConfig)
    filter_words: list[str] = field(default_factory=list)
    rarc_files: list[str] = field(default_factory=list)
    dump_filter: bool = False
    help: bool = False
    remote: str | None = None
    #: every -S source, in order (ra merges them)
    remotes: list[str] = field(default_factory=list)
    read_seen: bool = False
    #: -e REGEX: only records whose user data matches ([sd]: restricts to one direction's)
    user_regex: str | None = None
    #: -E FILE: where the records the filter rejects are written (Argus records)
    reject_output: str | None = None
    #: -m words (the aggregation/sort keys of racluster, rasort, ramon; ra ignores them)
    model_words: list[str] = field(default_factory=list)
    #: -f FILE (racluster's flow-model configuration; ra ignores it)
    flow_conf: str | None = None

    @property
    def filter_text(self) -> str | None:
        if self.filter_words:
            return " ".join(self.filter_words)
        return self.config.filter_text


def normalize(args: Sequence[str]) -> list[str]:
    """The words after ``ra`` for typer: help as typer's, everything else verbatim after ``--``."""
    for arg in args:
        if arg == "--":
            break
        if arg in ("--help", "-h"):
            return ["--help"]
    return ["--", *args]


def _usage(message: str) -> CliError:
    return CliError(message)


def _read_config(args: RaArgs, path: str) -> None:
    try:
        read_rarc(args.config, path)
    except RarcError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    args.rarc_files.append(path)


def parse(words: Sequence[str], *, read_defaults: bool = True) -> RaArgs:
    """Apply ra's command-line ``words`` (after ``ra``) to a fresh configuration."""
    from argus_rs.timerange import join_words

    out = RaArgs()
    config = out.config
    if read_defaults and not any("-X" in w for w in words):
        for path in default_rarc_files():
            _read_config(out, os.fspath(path))
    rest: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        i += 1
        if word == "--":
            rest.extend(words[i:])
            break
        if not word.startswith("-") or word == "-":
            rest.append(word)
            continue
        j = 1
        while j < len(word):
            letter = word[j]
            j += 1
            if letter in _FLAGS:
                _flag(out, letter)
                continue
            if letter not in _WITH_VALUE:
                raise _usage(f"-{letter}: unknown option (ra's options: see argus-rs ra --help)")
            if j < len(word):
                value = word[j:]
            elif i < n:
                value = words[i]
                i += 1
            else:
                raise _usage(f"-{letter}: needs a value")
            values = [value]
            if letter in _MULTI:
                while i < n and not words[i].startswith("-"):
                    values.append(words[i])
                    i += 1
            if letter == "w":
                target = value
                if target.startswith("-") and target != "-":
                    raise _usage(f"-w {target}: an output name cannot start with - (other than - for standard output)")
                out_filter = None
                if i < n and not words[i].startswith("-"):
                    out_filter = words[i]
                    i += 1
                config.outputs.append((target, out_filter))
            elif letter == "t":
                text, taken = join_words(value, words[i:])
                i += taken
                config.time_range = text
            else:
                _option(out, letter, values)
            break
    if rest and rest[0] in ("-", "--"):
        rest = rest[1:]
    out.filter_words = rest
    return out


def _flag(out: RaArgs, letter: str) -> None:
    config = out.config
    if letter == "n":
        config.nflag += 1
        if config.nflag > 3:
            config.nflag = 0
    elif letter == "u":
        config.unix_time = True
    elif letter == "z":
        config.state_z = True
    elif letter == "q":
        config.quiet = True
    elif letter == "A":
        config.summary = True
    elif letter == "H":
        config.hflag = True
    elif letter == "X":
        config.reset()
    elif letter == "b":
        out.dump_filter = True
    elif letter == "h":
        out.help = True
    elif letter == "d":
        raise _usage("-d: running as a daemon is not supported")
    # the others (-G -i -J -l -O -v -V -%) change nothing when ra reads files


def _number(letter: str, value: str) -> int:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        digits = text[: len(text) - len(text.lstrip("+-0123456789"))]
        try:
            return int(digits)
        except ValueError:
            raise _usage(f"-{letter} {value}: not a number") from None


def _first_n(value: str) -> tuple[bool, int, int]:
    """-N [io]n | [io]a-b | [io]a+n -> (output stream?, start, end)."""
    text = value
    output = False
    if text.startswith("o"):
        output, text = True, text[1:]
    if text.startswith("i"):
        output, text = False, text[1:]
    bad = _usage(f"-N {value}: expected [io]N, [io]A-B or [io]A+N")
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            return output, int(a), int(b)
        if "+" in text:
            a, b = text.split("+", 1)
            return output, int(a), int(a) + int(b)
        return output, 0, int(text)
    except ValueError:
        raise bad from None


def _option(out: RaArgs, letter: str, values: list[str]) -> None:
    config = out.config
    value = values[0]
    if letter == "r":
        if not out.read_seen:
            config.inputs = []  # the command line's -r replaces RA_INPUT_FILE
            out.read_seen = True
        for v in values:
            if "::" in v:
                raise _usage(f"-r {v}: byte offsets (file::start:stop) are not supported")
            for prefix in ("cisco:", "jflow:", "ft:", "sflow:", "mysql:"):
                if v.startswith(prefix):
                    raise _usage(f"-r {v}: {prefix[:-1]} input is not supported (Argus record files only)")
            config.inputs.append(v)
    elif letter == "s":
        words: list[str] = []
        for v in values:
            words.extend(v.replace(",", " ").split())
        config.field_words.append(words)
    elif letter == "M":
        for v in values:
            config.modes.append(v)
    elif letter == "c":
        if value.startswith("\\"):
            if value[1:2] == "t":
                config.separator = "\t"
        else:
            config.separator = value[:1]
        config.field_width = "variable"
    elif letter == "F":
        _read_config(out, value)
    elif letter == "L":
        config.labels = {0: -1, -1: 0}.get(_number("L", value), _number("L", value))
    elif letter == "N":
        output, start, end = _first_n(value)
        if output:
            config.output_n = (start, end)
        else:
            config.first_n = (start, end)
    elif letter == "p":
        config.precision = _number("p", value)
    elif letter == "Z":
        config.flags_z = value[:1]
    elif letter == "S":
        out.remote = out.remote or value
        out.remotes.append(value)
    elif letter == "m":
        for v in values:
            out.model_words.extend(v.replace(",", " ").split())
    elif letter == "f":
        out.flow_conf = value
    elif letter == "C":
        raise _usage(f"-C {value}: reading NetFlow is not supported")
    elif letter == "e":
        out.user_regex = value
    elif letter == "E":
        if value.startswith("-") and value != "-":
            raise _usage(f"-E {value}: an output name cannot start with -")
        out.reject_output = value
    elif letter == "R":
        from argus_rs.cli.ra_dirs import record_files

        if not out.read_seen:
            config.inputs = []
            out.read_seen = True
        for v in values:
            try:
                config.inputs.extend(record_files(v))
            except FileNotFoundError:
                continue  # as ra: a missing directory adds nothing ("no input files" if all are)
    # the letters of _IGNORED: accepted and without effect
