"""The ra filter language of Argus 3.0.8: parse an expression, evaluate it on records.

>>> from argus_rs.filter import parse_filter, to_core
>>> parse_filter("tcp and dst port 80")
And(left=Keyword(name='tcp', dir=''), right=Port(proto='any', dir='dst', op='eq', value=80))

:func:`parse_filter` gives a typed tree (:mod:`argus_rs.filter.ast`); :func:`to_core`
its tuple form; :func:`compile` a :class:`argus_rs._core.RecordFilter` whose
``mask(records)`` takes an Arrow binary array of Argus flow records (FAR bytes)
and returns an Arrow boolean array: ``df.filter(pl.Series(f.mask(df["record"].to_arrow())))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argus_rs.filter.ast import (
    Address,
    And,
    ArpHardware,
    Compare,
    Const,
    EtherAddress,
    Inode,
    Keyword,
    Node,
    Not,
    Or,
    Port,
    Protocol,
    SourceId,
    to_core,
)
from argus_rs.filter.errors import FilterError
from argus_rs.filter.parser import parse_filter

if TYPE_CHECKING:
    from argus_rs._core import RecordFilter


def compile(text: str) -> RecordFilter:
    """Parse `text` and build the Rust evaluator for it (FilterError when 3.0.8 would reject it)."""
    from argus_rs._core import compile_filter

    return compile_filter(to_core(parse_filter(text)))


__all__ = [
    "Address",
    "And",
    "ArpHardware",
    "Compare",
    "Const",
    "EtherAddress",
    "FilterError",
    "Inode",
    "Keyword",
    "Node",
    "Not",
    "Or",
    "Port",
    "Protocol",
    "SourceId",
    "compile",
    "parse_filter",
    "to_core",
]
