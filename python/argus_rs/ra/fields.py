"""The ra field table (Argus 3.0.8.2 ``RaPrintAlgorithmTable``, 201 entries) and
``-s`` field-list parsing.

Each entry: the ``-s`` name, ra's default column width, the header label, and
how the label and the value are laid out in a fixed-width column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

# name, default width, label
_TABLE: list[tuple[str, int, str]] = [
    ("stime", 12, "StartTime"),
    ("ltime", 12, "LastTime"),
    ("trans", 6, "Trans"),
    ("dur", 10, "Dur"),
    ("mean", 10, "Mean"),
    ("min", 10, "Min"),
    ("max", 10, "Max"),
    ("saddr", 18, "SrcAddr"),
    ("daddr", 18, "DstAddr"),
    ("proto", 6, "Proto"),
    ("sport", 6, "Sport"),
    ("dport", 6, "Dport"),
    ("stos", 5, "sTos"),
    ("dtos", 5, "dTos"),
    ("sdsb", 5, "sDSb"),
    ("ddsb", 5, "dDSb"),
    ("sttl", 4, "sTtl"),
    ("dttl", 4, "dTtl"),
    ("bytes", 10, "TotBytes"),
    ("sbytes", 12, "SrcBytes"),
    ("dbytes", 12, "DstBytes"),
    ("appbytes", 10, "TotAppByte"),
    ("sappbytes", 12, "SAppBytes"),
    ("dappbytes", 12, "DAppBytes"),
    ("pkts", 8, "TotPkts"),
    ("spkts", 8, "SrcPkts"),
    ("dpkts", 8, "DstPkts"),
    ("load", 8, "Load"),
    ("sload", 8, "SrcLoad"),
    ("dload", 8, "DstLoad"),
    ("loss", 10, "Loss"),
    ("sloss", 10, "SrcLoss"),
    ("dloss", 10, "DstLoss"),
    ("ploss", 8, "pLoss"),
    ("sploss", 10, "pSrcLoss"),
    ("dploss", 10, "pDstLoss"),
    ("rate", 12, "Rate"),
    ("srate", 12, "SrcRate"),
    ("drate", 12, "DstRate"),
    ("srcid", 18, "SrcId"),
    ("flgs", 9, "Flgs"),
    ("smac", 18, "SrcMac"),
    ("dmac", 18, "DstMac"),
    ("dir", 5, "Dir"),
    ("sintpkt", 12, "SIntPkt"),
    ("dintpkt", 12, "DIntPkt"),
    ("sintpktact", 12, "SIntPktAct"),
    ("dintpktact", 12, "DIntPktAct"),
    ("sintpktidl", 12, "SIntPktIdl"),
    ("dintpktidl", 12, "DIntPktIdl"),
    ("sintpktmax", 12, "SIntPktMax"),
    ("sintpktmin", 12, "SIntPktMin"),
    ("dintpktmax", 12, "DIntPktMax"),
    ("dintpktmin", 12, "DIntPktMin"),
    ("sintpktactmax", 12, "SIPActMax"),
    ("sintpktactmin", 12, "SIPActMin"),
    ("dintpktactmax", 12, "DIPActMax"),
    ("dintpktactmin", 12, "DIPActMin"),
    ("sintpktidlmax", 12, "SIPIdlMax"),
    ("sintpktidlmin", 12, "SIPIdlMin"),
    ("dintpktidlmax", 12, "DIPIdlMax"),
    ("dintpktidlmin", 12, "DIPIdlMin"),
    ("xxx", 12, ""),
    ("sjit", 12, "SrcJitter"),
    ("djit", 12, "DstJitter"),
    ("sjitact", 12, "SrcJitAct"),
    ("djitact", 12, "DstJitAct"),
    ("sjitidl", 12, "SrcJitIdl"),
    ("djitidl", 12, "DstJitIdl"),
    ("state", 5, "State"),
    ("dldur", 12, "dlDur"),
    ("dlstime", 12, "dlsTime"),
    ("dlltime", 12, "dllTime"),
    ("dlspkt", 6, "dsPkts"),
    ("dldpkt", 6, "ddPkts"),
    ("dspkts", 12, "dsPkts"),
    ("ddpkts", 12, "ddPkts"),
    ("dsbytes", 12, "dsBytes"),
    ("ddbytes", 12, "ddBytes"),
    ("pdspkts", 12, "pdsPkt"),
    ("pddpkts", 12, "pddPkt"),
    ("pdsbytes", 12, "pdsByte"),
    ("pddbytes", 12, "pddByte"),
    ("suser", 16, "srcUdata"),
    ("duser", 16, "dstUdata"),
    ("tcpext", 12, ""),
    ("swin", 6, "SrcWin"),
    ("dwin", 6, "DstWin"),
    ("jdelay", 12, "JDelay"),
    ("ldelay", 12, "LDelay"),
    ("seq", 12, "Seq"),
    ("bins", 6, "Bins"),
    ("binnum", 6, "Bin"),
    ("smpls", 8, "sMpls"),
    ("dmpls", 8, "dMpls"),
    ("svlan", 8, "sVlan"),
    ("dvlan", 8, "dVlan"),
    ("svid", 6, "sVid"),
    ("dvid", 6, "dVid"),
    ("svpri", 6, "sVpri"),
    ("dvpri", 6, "dVpri"),
    ("sipid", 7, "sIpId"),
    ("dipid", 7, "dIpId"),
    ("srng", 6, "SRange"),
    ("erng", 6, "ERange"),
    ("stcpb", 12, "SrcTCPBase"),
    ("dtcpb", 12, "DstTCPBase"),
    ("tcprtt", 12, "TcpRtt"),
    ("inode", 18, "Inode"),
    ("stddev", 10, "StdDev"),
    ("rtime", 12, "RelTime"),
    ("offset", 12, "Offset"),
    ("snet", 18, "SrcNet"),
    ("dnet", 18, "DstNet"),
    ("sdur", 10, "SrcDur"),
    ("ddur", 10, "DstDur"),
    ("stcpmax", 10, "STcpMax"),
    ("dtcpmax", 10, "DTcpMax"),
    ("synack", 12, "SynAck"),
    ("ackdat", 12, "AckDat"),
    ("sstime", 12, "SrcStartTime"),
    ("sltime", 12, "SrcLastTime"),
    ("dstime", 12, "DstStartTime"),
    ("dltime", 12, "DstLastTime"),
    ("senc", 12, "sEnc"),
    ("denc", 12, "dEnc"),
    ("spktsz", 12, "sPktSz"),
    ("smaxsz", 12, "sMaxPktSz"),
    ("sminsz", 12, "sMinPktSz"),
    ("dpktsz", 12, "dPktSz"),
    ("dmaxsz", 12, "dMaxPktSz"),
    ("dminsz", 12, "dMinPktSz"),
    ("sco", 3, "sCo"),
    ("dco", 3, "dCo"),
    ("shops", 5, "sHops"),
    ("dhops", 5, "dHops"),
    ("icmpid", 6, "IcmpId"),
    ("label", 5, "Label"),
    ("sintdist", 8, "SIntDist"),
    ("dintdist", 8, "DIntDist"),
    ("sintdistact", 11, "SIntActDist"),
    ("dintdistact", 11, "DIntActDist"),
    ("sintdistidl", 11, "SIntIdlDist"),
    ("dintdistidl", 11, "DIntIdlDist"),
    ("retrans", 7, "Retrans"),
    ("sretrans", 8, "SrcRetra"),
    ("dretrans", 8, "DstRetra"),
    ("pretrans", 7, "pRetran"),
    ("spretrans", 8, "pSrcRetr"),
    ("dpretrans", 8, "pDstRetr"),
    ("nacks", 7, "Nacks"),
    ("snacks", 8, "SrcNacks"),
    ("dnacks", 8, "DstNacks"),
    ("pnacks", 7, "pNacks"),
    ("spnacks", 8, "pSrcNack"),
    ("dpnacks", 8, "pDstNack"),
    ("solo", 7, "Solo"),
    ("ssolo", 8, "SrcSolo"),
    ("dsolo", 8, "DstSolo"),
    ("psolo", 7, "pSolo"),
    ("spsolo", 8, "pSrcSolo"),
    ("dpsolo", 8, "pDstSolo"),
    ("first", 7, "First"),
    ("sfirst", 8, "SrcFirst"),
    ("dfirst", 8, "DstFirst"),
    ("pfirst", 7, "pFirst"),
    ("spfirst", 8, "pSrcFirs"),
    ("dpfirst", 8, "pDstFirs"),
    ("autoid", 6, "AutoId"),
    ("sas", 6, "sAS"),
    ("das", 6, "dAS"),
    ("ias", 5, "iAS"),
    ("cause", 7, "Cause"),
    ("bssid", 18, "Bssid"),
    ("ssid", 9, "Ssid"),
    ("nstroke", 9, "NStrok"),
    ("snstroke", 9, "sNStrok"),
    ("dnstroke", 9, "dNStrok"),
    ("smeansz", 12, "sMeanPktSz"),
    ("dmeansz", 12, "dMeanPktSz"),
    ("rank", 6, "Rank"),
    ("sum", 10, "Sum"),
    ("runtime", 10, "RunTime"),
    ("idle", 10, "IdleTime"),
    ("tcpopt", 12, "TcpOpt"),
    ("resp", 12, "Response"),
    ("sgap", 8, "SrcGap"),
    ("dgap", 8, "DstGap"),
    ("soui", 9, "SrcOui"),
    ("doui", 9, "DstOui"),
    ("cor", 12, "Cor"),
    ("laddr", 18, "LocalAddr"),
    ("raddr", 18, "RemoteAddr"),
    ("lnet", 18, "LocalNet"),
    ("rnet", 18, "RemoteNet"),
    ("abr", 10, "ABRatio"),
    ("pcr", 10, "PCRatio"),
    ("tf", 12, "TF"),
    ("stf", 12, "STF"),
    ("dtf", 12, "DTF"),
    ("ico", 3, "iCo"),
]

#: Every field name ra 3.0.8.2 knows, in its table order.
FIELD_NAMES: tuple[str, ...] = tuple(n for n, _, _ in _TABLE)
DEFAULT_WIDTH: dict[str, int] = {n: w for n, w, _ in _TABLE}
LABEL: dict[str, str] = {n: lab for n, _, lab in _TABLE}

#: Fields whose values ra left-justifies in their column.
LEFT_JUSTIFIED = frozenset({"sport", "dport", "suser", "duser"})

#: Time fields: their width grows with -p when the time carries a fraction.
TIME_FIELDS = frozenset({"stime", "ltime", "sstime", "sltime", "dstime", "dltime"})

#: Fields whose print function writes nothing at all in 3.0.8.2 (no column,
#: no separator, no header label); ``resp`` does so for all but ARP records.
SILENT_FIELDS = frozenset({"xxx"})


@dataclass(frozen=True)
class FieldSpec:
    """One column of ra's output: a field name and its width (``-s name:width``)."""

    name: str
    width: int
    format: str | None = None

    @property
    def label(self) -> str:
        return LABEL[self.name]

    @property
    def left(self) -> bool:
        return self.name in LEFT_JUSTIFIED


def field(name: str, width: int | None = None) -> FieldSpec:
    if name not in DEFAULT_WIDTH:
        raise ValueError(f"unknown field {name!r}")
    return FieldSpec(name, DEFAULT_WIDTH[name] if width is None else width)


#: ra's default -s list (spec 5.5).
DEFAULT_FIELDS: list[FieldSpec] = [
    field(n) for n in ("stime", "flgs", "proto", "saddr", "sport", "dir", "daddr", "dport", "pkts", "bytes", "state")
]

_WORD = re.compile(r"^([+-]?)(\d*)([A-Za-z]+)(?::(\d+))?(?::(.*))?$")


def parse_field_list(words: Sequence[str], base: Sequence[FieldSpec] | None = None) -> list[FieldSpec]:
    """ra's ``-s`` semantics over the words of one or more ``-s`` options
    (each word may hold several comma-separated fields).

    When the first field is plain, the list starts empty instead of from
    ``base`` (ra's default list); later plain fields are appended, as is
    ``+field``; ``+Nfield`` inserts at 0-based position ``N`` (ignored past
    the end); ``-field`` removes every occurrence; ``field:width`` sets the
    column width. Fields may repeat. An unknown field raises ``ValueError``
    naming it.
    """
    current = list(DEFAULT_FIELDS if base is None else base)
    first = True
    for word in words:
        for item in word.split(","):
            item = item.strip()
            if not item:
                continue
            m = _WORD.match(item)
            if m is None:
                raise ValueError(f"unknown field {item!r}")
            sign, pos, name, width, fmt = m.groups()
            if name not in DEFAULT_WIDTH:
                raise ValueError(f"unknown field {name!r}")
            if pos and sign != "+":
                raise ValueError(f"unknown field {item!r}")
            spec = field(name, int(width) if width else None)
            if fmt:
                spec = replace(spec, format=fmt)
            if sign == "-":
                current = [f for f in current if f.name != name]
            elif sign == "+":
                if not pos:
                    current.append(spec)
                elif int(pos) <= len(current):  # ra ignores a position past the end
                    current.insert(int(pos), spec)
            else:
                if first:
                    current = []
                current.append(spec)
            first = False
    return current
