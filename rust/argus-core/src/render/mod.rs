//! How `ra` (3.0.8.2, with `-n`) shows a flow record: protocol, addresses,
//! ports, `state`, `dir` and `flgs`, plus the direction correction ra applies
//! to records as it reads them. Pure functions over [`FlowRecord`].

pub mod protocols;
mod state;

pub use state::state;

use crate::decode::encaps;
use crate::flow::key::KeyKind;
use crate::flow::tcp::{CON_ESTABLISHED, FIN, FIN_ACK, NORMAL_CLOSE, SAW_SYN, SAW_SYN_SENT};
use crate::record::{AppClass, DirMetrics, FlowRecord};
use std::net::{Ipv4Addr, Ipv6Addr};

/// `proto` column.
pub fn proto(r: &FlowRecord) -> String {
    match r.key.kind {
        KeyKind::Arp => "arp".into(),
        KeyKind::Rarp => "rarp".into(),
        KeyKind::Ether => {
            if r.key.aux == 0 {
                "llc".into()
            } else {
                let t = r.key.aux as u16;
                protocols::ethertype(t).map_or_else(|| t.to_string(), str::to_string)
            }
        }
        KeyKind::Wlan => "wlan".into(),
        KeyKind::L3Matrix => if r.key.proto == 0xff { "ipv6" } else { "ip" }.into(),
        // The 3.0.8.2 binaries show an RTP flow as "rtp" only in records
        // where one direction carried at least 5 packets (measured on
        // synthetic captures: 4+4 stays "udp", 5+0 and 1+5 are "rtp").
        _ if r.key.proto == 17
            && r.app == AppClass::Rtp
            && (r.src.pkts >= 5 || r.dst.pkts >= 5) =>
        {
            "rtp".into()
        }
        _ if r.key.proto == 17 && r.app == AppClass::Rtcp => "rtcp".into(),
        // ra names IP protocols missing from its table "unas" (unassigned).
        _ => protocols::ip_protocol(r.key.proto).unwrap_or("unas").into(),
    }
}

fn addr(kind: KeyKind, a: &[u8; 16]) -> String {
    match kind {
        KeyKind::Ipv6 | KeyKind::Ipv6Frag => Ipv6Addr::from(*a).to_string(),
        KeyKind::Ether | KeyKind::Wlan => a[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        KeyKind::Rarp => a[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        KeyKind::L3Matrix if a[4..].iter().any(|b| *b != 0) => Ipv6Addr::from(*a).to_string(),
        _ => Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string(),
    }
}

pub fn saddr(r: &FlowRecord) -> String {
    addr(r.key.kind, &r.key.a)
}

pub fn daddr(r: &FlowRecord) -> String {
    addr(r.key.kind, &r.key.b)
}

fn is_icmp(r: &FlowRecord) -> bool {
    crate::flow::key::is_icmp_key(&r.key)
}

/// `sport` / `dport` columns; `None` where ra prints nothing.
pub fn ports(r: &FlowRecord) -> (Option<String>, Option<String>) {
    match r.key.kind {
        KeyKind::Ipv4 | KeyKind::Ipv6 => {
            if is_icmp(r) && r.key.proto == 58 {
                // ICMPv6: type and code, in decimal.
                return (
                    Some((r.key.pa & 0xff).to_string()),
                    Some((r.key.pa >> 8).to_string()),
                );
            }
            if is_icmp(r) {
                // ra prints the ICMP type/code and id fields in host (little-endian) order.
                return (
                    Some(format!("0x{:04x}", r.key.pa)),
                    Some(format!("0x{:04x}", r.key.pb.swap_bytes())),
                );
            }
            match r.key.proto {
                6 | 17 => (Some(r.key.pa.to_string()), Some(r.key.pb.to_string())),
                50 => (None, Some(format!("0x{:08x}", r.key.aux))),
                _ => (None, None),
            }
        }
        KeyKind::Ether => (Some(r.key.pa.to_string()), Some(r.key.pb.to_string())),
        // An IPv6 fragment flow: the fragment id's bytes in the port slots.
        KeyKind::Ipv6Frag => {
            let (pa, pb) = crate::flow::key::ipv6_fragment_ports(&r.key);
            match r.key.proto {
                58 => (Some((pa & 0xff).to_string()), Some((pa >> 8).to_string())),
                6 | 17 => (Some(pa.to_string()), Some(pb.to_string())),
                _ => (None, None),
            }
        }
        // A fragment flow has no transport header: Argus's key holds zero
        // ports, which ra prints for TCP and UDP like any other port.
        KeyKind::Ipv4Frag if matches!(r.key.proto, 6 | 17) => (Some("0".into()), Some("0".into())),
        _ => (None, None),
    }
}

/// `dir` column (spec §2.4), 3 characters.
pub fn dir(r: &FlowRecord) -> String {
    match r.key.kind {
        // Argus writes ARP and RARP as its ARP flow type, which ra shows as "who".
        KeyKind::Arp | KeyKind::Rarp => return "who".into(),
        _ => {}
    }
    let mut c = ['<', '-', '>'];
    if r.dst.pkts == 0 {
        c[0] = ' ';
    }
    if r.src.pkts == 0 {
        c[2] = ' ';
    }
    if r.src.pkts == 0 && r.dst.pkts == 0 {
        c[1] = ' ';
    }
    if let Some(st) = r.tcp_status {
        if st & (SAW_SYN | SAW_SYN_SENT) == 0 {
            c[1] = '?';
        } else {
            c = [' ', '-', '>'];
        }
    }
    c.iter().collect()
}

/// `flgs` column (spec §2.5), 9 characters.
pub fn flags(r: &FlowRecord) -> String {
    let mut f = [' '; 9];
    let enc = r.src.encaps | r.dst.encaps;
    let letters: &[(u32, char)] = &[
        (encaps::ETHER, 'e'),
        (encaps::LLC, 'l'),
        (encaps::MPLS, 'm'),
        (encaps::VLAN, 'v'),
        (encaps::PPP, 'p'),
        (encaps::ISL, 'i'),
        (encaps::GRE, 'G'),
        (encaps::AH, 'a'),
        (encaps::IP, 'P'),
        (encaps::IPV6, '6'),
        (encaps::HDLC, 'H'),
        (encaps::CHDLC, 'C'),
        (encaps::SLL, 'S'),
        (encaps::SLIP, 's'),
        (encaps::IEEE802_11, 'w'),
        (encaps::TEREDO, 'T'),
        (encaps::ERSPAN_II, 'E'),
    ];
    let present: Vec<char> = letters
        .iter()
        .filter(|(b, _)| enc & b != 0)
        .map(|(_, c)| *c)
        .collect();
    f[1] = match present.len() {
        0 => ' ',
        1 => present[0],
        _ => '*',
    };
    if r.mac_multipath.0 || r.mac_multipath.1 {
        f[1] = 'M';
    }
    if let Some((t, _)) = r.icmp_event {
        f[2] = match t {
            3 => 'U',
            5 => 'R',
            11 => 'T',
            _ => 'I',
        };
    }
    if let Some(st) = r.tcp_status {
        use crate::flow::tcp::*;
        // ra 3.0.8 gives an IPv6 TCP flow a letter here only when the source's
        // own status word has a retransmission, and no out-of-order letter
        let v6 = matches!(r.key.kind, KeyKind::Ipv6 | KeyKind::Ipv6Frag);
        f[3] = if v6 && r.src.tcp_seq.status & PKTS_RETRANS == 0 {
            ' '
        } else if st & SRC_PKTS_RETRANS != 0 && st & DST_PKTS_RETRANS != 0 {
            '*'
        } else if st & SRC_PKTS_RETRANS != 0 {
            's'
        } else if st & DST_PKTS_RETRANS != 0 {
            'd'
        } else if v6 {
            ' '
        } else if st & SRC_OUTOFORDER != 0 && st & DST_OUTOFORDER != 0 {
            '&'
        } else if st & SRC_OUTOFORDER != 0 {
            'i'
        } else if st & DST_OUTOFORDER != 0 {
            'r'
        } else {
            ' '
        };
        f[4] = match (st & SRC_WINDOW_SHUT != 0, st & DST_WINDOW_SHUT != 0) {
            (true, true) => '@',
            (true, false) => 'S',
            (false, true) => 'D',
            _ => ' ',
        };
        f[5] = match (st & SRC_CONGESTED != 0, st & DST_CONGESTED != 0) {
            (true, true) => 'E',
            (true, false) => 'x',
            (false, true) => 't',
            _ => ' ',
        };
    }
    if r.src.fragments
        || r.dst.fragments
        || matches!(r.key.kind, KeyKind::Ipv4Frag | KeyKind::Ipv6Frag)
    {
        f[6] = 'F';
    }
    let opts = r.src.ip_options | r.dst.ip_options;
    if opts != 0 {
        use crate::decode::net_options::*;
        f[7] = if opts.count_ones() > 1 {
            'O'
        } else {
            match opts {
                OPT_RTRALERT => 'A',
                OPT_TIMESTAMP => 'T',
                OPT_RECORD_ROUTE => 'R',
                OPT_SECURITY => '+',
                OPT_LSRR => 'L',
                OPT_SSRR => 'S',
                OPT_SATID => 'D',
                _ => 'U',
            }
        };
    }
    f.iter().collect()
}

/// The record as `ra` shows it: 3.0.8.2's reader reverses TCP records whose
/// first packet was the server's SYN-ACK, and ICMP records made only of replies.
pub fn corrected(r: &FlowRecord) -> std::borrow::Cow<'_, FlowRecord> {
    if should_reverse(r) {
        std::borrow::Cow::Owned(reversed(r))
    } else {
        std::borrow::Cow::Borrowed(r)
    }
}

fn should_reverse(r: &FlowRecord) -> bool {
    if r.key.kind != KeyKind::Ipv4 {
        return false;
    }
    match r.key.proto {
        6 => {
            let Some(st) = r.tcp_status else { return false };
            if st & SAW_SYN != 0 || st & SAW_SYN_SENT == 0 {
                return false;
            }
            // A record holding only the SYN-ACK (Argus's TCP_INIT form) stays as it is.
            if r.tcp_init {
                return false;
            }
            if st & (CON_ESTABLISHED | NORMAL_CLOSE | FIN | FIN_ACK) != 0 {
                return true;
            }
            let syn = r.src.tcp_flags & crate::decode::TH_SYN != 0;
            let rst = r.dst.tcp_flags & crate::decode::TH_RST != 0;
            if syn && !rst {
                if r.src.pkts > 5 && r.dst.pkts > 5 {
                    return true;
                }
                if r.src.pkts > 0
                    && r.dst.pkts == 0
                    && r.src.tcp_flags & crate::decode::TH_FIN != 0
                    && r.src.bytes / r.src.pkts > 60
                {
                    return true;
                }
            }
            false
        }
        1 => {
            r.src.pkts > 0 && r.dst.pkts == 0 && matches!(r.icmp_first_type, Some(0 | 14 | 16 | 18))
        }
        _ => false,
    }
}

fn reversed(r: &FlowRecord) -> FlowRecord {
    let mut o = r.clone();
    if r.key.proto == 1 {
        // A reply-only ICMP record shows the reply's own type.
        if let Some(t) = r.icmp_first_type {
            o.key.pa = u16::from(t) | (o.key.pa & 0xff00);
        }
    } else if let Some(st) = o.tcp_status.as_mut() {
        // ra 3.0.8.2 marks a reversed TCP record with bit 0x20, which is also
        // NORMAL_CLOSE: reversed records print state CLO (kept for fidelity).
        *st |= crate::flow::tcp::NORMAL_CLOSE;
    }
    o.key = crate::flow::key::swapped(o.key);
    std::mem::swap(&mut o.src, &mut o.dst);
    o
}

/// ra 3.0.8's `sjit`/`djit`: the stdev of the class that has intervals; when
/// both classes have some, ra pools them with the mean square left in µs²/1000
/// against a mean in ms (a units slip), which we reproduce so the column
/// reads as ra prints it (verified on tcp_ecn.pcap and smtp.pcap).
pub fn jitter_ms(d: &DirMetrics) -> f64 {
    let (a, i) = (&d.jitter_active, &d.jitter_idle);
    if a.n == 0 || i.n == 0 {
        return if a.n > 0 { a.stdev() } else { i.stdev() } / 1000.0;
    }
    let n = f64::from(a.n + i.n);
    let mean_ms = (a.sum + i.sum) as f64 / n / 1000.0;
    ((a.sum_sq + i.sum_sq) / n / 1000.0 - mean_ms * mean_ms)
        .max(0.0)
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::{dir, flags, ports, proto, protocols, state};
    use crate::flow::key::KeyKind;
    use crate::record::FlowRecord;

    #[test]
    fn ethertype_names_follow_ras_table_and_ranges() {
        assert_eq!(protocols::ethertype(0x0800), Some("ip"));
        assert_eq!(protocols::ethertype(0x8863), Some("pppoe"));
        assert_eq!(protocols::ethertype(0x8864), Some("pppoe"));
        // 0x8100 sits in the "well" range of ra 3.0.8's table.
        assert_eq!(protocols::ethertype(0x8100), Some("well"));
        assert_eq!(protocols::ethertype(0x88a8), None);
    }

    #[test]
    fn unnamed_ethertype_prints_as_decimal() {
        let mut r = FlowRecord::default();
        r.key.kind = KeyKind::Ether;
        r.key.aux = 0x88a8;
        assert_eq!(proto(&r), "34984");
    }

    #[test]
    fn arp_request_only_flow_is_int_even_in_status_records() {
        let mut r = FlowRecord::default();
        r.key.kind = KeyKind::Arp;
        r.src.pkts = 2;
        r.cause = crate::record::Cause::Status;
        assert_eq!(state(&r), "INT");
        assert_eq!(dir(&r), "who");
        r.key.kind = KeyKind::Rarp;
        assert_eq!(dir(&r), "who");
        r.dst.pkts = 1;
        assert_eq!(state(&r), "CON");
    }

    #[test]
    fn sctp_has_no_ports() {
        let mut r = FlowRecord::default();
        r.key.kind = KeyKind::Ipv4;
        r.key.proto = 132;
        r.key.pa = 2905;
        assert_eq!(ports(&r), (None, None));
    }

    #[test]
    fn ipv6_tcp_retransmission_letter_needs_the_source_status() {
        use crate::flow::tcp::{DST_OUTOFORDER, DST_PKTS_RETRANS, PKTS_RETRANS, SRC_PKTS_RETRANS};
        let mut r = FlowRecord::default();
        r.key.kind = KeyKind::Ipv6;
        r.key.proto = 6;
        r.tcp_status = Some(DST_PKTS_RETRANS);
        assert_eq!(&flags(&r)[3..4], " ", "ra 3.0.8 prints no 'd' for IPv6");
        r.tcp_status = Some(DST_OUTOFORDER);
        assert_eq!(&flags(&r)[3..4], " ");
        r.src.tcp_seq.status = PKTS_RETRANS;
        r.tcp_status = Some(SRC_PKTS_RETRANS);
        assert_eq!(&flags(&r)[3..4], "s");
        r.key.kind = KeyKind::Ipv4;
        r.src.tcp_seq.status = 0;
        r.tcp_status = Some(DST_PKTS_RETRANS);
        assert_eq!(&flags(&r)[3..4], "d");
    }
}
