"""The ra filter language of Argus 3.0.8: parse an expression, evaluate it on records.

>>> from argus_rs.filter import parse_filter, to_core
>>> parse_filter("tcp and dst port 80")
And(left=Keyword(name='tcp', dir=''), right=Port(proto='any', dir='dst', op='eq', value=80))

:func:`parse_filter` gives a typed tree (:mod:`argus_rs.filter.ast`); :func:`to_core`
its tuple form; :func:`to_polars` a polars expression over the record columns
(:func:`polars_filter` falls back to the record evaluator where it has none);
:func:`to_bpf` libpcap text for the sensor's packet filter; :func:`compile` a
:class:`argus_rs._core.RecordFilter` whose
``mask(records)`` takes an Arrow binary array of Argus flow records (FAR bytes)
and returns an Arrow boolean array: ``df.filter(pl.Series(f.mask(df["record"].to_arrow())))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

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
from argus_rs.filter.bpf import to_bpf
from argus_rs.filter.errors import FilterError
from argus_rs.filter.parser import parse_filter

if TYPE_CHECKING:
    import polars as pl

    from argus_rs._core import RecordFilter

Frame = TypeVar("Frame", "pl.DataFrame", "pl.LazyFrame")


def to_polars(node_or_text: Node | str) -> pl.Expr:
    """A polars expression over the record columns (see :mod:`argus_rs.filter.polars_expr`)."""
    from argus_rs.filter.polars_expr import to_polars as _to_polars

    return _to_polars(node_or_text)


def polars_filter(frame: Frame, expression: Node | str) -> Frame:
    """A DataFrame/LazyFrame of records filtered by an ra expression (column form, else the record evaluator)."""
    from argus_rs.filter.polars_expr import polars_filter as _polars_filter

    return _polars_filter(frame, expression)


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
    "polars_filter",
    "to_bpf",
    "to_core",
    "to_polars",
]
