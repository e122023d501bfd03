"""Which record columns printing a field list reads (for column projection when reading).

:func:`argus_rs.read_argus` / :func:`argus_rs.scan_argus` (and ``_core.scan_argus``) can build
only some columns; ``argus-rs ra`` asks for the ones its ``-s`` fields need, found here from
the very polars expressions that render them, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .. import _core
from .fields import FieldSpec
from .render import PrintOptions, _needs_extra, _value_exprs


@lru_cache(maxsize=1)
def record_columns() -> tuple[str, ...]:
    """Every column of the flow-record schema, in order."""
    import polars as pl

    return tuple(pl.Schema(_core.record_schema()).names())


def columns_for(fields: Sequence[FieldSpec], opts: PrintOptions) -> list[str]:
    """The record columns that rendering ``fields`` with ``opts`` reads (schema order).

    ``record`` is among them when a field needs facts decoded from the record bytes.
    """
    from .render import _EXTRA_SCHEMA

    schema = record_columns()
    every = [*schema, *_EXTRA_SCHEMA]
    used: set[str] = set()
    for expr in _value_exprs(list(fields), opts, every):
        used.update(expr.meta.root_names())
    if _needs_extra(list(fields), opts):
        used.add("record")
    return [c for c in schema if c in used]


__all__ = ["columns_for", "record_columns"]
