//! Transport layers: TCP, UDP, ICMP, ICMPv6, ESP; GRE and UDP tunnels go on
//! to [`super::tunnel`].

use super::{Decoded, Family, Icmp, IcmpQuote, Tcp, be16, be32, tunnel};
use etherparse::{TcpHeaderSlice, TcpOptionElement};

pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_GRE: u8 = 47;
pub const IPPROTO_ESP: u8 = 50;
pub const IPPROTO_ICMPV6: u8 = 58;

/// Argus TCP option bits (upper half of the TCP status word).
pub const TCPOPT_MSS: u32 = 0x0010_0000;
pub const TCPOPT_WSCALE: u32 = 0x0020_0000;
pub const TCPOPT_SACKOK: u32 = 0x0040_0000;
pub const TCPOPT_SACK: u32 = 0x0080_0000;
pub const TCPOPT_ECHO: u32 = 0x0100_0000;
pub const TCPOPT_ECHOREPLY: u32 = 0x0200_0000;
pub const TCPOPT_TIMESTAMP: u32 = 0x0400_0000;
pub const TCPOPT_CC: u32 = 0x0800_0000;
pub const TCPOPT_CCNEW: u32 = 0x1000_0000;
pub const TCPOPT_CCECHO: u32 = 0x2000_0000;

/// Argus 3.0.8.2 reads IPv4 ports only when the IP length leaves room for the
/// whole transport header (20 bytes TCP, 8 UDP); otherwise the flow is keyed
/// with ports 0 (first fragments of tiny datagrams, lying length fields).
fn ipv4_ports_fit(out: &Decoded, header: u32) -> bool {
    out.family != Family::Ipv4 || out.l4_len >= header
}

pub(super) fn dispatch(d: &[u8], off: usize, proto: u8, out: &mut Decoded, depth: u8) {
    out.payload_offset = off as u32;
    out.payload_len = out.l4_len;
    match proto {
        IPPROTO_TCP => tcp(d, off, out),
        IPPROTO_UDP => udp(d, off, out, depth),
        IPPROTO_ICMP => icmp(d, off, out, false),
        IPPROTO_ICMPV6 => icmp(d, off, out, true),
        IPPROTO_GRE => tunnel::gre(d, off, out, depth),
        2 => {
            out.igmp_type = d.get(off).copied().unwrap_or(0);
            out.igmp_group = d.get(off + 4..off + 8).and_then(|g| g.try_into().ok());
        }
        IPPROTO_ESP => {
            out.spi = be32(d, off);
        }
        _ => {}
    }
}

fn tcp(d: &[u8], off: usize, out: &mut Decoded) {
    let Some(seg) = d.get(off..) else { return };
    let mut t = Tcp::default();
    match TcpHeaderSlice::from_slice(seg) {
        Ok(h) => {
            t.header_len = u16::from(h.data_offset()) * 4;
            for opt in h.options_iterator() {
                let Ok(opt) = opt else { break };
                match opt {
                    TcpOptionElement::MaximumSegmentSize(_) => t.options |= TCPOPT_MSS,
                    TcpOptionElement::WindowScale(s) => {
                        t.options |= TCPOPT_WSCALE;
                        // Kept as sent: Argus does not cap the shift (RFC 7323's 14).
                        t.wscale = Some(s);
                    }
                    TcpOptionElement::SelectiveAcknowledgementPermitted => {
                        t.options |= TCPOPT_SACKOK
                    }
                    TcpOptionElement::SelectiveAcknowledgement(..) => t.options |= TCPOPT_SACK,
                    TcpOptionElement::Timestamp(..) => t.options |= TCPOPT_TIMESTAMP,
                    TcpOptionElement::Noop => {}
                }
            }
            // Options etherparse does not name (RFC 1072 echo, RFC 1644 CC) by kind.
            t.options |= legacy_options(h.options());
        }
        Err(_) => {
            // Options cut off by the snap length: the fixed header still tells the story.
            if seg.len() < 20 {
                // Ports alone still key the flow.
                if let (Some(sp), Some(dp)) = (be16(d, off), be16(d, off + 2)) {
                    out.has_ports = true;
                    if ipv4_ports_fit(out, 20) {
                        out.sport = sp;
                        out.dport = dp;
                    }
                }
                return;
            }
            t.header_len = u16::from(seg[12] >> 4) * 4;
        }
    }
    out.has_ports = true;
    if ipv4_ports_fit(out, 20) {
        out.sport = be16(seg, 0).unwrap_or(0);
        out.dport = be16(seg, 2).unwrap_or(0);
    }
    t.seq = be32(seg, 4).unwrap_or(0);
    t.ack = be32(seg, 8).unwrap_or(0);
    t.flags = seg[13];
    t.win = be16(seg, 14).unwrap_or(0);
    let hl = u32::from(t.header_len.max(20));
    out.payload_len = out.l4_len.saturating_sub(hl);
    out.payload_offset = off as u32 + hl;
    out.tcp = Some(t);
}

fn legacy_options(opts: &[u8]) -> u32 {
    let mut bits = 0;
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => {
                i += 1;
                continue;
            }
            6 => bits |= TCPOPT_ECHO,
            7 => bits |= TCPOPT_ECHOREPLY,
            11 => bits |= TCPOPT_CC,
            12 => bits |= TCPOPT_CCNEW,
            13 => bits |= TCPOPT_CCECHO,
            _ => {}
        }
        let len = opts.get(i + 1).copied().unwrap_or(0) as usize;
        if len < 2 {
            break;
        }
        i += len;
    }
    bits
}

fn udp(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let (Some(sp), Some(dp)) = (be16(d, off), be16(d, off + 2)) else {
        return;
    };
    out.has_ports = true;
    if ipv4_ports_fit(out, 8) {
        out.sport = sp;
        out.dport = dp;
    }
    out.payload_len = out.l4_len.saturating_sub(8);
    out.payload_offset = off as u32 + 8;
    // Argus reads the DNS id even from an empty payload (padding then).
    out.payload_head = be16(d, off + 8);
    out.rtp = d
        .get(off + 8..)
        .map(|p| &p[..p.len().min(out.payload_len as usize)])
        .and_then(rtp_head);
    // VXLAN and Geneve are not looked into: Argus 3.0.8.2 keys them as the outer UDP flow.
    let _ = depth;
}

fn rtp_head(p: &[u8]) -> Option<super::RtpHead> {
    if p.len() < 12 {
        return None;
    }
    let version2 = p[0] & 0xc0 == 0x80;
    // RTCP: a compound packet of chunks, each (length word + 1) * 4 bytes.
    // Argus looks for reports only behind a version-2 first byte.
    let mut rtcp_report = false;
    let mut i = 0usize;
    while version2 && let Some(chunk) = p.get(i..i + 8) {
        if chunk[0] & 0xc0 == 0x80 && matches!(chunk[1], 200 | 201) {
            rtcp_report = true;
        }
        let words = usize::from(u16::from_be_bytes([chunk[2], chunk[3]]));
        if words == 0 {
            break;
        }
        i += words * 4 + 4;
    }
    Some(super::RtpHead {
        version2,
        rtcp_report,
        seq: u16::from_be_bytes([p[2], p[3]]),
        ssrc: u32::from_be_bytes([p[8], p[9], p[10], p[11]]),
        head: p[..12].try_into().unwrap_or_default(),
        ext_len: if p[0] & 0x10 != 0 {
            p.get(14..16).map(|b| u16::from_le_bytes([b[0], b[1]]))
        } else {
            None
        },
    })
}

fn icmp(d: &[u8], off: usize, out: &mut Decoded, v6: bool) {
    let (Some(&ty), Some(&code)) = (d.get(off), d.get(off + 1)) else {
        return;
    };
    // Argus makes no ICMPv6 flow unless the whole 8-byte header was captured.
    if v6 && d.len() < off + 8 {
        out.no_flow = true;
    }
    let mut m = Icmp {
        icmp_type: ty,
        code,
        ..Icmp::default()
    };
    if let Some(rest) = d.get(off + 4..off + 8) {
        m.rest.copy_from_slice(rest);
        m.id = u16::from_be_bytes([rest[0], rest[1]]);
        m.seq = u16::from_be_bytes([rest[2], rest[3]]);
    }
    let is_error = if v6 {
        ty < 128
    } else {
        matches!(ty, 3 | 4 | 5 | 11 | 12)
    };
    if is_error {
        m.quote = quote(d, off + 8, v6);
    }
    out.icmp = Some(m);
}

/// The leading part of the datagram an ICMP error quotes.
fn quote(d: &[u8], off: usize, v6: bool) -> IcmpQuote {
    let mut q = IcmpQuote::default();
    let l4;
    // Room the quoted IP length leaves for the transport header (IPv4 rule).
    let mut l4_len = u32::MAX;
    if v6 {
        let Some(h) = d.get(off..off + 40) else {
            return q;
        };
        q.family = Family::Ipv6;
        q.src.copy_from_slice(&h[8..24]);
        q.dst.copy_from_slice(&h[24..40]);
        q.proto = h[6];
        l4 = off + 40;
    } else {
        let Some(h) = d.get(off..off + 20) else {
            return q;
        };
        if h[0] >> 4 != 4 {
            return q;
        }
        q.family = Family::Ipv4;
        q.src[..4].copy_from_slice(&h[12..16]);
        q.dst[..4].copy_from_slice(&h[16..20]);
        q.proto = h[9];
        q.tos = h[1];
        let ihl = usize::from(h[0] & 0xf) * 4;
        l4 = off + ihl;
        l4_len = u32::from(u16::from_be_bytes([h[2], h[3]])).saturating_sub(ihl as u32);
    }
    q.present = true;
    let need = match q.proto {
        IPPROTO_TCP => 20,
        IPPROTO_UDP => 8,
        _ => 0,
    };
    if l4_len >= need
        && let (Some(sp), Some(dp)) = (be16(d, l4), be16(d, l4 + 2))
    {
        q.sport = sp;
        q.dport = dp;
    }
    // The quoted DNS transaction id keys the quoted query as it keyed the query.
    q.payload_head = be16(d, l4 + 8);
    q
}
