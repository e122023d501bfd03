//! Application bytes (`-A`, `sappbytes`/`dappbytes`) as Argus 3.0.8.2 counts
//! them.
//!
//! Argus adds its running "this length" to the record's application bytes
//! once the protocol code has stepped over the headers it reads
//! (ArgusUpdateAppState, ArgusApp.c), and only when that length is positive.
//! What is left of the length then depends on the protocol:
//!
//! * IPv4: the length starts as the IP total length less the IP header
//!   (ArgusCreateIPv4Flow), whatever the frame really carried; an AH header
//!   is stepped over for the key but stays in the length.
//! * IPv6: the length is what the link layer left, less the IPv6 header and
//!   the extension headers walked (ArgusCreateIPv6Flow), so it follows the
//!   frame, not the payload length field.
//! * TCP: less the TCP header (`th_off * 4`) once the header was captured,
//!   except while the connection sits in LISTEN after a reset, where Argus
//!   skips the header step (ArgusUpdateTCPState).
//! * UDP: less 8 when the UDP header was captured (ArgusUpdateUDPState); a
//!   later packet of an RTP flow also loses the RTP header, its CSRC list
//!   and extension (ArgusUpdateRTPState).
//! * ICMP: the whole ICMP message; an IPv4 ICMP error (non-information type,
//!   28 bytes captured) builds the quoted datagram's flow to map the error
//!   onto, which resets the length to the *quoted* IP total length less the
//!   quoted IP header (ArgusUpdateICMPState → ArgusCreateIPv4Flow).
//!   ICMPv6, IGMP, ESP and other IP protocols: the whole transport.
//! * Non-first fragments: the fragment's IP payload, counted on the fragment
//!   flow only; it is not handed on to the parent flow (ArgusUpdateParentFlow
//!   moves packets and bytes only), and the fragment completing a datagram is
//!   not counted at all (the fragment flow is deleted before).
//! * ARP/RARP: the packet length less the 28-byte ARP body (ArgusArp.c), so
//!   an Ethernet ARP shows 14 (42-byte frame) or 32 (60-byte padded frame).
//! * Other layer-2 flows: the whole packet length.

use crate::decode::{Decoded, Family};
use crate::packet::LinkType;

/// What one packet leaves of Argus's length before the flow's state is
/// known (TCP LISTEN, RTP).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PacketApp {
    /// The length after the packet's network headers.
    pub base: i64,
    /// The length after the UDP header step or the ICMP error's quoted
    /// flow, for a flow keyed by its transport protocol.
    pub transport: Option<i64>,
    /// TCP header length Argus steps over when it reads the header.
    pub tcp_header: Option<i64>,
    /// RTP view of a UDP payload: bytes of the CSRC list, and the extension
    /// header's length when the extension bit is set and it was captured.
    pub rtp: Option<(i64, Option<i64>)>,
}

impl PacketApp {
    /// The application bytes of the packet to a flow keyed by its transport
    /// protocol (`keyed`), given whether Argus steps over the TCP header
    /// (`tcp_step`) and the RTP header (`rtp_step`). `None` when Argus adds
    /// nothing (its length is not positive).
    pub fn bytes(&self, keyed: bool, tcp_step: bool, rtp_step: bool) -> Option<i64> {
        let mut len = self.base;
        if keyed {
            len = self.transport.unwrap_or(len);
            if tcp_step && let Some(h) = self.tcp_header {
                len -= h;
            }
        }
        if len <= 0 {
            return None;
        }
        if rtp_step
            && let Some((csrc, ext)) = self.rtp
            && csrc < len
        {
            len -= 12 + csrc + ext.unwrap_or(0);
        }
        Some(len)
    }
}

impl PacketApp {
    /// Argus's length once it stepped over the TCP header: what its TCP
    /// tracker takes as the segment's payload length.
    pub fn tcp_len(&self) -> i32 {
        (self.base - self.tcp_header.unwrap_or(0)) as i32
    }
}

const ICMP_INFO_TYPES: [u8; 10] = [0, 8, 9, 10, 13, 14, 15, 16, 17, 18];

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Where the innermost IPv4 header starts: the header whose end (or end
/// plus the 16 bytes Argus steps over for AH) is the transport offset and
/// whose addresses are the packet's.
fn ipv4_header(d: &Decoded, data: &[u8]) -> Option<usize> {
    let l4 = d.l4_offset as usize;
    (20..=76)
        .step_by(4)
        .filter_map(|back| l4.checked_sub(back))
        .find(|&at| {
            let Some(h) = data.get(at..at + 20) else {
                return false;
            };
            let ihl = usize::from(h[0] & 0x0f) * 4;
            h[0] >> 4 == 4
                && h[12..16] == d.src[..4]
                && h[16..20] == d.dst[..4]
                && (at + ihl == l4 || (h[9] == 51 && at + ihl + 16 == l4))
        })
}

/// Where the innermost IPv6 header starts (extension headers come in
/// multiples of 8 bytes, AH as Argus skips it in 16).
fn ipv6_header(d: &Decoded, data: &[u8]) -> Option<usize> {
    let l4 = d.l4_offset as usize;
    (0..64)
        .filter_map(|k| l4.checked_sub(40 + 8 * k))
        .find(|&at| {
            data.get(at..at + 40)
                .is_some_and(|h| h[0] >> 4 == 6 && h[8..24] == d.src[..] && h[24..40] == d.dst[..])
        })
}

/// IPv6 extension headers Argus walks before the transport (and the
/// fragment header, where it stops for a later fragment).
fn ipv6_ext_len(data: &[u8], at: usize) -> i64 {
    let Some(&first) = data.get(at + 6) else {
        return 0;
    };
    let mut next = first;
    let mut pos = at + 40;
    loop {
        match next {
            0 | 43 | 60 => {
                let (Some(&nh), Some(&len)) = (data.get(pos), data.get(pos + 1)) else {
                    break;
                };
                next = nh;
                pos += (usize::from(len) + 1) * 8;
            }
            44 => {
                let (Some(&nh), Some(&len), Some(fo)) =
                    (data.get(pos), data.get(pos + 1), be16(data, pos + 2))
                else {
                    break;
                };
                next = nh;
                pos += (usize::from(len) + 1) * 8;
                if fo & 0xfff8 != 0 {
                    break;
                }
            }
            _ => break,
        }
    }
    (pos - (at + 40)) as i64
}

/// Bytes of GRE header Argus steps over without taking them off its length,
/// for a packet carried in GRE ahead of `inner` (ArgusProcessGreHdr counts a
/// key field and source-route entries as minus 4 bytes each).
fn gre_credit(data: &[u8], inner: usize) -> i64 {
    // The outer IPv4 header: version 4, protocol GRE, a valid checksum.
    let outer = (0..inner.saturating_sub(24)).find(|&at| {
        data.get(at..at + 20).is_some_and(|h| {
            let ihl = usize::from(h[0] & 0x0f) * 4;
            h[0] >> 4 == 4
                && ihl >= 20
                && h[9] == 47
                && at + ihl + 4 <= inner
                && data.get(at..at + ihl).is_some_and(|hdr| {
                    let sum: u32 = hdr
                        .chunks(2)
                        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
                        .sum();
                    let folded = (sum & 0xffff) + (sum >> 16);
                    (folded & 0xffff) + (folded >> 16) == 0xffff
                })
        })
    });
    let Some(at) = outer else { return 0 };
    let g = at + usize::from(data[at] & 0x0f) * 4;
    let Some(flags) = be16(data, g) else { return 0 };
    let mut credit = 0;
    if flags & 0x2000 != 0 {
        credit += 8;
    }
    if flags & 0x0007 == 0 && flags & 0x4000 != 0 {
        // Source route entries: 4 bytes each, terminator included.
        let mut pos = g + 4 + 4 + if flags & 0x1000 != 0 { 4 } else { 0 };
        if flags & 0x2000 != 0 {
            pos += 4;
        }
        while let (Some(af), Some(&len)) = (be16(data, pos), data.get(pos + 3)) {
            credit += 4;
            pos += 4;
            if af == 0 && len == 0 {
                break;
            }
            pos += usize::from(len);
        }
    }
    credit
}

/// Argus's length for the packet `d` (captured bytes `data`, link type `lt`).
pub(super) fn packet_app(d: &Decoded, data: &[u8], lt: LinkType) -> PacketApp {
    let mut app = PacketApp::default();
    let counted = i64::from(d.counted_len);
    let l4 = d.l4_offset as usize;
    let later_fragment = d.frag.is_fragment && d.frag.offset != 0;
    match d.family {
        Family::Arp | Family::Rarp => {
            // The ARP body (28 bytes for Ethernet/IPv4) must be captured.
            app.base = if d.arp.is_some() && data.len() >= 42 {
                counted - 28
            } else {
                counted
            };
            return app;
        }
        Family::Ether => {
            app.base = counted;
            return app;
        }
        Family::Ipv4 => {
            app.base = match ipv4_header(d, data) {
                Some(at) => {
                    let total = i64::from(be16(data, at + 2).unwrap_or(0));
                    total - i64::from(data[at] & 0x0f) * 4
                }
                None => i64::from(d.l4_len),
            };
        }
        Family::Ipv6 => {
            app.base = match ipv6_header(d, data) {
                Some(at) => {
                    // SLL frames reach Argus's modeler behind a made-up
                    // 14-byte Ethernet header that is taken off the length
                    // on top of the 16-byte SLL header.
                    let link_left = i64::from(d.wire_len)
                        - at as i64
                        - if lt == LinkType::LINUX_SLL { 14 } else { 0 }
                        + i64::from(d.link_kept)
                        + gre_credit(data, at);
                    link_left - 40 - ipv6_ext_len(data, at)
                }
                None => i64::from(d.l4_len),
            };
        }
    }
    if later_fragment {
        return app;
    }
    let captured = |n: usize| data.len() >= l4 + n;
    match d.proto {
        6 => {
            app.tcp_header = d.tcp.map(|t| i64::from(t.header_len));
        }
        17 if captured(8) => {
            app.transport = Some(app.base - 8);
            let p = l4 + 8;
            if let Some(&b0) = data.get(p)
                && captured(8 + 12)
            {
                let csrc = i64::from(b0 & 0x0f) * 4;
                let ext = if b0 & 0x10 != 0 {
                    let at = p + 12 + csrc as usize;
                    be16(data, at + 2).map(|x| 4 + i64::from(x))
                } else {
                    None
                };
                app.rtp = Some((csrc, ext));
            }
        }
        1 if d.family == Family::Ipv4 && captured(28) => {
            let ty = data[l4];
            if !ICMP_INFO_TYPES.contains(&ty) {
                let q = l4 + 8;
                let total = u32::from(be16(data, q + 2).unwrap_or(0));
                let ihl = u32::from(data[q] & 0x0f) * 4;
                app.transport = Some(i64::from(total.wrapping_sub(ihl) as i32));
            }
        }
        _ => {}
    }
    app
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_step_needs_room_for_the_csrc_list() {
        let app = PacketApp {
            base: 180,
            transport: Some(172),
            tcp_header: None,
            rtp: Some((0, None)),
        };
        assert_eq!(app.bytes(true, false, false), Some(172));
        assert_eq!(app.bytes(false, false, false), Some(180));
        assert_eq!(app.bytes(true, false, true), Some(160));
        let ext = PacketApp {
            rtp: Some((8, Some(4 + 2))),
            ..app
        };
        assert_eq!(ext.bytes(true, false, true), Some(172 - 12 - 8 - 6));
        let short = PacketApp {
            transport: Some(4),
            rtp: Some((8, None)),
            ..app
        };
        assert_eq!(short.bytes(true, false, true), Some(4));
    }

    #[test]
    fn nothing_is_added_for_a_length_not_positive() {
        let app = PacketApp {
            base: 20,
            transport: None,
            tcp_header: Some(20),
            rtp: None,
        };
        assert_eq!(app.bytes(true, true, false), None);
        assert_eq!(app.bytes(true, false, false), Some(20));
    }
}
