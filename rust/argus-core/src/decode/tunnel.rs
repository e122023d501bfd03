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
    // Argus marks GRE as soon as the base header is captured.
    out.encaps |= encaps::GRE;
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
    // Argus's PPP step marks PPP when the length it carries on holds a PPP
    // header (4 bytes), protocol whatever it is: the frame's bytes after the
    // GRE base header less Argus's own count of the optional words, in which
    // the key counts negative.
    if proto == GRE_PPP && argus_len_after_gre(flags, off, out) >= 4 {
        out.encaps |= encaps::PPP;
    }
    if d.len() <= inner {
        return;
    }
    match proto {
        GRE_ERSPAN_II => {
            out.encaps |= encaps::ERSPAN_II;
            reset_l3(out);
            let _ = link::ethernet(d, inner + 8, out, depth + 1);
        }
        GRE_TRANSPARENT_ETHER => {
            reset_l3(out);
            let _ = link::ethernet(d, inner, out, depth + 1);
        }
        GRE_PPP => {
            link::tunnelled_ppp(d, inner, out, depth);
        }
        _ => {
            link::dispatch_ethertype(d, inner, proto, out, depth + 1);
        }
    }
}

/// Argus's running length after its GRE step (`ArgusProcessGreHdr`): the
/// frame's bytes from the GRE header on, less 4 for the base header, 4 for
/// each of checksum/routing (version 0), sequence and acknowledgement
/// (version 1), plus 4 for a key (its count goes the wrong way).
fn argus_len_after_gre(flags: u16, off: usize, out: &Decoded) -> i64 {
    let on = |bit: u16| i64::from(flags & bit != 0) * 4;
    let words = match flags & 0x7 {
        0 => 4 + on(0x8000).max(on(0x4000)) - on(0x2000) + on(0x1000),
        1 => 4 - on(0x2000) + on(0x1000) + on(0x0080),
        _ => 4,
    };
    i64::from(out.wire_len) - off as i64 - words
}

/// Before an inner Ethernet frame is decoded, forget the outer network layer
/// so that a non-IP inner frame is not keyed with the outer addresses.
fn reset_l3(out: &mut Decoded) {
    out.family = super::Family::Ether;
    out.has_ports = false;
    out.src = [0; 16];
    out.dst = [0; 16];
    out.proto = 0;
}
