"""ra's ``-M printer=hex``: user data (``suser``/``duser``) as a hex dump under the flow line.

What ra 3.0.8 prints (observed): the flow line without the user data columns
(they leave no trace, not even their separator; the header keeps them), then,
for each user data column in ``-s`` order whose direction has data, a dump of
its first bytes (at most the column width) and a blank line.  A dump line is
``      0xOOOO\\t`` then the 16 bytes as 8 groups of `` xxxx`` (an odd last byte
as `` xx``) padded to 40 characters, ``\\t`` and the bytes as text (``isgraph``
characters, the rest ``.``).  With ``-M xml`` the user data attributes are left out and the
dumps follow each record's element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from .fields import FieldSpec
    from .render import PrintOptions

__all__ = ["USER_FIELDS", "hex_dump", "hex_lines", "user_dumps", "without_user"]

#: the columns ra dumps instead of printing
USER_FIELDS = ("suser", "duser")

_BYTES_PER_LINE = 16
#: 8 groups of " xxxx"
_HEX_WIDTH = 40
_INDENT = "      "


#: isgraph in the C locale ('!'..'~'), the other bytes as '.'
_TEXT = bytes(c if 0x21 <= c <= 0x7E else 0x2E for c in range(256))


def hex_dump(data: bytes) -> list[str]:
    """The dump lines of ``data``."""
    lines = []
    for offset in range(0, len(data), _BYTES_PER_LINE):
        chunk = data[offset : offset + _BYTES_PER_LINE]
        groups = " " + chunk.hex(" ", -2)  # pairs of bytes from the left, an odd last byte alone
        text = chunk.translate(_TEXT).decode("ascii")
        lines.append(f"{_INDENT}0x{offset:04x}\t{groups:<{_HEX_WIDTH}}\t{text}")
    return lines


def without_user(fields: Sequence[FieldSpec]) -> list[FieldSpec]:
    """The fields ra prints on the line itself."""
    return [f for f in fields if f.name not in USER_FIELDS]


def user_dumps(frame: pl.DataFrame, fields: Sequence[FieldSpec]) -> list[str]:
    """What follows each record's line: ``\\n`` and a dump line for each line of each direction's
    dump, then ``\\n`` (the blank line once the record's own newline is printed)."""
    after = [""] * frame.height
    dumped = [f for f in fields if f.name in USER_FIELDS and f.width > 0 and f.name in frame.columns]
    for spec in dumped:
        for row, data in enumerate(frame.get_column(spec.name).to_list()):
            if data:
                after[row] += "".join("\n" + line for line in hex_dump(data[: spec.width])) + "\n"
    return after


def hex_lines(frame: pl.DataFrame, fields: Sequence[FieldSpec], opts: PrintOptions) -> pl.Series:
    """Each record's flow line followed by its dumps, as one string per record (no final newline)."""
    import polars as pl

    from .render import render_lines

    shown = without_user(fields)
    if shown:
        lines: list[str] = render_lines(frame, shown, opts).to_list()
    else:
        lines = [""] * frame.height  # ra prints an empty flow line
    after = user_dumps(frame, fields)
    return pl.Series("line", [line + dumps for line, dumps in zip(lines, after, strict=True)], dtype=pl.Utf8)
