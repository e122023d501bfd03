"""Parse an ra filter and remember where each node of the tree starts in the text.

The tree itself (:mod:`argus_rs.filter.ast`) carries no positions; the back ends
that refuse part of an expression (:func:`argus_rs.filter.to_bpf`,
:func:`argus_rs.filter.to_polars`) use this to put the caret of their
FilterError under the primitive they refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from argus_rs.filter.ast import Node
from argus_rs.filter.errors import FilterError
from argus_rs.filter.parser import Parser, Qual, _Fail


@dataclass
class Parsed:
    """A parsed expression: its text, its tree, and where (0-based) each node starts."""

    text: str
    tree: Node
    starts: dict[int, int] = field(default_factory=dict)
    #: the nodes `starts` knows (kept alive so that their ids stay theirs)
    keep: list[object] = field(default_factory=list)

    def start(self, node: Node, default: int = 0) -> int:
        return self.starts.get(id(node), default)

    def error(self, node: Node, problem: str, default: int = 0) -> FilterError:
        return FilterError(self.text, self.start(node, default), problem)


class _SpanParser(Parser):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.starts: dict[int, int] = {}
        self.keep: list[object] = []

    def _mark(self, pos: int, node: Node) -> None:
        self.starts[id(node)] = pos
        self.keep.append(node)

    def term(self, qb: Qual) -> tuple[Node, Qual]:
        tok = self.cur
        node, q = super().term(qb)
        if tok.kind != "(":
            self._mark(tok.pos, node)
        return node, q

    def rterm(self, qb: Qual) -> tuple[Node, Qual]:
        tok = self.cur
        node, q = super().rterm(qb)
        if tok.kind != "(":
            self._mark(tok.pos, node)
        return node, q

    def value(self, q: Qual) -> tuple[Node, Qual]:
        tok = self.cur
        node, q2 = super().value(q)
        if tok.kind != "(":
            self._mark(tok.pos, node)
        return node, q2


def parse_with_starts(text: str) -> Parsed:
    """As :func:`argus_rs.filter.parse_filter`, also giving each node's start in `text`."""
    p = _SpanParser(text)
    try:
        tree = p.parse()
    except _Fail as e:
        raise FilterError(text, e.pos, e.problem) from None
    return Parsed(text, tree, p.starts, p.keep)


def as_parsed(node_or_text: Node | str) -> Parsed:
    """A Parsed for an expression or an already parsed tree (a tree has no positions)."""
    if isinstance(node_or_text, str):
        return parse_with_starts(node_or_text)
    return Parsed("", node_or_text)
