"""rastrip's DSR selection: which DSRs of a flow record ``-M`` keeps (rastrip 3.0.8.2 rules)."""

from __future__ import annotations

from collections.abc import Iterable

#: rastrip's DSR names, by Argus DSR index (reference §3.4)
DSR_NAMES = (
    "trans",
    "flow",
    "time",
    "metric",
    "agr",
    "net",
    "vlan",
    "mpls",
    "jitter",
    "ipattr",
    "psize",
    "suser",
    "duser",
    "mac",
    "icmp",
    "encaps",
)
#: what rastrip keeps without -M (and what a "+dsr" starts from)
DEFAULT_KEEP = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5)
#: every DSR (the start of a "-dsr" list): all 32 index bits
ALL_DSRS = 0xFFFFFFFF


def _index(name: str) -> int | None:
    # rastrip compares the keyword's length only: "-suserdata" is "suser"
    for i, keyword in enumerate(DSR_NAMES):
        if name.startswith(keyword):
            return i
    return None


def dsr_mask(modes: Iterable[str]) -> int:
    """The DSR index bits rastrip keeps for its ``-M`` words.

    ``-dsr``: from all DSRs (the first time), drop ``dsr``; ``+dsr``: from the default set
    (flow, time, metric, net), keep ``dsr`` too (3.0.8.2 restarts from the default set at every
    ``+``, so only the last ``+dsr`` adds); a bare ``dsr``: only the named DSRs. Unknown names
    change nothing (rastrip does not complain); ``replace`` and numbers are not DSR words.
    """
    mask = DEFAULT_KEEP
    first = True
    for word in modes:
        if word == "replace" or word[:1].isdigit():
            continue
        if word.startswith("-"):
            if first:
                mask, first = ALL_DSRS, False
            name, add = word[1:], False
        elif word.startswith("+"):
            if first:
                mask = DEFAULT_KEEP
            name, add = word[1:], True
        else:
            if first:
                mask, first = 0, False
            name, add = word, True
        index = _index(name)
        if index is None:
            continue
        mask = mask | (1 << index) if add else mask & ~(1 << index)
    return mask


__all__ = ["ALL_DSRS", "DEFAULT_KEEP", "DSR_NAMES", "dsr_mask"]
