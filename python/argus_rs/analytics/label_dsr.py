"""The LABEL DSR racluster.conf's ``label=`` adds to the records racluster writes (spec 3.x
"Others": type 0x66, subtype 0, qualifier 0, length 1 + ⌈n/4⌉ words, the ASCII label padded
with NULs to a word).  3.0.8.2 writes it after the record's other DSRs."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

__all__ = ["label_dsr", "with_labels"]

_LABEL = 0x66
#: the record length field (16 bits, in 4-byte words) limits what a label may add
_MAX_WORDS = 0xFFFF


@lru_cache(maxsize=256)
def label_dsr(label: str) -> bytes:
    """The LABEL DSR of ``label`` (ASCII; other characters as UTF-8 bytes)."""
    text = label.encode("utf-8", errors="surrogateescape")
    words = -(-len(text) // 4)
    return bytes((_LABEL, 0, 0, 1 + words)) + text.ljust(words * 4, b"\0")


def _labelled(record: bytes | None, label: str | None) -> bytes | None:
    if record is None or not label or len(record) < 4:
        return record
    dsr = label_dsr(label)
    words = int.from_bytes(record[2:4], "big") + len(dsr) // 4
    if len(dsr) // 4 > 0xFF or words > _MAX_WORDS:
        return record  # too long for the record: written without the label
    return record[:2] + words.to_bytes(2, "big") + record[4:] + dsr


def with_labels(records: pl.Series, labels: pl.Series) -> pl.Series:
    """``records`` (Argus record bytes) with a LABEL DSR appended where ``labels`` has one."""
    out = [_labelled(r, lab) for r, lab in zip(records.to_list(), labels.to_list(), strict=True)]
    return pl.Series(records.name, out, dtype=pl.Binary)
