"""The one error a filter expression raises."""

from __future__ import annotations


class FilterError(ValueError):
    """A filter expression that Argus 3.0.8 would not accept (or that argus-rs cannot evaluate).

    ``str(err)`` is one line naming the problem and the column (1-based) where it
    was found, e.g. ``filter "tcp and prot 80": unknown name "prot" at column 9``.
    ``expression``, ``position`` (0-based) and ``problem`` hold the parts;
    :meth:`caret` draws the expression with a caret under the position.
    """

    def __init__(self, expression: str, position: int, problem: str) -> None:
        self.expression = expression
        self.position = max(0, min(position, len(expression)))
        self.problem = problem
        super().__init__(f'filter "{expression}": {problem} at column {self.position + 1}')

    def caret(self) -> str:
        """Two lines: the expression, and a caret under the offending position."""
        return f"{self.expression}\n{' ' * self.position}^"
