"""argus_rs.ra (the printing half of ``argus-rs ra``) against real ra 3.0.8.2:
header and record lines compared byte for byte on record files real argus made
from corpus captures, for the default fields, representative -s lists and the
options that change the text (-n, -nn, -u, -p, -c, -z, -Z)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

import argus_rs
from argus_rs.ra import (
    DEFAULT_FIELDS,
    FIELD_NAMES,
    FieldSpec,
    PrintOptions,
    header_line,
    parse_field_list,
    render_lines,
    render_values,
)
from oracle import needs_real_argus, real_argus_file

CORPUS = Path(os.environ.get("ARGUS_RS_CORPUS", "/work/shared/pcaps"))

#: Captures (TCP, UDP, ICMP, IPv6, ARP, VLAN, MPLS, IGMP, ESP, RTP, 802.1ad ...).
CAPTURES = [
    "format/tcp.pcap",
    "basic/5-pings.pcap",
    "basic/DnsPackets.pcap",
    "basic/arp-who-has.pcap",
    "ipv6/ipv6.pcap",
    "format/icmp6-ping.pcap",
    "scans/icmp_ttl.pcap",
    "tcp/wireshark-retrans.pcap",
    "encap/MplsPackets.pcap",
    "encap/eve-flow-vlan__input.pcap",
    "basic/igmp-many-groups.pcap",
    "apps/ipsec_isakmp_esp.pcap",
    "basic/smtp.pcap",
    "apps/rtp.pcapng",
    "encap/802.1ad_QinQ.pcap",
    "format/tftp.pcap",
]

#: Sensor options: plain, and with MAC, jitter, packet sizes, app bytes, user data.
SENSOR = {"plain": [], "full": ["-m", "-J", "-Z", "-A", "-U", "16"]}

#: Representative -s lists (widths, +/- modifiers, nearly every field ra 3.0.8.2
#: prints from a sensor's records). Left out, as docs/ra.md explains: rtime,
#: idle (wall clock), offset (file position), cor (uninitialised bytes in
#: 3.0.8.2), dltime ddur (ra's reconstruction of per-direction times differs
#: for a few TCP records with one dst packet).
FIELD_LISTS: list[list[str]] = [
    ["stime", "ltime", "trans", "dur", "mean", "min", "max", "saddr", "daddr", "proto", "sport", "dport"],
    ["stos", "dtos", "sdsb", "ddsb", "sttl", "dttl", "bytes", "sbytes", "dbytes", "appbytes", "sappbytes"],
    ["dappbytes", "pkts", "spkts", "dpkts", "loss", "sloss", "dloss", "ploss", "sploss", "dploss"],
    ["srcid", "flgs", "smac", "dmac", "dir", "state", "cause", "seq", "rank", "autoid"],
    ["rate", "srate", "drate", "load", "sload", "dload", "dur"],
    ["sintpkt", "dintpkt", "sintpktact", "dintpktact", "sintpktidl", "dintpktidl"],
    ["sintpktmax", "sintpktmin", "dintpktmax", "dintpktmin", "sintpktactmax", "sintpktactmin"],
    ["dintpktactmax", "dintpktactmin", "sintpktidlmax", "sintpktidlmin", "dintpktidlmax", "dintpktidlmin"],
    ["sjit", "djit", "sjitact", "djitact", "sjitidl", "djitidl", "xxx", "tcpext"],
    ["suser", "duser", "swin", "dwin", "stcpb", "dtcpb", "tcprtt", "synack", "ackdat", "tcpopt", "stcpmax", "dtcpmax"],
    ["smpls", "dmpls", "svlan", "dvlan", "svid", "dvid", "svpri", "dvpri", "sipid", "dipid"],
    ["stddev", "snet", "dnet", "smaxsz", "sminsz", "dmaxsz", "dminsz", "shops", "dhops", "icmpid"],
    ["sstime", "senc", "denc", "smeansz", "dmeansz", "inode", "suser:40", "duser:4"],
    ["sstime", "sltime", "dstime", "sdur"],
    ["retrans", "sretrans", "dretrans", "pretrans", "spretrans", "dpretrans", "nacks", "pnacks"],
    ["solo", "psolo", "first", "pfirst", "sum", "runtime", "sgap", "dgap", "abr", "pcr", "tf", "stf", "dtf"],
    ["saddr:24", "sport:8", "daddr:12", "dport:3", "pkts:4", "bytes:20", "dur:5", "state:3"],
    ["+dur", "-flgs", "+2sttl", "+0seq", "-state", "+state:9"],
    ["stime", "resp", "dldur", "dspkts", "pdsbytes", "label", "sco", "sas", "bssid", "nstroke", "soui"],
]

OPTIONS: list[list[str]] = [
    [],
    ["-n"],
    ["-nn"],
    ["-u"],
    ["-p", "3"],
    ["-p", "0"],
    ["-c", ","],
    ["-c", ",", "-p", "2"],
    ["-c", "\\t"],
    ["-z"],
    ["-Zb"],
    ["-Zs"],
    ["-Zd"],
    ["-u", "-n", "-p", "1"],
]


def options_of(args: list[str]) -> PrintOptions:
    """The PrintOptions of ra command-line options (what the ra command does)."""
    kw: dict[str, object] = {"time_zone": "UTC"}
    numeric = 0
    it = iter(args)
    for a in it:
        if a.startswith("-n"):
            numeric += len(a) - 1
        elif a == "-u":
            kw["unix_time"] = True
        elif a == "-p":
            kw["precision"] = int(next(it))
        elif a == "-c":
            sep = next(it)
            kw["separator"] = "\t" if sep == "\\t" else sep
        elif a == "-z":
            kw["print_state_z"] = True
        elif a.startswith("-Z"):
            kw["flags_Z"] = a[2:]
    kw["numeric"] = numeric
    return PrintOptions(**kw)  # type: ignore[arg-type]


def real_ra(path: Path, fields: list[str], args: list[str]) -> list[str]:
    sflags = [x for f in fields for x in ("-s", f)]  # a word starting with "-" needs its own -s
    out = subprocess.run(
        ["ra", "-X", "-r", str(path), *args, *sflags],
        capture_output=True,
        env={**os.environ, "TZ": "UTC"},
        timeout=120,
    )
    return out.stdout.decode("latin-1").splitlines()


def ours(df: pl.DataFrame, fields: list[FieldSpec], opts: PrintOptions) -> list[str]:
    return [header_line(fields, opts), *render_lines(df, fields, opts).to_list()]


@pytest.fixture(scope="module")
def record_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, pl.DataFrame]]:
    out: dict[str, tuple[Path, pl.DataFrame]] = {}
    d = tmp_path_factory.mktemp("ra_render")
    for cap in CAPTURES:
        pcap = CORPUS / cap
        if not pcap.exists():
            continue
        for kind, args in SENSOR.items():
            name = f"{pcap.stem}.{kind}"
            path = real_argus_file(pcap, d / f"{name}.argus", *args)
            out[name] = (path, argus_rs.read_argus(path))
    if not out:
        pytest.skip("corpus captures not available")
    return out


def compare(files: dict[str, tuple[Path, pl.DataFrame]], words: list[str], args: list[str]) -> list[str]:
    fields = parse_field_list(words) if words else list(DEFAULT_FIELDS)
    ra_words = words or [f.name for f in DEFAULT_FIELDS]
    opts = options_of(args)
    bad = []
    for name, (path, df) in files.items():
        theirs = real_ra(path, ra_words, args)
        mine = ours(df, fields, opts)
        if len(theirs) != len(mine):
            bad.append(f"{name}: {len(theirs)} lines from ra, {len(mine)} ours")
            continue
        for i, (t, o) in enumerate(zip(theirs, mine, strict=True)):
            if t != o:
                bad.append(f"{name} line {i}:\n  ra:   {t!r}\n  ours: {o!r}")
                break
    return bad


@needs_real_argus
@pytest.mark.parametrize("args", OPTIONS, ids=lambda a: " ".join(a) or "defaults")
def test_default_fields(record_files: dict[str, tuple[Path, pl.DataFrame]], args: list[str]) -> None:
    assert compare(record_files, [], args) == []


@needs_real_argus
@pytest.mark.parametrize("words", FIELD_LISTS, ids=lambda w: " ".join(w)[:40])
def test_field_lists(record_files: dict[str, tuple[Path, pl.DataFrame]], words: list[str]) -> None:
    assert compare(record_files, words, []) == []


@needs_real_argus
@pytest.mark.parametrize("words", [FIELD_LISTS[i] for i in (0, 3, 4, 5, 9, 10, 12)], ids=str)
@pytest.mark.parametrize("args", [["-c", ","], ["-p", "3"], ["-nn"], ["-u"]], ids=" ".join)
def test_field_lists_with_options(
    record_files: dict[str, tuple[Path, pl.DataFrame]], words: list[str], args: list[str]
) -> None:
    assert compare(record_files, words, args) == []


def test_parse_field_list() -> None:
    names = [f.name for f in parse_field_list(["saddr", "daddr,dport"])]
    assert names == ["saddr", "daddr", "dport"]
    base = [f.name for f in DEFAULT_FIELDS]
    assert [f.name for f in parse_field_list(["+dur"])] == [*base, "dur"]
    assert [f.name for f in parse_field_list(["-flgs"])] == [n for n in base if n != "flgs"]
    assert [f.name for f in parse_field_list(["+1srcid"])][:3] == ["stime", "srcid", "flgs"]
    assert [f.name for f in parse_field_list(["+dur", "saddr"])] == [*base, "dur", "saddr"]
    assert [f.name for f in parse_field_list(["saddr", "+5dur", "+1dur"])] == ["saddr", "dur"]
    spec = parse_field_list(["saddr:24"])[0]
    assert (spec.name, spec.width) == ("saddr", 24)
    with pytest.raises(ValueError, match="bogus"):
        parse_field_list(["bogus"])
    assert len(FIELD_NAMES) == 201


def test_render_values_unpadded(record_files: dict[str, tuple[Path, pl.DataFrame]]) -> None:
    _, df = record_files["tcp.full"]
    vals = render_values(df, parse_field_list(["saddr", "sport", "pkts", "dur", "pkts"]), PrintOptions(numeric=1))
    assert vals.columns == ["saddr", "sport", "pkts", "dur", "pkts_2"]
    assert vals.height == df.height
    assert vals.row(0) == ("128.232.110.120", "34855", "12", "0.454536", "12")
