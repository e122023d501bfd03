"""ra's ``-e REGEX``: keep the records whose user data (``argus -U``) matches a regular
expression; ``s:REGEX`` / ``d:REGEX`` look only at the source / destination buffer.

As real ra 3.0.8.2 (observed): the match is case-sensitive, ``^`` anchors at the start of a
buffer, and a buffer is read as a C string (up to its first NUL byte).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

__all__ = ["UserDataMatch"]


@dataclass(frozen=True)
class UserDataMatch:
    """A compiled ``-e`` value."""

    pattern: re.Pattern[bytes]
    sides: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> UserDataMatch:
        sides: tuple[str, ...] = ("suser", "duser")
        body = text
        if text[:2] in ("s:", "d:"):
            sides = ("suser",) if text[0] == "s" else ("duser",)
            body = text[2:]
        try:
            pattern = re.compile(body.encode("utf-8", "surrogateescape"))
        except re.error as exc:
            raise ValueError(f"-e {text}: bad regular expression: {exc}") from None
        return cls(pattern, sides)

    def mask(self, frame: pl.DataFrame) -> pl.Series:
        """True for the rows whose buffers match."""
        search = self.pattern.search

        def side(values: pl.Series) -> list[bool]:
            return [bool(v) and search(v.split(b"\0", 1)[0]) is not None for v in values.to_list()]

        hits = [False] * frame.height
        for name in self.sides:
            if name in frame.columns:
                hits = [a or b for a, b in zip(hits, side(frame.get_column(name)), strict=True)]
        return pl.Series("user_match", hits, dtype=pl.Boolean)
