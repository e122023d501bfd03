//! Primitives without a value: protocols, record causes and types, TCP
//! states, flags and options, ICMP/IGMP classes, conditions.

use super::Dir;
use super::view::{FAM_ARP, FAM_IPV4, FAM_IPV6, View};
use crate::decode::{TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG};

/// A value-less primitive (canonical names as the tuple form spells them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    Tcp,
    Udp,
    Icmp,
    Igmp,
    Arp,
    Rarp,
    Ip,
    Ipv4,
    Ipv6,
    Rtp,
    Rtcp,
    Udt,
    Mpls,
    Vlan,
    Isis,
    Start,
    Status,
    Stop,
    Shutdown,
    Timeout,
    Man,
    Far,
    Event,
    Index,
    Normal,
    Wait,
    Synack,
    Finack,
    /// `est` / `con`.
    Con,
    Icmpmap,
    Echo,
    Unreach,
    Redirect,
    Timexed,
    Rtr,
    Mbr,
    Lvg,
    Cocode,
    Inbound,
    Outbound,
    Multicast,
    Syn,
    Fin,
    Rst,
    Ack,
    Push,
    Urg,
    Ece,
    Cwr,
    Retrans,
    Outoforder,
    Winshut,
    Ecn,
    Frag,
    Multipath,
    Hello,
    Lsp,
    Csnp,
    Psnp,
    /// TCP options seen: the option bit(s) (`tcpopt` is all twelve).
    TcpOption(u32),
}

impl Keyword {
    pub fn from_name(s: &str) -> Option<Keyword> {
        use Keyword::*;
        Some(match s {
            "tcp" => Tcp,
            "udp" => Udp,
            "icmp" => Icmp,
            "igmp" => Igmp,
            "arp" => Arp,
            "rarp" => Rarp,
            "ip" => Ip,
            "ipv4" => Ipv4,
            "ipv6" => Ipv6,
            "rtp" => Rtp,
            "rtcp" => Rtcp,
            "udt" => Udt,
            "mpls" => Mpls,
            "vlan" => Vlan,
            "isis" => Isis,
            "start" => Start,
            "status" => Status,
            "stop" => Stop,
            "shutdown" => Shutdown,
            "timeout" => Timeout,
            "man" => Man,
            "far" => Far,
            "event" => Event,
            "index" => Index,
            "normal" => Normal,
            "wait" => Wait,
            "synack" => Synack,
            "finack" => Finack,
            "con" | "est" => Con,
            "icmpmap" => Icmpmap,
            "echo" => Echo,
            "unreach" => Unreach,
            "redirect" => Redirect,
            "timexed" => Timexed,
            "rtr" => Rtr,
            "mbr" => Mbr,
            "lvg" => Lvg,
            "cocode" => Cocode,
            "inbound" => Inbound,
            "outbound" => Outbound,
            "multicast" => Multicast,
            "syn" => Syn,
            "fin" => Fin,
            "rst" => Rst,
            "ack" => Ack,
            "push" => Push,
            "urg" => Urg,
            "ece" => Ece,
            "cwr" => Cwr,
            "retrans" => Retrans,
            "outoforder" => Outoforder,
            "winshut" => Winshut,
            "ecn" => Ecn,
            "frag" => Frag,
            "multipath" => Multipath,
            "hello" => Hello,
            "lsp" => Lsp,
            "csnp" => Csnp,
            "psnp" => Psnp,
            "tcpopt" => TcpOption(0xfff0_0000),
            "mss" => TcpOption(0x0010_0000),
            "wscale" => TcpOption(0x0020_0000),
            "selackok" => TcpOption(0x0040_0000),
            "selack" => TcpOption(0x0080_0000),
            "tcpecho" => TcpOption(0x0100_0000),
            "tcpechoreply" => TcpOption(0x0200_0000),
            "tcptimestamp" => TcpOption(0x0400_0000),
            "tcpcc" => TcpOption(0x0800_0000),
            "tcpccnew" => TcpOption(0x1000_0000),
            "tcpccecho" => TcpOption(0x2000_0000),
            "secn" => TcpOption(0x4000_0000),
            "decn" => TcpOption(0x8000_0000),
            _ => return None,
        })
    }
}

/// `value & bits == bits` as ra tests it: a missing value reads as all ones.
fn bits(value: Option<u32>, bits: u32) -> bool {
    value.unwrap_or(u32::MAX) & bits == bits
}

/// Combine a source and a destination test as the direction says (no
/// qualifier means either).
pub(crate) fn by_dir(dir: Dir, s: impl Fn() -> bool, d: impl Fn() -> bool) -> bool {
    match dir {
        Dir::Src => s(),
        Dir::Dst => d(),
        Dir::Default | Dir::Or => s() || d(),
        Dir::And => s() && d(),
    }
}

/// A TCP status bit (missing TCP object: true, as ra's masked load).
fn tcp_status(v: &View<'_>, bit: u32) -> bool {
    v.tcp() && bits(v.tcp_net().map(|t| t.status), bit)
}

fn tcp_flag(v: &View<'_>, dir: Dir, flag: u8) -> bool {
    if !v.tcp() {
        return false;
    }
    let t = v.tcp_net();
    let f = u32::from(flag);
    by_dir(
        dir,
        || bits(t.map(|t| u32::from(t.sflags)), f),
        || bits(t.map(|t| u32::from(t.dflags)), f),
    )
}

/// Retransmission (TCP) or sequence drop (ESP) on one side. The sensor's ESP
/// object keeps drop bits that FlowRecord does not have: read as none.
fn retrans_side(v: &View<'_>, src: bool) -> bool {
    let esp = v.proto_is(50) && bits(v.net_word(4), if src { 0x10 } else { 0x20 });
    esp || tcp_status(v, if src { 0x100 } else { 0x200 })
}

pub(crate) fn eval(kw: Keyword, dir: Dir, v: &View<'_>) -> bool {
    use Keyword::*;
    let cause = v.r.cause as u8;
    match kw {
        Tcp => v.proto_is(6),
        Udp => v.proto_is(17),
        Icmp => v.proto_is(1),
        Igmp => v.proto_is(2),
        // the ARP flow form: ARP and RARP records
        Arp => v.arp_flow(),
        // ra 3.0.8 tests the ARP address type here
        Rarp => v.fam() == FAM_ARP,
        Ip => matches!(v.fam(), FAM_IPV4 | FAM_IPV6),
        Ipv4 => v.fam() == FAM_IPV4,
        Ipv6 => v.fam() == FAM_IPV6,
        Rtp => v.is_rtp(),
        Rtcp => v.is_rtcp(),
        // no UDT or IS-IS flows are made
        Udt | Isis | Hello | Lsp | Csnp | Psnp => false,
        Mpls => v.mpls(),
        Vlan => v.vlan(),
        Start => cause & 0x10 == 0x10,
        Status => cause & 0x20 == 0x20,
        Stop => cause & 0x30 == 0x30,
        Shutdown => cause & 0x60 == 0x60,
        Timeout => cause & 0x40 == 0x40,
        // every record here is a flow record (type FAR, 0x10)
        Man | Event | Index => false,
        Far => true,
        Normal => tcp_status(v, 0x20),
        Wait => tcp_status(v, 0x40),
        Synack => tcp_status(v, 0x02),
        Finack => tcp_status(v, 0x10),
        Con => (v.r.src.pkts > 0 && v.r.dst.pkts > 0 && v.fam() == FAM_IPV4) || tcp_status(v, 0x04),
        // 3.0.8 binary: any mapped-ICMP bit in the ICMP DSR, as a bit test that
        // a missing DSR (-1) passes: every record without one matches
        Icmpmap => v.icmp_dsr().is_none_or(|(q, _, _)| q & 0x07 != 0),
        Echo => v.proto_is(1) && matches!(v.net_icmp_type(), Some(8 | 0)),
        Unreach => {
            v.icmp_dsr().is_some_and(|(q, _, _)| q == 0x01)
                || (v.proto_is(1) && v.net_icmp_type() == Some(3))
        }
        Redirect => v
            .icmp_dsr()
            .is_some_and(|(q, t, _)| q == 0x02 || (v.proto_is(1) && t == 5)),
        Timexed => {
            v.icmp_dsr().is_some_and(|(q, _, _)| q == 0x04)
                || (v.proto_is(1) && v.net_icmp_type() == Some(11))
        }
        Rtr => v.proto_is(2) && igmp_type(v) == 0x11,
        Mbr => v.proto_is(2) && igmp_type(v) != 0x11,
        Lvg => v.proto_is(2) && igmp_type(v) == 0x17,
        // the country-code DSR is never there: "not (code == 0)" holds
        Cocode => true,
        // 3.0.8 compiles these to a test of the record buffer's first word (0 in ra)
        Inbound => true,
        Outbound => false,
        Multicast => {
            let (s, d) = v.addr_words();
            v.fam() == FAM_IPV4
                && (d[0] & 0xf000_0000 >= 0xe000_0000 || s[0] & 0xf000_0000 >= 0xe000_0000)
        }
        Syn => tcp_flag(v, dir, TH_SYN),
        Fin => tcp_flag(v, dir, TH_FIN),
        Rst => tcp_flag(v, dir, TH_RST),
        Ack => tcp_flag(v, dir, TH_ACK),
        Push => tcp_flag(v, dir, TH_PUSH),
        Urg => tcp_flag(v, dir, TH_URG),
        Ece => tcp_flag(v, dir, TH_ECE),
        Cwr => tcp_flag(v, dir, TH_CWR),
        Retrans => by_dir(dir, || retrans_side(v, true), || retrans_side(v, false)),
        Outoforder => by_dir(dir, || tcp_status(v, 0x1_0000), || tcp_status(v, 0x2_0000)),
        Winshut => by_dir(dir, || tcp_status(v, 0x400), || tcp_status(v, 0x800)),
        Ecn => by_dir(dir, || tcp_status(v, 0x4000), || tcp_status(v, 0x8000)),
        Frag => {
            let q = v.ipattr().then(|| u32::from(v.ipattr_qual()));
            let d = if dir == Dir::And { Dir::Or } else { dir };
            v.fam() == FAM_IPV4 && by_dir(d, || bits(q, 0x10), || bits(q, 0x20))
        }
        Multipath => {
            let q = v.mac().map(|(_, _, q)| u32::from(q));
            match dir {
                Dir::And => bits(q, 0x03),
                _ => by_dir(dir, || bits(q, 0x01), || bits(q, 0x02)),
            }
        }
        TcpOption(opt) => v.fam() == FAM_IPV4 && bits(v.net_word(12), opt),
    }
}

/// The byte ra 3.0.8 reads as the IGMP type (flow DSR offset 14). Its reader
/// swaps that 16-bit field, so the byte is in fact the message's second byte
/// (max response time / code), which FlowKey does not keep (`pa` holds the
/// type): read as `pa`'s high byte, 0. So `rtr` and `lvg` never match and
/// `mbr` is every IGMP flow — as 3.0.8 gives for the usual codes (0 in
/// reports, a non-0x11 response time in queries).
fn igmp_type(v: &View<'_>) -> u8 {
    let k = &v.r.key;
    if v.fam() == FAM_IPV6 {
        k.a[11]
    } else {
        (k.pa >> 8) as u8
    }
}
