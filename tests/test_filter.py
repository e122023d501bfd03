"""The ra filter language (argus_rs.filter) against Argus 3.0.8's own ra.

Parser unit tests run everywhere. With the real tools (Debian argus-server and
argus-client) and the shared capture corpus, real argus makes record files of
several captures (with and without -m/-A/-J) and every expression of
FILTER_TABLE selects records twice, with real ``ra -r FILE - EXPR`` and with
``argus_rs.filter.compile(EXPR).mask(...)`` over the file's records: the two
selections must be equal record for record (an expression 3.0.8 rejects must be
rejected by both). SYNTAX_ERRORS must raise FilterError here and be refused by ra.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from argus_rs.filter import (
    Address,
    And,
    Compare,
    Const,
    FilterError,
    Keyword,
    Not,
    Or,
    Port,
    compile,
    parse_filter,
    to_core,
)
from conftest import SHARED_PCAPS
from filter_oracle import ArgusFile, load_argus_file
from oracle import needs_real_argus

#: Expressions compared with real ra: §6.3's list, every primitive and qualifier,
#: comparison words and symbols, qualifier elision, precedence, negation, and
#: 3.0.8's quirks (missing data, masked tests, null primitives, constants).
FILTER_TABLE = [
    line
    for line in """
tcp
udp
icmp
arp
rarp
ip
ipv4
ipv6
igmp
far
man
start
status
stop
shut
timeout
syn
synack
fin
finack
rst
reset
est
con
normal
wait
ack
push
urg
ece
cwr
src syn
dst syn
src and dst ack
retrans
src retrans
dst retrans
outoforder
winshut
ecn
frag
src frag
multipath
tcpopt
mss
wscale
selackok
selack
tcptimestamp
tcpecho
secn
decn
echo
unreach
redirect
timexed
icmpmap
rtr
mbr
lvg
vlan
mpls
rtp
rtcp
multicast
ip multicast
cocode
inbound
outbound
fragonly
error
host 10.0.0.2
src host 10.0.0.1
dst host 10.0.0.3
host 192.168.0.2
src host 192.168.0.254
net 10.0.0.0/24
net 10.0.0.0/8
net 192.168.0.0/16
net 10.1.0.0 mask 255.255.0.0
net 192.168.0.0 mask 255.255.255.0
dst net 192.168.0.0/24
src and dst net 10.0.0.0/8
src or dst net 10.0.0.0/8
port 80
dst port 53
src port 53
port 53-80
port 1000-2000
port gt 1000
dst port lt 100
src port gte 1024
port lte 20
port domain
port http
port ssh
tcp port 80
udp port domain
tcp dst port ftp or ssh
port 80 or 443
port (80 or 443)
proto 17
proto 6
ip proto 6
ipv4 proto 17
ipv6 proto 6
proto 1
proto 2
proto gre
bytes gt 1000
bytes lt 100
src bytes gt 1000
dst bytes lt 100
src and dst bytes gt 100
pkts gt 5
src pkts gt 5
dst pkts eq 0
pkts eq 1
appbytes gt 0
src appbytes gt 100
appbytes eq 0
ttl eq 63
ttl 64
src ttl 64
dst ttl lt 64
ttl gt 100
tos 0
tos gt 0
dsb 0
dsb ef
dsb cs0
dsb gt 0
trans 1
trans lt 5
dur gt 0.01
dur gt 1
dur lt 0.001
dur eq 0.0
dur lt 0.0
rate gt 100.0
rate gt 10
src rate gt 1.0
dst rate lt 1.0
load gt 1000.0
load gt 1000
src load lt 100.0
seq 3
seq gt 15
seq lt 10
tcpb 1000
tcpb gt 1000
src tcpb lt 100000
mid 1000
mid gt 0
vid 100
vid 10
src vid 100
vpri 3
vpri 0
encaps eth
encaps 802q
encaps llc
encaps mpls
encaps pppoe
src encaps eth
ipid 0x0600
ipid gt 100
src ipid lt 1000
srcid 0.0.0.0
srcid 1.2.3.4
pcr gt 0.5
pcr lt 0.0
pcr eq 0.0
ploss eq 0.0
ploss gt 0.0
avgdur gt 1
jit gt 1.0
jit lt 1.0
src jit gt 1.0
dst jitidle lt 2.0
inter gt 1.0
src or dst inter gt 1.0
intpktidle gt 1.0
jit gt 1
inter lt 1
spi 5
nstroke 1
deldur 1
co us
asn 5
inode 10.0.0.254
ether proto 0x88cc
ether proto 0x0800
ether proto 0x0806
ether proto 0x86dd
ether proto lldp
host 10.0.0.1
host 10.10.10.1
src host 10.10.10.2
dst host 10.10.10.1
arp host 10.10.10.1
arp src host 10.10.10.2
ip host 10.10.10.1
ipv4 host 10.10.10.1
icmp host 10.10.10.2
host 192.168.0.187
dst host 192.168.0.187
host 255.255.255.255
ip broadcast
ether broadcast
ether host 00:1a:6b:6c:0c:cc
ether src 00:1a:6b:6c:0c:cc
ether dst host 00:1a:6b:6c:0c:cc
ether src or dst host 00:1d:09:f0:92:ab
ether src and dst host 00:1d:09:f0:92:ab
arp host 00:1a:6b:6c:0c:cc
host 2001:470:4867:99::21
src host 2001:470:4867:99::21
ipv6 host 2001:470:4867:99::21
ip host 2001:470:4867:99::21
net 2001:470::/32
net 2001:470:1f11::/48
dst net 2001:470:1f11:81f::/64
net fe80::/10
net ff02::/16
host ff02::1
net 3ffe:507::/32
ipv6 host 10.10.10.1
net 10.151.119.0/24
net 10.64.94.0 mask 255.255.255.0
src net 10.64.0.0/16
dst net 10.0.0.0/8 and not src net 10.0.0.0/8
host 10
net 10
ipv4 host 10.0.0.1
host 10.0.0.1 or 10.10.10.1
host 10.0.0.1 or 192.168.0.187 or 10.10.10.2
src host 10.0.0.1 and not 212.199.202.27
host (10.0.0.1 or 10.10.10.2)
host 10.0.0.1 and (212.199.202.27 or 10.10.10.2)
port 80 or 443 or 53
tcp dst port 80 or 443
udp port 53 or 67
dst port (53 or 80)
src host 10.0.0.1 and syn
src host 10.0.0.1 and fin
dst host 10.0.0.1 and ack
ttl 64 or 128
ttl 64 or 128 or 54
bytes gt 100 and lt 1000
pkts gt 2 and lt 10
src bytes gt 100 and lt 1000
tcp or udp and port 53
not tcp and udp
not (tcp or udp)
tcp and not syn or udp
! tcp && ! udp
icmp || arp && not man
tcp && (port 80 || port 443)
(tcp and port 80) or (udp and port 53)
not not tcp
not (not tcp)
not port 80
not host 10.0.0.1
tcp and not port 80 and not port 443
(src port 80 or dst port 80) and tcp
udp and not port domain
ip and not tcp and not udp
ipv6 and tcp
ipv6 and not tcp
arp or rarp
icmp and echo
not echo and icmp
icmp and not unreach
syn and not synack
syn and fin
syn and rst
fin or rst
est and not fin
con or (not con)
src syn and dst syn
src fin and not dst fin
retrans or outoforder
src outoforder
dst outoforder
src and dst retrans
src or dst retrans
winshut or ecn
src ecn
dst ecn
frag or not frag
dst frag
src and dst frag
src multipath
dst multipath
src or dst multipath
src and dst multipath
mss and wscale
tcpopt or mss
tcpopt and mss and not wscale
selackok and tcptimestamp
tcp and mss
tcp and not mss
udp and mss
icmp and tcptimestamp
start and tcp
status or stop
timeout or start
man or far
not man
far and not event
index
event
trans gt 1
trans lt 2
seq lt 10 and seq gt 5
seq 1 or 2 or 3
dur gt 0.5 and dur lt 2.0
dur gte 1.0
dur lte 0.1
rate gt 100.0 or load gt 100000.0
dst rate gt 1.0
src load gt 1000.0
dst load eq 0.0
rate eq 0.0
dst jit gt 1.0
src or dst jit gt 1.0
jitact gt 0.5
jitidle gt 100.0
inter gt 10.0
intpktact lt 1.0
intpktidle gt 100.0
src inter gt 100.0
dst inter lt 1.0
inter gt 1
appbytes gt 1000
src appbytes eq 0
dst appbytes gt 0
pcr gt 0.0
pcr eq -1.0
pcr lt -0.5
avgdur lt 1
ipid 0
ipid gt 30000
dst ipid eq 0
vid gt 1
vid 1
src vid 1
dst vid 2
mid 0
mid lt 100000
dsb af11
src dsb ef
src tos 0
dst tos lt 8
ttl lt 64
ttl gte 128
src ttl 128
dst ttl 54
encaps gre
encaps ipnip
dst encaps 802q
src and dst encaps eth
spi gt 0
proto 47
ip proto 47
proto ipv6-icmp
ipv6 proto 58
proto 58
igmp and rtr
igmp and mbr
udp and not rtp
rtp port 6000
udp port 6000
rtp and udp
not multicast
ip multicast and udp
not cocode
not srcid 0.0.0.0
srcid 10.0.0.1
not icmpmap
udt
isis
hello
vlan and tcp
mpls or vlan
not vlan
delstime 5
delltime 5
ploss lt 1.0
1 > 0
tcp and 1 > 0
tcp or 0 > 1
udp and 2 + 2 = 4
port 1-1024
port 1024-65535
src port 1024-65535
dst port 0-1023
udp port 50000-60000
port 443 and not dst port 443
tcp port http
port https
port ntp
udp port bootps
port 20-21
src or dst host 10.0.0.1
dst or src host 10.0.0.1
dst and src host 10.0.0.1
src and dst port 53
tcp src port 80
src port http or domain
tcp src or dst port http or https
srcid "abcd"
net 10.0.0
net loopback
host localhost
ip host localhost
ipv4 host localhost
port 0x50
port 080
ttl 0100
ttl 0x40
dur gt .5
dur gt +0.5
dur gt -1.0
dur lt -1.0
bytes gt -1
bytes lt -1
bytes gt 4294967295
(host 10.0.0.1)
((tcp))
not(tcp)
!(tcp)
!tcp
tcp&&port 80
tcp||udp
host 10.0.0.1 and not 212.199.202.27 or 10.10.10.1
port (80 or (443))
tcp port (80 or 443)
dst port gt 1000 and lt 2000
src host 10.0.0.1 and dst port 80 and syn
dst port 80 and fin
src port 80 and ack
ether src 00:1a:6b:6c:0c:cc and arp
rate gt 1
load gt 1
dur gt 0
dur eq 0
pkts gt 1 and dur eq 0.0
host 10.0.0.1 or (udp and port 53)
(host 10.0.0.1 or host 10.10.10.1) and not (tcp or udp)
not (host 10.0.0.1 and tcp)
tcp and src host 10.0.0.1 or udp and dst host 10.0.0.1
src host 10.0.0.1 and (port 80 or 443)
port 80 and host 10.0.0.1 or 10.10.10.1
ttl gt 60 and lt 70
ttl (64 or 128)
bytes (60 or 98)
src bytes gt 100 or dst bytes gt 100
src and dst bytes gt 0
not src bytes gt 100
tcp and not (syn or fin or rst)
dst host 10.0.0.1 and ack or fin
host 10.0.0.1 and icmp and echo
port 53 and (udp or tcp) and not src port 53
arp and host 10.10.10.1 and not 10.10.10.2
ip host 10
ether net 00:11:22:33:44:55
not 0 > 1
tcp and not 1 > 0
tcp or 1 > 0
tcp and 0 > 1
1 eq 1
2 >= 1
1 <= 2
1 != 2
1 == 1
1 < 2
ttl >= 64
ttl <= 64
port >= 1024
src port <= 1023
dst jit gt 1
src or dst jit gt 1
src jit lt 1
dst inter lt 1
src and dst jit gt 1
nstroke 1 or dur gt 1
nstroke 1 or dur lt 1.0
not nstroke 1 and dur gt 1
dur gt 1 or nstroke 1
ttl 64 or dur gt 1
ttl 64 or rate gt 1.0
tcpb 5 or rate gt 1.0
tcpb 5 or dur lt 0.5
src tcpb 5 or load gt 100.0
ether host 00:1a:6b:6c:0c:cc or dur lt 1.0
ether host 00:1a:6b:6c:0c:cc or dur gt 0.0
co us or load gt 100.0
asn 5 or jit gt 1.0
inode 1.2.3.4 or pcr lt 0.0
inode 1.2.3.4 or dur gt 0.5
trans 0 or dur gt 0.5
ipid 5 or dur gt 0.5
deldur 5 or ploss eq 0.0
delltime 5 or jit lt 1.0
tos 5 or inter gt 1.0
ttl 64 and dur gt 0.1
not ttl 64 and dur gt 0.1
tcp and not ttl 64 and dur gt 0.1
""".splitlines()
    if line
]

#: Expressions 3.0.8 refuses (§6.3's syntax errors and more).
SYNTAX_ERRORS = [
    line
    for line in """
broadcast
encaps vlan
encaps mpls
gap
loss gt 0
tcprtt gt 0.001
dup
len gt 100
llc
lldp
esp
proto icmp
ip proto icmp
ether proto arp
bytes > 1000
bytes gt 1000 >
dur < 1.0
sbytes gt 100
spkts gt 5
tcp and prot 80
host
tcp udp
tcp port
(tcp
tcp)
port ftp-data
tcp dst port ftp or ftp-data
tcp and udp
ipv4 and ipv6
src start
udp port http
host 00:11:22:33:44:55
a
rarp host 1.2.3.4
tcp host 1.2.3.4
udp host 10.0.0.1
svc
cor
port nosuchservice
host no-such-host.invalid
tcp and fragonly
not fragonly
error or tcp
0 > 1
src proto 6
tcp proto 6
udp proto 17
rarp proto 1
ip host 2001:db8::1
net 10.0.0.1 mask
net 10.0.0.0/
port 80 or gt
and
tcp and
not
or tcp
src or
src or host 1.2.3.4
tcp and 10.0.0.1
syn and 80
tcp and foo
bytes gt 1.5
host 1.5
port 80.5
vid gt 1.5
ttl eq
eq 5
ether 00:11:22:33:44:55
net 00:11:22:33:44:55
host 10.0.0.1/24
port 1.2.3.4/8
dsb foo
encaps foo
co 5
dur eq
tcp src syn port
tcp syn
syn fin
!
()
tcp and ()
host @
port 80 #
tcp and $
ether host foo
gateway foo
TCP
""".splitlines()
    if line
]

#: (capture, argus options): TCP/UDP/ICMP, ARP, IPv6, VLAN/MPLS, fragments, IGMP,
#: RTP, GRE, DHCP broadcasts, ICMP errors; -m for MAC data, -A/-J for app bytes and jitter.
CAPTURES = [
    ("basic/example2.pcap", ["-A", "-m", "-J"]),
    ("basic/example2.pcap", []),
    ("encap/mixed-vlan-mpls.pcap", ["-A", "-m", "-J"]),
    ("frag/IPv4Frag.pcap", []),
    ("frag/fragmented-3.pcap", ["-A", "-m", "-J"]),
    ("basic/cloudshark-arp.pcap", ["-A", "-m", "-J"]),
    ("basic/cloudshark-arp.pcap", []),
    ("apps/rtp.pcapng", ["-A", "-m", "-J"]),
    ("ipv6/ipv6.pcap", ["-A", "-m", "-J"]),
    ("ipv6/icmp6.pcap", []),
    ("scans/icmp_ttl.pcap", ["-A", "-m", "-J"]),
    ("basic/dhcp.pcap", []),
    ("encap/GrePackets.cap", ["-A", "-m", "-J"]),
    ("tcp/fin_retransmission.pcap", []),
    ("basic/igmp-many-groups.pcap", []),
    ("basic/real.pcap", ["-A", "-m", "-J"]),
]


# -- parser ------------------------------------------------------------------------------


def test_and_or_have_equal_precedence_and_group_left() -> None:
    syn, fin, rst = Keyword("syn"), Keyword("fin"), Keyword("rst")
    assert parse_filter("syn or fin and rst") == And(Or(syn, fin), rst)
    assert parse_filter("syn and fin or rst") == Or(And(syn, fin), rst)
    assert parse_filter("syn || fin && rst") == And(Or(syn, fin), rst)


def test_not_binds_tightest() -> None:
    assert parse_filter("not tcp and udp") == And(Not(Keyword("tcp")), Keyword("udp"))
    assert parse_filter("! tcp or udp") == Or(Not(Keyword("tcp")), Keyword("udp"))
    assert parse_filter("not (tcp or udp)") == Not(Or(Keyword("tcp"), Keyword("udp")))


def test_values_after_and_or_reuse_the_qualifiers() -> None:
    assert parse_filter("tcp dst port 53 or 22") == Or(Port("tcp", "dst", "eq", 53), Port("tcp", "dst", "eq", 22))
    assert parse_filter("port (80 or 443)") == Or(Port("any", "", "eq", 80), Port("any", "", "eq", 443))
    assert parse_filter("bytes gt 100 and lt 1000") == And(
        Compare("bytes", "", "gt", 100), Compare("bytes", "", "lt", 1000)
    )
    host = parse_filter("src host 10.0.0.1 or 10.0.0.2")
    assert host == Or(
        Address("", "src", "ipv4", bytes([10, 0, 0, 1]), b"\xff" * 4),
        Address("", "src", "ipv4", bytes([10, 0, 0, 2]), b"\xff" * 4),
    )


def test_a_flag_after_and_takes_the_direction_before_it() -> None:
    tree = parse_filter("src host 10.0.0.1 and syn")
    assert isinstance(tree, And)
    assert tree.right == Keyword("syn", "src")


def test_port_ranges_are_two_src_or_dst_tests() -> None:
    assert parse_filter("port 53-80") == And(Port("any", "", "ge", 53), Port("any", "", "le", 80))


def test_comparison_words_and_their_symbols() -> None:
    assert parse_filter("ttl gte 64") == parse_filter("ttl >= 64")
    assert parse_filter("ttl lte 64") == parse_filter("ttl <= 64")
    with pytest.raises(FilterError):
        parse_filter("ttl > 64")


def test_constants_and_primitives_without_code() -> None:
    assert parse_filter("") == Const(True)
    assert parse_filter("fragonly") == Const(True)
    assert parse_filter("1 > 0") == Const(True)
    assert parse_filter("tcp and 0 > 1") == And(Keyword("tcp"), Const(False))
    with pytest.raises(FilterError, match="cannot be combined"):
        parse_filter("tcp and fragonly")
    with pytest.raises(FilterError, match="rejects all records"):
        parse_filter("tcp and udp")


def test_error_names_the_problem_and_the_column() -> None:
    with pytest.raises(FilterError) as err:
        parse_filter("tcp and prot 80")
    assert str(err.value) == 'filter "tcp and prot 80": unknown keyword "prot" at column 9'
    assert err.value.position == 8
    assert err.value.caret() == "tcp and prot 80\n        ^"


@pytest.mark.parametrize("expr", SYNTAX_ERRORS)
def test_syntax_errors_raise(expr: str) -> None:
    with pytest.raises(FilterError):
        parse_filter(expr)


def test_tuple_form() -> None:
    assert to_core(parse_filter("not tcp or dst port 80")) == (
        "or",
        ("not", ("kw", "tcp", "")),
        ("port", "any", "dst", "eq", 80),
    )
    assert to_core(parse_filter("dur gt 0.5")) == ("cmp", "dur", "", "gt", 0.5)


def test_table_is_large_enough() -> None:
    assert len(FILTER_TABLE) >= 150
    assert len(set(FILTER_TABLE)) == len(FILTER_TABLE)


def test_a_bad_tree_is_a_value_error() -> None:
    from argus_rs._core import compile_filter

    with pytest.raises(ValueError, match="unknown keyword"):
        compile_filter(("kw", "nosuch", ""))
    with pytest.raises(ValueError, match="expected a tuple"):
        compile_filter("tcp")


# -- against real ra ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def argus_files(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, ArgusFile]]:
    if not SHARED_PCAPS.is_dir():
        pytest.skip(f"shared capture corpus not found at {SHARED_PCAPS}")
    out_dir = tmp_path_factory.mktemp("filter")
    files = []
    for i, (cap, args) in enumerate(CAPTURES):
        name = f"{Path(cap).name}{''.join(args)}"
        f = load_argus_file(SHARED_PCAPS / cap, out_dir / f"{i}.argus", args)
        assert f is not None, f"real argus failed on {cap}"
        files.append((name, f))
    return files


def _compare(expr: str, name: str, f: ArgusFile) -> str | None:
    """None when real ra and argus-rs select the same records of `f` for `expr`, else what differs."""
    theirs, err = f.ra_select(expr)
    try:
        flt = compile(expr)
    except FilterError as e:
        return None if theirs is None else f"{expr!r} [{name}]: only argus-rs rejects it: {e}"
    if theirs is None:
        return f"{expr!r} [{name}]: only ra rejects it: {err}"
    mask = pl.Series(flt.mask(pl.Series(f.records, dtype=pl.Binary))).to_list()
    ours = f.lines_of(mask)
    if ours == theirs:
        return None
    extra, missing = ours - theirs, theirs - ours
    return (
        f"{expr!r} [{name}]: {sum(ours.values())} records, ra {sum(theirs.values())}; "
        f"only ours: {list(extra)[:2]}, only ra: {list(missing)[:2]}"
    )


def _jobs(files: list[tuple[str, ArgusFile]]) -> Iterator[tuple[str, str, ArgusFile]]:
    for expr in FILTER_TABLE:
        for name, f in files:
            yield expr, name, f


@needs_real_argus
def test_selections_equal_real_ra(argus_files: list[tuple[str, ArgusFile]]) -> None:
    jobs = list(_jobs(argus_files))
    with ThreadPoolExecutor(8) as pool:
        diffs = [d for d in pool.map(lambda j: _compare(*j), jobs) if d]
    assert not diffs, f"{len(diffs)} of {len(jobs)} selections differ:\n" + "\n".join(diffs[:40])


@needs_real_argus
def test_real_ra_rejects_the_syntax_errors(argus_files: list[tuple[str, ArgusFile]]) -> None:
    path = argus_files[0][1].path

    def refused(expr: str) -> bool:
        run = subprocess.run(["ra", "-r", str(path), "-", expr], capture_output=True, text=True, timeout=60)
        return "syntax error" in run.stderr

    with ThreadPoolExecutor(8) as pool:
        accepted = [e for e, r in zip(SYNTAX_ERRORS, pool.map(refused, SYNTAX_ERRORS), strict=True) if not r]
    assert not accepted, f"real ra accepts: {accepted}"


@needs_real_argus
def test_mask_takes_polars_and_marks_non_records_null(argus_files: list[tuple[str, ArgusFile]]) -> None:
    f = argus_files[0][1]
    flt = compile("tcp")
    records = pl.Series([f.records[0], None, b"\x83\x20\x00\x01", b""], dtype=pl.Binary)
    out = pl.Series(flt.mask(records)).to_list()
    assert out[1:] == [None, None, None]
    assert out[0] == flt.matches(f.records[0])
    assert flt.matches(b"") is None
