//! Tunnels Argus looks through: GRE (with ERSPAN type II and transparent
//! Ethernet bridging). The inner packet replaces the outer one.

use super::{Decoded, be16, encaps, link};

const GRE_ERSPAN_II: u16 = 0x88be;
const GRE_TRANSPARENT_ETHER: u16 = 0x6558;
const GRE_PPP: u16 = 0x880b;

pub(super) fn gre(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let (Some(flags), Some(proto)) = (be16(d, off), be16(d, off + 2)) else {
        return;
    };
    let version = flags & 0x7;
    let mut hlen = 4;
    match version {
        0 => {
            if flags & 0x8000 != 0 || flags & 0x4000 != 0 {
                hlen += 4; // checksum + reserved (present if either C or R is set)
            }
            if flags & 0x2000 != 0 {
                hlen += 4; // key
            }
            if flags & 0x1000 != 0 {
                hlen += 4; // sequence number
            }
        }
        // PPTP's enhanced GRE: key (always set), sequence, acknowledgement.
        1 => {
            for bit in [0x2000, 0x1000, 0x0080] {
                if flags & bit != 0 {
                    hlen += 4;
                }
            }
        }
        // Argus reads only the base header of other versions.
        _ => {}
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
        GRE_PPP => {
            out.encaps |= encaps::GRE;
            link::tunnelled_ppp(d, inner, out, depth);
        }
        _ => {
            out.encaps |= encaps::GRE;
            link::dispatch_ethertype(d, inner, proto, out, depth + 1);
        }
    }
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
