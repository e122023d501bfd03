"""Records cut at time-bin boundaries, as rabins and rasplit -M time 3.0.8.2 cut them.

A record that crosses a bin edge is cut into pieces, one per bin it touches. Each direction
(source, destination) has its own time range; packets and bytes are handed out over the
pieces in proportion to the time a piece covers, in whole packets (never zero for a piece that
gets any), with the fraction carried to the next piece, and a record of two packets is cut
between its packets. The arithmetic is done in the same order and the same 64-bit floats as
3.0.8 does it, so the counts of each piece come out as the real clients print them.

Per-direction times of a sensor record are the ones ra shows (``ra/render.py``'s rule: a lone
source packet at the start, a lone destination packet at the end, else the record's span).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace

#: the counters a piece carries, per direction
_COUNTS = ("pkts", "bytes", "app")


@dataclass
class Side:
    """One direction of a record (or of what is left of it): times in µs (0 = none) and counts."""

    start: int = 0
    end: int = 0
    pkts: int = 0
    bytes: int = 0
    app: int = 0

    def clear_times(self) -> None:
        self.start = self.end = 0

    def clear_counts(self) -> None:
        self.pkts = self.bytes = self.app = 0


@dataclass
class Piece:
    """One piece of a record: its bin (start µs), times and counters."""

    bin: int
    stime: int
    ltime: int
    src: Side
    dst: Side


def sides(stime: int, ltime: int, spkts: int, dpkts: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(src start, src end), (dst start, dst end) of a sensor record, 0 for a silent direction."""
    src = (0, 0)
    if spkts > 0:
        src = (stime, stime) if spkts == 1 and dpkts > 0 else (stime, ltime)
    dst = (0, 0)
    if dpkts > 0:
        if dpkts == 1 and spkts > 0:
            t = ltime if spkts == 1 else stime
            dst = (t, t)
        else:
            dst = (stime, ltime)
    return src, dst


def _first(src: Side, dst: Side) -> int:
    starts = [t for t in (src.start, dst.start) if t > 0]
    return min(starts) if starts else 0


def _last(src: Side, dst: Side) -> int:
    return max(src.end, dst.end)


def _trunc(x: float) -> int:
    """C's conversion of a double to long long on x86 (NaN and overflow give INT64_MIN)."""
    if not math.isfinite(x) or abs(x) >= 2**63:
        return -(2**63)
    return int(x)


def _f32(x: float) -> float:
    """``x`` stored in a C float (3.0.8 keeps the per-period rates and carries in 32 bits)."""
    try:
        return float(struct.unpack("f", struct.pack("f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def _div(a: float, b: float) -> float:
    """IEEE division as C does it (x/0 is inf or NaN, not an exception)."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


@dataclass
class _Rates:
    """What 3.0.8 keeps while cutting one record (its ArgusAdjustStruct)."""

    period: tuple[float, float] = (0.0, 0.0)
    pkts: tuple[float, float] = (0.0, 0.0)
    bytes: tuple[float, float] = (0.0, 0.0)
    app: tuple[float, float] = (0.0, 0.0)
    step: list[float] | None = None
    carry: list[float] | None = None


def _share(r: Side, whole: tuple[int, int], rates: _Rates, i: int, size: int) -> None:
    """The packets and bytes of direction ``i`` that fall into piece ``r``."""
    if not (r.start and r.pkts):
        return
    assert rates.carry is not None
    tdur = min(r.end - r.start, size)
    rdur = min(whole[1] - whole[0], size)
    pkts = _div(_f32(rates.pkts[i] + rates.carry[i]) * (tdur * 1.0), rdur * 1.0)
    count = _trunc(math.modf(pkts)[1]) if math.isfinite(pkts) else _trunc(pkts)
    count = min(count, r.pkts)
    count = max(count, 1)
    rates.carry[i] = _f32(rates.carry[i] + (_div(rates.pkts[i] * (tdur * 1.0), rdur * 1.0) - count * 1.0))
    ratio = _div(count * 1.0, rates.pkts[i])
    r.pkts = count
    r.bytes = _trunc(rates.bytes[i] * ratio)
    r.app = _trunc(rates.app[i] * ratio)


def _cut_side(r: Side, left: Side, esecs: int, rates: _Rates, i: int) -> None:
    """Direction ``i`` of the piece ending at ``esecs``: what it keeps and where the rest starts."""
    if r.start > esecs:
        r.clear_times()
        r.clear_counts()
    elif r.end > esecs:
        r.end = esecs
        left.start = esecs
    else:
        left.clear_times()
        assert rates.step is not None
        rates.step[i] = 0.0


def _advance(left: Side, r: Side, start: int, step: float, size: int) -> None:
    """Where the rest of a direction starts after a piece took ``r.pkts`` of its packets."""
    if left.pkts > 1 and step:
        moved = start + _trunc((step * r.pkts) * size)
        # 3.0.8 takes the difference the other way round (start of the rest minus the moved
        # time), so the rest's start only moves back, by a bin or more
        if left.start - moved >= size:
            left.start = moved
    elif left.pkts == 1:
        left.start = left.end


def _general_cut(r: Side, rd: Side, left: Side, ld: Side, esecs: int, rates: _Rates, size: int) -> None:
    whole = ((r.start, r.end), (rd.start, rd.end))
    if rates.period == (0.0, 0.0):
        sp = max((whole[0][1] - whole[0][0]) * 1.0 / (size * 1.0), 1.0)
        dp = max((whole[1][1] - whole[1][0]) * 1.0 / (size * 1.0), 1.0)
        rates.period = (sp, dp)
        rates.pkts = (_f32(left.pkts / sp), _f32(ld.pkts / dp))
        rates.bytes = (_f32(left.bytes / sp), _f32(ld.bytes / dp))
        rates.app = (_f32(left.app / sp), _f32(ld.app / dp))
        step = [sp / (left.pkts - 1) if left.pkts > 1 else 0.0, 0.0]
        if ld.pkts > 1:
            step[1] = dp / (ld.pkts - 1)
        else:
            step[0] = 0.0  # 3.0.8 clears the source step here (not the destination's)
        rates.step = step
        rates.carry = [0.0, 0.0]
    _cut_side(r, left, esecs, rates, 0)
    _cut_side(rd, ld, esecs, rates, 1)
    _share(r, whole[0], rates, 0, size)
    _share(rd, whole[1], rates, 1, size)
    for piece, rest in ((r, left), (rd, ld)):
        rest.pkts -= piece.pkts
        rest.bytes -= piece.bytes
        rest.app -= piece.app
        if rest.pkts == 0 and rest.bytes > 0:
            if piece.pkts > 1:
                piece.pkts -= 1
                rest.pkts += 1
            else:
                piece.bytes += rest.bytes
                piece.app += rest.app
    if r.pkts + rd.pkts == 1:
        r.end = r.start
        rd.end = rd.start
    assert rates.step is not None
    _advance(left, r, whole[0][0], rates.step[0], size)
    _advance(ld, rd, whole[1][0], rates.step[1], size)


def _two_packet_cut(r: Side, rd: Side, left: Side, ld: Side) -> None:
    if left.pkts == 1:  # one each way: the source packet now, the destination packet next
        rd.clear_times()
        rd.clear_counts()
        left.clear_times()
    else:
        for piece, rest, other in ((r, left, rd), (rd, ld, r)):
            if piece.pkts:
                piece.pkts = 1
                piece.bytes = piece.bytes // 2 + (piece.bytes & 1)
                piece.app = piece.app // 2 + (piece.app & 1)
                if piece is r:
                    other.clear_counts()  # 3.0.8 leaves the source bytes of a destination cut
                piece.end = piece.start
                rest.start = rest.end
                break
    for piece, rest in ((r, left), (rd, ld)):
        rest.pkts -= piece.pkts
        rest.bytes -= piece.bytes
        rest.app -= piece.app


def cut(src: Side, dst: Side, size: int, *, hard: bool = False) -> list[Piece]:
    """The pieces of one record (``src``/``dst``: its directions) in bins of ``size`` µs."""
    left, ld = replace(src), replace(dst)
    first = _first(left, ld)
    origin = (first // size) * size
    rates = _Rates()
    out: list[Piece] = []
    while left.pkts + ld.pkts > 0:
        start, end = _first(left, ld), _last(left, ld)
        ssecs = origin + ((start - origin) // size) * size
        esecs = ssecs + size
        r, rd = replace(left), replace(ld)
        if left.pkts + ld.pkts > 1 and end > esecs:
            if left.pkts + ld.pkts == 2:
                _two_packet_cut(r, rd, left, ld)
            else:
                _general_cut(r, rd, left, ld, esecs, rates, size)
        else:
            left.clear_counts()
            ld.clear_counts()
        if hard:
            r.start, r.end = ssecs, esecs
            rd.start, rd.end = ssecs, esecs
        if r.pkts + rd.pkts > 0:
            stime = ssecs if hard else _first(r, rd)
            ltime = esecs if hard else _last(r, rd)
            out.append(Piece(ssecs, stime, ltime, r, rd))
        if left.pkts < 0 or ld.pkts < 0:
            break  # never expected: the counts are handed out whole
    return out


__all__ = ["Piece", "Side", "cut", "sides"]
