"""Argus 3 record bytes for merged (aggregated) rows, so ``racluster -w`` writes records that
real ``ra`` reads: the group's first record, with the merged times, counters and key, and an
AGR DSR carrying the merge statistics (spec 3.4-3.6).

Only the DSRs the merge changes are rewritten: TIME (absolute range of the group), METRIC
(the summed counters, 64-bit, with application bytes), AGR (inserted after METRIC: count,
and the duration statistics in host order, as 3.0.8.2 clients write them) and, for IPv4 and
IPv6 5-tuple flows, FLOW (the merged addresses with their prefix lengths, protocol and ports).
Every other DSR is the first record's (TCP state, attributes, MACs, ...).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from datetime import datetime, timezone

import polars as pl

__all__ = ["aggregate_records"]

_TIME, _METRIC, _AGR, _FLOW = 0x03, 0x10, 0x60, 0x02
#: DSR types in writing order up to the AGR's place (TRANSPORT, FLOW, TIME, METRIC)
_BEFORE_AGR = (0x01, _FLOW, _TIME, _METRIC)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _dsrs(body: bytes) -> Iterator[bytes]:
    """The DSRs of a record body, as ra walks them (stops at a zero or overrunning length)."""
    at = 0
    while at + 4 <= len(body):
        kind, subtype = body[at], body[at + 1]
        if kind & 0x80:
            size = 4
        elif subtype & 0x80:
            size = struct.unpack_from(">H", body, at + 2)[0] * 4
        else:
            size = body[at + 3] * 4
        if size == 0 or at + size > len(body):
            return
        yield body[at : at + size]
        at += size


def _usec(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _time_dsr(start: int, end: int) -> bytes:
    # ABSOLUTE_RANGE, UTC microseconds: start and end as (sec, usec)
    return struct.pack(">BBBBIIII", _TIME, 0x02, 0x18, 5, start // 1_000_000, start % 1_000_000,
                       end // 1_000_000, end % 1_000_000)  # fmt: skip


def _metric_dsr(row: dict[str, object]) -> bytes:
    def n(name: str) -> int:
        value = row.get(name)
        return int(value) if isinstance(value, (int, float)) else 0

    # PKTS_BYTES_APP, SRCDST_LONGLONG: spkts sbytes sappbytes dpkts dbytes dappbytes
    values = [n("spkts"), n("sbytes"), n("sappbytes"), n("dpkts"), n("dbytes"), n("dappbytes")]
    return struct.pack(">BBBB6Q", _METRIC, 0x04, 0x04, 13, *values)


def _agr_dsr(row: dict[str, object], last_start: int, last_end: int) -> bytes:
    def f(name: str) -> float:
        value = row.get(name)
        return float(value) if isinstance(value, (int, float)) else 0.0

    count = int(row.get("trans") or 1)  # type: ignore[call-overload]
    head = struct.pack(">BBBBI", _AGR, 0x04, 0x01, 20, count)
    times = struct.pack("<IIII", last_start // 1_000_000, last_start % 1_000_000, last_end // 1_000_000,
                        last_end % 1_000_000)  # fmt: skip
    act = struct.pack("<iffff8x", count, f("min"), f("mean"), f("stddev"), f("max"))
    idle = struct.pack("<iffff8x", 0, 0.0, 0.0, 0.0, 0.0)
    return head + times + act + idle


def _addr(text: object) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    if not isinstance(text, str) or not text:
        return None
    host, _, length = text.partition("/")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return address, int(length) if length.isdigit() else address.max_prefixlen


def _port(value: object) -> int:
    if isinstance(value, str):
        try:
            return int(value, 16) if value.startswith("0x") else int(value)
        except ValueError:
            return 0
    return 0


def _flow_dsr(old: bytes, row: dict[str, object], proto_number: int) -> bytes:
    """The FLOW DSR of the merged key (IPv4/IPv6 5-tuples; others kept)."""
    subtype, qual = old[1] & 0x3F, old[2] & 0x1F
    src, dst = _addr(row.get("saddr")), _addr(row.get("daddr"))
    if subtype != 0x01 or src is None or dst is None or old[2] & 0x80:
        return old
    if proto_number in (1, 58):
        # ICMP keys carry type/code/id (the first record's): only the addresses change
        size = 4 if qual == 0x01 else 16 if qual == 0x02 else 0
        if not size or src[0].max_prefixlen != size * 8 or dst[0].max_prefixlen != size * 8:
            return old
        return old[:1] + bytes([old[1] & ~0x40 & 0xFF]) + old[2:4] + src[0].packed + dst[0].packed + old[4 + 2 * size :]
    sport, dport = _port(row.get("sport")), _port(row.get("dport"))
    if qual == 0x01 and src[0].version == 4 and dst[0].version == 4:
        return struct.pack(">BBBB4s4sBBHHBB", _FLOW, 0x01, 0x41, 5, src[0].packed, dst[0].packed, proto_number,
                           0, sport, dport, src[1], dst[1])  # fmt: skip
    if qual == 0x02 and src[0].version == 6 and dst[0].version == 6:
        return struct.pack(">BBBB16s16sIHHHH", _FLOW, 0x01, 0x42, 12, src[0].packed, dst[0].packed,
                           proto_number << 24, sport, dport, src[1], dst[1])  # fmt: skip
    return old


_NETWORK = 0x30


#: TCP status bits that give each ra state (spec 2.3), or-ed into the merged record's TCP object
_STATE_BITS = {"RST": 0x1000, "FIN": 0x08, "CLO": 0x20, "CON": 0x04, "ACC": 0x02, "REQ": 0x01}
_TCP_OBJECTS = (0x03, 0x04, 0x05)
_RTP_OBJECTS = (0x09, 0x0A)


def _network(record: bytes | None, row: dict[str, object]) -> bytes | None:
    """The NETWORK DSR (TCP state and flags) of a record, with the merged TCP state's bit set;
    an empty one when UDP kinds merged (no RTP/RTCP object: the proto prints udp)."""
    if not record:
        return None
    dsr = next((d for d in _dsrs(record[4:]) if d[0] == _NETWORK), None)
    if dsr is None:
        return None
    proto = row.get("proto")
    if proto == "tcp" and dsr[1] in _TCP_OBJECTS and len(dsr) >= 8:
        status = struct.unpack_from(">I", dsr, 4)[0] | _STATE_BITS.get(str(row.get("state")), 0)
        return dsr[:4] + struct.pack(">I", status) + dsr[8:]
    if proto == "udp" and dsr[1] in _RTP_OBJECTS:
        return bytes([_NETWORK, 0, 0, 1])
    return dsr


def _record(
    template: bytes, row: dict[str, object], proto_number: int, network: bytes | None = None, agr: bool = True
) -> bytes:
    start, end = _usec(row.get("stime")), _usec(row.get("ltime"))  # type: ignore[arg-type]
    body = template[4:]
    out: list[bytes] = []
    agr_done = False
    seen = set()
    for dsr in _dsrs(body):
        kind = dsr[0] & 0x7F if dsr[0] & 0x80 else dsr[0]
        seen.add(kind)
        if not agr_done and kind not in _BEFORE_AGR:
            if _TIME not in seen:
                out.append(_time_dsr(start, end))
            if _METRIC not in seen:
                out.append(_metric_dsr(row))
            if agr:
                out.append(_agr_dsr(row, start, end))
            agr_done = True
        if kind == _AGR:
            continue  # replaced
        if kind == _TIME:
            out.append(_time_dsr(start, end))
        elif kind == _METRIC:
            out.append(_metric_dsr(row))
        elif kind == _FLOW:
            out.append(_flow_dsr(dsr, row, proto_number))
        elif kind == _NETWORK and network is not None:
            out.append(network)  # the last record's state: how the flow ended
        else:
            out.append(dsr)
    if not agr_done:
        if _TIME not in seen:
            out.append(_time_dsr(start, end))
        if _METRIC not in seen:
            out.append(_metric_dsr(row))
        if agr:
            out.append(_agr_dsr(row, start, end))
    payload = b"".join(out)
    words = 1 + len(payload) // 4
    return bytes([template[0], template[1]]) + struct.pack(">H", words) + payload


def aggregate_records(
    frame: pl.DataFrame, templates: pl.Series, lasts: pl.Series | None = None, *, agr: bool = True
) -> pl.Series:
    """One record per row of a merged frame (``racluster`` output), made from ``templates``
    (each group's first record bytes; ``lasts``: its last record's, for the TCP state): the
    ``record`` column ``write_argus`` writes.  ``agr=False`` (racluster -M norep): no AGR DSR."""
    from argus_rs.analytics.sort import _number

    out: list[bytes | None] = []
    protos: dict[object, int] = {}
    last_list = lasts.to_list() if lasts is not None else [None] * frame.height
    for row, template, last in zip(frame.iter_rows(named=True), templates.to_list(), last_list, strict=True):
        if not template:
            out.append(None)
            continue
        proto = row.get("proto")
        if proto not in protos:
            protos[proto] = _number(proto if isinstance(proto, str) else None)
        network = _network(bytes(last), row) if last else None
        out.append(_record(bytes(template), row, protos[proto], network, agr))
    return pl.Series("record", out, dtype=pl.Binary)
