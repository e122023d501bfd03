"""Management records (MARs) for ``ra -M man``: read from an Argus file, printed as ra 3.0.8 does.

ra prints a MAR's counters in flow columns (spec section 3.3): stime = now, ltime = the period's
start, SrcAddr = queue, Sport = dropped, DstAddr = bufs, Dport = clients, SrcPkts = pktsRcvd,
DstPkts = records, SrcBytes = bytesRcvd, DstBytes = dropped, TotBytes = bytes.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import struct
from collections.abc import Sequence

from argus_rs.ra.fields import FieldSpec
from argus_rs.ra.render import PrintOptions, _label_text

_CAUSES = {0x10: "STA", 0x20: "CON", 0x30: "STP", 0x40: "SHT", 0x50: "TIM", 0x60: "SHT", 0x80: "ERR"}
#: the ``cause`` field's words
_CAUSE_WORDS = {0x10: "Start", 0x20: "Status", 0x30: "Stop", 0x40: "Shutdown", 0x50: "Timeout", 0x60: "Shutdown"}


def read_mars(path: str) -> list[dict[str, object]]:
    """Every MAR of the Argus file ``path``, in file order (empty when it is not a plain file)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        # compressed record files, as ra reads them
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        elif data[:3] == b"BZh":
            data = bz2.decompress(data)
    except (OSError, EOFError, ValueError):
        return []
    out: list[dict[str, object]] = []
    pos = 0
    last_far = 0  # ra's offset field of a MAR: the offset of the flow record read before it
    while pos + 4 <= len(data):
        words = struct.unpack_from(">H", data, pos + 2)[0]
        if words == 0:
            break
        if data[pos] & 0xF0 == 0x80 and pos + 128 <= len(data):
            (ss, su, ns, nu) = struct.unpack_from(">IIII", data, pos + 24)
            prk, brk = struct.unpack_from(">QQ", data, pos + 48)
            # ra takes a START MAR's srcid from thisid (its argusid holds the cookie), the others' from argusid
            srcid_at = 120 if data[pos + 1] & 0xF0 == 0x10 else 8
            records, _flows, dropped, queue, _output, clients, bufs, nbytes = struct.unpack_from(">8I", data, pos + 72)
            out.append(
                {
                    "_pos": pos,
                    "seq": struct.unpack_from(">I", data, pos + 20)[0],
                    "offset": last_far,
                    "stime": ns * 1_000_000 + nu,
                    "ltime": ss * 1_000_000 + su,
                    "state": _CAUSES.get(data[pos + 1] & 0xF0, "UNK"),
                    "cause": _CAUSE_WORDS.get(data[pos + 1] & 0xF0, "Error"),
                    "srcid": ".".join(str(b) for b in data[pos + srcid_at : pos + srcid_at + 4]),
                    "saddr": queue,
                    "sport": dropped,
                    "daddr": bufs,
                    "dport": clients,
                    "spkts": prk,
                    "dpkts": records,
                    "sbytes": brk,
                    "dbytes": dropped,
                    "pkts": prk,
                    "bytes": nbytes,
                }
            )
        else:
            last_far = pos
        pos += words * 4
    return out


#: rate fields ra prints as a zero for a MAR
_ZERO_RATES = frozenset(("load", "rate"))


def _time(us: int, opts: PrintOptions) -> str:
    """Seconds (``-u``) or the local time of day, with ``-p`` digits of the fraction (truncated)."""
    sec = us // 1_000_000
    whole = str(sec) if opts.unix_time else f"{dt.datetime.fromtimestamp(sec):%H:%M:%S}"
    digits = max(0, min(opts.precision, 6))
    return whole + (f".{us % 1_000_000:06d}"[: digits + 1] if digits else "")


def mar_line(mar: dict[str, object], fields: Sequence[FieldSpec], opts: PrintOptions) -> str:
    """One MAR as ra prints it with the default time format: each field right-aligned to its column."""
    sep = opts.separator if opts.separator not in (None, " ") else None
    parts: list[str] = []
    for fs in fields:
        width = max(len(_label_text(fs, opts)) - 1, 0)
        name = fs.name
        if name in ("stime", "ltime"):
            text = _time(int(mar[name]), opts)  # type: ignore[call-overload]
        elif name == "dur":
            d = int(mar["stime"]) - int(mar["ltime"])  # type: ignore[call-overload]
            text = f"{d / 1e6:.{max(0, min(opts.precision, 6))}f}"
        elif name in _ZERO_RATES:
            text = f"{0:.{max(0, min(opts.precision, 6))}f}"
        elif name == "proto":
            text = "man"
        elif name in mar:
            text = str(mar[name])
        else:
            text = ""
        if not sep:
            text = text.rjust(width)
        elif name == "flgs":
            text = " " * 10  # ra prints a MAR's empty flags as 10 blanks whatever the width
        parts.append(text)
    return (sep or " ").join(parts)
