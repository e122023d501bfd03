//! Network layers: IPv4, IPv6 (with extension headers) and ARP/RARP.

use super::{Arp, Decoded, Family, Frag, encaps, link, transport};
use etherparse::{Ipv4HeaderSlice, Ipv6HeaderSlice};

/// Argus IP option bits (IPATTR DSR).
pub const OPT_RECORD_ROUTE: u16 = 0x01;
pub const OPT_TIMESTAMP: u16 = 0x02;
pub const OPT_SECURITY: u16 = 0x04;
pub const OPT_LSRR: u16 = 0x08;
pub const OPT_SATID: u16 = 0x10;
pub const OPT_SSRR: u16 = 0x20;
pub const OPT_RTRALERT: u16 = 0x40;

/// Start decoding a nested IP header: a tunnel replaces the outer addresses
/// with the inner ones, as Argus reports the inner conversation. (Argus
/// 3.0.8.2 never sets its IP/IPV6 encapsulation bits: the outer IP header
/// leaves no mark, only the tunnel's own bit does.)
fn enter_ip(out: &mut Decoded, family: Family) {
    out.family = family;
    out.has_ports = false;
    out.tcp = None;
    out.icmp = None;
    out.frag = Frag::default();
    out.ip_options = 0;
    out.spi = None;
}

pub(super) fn ipv4(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let Some(h) = d
        .get(off..)
        .and_then(|s| Ipv4HeaderSlice::from_slice(s).ok())
    else {
        return;
    };
    enter_ip(out, Family::Ipv4);
    let hlen = h.slice().len() as u32;
    out.src[..4].copy_from_slice(&h.source());
    out.dst[..4].copy_from_slice(&h.destination());
    out.src[4..].fill(0);
    out.dst[4..].fill(0);
    out.proto = h.protocol().0;
    out.ttl = h.ttl();
    out.tos = d[off + 1];
    out.ip_id = h.identification() as u32;
    out.ip_options = ipv4_options(h.options());
    let offset = u32::from(h.fragments_offset().value()) * 8;
    out.frag = Frag {
        offset,
        more: h.more_fragments(),
        id: out.ip_id,
        is_fragment: offset != 0 || h.more_fragments(),
    };
    // A total length that is shorter than the header, or longer than the
    // frame's wire length allows, is not trusted: fall back to what was seen.
    let total = u32::from(h.total_len());
    let available = (out.wire_len as usize).saturating_sub(off) as u32;
    let ip_len = if total >= hlen && total <= available.max(hlen) {
        total
    } else {
        available.max(hlen)
    };
    out.ip_len = ip_len;
    out.l4_offset = off as u32 + hlen;
    out.l4_len = ip_len - hlen;
    if offset != 0 {
        // Argus reads a GRE header behind every IPv4 header of protocol 47,
        // later fragments included, and marks GRE once 4 bytes are there.
        if out.proto == transport::IPPROTO_GRE && d.len() >= out.l4_offset as usize + 4 {
            out.encaps |= encaps::GRE;
        }
    } else {
        let mut pos = out.l4_offset as usize;
        let mut next = out.proto;
        skip_ah(d, &mut pos, &mut next, out);
        out.l4_len = out
            .l4_len
            .saturating_sub((pos - out.l4_offset as usize) as u32);
        out.l4_offset = pos as u32;
        out.proto = next;
        transport::dispatch(d, pos, next, out, depth);
    }
}

fn ipv4_options(opts: &[u8]) -> u16 {
    let mut bits = 0;
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        match kind {
            0 => break,
            1 => {
                i += 1;
                continue;
            }
            _ => {}
        }
        bits |= match kind {
            7 => OPT_RECORD_ROUTE,
            68 => OPT_TIMESTAMP,
            130 | 133 => OPT_SECURITY,
            131 => OPT_LSRR,
            136 => OPT_SATID,
            137 => OPT_SSRR,
            148 => OPT_RTRALERT,
            _ => 0,
        };
        let len = opts.get(i + 1).copied().unwrap_or(0) as usize;
        if len < 2 {
            break;
        }
        i += len;
    }
    bits
}

/// IPv6 extension headers Argus skips to find the transport protocol.
const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const DEST_OPTS: u8 = 60;
const AH: u8 = 51;
const ESP: u8 = 50;
/// Argus skips an authentication header as a fixed 16 bytes (its
/// `struct AHHeader`), whatever the header's own length field says.
const AH_SKIP: usize = 16;

/// After the IP header chain: Argus steps over one AH (fixed size) and keys
/// the packet by the protocol it names, without looking into tunnels behind it.
fn skip_ah(d: &[u8], pos: &mut usize, next: &mut u8, out: &mut Decoded) {
    if *next == AH {
        // Marked whether or not the header was captured.
        out.encaps |= encaps::AH;
    }
    if *next == AH
        && let Some(&nh) = d.get(*pos)
        && d.len() >= *pos + AH_SKIP
    {
        *next = nh;
        *pos += AH_SKIP;
    }
}

pub(super) fn ipv6(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let Some(h) = d
        .get(off..)
        .and_then(|s| Ipv6HeaderSlice::from_slice(s).ok())
    else {
        return;
    };
    enter_ip(out, Family::Ipv6);
    out.src = h.source();
    out.dst = h.destination();
    out.ttl = h.hop_limit();
    out.tos = h.traffic_class();
    out.ip_id = 0;
    let payload = u32::from(h.payload_length());
    let available = (out.wire_len as usize).saturating_sub(off + 40) as u32;
    // A zero payload length is a jumbogram or a lie: use what the wire carried.
    let payload = if payload == 0 || payload > available {
        available
    } else {
        payload
    };
    out.ip_len = payload + 40;
    let mut next = h.next_header().0;
    let mut pos = off + 40;
    let end = pos + payload as usize;
    // Walk the extension chain by hand: etherparse's chain parser rejects the
    // truncated and odd chains real captures carry, and we only need lengths.
    // Like Argus, walk on through fragment headers of offset 0 (first and
    // atomic fragments) and stop at a later fragment. Every step advances by
    // 8 bytes or more, so the walk ends with the captured bytes.
    while pos < d.len() {
        match next {
            HOP_BY_HOP | ROUTING | DEST_OPTS => {
                let (Some(&nh), Some(&len)) = (d.get(pos), d.get(pos + 1)) else {
                    break;
                };
                next = nh;
                pos += (len as usize + 1) * 8;
            }
            FRAGMENT => {
                let (Some(&nh), Some(fo)) = (d.get(pos), super::be16(d, pos + 2)) else {
                    break;
                };
                let id = super::be32(d, pos + 4).unwrap_or(0);
                let offset = u32::from(fo & 0xfff8);
                out.frag = Frag {
                    offset,
                    more: fo & 1 == 1,
                    id,
                    is_fragment: offset != 0 || fo & 1 == 1,
                };
                out.ip_id = id;
                next = nh;
                pos += 8;
                if offset != 0 {
                    break;
                }
            }
            _ => break,
        }
    }
    if out.frag.offset == 0 {
        skip_ah(d, &mut pos, &mut next, out);
        if next == ESP {
            // Argus 3.0.8.2's IPv6 ESP flow builder is an empty stub: such
            // packets make no flow at all.
            out.no_flow = true;
        }
    }
    out.proto = next;
    out.l4_offset = pos as u32;
    out.l4_len = end.saturating_sub(pos) as u32;
    if out.frag.offset == 0 {
        transport::dispatch(d, pos, next, out, depth);
    }
}

/// ARP and RARP (Ethernet/IPv4 form; other hardware types keep what fits).
pub(super) fn arp(d: &[u8], off: usize, ethertype: u16, out: &mut Decoded) {
    out.family = if ethertype == link::ETH_RARP {
        Family::Rarp
    } else {
        Family::Arp
    };
    let Some(h) = d.get(off..off + 8) else { return };
    let hln = h[4] as usize;
    let pln = h[5] as usize;
    let op = u16::from_be_bytes([h[6], h[7]]);
    let mut a = Arp {
        op,
        ..Arp::default()
    };
    let sha = off + 8;
    let spa = sha + hln;
    let tha = spa + pln;
    let tpa = tha + hln;
    let copy = |dst: &mut [u8], at: usize, n: usize| {
        if let Some(s) = d.get(at..at + n.min(dst.len())) {
            dst[..s.len()].copy_from_slice(s);
        }
    };
    copy(&mut a.sender_hw, sha, hln);
    copy(&mut a.sender_ip, spa, pln);
    copy(&mut a.target_hw, tha, hln);
    copy(&mut a.target_ip, tpa, pln);
    out.src[..4].copy_from_slice(&a.sender_ip);
    out.dst[..4].copy_from_slice(&a.target_ip);
    out.arp = Some(a);
}
