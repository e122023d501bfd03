"""``ra -M xml``: records as ra 3.0.8.2's XML (``<ArgusDataStream>`` of ``<ArgusFlowRecord .../>``).

Attribute names are ra's for each field (taken from real ra's output, one
field at a time); values are the unpadded text of :func:`argus_rs.ra.render_values`,
times as ISO 8601 dates in local time (Unix seconds with ``-u``).  Two
deliberate differences (docs/compat.md): the ``dir`` field is written as a
well-formed ``Dir = "->"`` attribute (3.0.8.2 writes a broken ``Dir"``), and
the stream's opening element takes its dates and source id from the first
record (argus-rs does not read the management records ra takes them from).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import polars as pl

    from argus_rs.ra import FieldSpec, PrintOptions

__all__ = ["xml_header", "xml_records"]

#: the time fields, printed with their date
_TIMES = frozenset({"stime", "ltime", "sstime", "sltime", "dstime", "dltime"})

#: ra's XML attribute name of each field (fields without one are not written, as in ra)
_XML_NAMES = {
    "stime": "StartTime",
    "ltime": "LastTime",
    "trans": "Trans",
    "dur": "Duration",
    "mean": "Mean",
    "min": "Min",
    "max": "Max",
    "saddr": "SrcAddr",
    "daddr": "DstAddr",
    "proto": "Proto",
    "sport": "SrcPort",
    "dport": "DstPort",
    "stos": "SrcTos",
    "dtos": "DstTos",
    "sdsb": "SrcDSByte",
    "ddsb": "DstDSByte",
    "sttl": "SrcTtl",
    "dttl": "DstTtl",
    "bytes": "Bytes",
    "sbytes": "SrcBytes",
    "dbytes": "DstBytes",
    "appbytes": "AppBytes",
    "sappbytes": "SrcAppBytes",
    "dappbytes": "DstAppBytes",
    "pkts": "Pkts",
    "spkts": "SrcPkts",
    "dpkts": "DstPkts",
    "load": "Load",
    "sload": "SrcLoad",
    "dload": "DstLoad",
    "loss": "Loss",
    "sloss": "SrcLoss",
    "dloss": "DstLoss",
    "ploss": "PctLoss",
    "sploss": "SrcPctLoss",
    "dploss": "DstPctLoss",
    "rate": "Rate",
    "srate": "SrcRate",
    "drate": "DstRate",
    "srcid": "SourceId",
    "flgs": "Flags",
    "smac": "SrcMacAddr",
    "dmac": "DstMacAddr",
    "dir": "Dir",
    "sintpkt": "SrcIntPkt",
    "dintpkt": "DstIntPkt",
    "sintpktact": "SrcActiveIntPkt",
    "dintpktact": "DstActiveIntPkt",
    "sintpktidl": "SrcIdleIntPkt",
    "dintpktidl": "DstIdleIntPkt",
    "sintpktmax": "SrcIntPktMax",
    "sintpktmin": "SrcIntPktMin",
    "dintpktmax": "DstIntPktMax",
    "dintpktmin": "DstIntPktMin",
    "sintpktactmax": "SrcActIntPktMax",
    "sintpktactmin": "SrcActIntPktMin",
    "dintpktactmax": "DstActIntPktMax",
    "dintpktactmin": "DstActIntPktMin",
    "state": "State",
    "dldur": "DeltaDuration",
    "dlstime": "DeltaStartTime",
    "dlltime": "DeltaLastTime",
    "dlspkt": "DeltaSrcPkts",
    "dldpkt": "DeltaSrcPkts",
    "dspkts": "DeltaSrcPkts",
    "ddpkts": "DeltaSrcPkts",
    "dsbytes": "DeltaSrcBytes",
    "ddbytes": "DeltaDstBytes",
    "pdspkts": "PctDeltaSrcPkts",
    "pddpkts": "PctDeltaDstPkts",
    "pdsbytes": "PctDeltaSrcBytes",
    "pddbytes": "PctDeltaDstBytes",
    "suser": "SrcUserData",
    "duser": "DstUserData",
    "seq": "SeqNumber",
    "bins": "Bins",
    "binnum": "BinNum",
    "sipid": "SrcIpId",
    "dipid": "DstIpId",
    "srng": "StartRange",
    "erng": "DstRange",
    "tcprtt": "TcpRtt",
    "stddev": "StdDev",
    "rtime": "RelativeDate",
    "offset": "ByteOffset",
    "snet": "SrcAddr",
    "dnet": "DstAddr",
    "sdur": "SrcDuration",
    "ddur": "DstDuration",
    "synack": "TcpSynAck",
    "ackdat": "TcpAckDat",
    "sstime": "SrcStartTime",
    "sltime": "SrcLastTime",
    "dstime": "DstStartTime",
    "dltime": "DstLastTime",
    "senc": "SrcEncaps",
    "denc": "DstEncaps",
    "spktsz": "SrcPktSize",
    "smaxsz": "SrcMaxPktSize",
    "sminsz": "SrcMinPktSize",
    "dpktsz": "DstPktSize",
    "dmaxsz": "DstMaxPktSize",
    "dminsz": "DstMinPktSize",
    "sco": "SrcCoCode",
    "dco": "DstCoCode",
    "shops": "SrcHops",
    "dhops": "DstHops",
    "icmpid": "IcmpId",
    "label": "Label",
    "sintdist": "SrcIntDist",
    "dintdist": "SrcIntDist",
    "sintdistact": "SrcIntDist",
    "dintdistact": "SrcIntDist",
    "sintdistidl": "SrcIntDist",
    "dintdistidl": "SrcIntDist",
    "retrans": "Retrans",
    "sretrans": "SrcRetrans",
    "dretrans": "DstRetrans",
    "pretrans": "PctRetrans",
    "spretrans": "SrcPctRetrans",
    "dpretrans": "DstPctRetrans",
    "nacks": "Nacks",
    "snacks": "SrcNacks",
    "dnacks": "DstNacks",
    "pnacks": "PctNacks",
    "spnacks": "SrcPctNacks",
    "dpnacks": "DstPctNacks",
    "solo": "Solo",
    "ssolo": "SrcSolo",
    "dsolo": "DstSolo",
    "psolo": "PctSolo",
    "spsolo": "SrcPctSolo",
    "dpsolo": "DstPctSolo",
    "first": "First",
    "sfirst": "SrcFirst",
    "dfirst": "DstFirst",
    "pfirst": "PctFirst",
    "spfirst": "SrcPctFirst",
    "dpfirst": "DstPctFirst",
    "autoid": "AutoId",
    "sas": "SrcASNum",
    "das": "DstASNum",
    "ias": "InodeASNum",
    "cause": "Cause",
    "nstroke": "KeyStrokeNStroke",
    "snstroke": "KeyStrokeSrcNStroke",
    "dnstroke": "KeyStrokeDstNStroke",
    "smeansz": "SrcMeanPktSize",
    "dmeansz": "DstMeanPktSize",
    "rank": "Rank",
    "sum": "Sum",
    "runtime": "Run",
    "idle": "Idle",
    "tcpopt": "TcpOptions",
    "sgap": "SrcGap",
    "dgap": "DstGap",
    "soui": "SrcOui",
    "doui": "DstOui",
    "cor": "Cor",
    "abr": "PCR",
    "pcr": "PCR",
    "tf": "TransEff",
    "stf": "TransEff",
    "dtf": "TransEff",
    "ico": "DstCoCode",
}


def _iso(us: int) -> str:
    sec, frac = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(sec)) + f".{frac:06d}"


def xml_header(frame: pl.DataFrame) -> str:
    """The XML declaration and the opening ``ArgusDataStream`` element."""
    import polars as pl

    begin = 0
    source = "0.0.0.0"
    if frame.height:
        begin = int(frame.select(pl.col("stime").min().dt.epoch("us")).item() or 0)
        if "srcid" in frame.columns and frame["srcid"][0] is not None:
            source = str(frame["srcid"][0])
    now = int(time.time() * 1_000_000)
    return (
        '<?xml version ="1.0" encoding="UTF-8"?>\n'
        "<!--Generated by argus-rs ra (Argus 3.0.8.2 ra's XML)-->\n"
        "<ArgusDataStream\n"
        '  xmlns:xsi = "http://www.w3.org/2001/XMLSchema-instance" \n'
        '  xsi:noNamespaceSchemaLocation = "http://qosient.com/argus/Xml/ArgusRecord.3.0.xsd"\n'
        f'  BeginDate = "{_iso(begin)}" CurrentDate = "{_iso(now)}"\n'
        '  MajorVersion = "3" MinorVersion = "0" InterfaceType = "DLT_NULL" InterfaceStatus = "Up"\n'
        f'  ArgusSourceId = "{escape(source)}"  NetAddr = "0.0.0.0"  NetMask = "0.0.0.0">\n\n'
    )


def xml_records(frame: pl.DataFrame, fields: Sequence[FieldSpec], opts: PrintOptions) -> str:
    """One ``<ArgusFlowRecord ...></ArgusFlowRecord>`` line per row (newline-terminated)."""
    from argus_rs.ra import render_values

    shown = [f for f in fields if f.name in _XML_NAMES]
    if not shown or frame.height == 0:
        return " <ArgusFlowRecord  ></ArgusFlowRecord>\n" * frame.height
    values = render_values(frame, shown, opts)
    dated = None
    if any(f.name in _TIMES for f in shown) and not opts.unix_time:
        iso = dataclasses.replace(opts, time_format="%Y-%m-%dT%H:%M:%S.%f")
        dated = render_values(frame, [f for f in shown if f.name in _TIMES], iso)
    sep = (opts.separator or "") if opts.separator not in (None, " ") else ""
    columns = []
    for i, f in enumerate(shown):
        col = values.columns[i]
        series = values.get_column(col)
        if dated is not None and f.name in _TIMES:
            series = dated.get_column(dated.columns[[g.name for g in shown if g.name in _TIMES].index(f.name)])
        keep_blanks = f.name in (
            "flgs",
            "sdsb",
            "ddsb",
            "sco",
            "dco",
            "icmpid",
            "sas",
            "das",
            "ias",
        ) or f.name.startswith(("dl", "ds", "dd", "pd", "nstroke", "snstroke", "dnstroke", "tcpopt"))
        prefix = " " if f.name == "ltime" and i > 0 else ""
        columns.append((prefix + _XML_NAMES[f.name], series.to_list(), keep_blanks))
    lines = []
    for r in range(frame.height):
        attrs = []
        for name, vals, keep in columns:
            v = vals[r] if vals[r] is not None else ""
            attrs.append(f'{name} = "{escape(v if keep else v.strip(), {chr(34): "&quot;"})}"')
        lines.append(" <ArgusFlowRecord  " + (sep + " ").join(attrs) + "></ArgusFlowRecord>")
    return "\n".join(lines) + "\n"
