"""ra's ``-M rtime[:factor]`` (or ``realtime``): records played back at the pace of their start
times, ``factor`` times faster.

As ra 3.0.8 (observed): the records the filter selects are paced by their start times, the first
one printed at once; a record that starts before one already printed is printed at once (the
pace resumes from the latest start time); management records are not paced; a factor that is not
a number leaves the mode off, as does reading ``-S`` sources.  ra sleeps each gap from the
previous record; here each record is due at the first one's wall time plus its start time's
distance from the first one's, divided by the factor, so that the time spent printing does not
add up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Pacer", "pace_factor"]

#: what C's strtod reads at the start of the factor
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def pace_factor(modes: Sequence[str]) -> float | None:
    """The speed-up of the ``-M rtime``/``realtime`` modes (the last one given wins), None: not paced."""
    factor = 0.0
    for word in modes:
        lowered = word.lower()
        if not lowered.startswith(("rtime", "realtime")):
            continue
        _, colon, value = word.partition(":")
        if not colon:
            factor = 1.0
        elif number := _NUMBER.match(value):
            factor = float(number.group(0))
    return factor if factor > 0 else None


class Pacer:
    """Splits record batches into the parts due now, sleeping until the next part is due."""

    def __init__(
        self,
        factor: float,
        flush: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.factor = factor
        self.flush = flush  # what was printed goes out before each sleep
        self.clock = clock
        self.sleep = sleep
        self.first: tuple[float, int] | None = None  # (wall time, start time in µs) of the first record
        self.latest = 0  # the latest start time paced

    def _due(self, start: int | None) -> float:
        """The wall time ``start`` is due at (updates the pace)."""
        now = self.clock()
        if start is None or start <= 0:
            return now
        if self.first is None:
            self.first = (now, start)
        if start <= self.latest:
            return now
        self.latest = start
        wall, first = self.first
        return wall + (start - first) / 1e6 / self.factor

    def parts(self, frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
        """``frame`` in consecutive slices, each handed out when its records are due."""
        starts: list[int | None] = frame.get_column("stime").dt.epoch("us").to_list()
        begin = 0
        for row, start in enumerate(starts):
            due = self._due(start)
            wait = due - self.clock()
            if wait > 0:
                if row > begin:
                    yield frame.slice(begin, row - begin)
                    begin = row
                self.flush()
                self.sleep(wait)
        if begin < len(starts):
            yield frame.slice(begin)
