//! Tunnels Argus looks through: GRE (with ERSPAN type II), and Ethernet
//! carried in UDP (VXLAN, Geneve). The inner packet replaces the outer one.

use super::{Decoded, be16, encaps, link};

const GRE_ERSPAN_II: u16 = 0x88be;
const GRE_TRANSPARENT_ETHER: u16 = 0x6558;
const VXLAN_PORT: u16 = 4789;
const GENEVE_PORT: u16 = 6081;

pub(super) fn gre(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let (Some(flags), Some(proto)) = (be16(d, off), be16(d, off + 2)) else {
        return;
    };
    let version = flags & 0x7;
    if version != 0 {
        // PPTP's enhanced GRE (version 1) carries PPP; Argus keeps it as a GRE flow.
        return;
    }
    let mut hlen = 4;
    if flags & 0x8000 != 0 || flags & 0x4000 != 0 {
        hlen += 4; // checksum + reserved (present if either C or R is set)
    }
    if flags & 0x2000 != 0 {
        hlen += 4; // key
    }
    if flags & 0x1000 != 0 {
        hlen += 4; // sequence number
    }
    let inner = off + hlen;
    if d.len() <= inner {
        return;
    }
    match proto {
        GRE_ERSPAN_II => {
            out.encaps |= encaps::GRE | encaps::ERSPAN_II;
            reset_l3(out);
            let _ = link::ethernet(d, inner + 8, out, depth + 1);
        }
        GRE_TRANSPARENT_ETHER => {
            out.encaps |= encaps::GRE;
            reset_l3(out);
            let _ = link::ethernet(d, inner, out, depth + 1);
        }
        _ => {
            out.encaps |= encaps::GRE;
            link::dispatch_ethertype(d, inner, proto, out, depth + 1);
        }
    }
}

/// UDP payloads that are Ethernet frames in a tunnel.
pub(super) fn udp(d: &[u8], payload: usize, out: &mut Decoded, depth: u8) {
    let hdr = match (out.sport, out.dport) {
        (_, VXLAN_PORT) => {
            // VXLAN: 8 bytes, the I flag must be set.
            if d.get(payload).map(|f| f & 0x08) != Some(0x08) {
                return;
            }
            8
        }
        (_, GENEVE_PORT) => {
            let (Some(&b0), Some(proto)) = (d.get(payload), be16(d, payload + 2)) else {
                return;
            };
            if b0 >> 6 != 0 || proto != 0x6558 {
                return;
            }
            8 + usize::from(b0 & 0x3f) * 4
        }
        _ => return,
    };
    if d.len() < payload + hdr + 14 {
        return;
    }
    reset_l3(out);
    let _ = link::ethernet(d, payload + hdr, out, depth + 1);
}

/// Before an inner Ethernet frame is decoded, forget the outer network layer
/// so that a non-IP inner frame is not keyed with the outer addresses.
fn reset_l3(out: &mut Decoded) {
    if out.is_ip() {
        out.encaps |= if out.family == super::Family::Ipv4 {
            encaps::IP
        } else {
            encaps::IPV6
        };
    }
    out.family = super::Family::Ether;
    out.has_ports = false;
    out.src = [0; 16];
    out.dst = [0; 16];
    out.proto = 0;
}
