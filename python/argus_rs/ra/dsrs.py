"""``ra -M dsrs=LIST``: which DSRs ra 3.0.8 keeps of each flow record it reads.

ra's rules (found by experiment with ra 3.0.8): the words of LIST are split at
commas and spaces; if the first word starts with ``-`` or ``+`` ra starts from
every DSR, else from none; ``-dsr`` drops a DSR, ``+dsr`` and a bare ``dsr`` keep
it. A word names a DSR when it starts with that DSR's keyword; an unknown name
changes nothing (ra says nothing either). Every ``-M dsrs=`` starts over, so the
last one given is the one that counts. (rastrip's ``+dsr`` differs: it starts
from its default set, see :mod:`argus_rs.analytics.strip`.)
"""

from __future__ import annotations

from collections.abc import Iterable

#: ra's DSR keywords, by Argus DSR index (the bit of the mask the reader keeps)
RA_DSR_NAMES = (
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
    "tadj",
    "behavior",
    "cor",
    "cocode",
    "label",
    "asn",
)
#: every DSR index bit
ALL_DSRS = 0xFFFFFFFF


def _index(name: str) -> int | None:
    for i, keyword in enumerate(RA_DSR_NAMES):
        if name.startswith(keyword):
            return i
    return None


def ra_dsr_mask(text: str) -> int:
    """The DSR index bits ra keeps for ``-M dsrs=TEXT``."""
    mask = ALL_DSRS
    first = True
    for word in text.replace(",", " ").split():
        if word[0] in "+-":
            name, keep = word[1:], word[0] == "+"
            if first:
                mask = ALL_DSRS
        else:
            name, keep = word, True
            if first:
                mask = 0
        first = False
        index = _index(name)
        if index is not None:
            mask = mask | (1 << index) if keep else mask & ~(1 << index)
    return mask


def dsrs_mode(modes: Iterable[str]) -> int | None:
    """The mask of the last ``dsrs=`` among ``-M`` words (None: no DSR is stripped)."""
    mask: int | None = None
    for word in modes:
        if word.lower().startswith("dsrs="):
            mask = ra_dsr_mask(word[5:].strip("'\""))
    return mask


__all__ = ["ALL_DSRS", "RA_DSR_NAMES", "dsrs_mode", "ra_dsr_mask"]
