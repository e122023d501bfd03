//! Link layers: each capture link type is peeled down to an ethertype-keyed
//! payload, which [`dispatch_ethertype`] hands to the network layer.

use super::{DecodeError, Decoded, Family, be16, be32, encaps, net, wifi};
use crate::packet::LinkType;
use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

pub const ETH_IPV4: u16 = 0x0800;
pub const ETH_ARP: u16 = 0x0806;
pub const ETH_RARP: u16 = 0x8035;
pub const ETH_VLAN: u16 = 0x8100;
pub const ETH_IPV6: u16 = 0x86dd;
pub const ETH_MPLS: u16 = 0x8847;
pub const ETH_MPLS_MCAST: u16 = 0x8848;
pub const ETH_PPPOE_DISC: u16 = 0x8863;
pub const ETH_PPPOE_SESS: u16 = 0x8864;

/// How deep tunnels may nest before we stop peeling (keeps hostile input bounded).
pub(super) const MAX_DEPTH: u8 = 8;

pub(super) fn decode_link(lt: LinkType, d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    match lt.0 {
        1 => ethernet(d, 0, out, 0),
        0 | 108 => null_loopback(d, lt, out),
        9 | 50 => ppp(d, out, lt.0 == 50),
        51 => pppoe_session(d, 0, out, 0),
        12 | 14 | 101 => raw_ip(d, out),
        228 => {
            net::ipv4(d, 0, out, 0);
            Ok(())
        }
        229 => {
            net::ipv6(d, 0, out, 0);
            Ok(())
        }
        104 => cisco_hdlc(d, out),
        113 => linux_sll(d, out),
        276 => linux_sll2(d, out),
        8 | 15 => slip(d, out),
        105 => {
            wifi::ieee80211(d, 0, out);
            Ok(())
        }
        119 => wifi::prism(d, out),
        127 => wifi::radiotap(d, out),
        163 => wifi::avs(d, out),
        _ => Err(DecodeError::UnsupportedLinkType(lt)),
    }
}

/// Bytes of link header Argus leaves out of a packet's byte count.
pub(super) fn uncounted_header(lt: LinkType, d: &[u8]) -> u32 {
    match lt.0 {
        0 | 108 => 4,
        113 => 16,
        276 => 20,
        104 => 4,
        8 | 15 => SLIP_HDR_LEN as u32,
        127 => wifi::radiotap_len(d).unwrap_or(0) as u32,
        9 | 50 => {
            let addr_ctl = if d.first() == Some(&0xff) && d.get(1) == Some(&0x03) {
                2
            } else {
                0
            };
            let proto = match d.get(addr_ctl) {
                Some(b) if b & 1 == 1 => 1,
                _ => 2,
            };
            (addr_ctl + proto) as u32
        }
        _ => 0,
    }
}

/// Ethernet II / 802.3 frame starting at `off`.
pub(super) fn ethernet(
    d: &[u8],
    off: usize,
    out: &mut Decoded,
    depth: u8,
) -> Result<(), DecodeError> {
    let frame = d.get(off..).unwrap_or(&[]);
    if frame.len() < 14 && depth == 0 {
        // Argus reads a frame cut short by the snap length as if the missing
        // header bytes were zero: a layer-2 flow of zero MACs and type 0.
        let mut hdr = [0u8; 14];
        hdr[..frame.len()].copy_from_slice(frame);
        out.has_mac = true;
        out.src_mac.copy_from_slice(&hdr[6..12]);
        out.dst_mac.copy_from_slice(&hdr[..6]);
        out.encaps |= encaps::ETHER;
        out.family = Family::Ether;
        out.ethertype = u16::from_be_bytes([hdr[12], hdr[13]]);
        return Ok(());
    }
    let eth = Ethernet2HeaderSlice::from_slice(frame).map_err(|_| DecodeError::Truncated)?;
    // Tunnelled frames (VXLAN, ERSPAN, ...) describe the inner conversation:
    // the innermost MACs win, as the inner IP headers do.
    out.has_mac = true;
    out.src_mac = eth.source();
    out.dst_mac = eth.destination();
    out.encaps |= encaps::ETHER;
    let ethertype = eth.ether_type().0;
    dispatch_ethertype(d, off + 14, ethertype, out, depth);
    Ok(())
}

/// Continue decoding the payload of a layer-2 header whose type field is `ethertype`.
pub(super) fn dispatch_ethertype(
    d: &[u8],
    off: usize,
    ethertype: u16,
    out: &mut Decoded,
    depth: u8,
) {
    if depth > MAX_DEPTH {
        return;
    }
    out.ethertype = ethertype;
    match ethertype {
        0..=1500 => llc(d, off, out, depth),
        ETH_IPV4 => net::ipv4(d, off, out, depth),
        ETH_IPV6 => net::ipv6(d, off, out, depth),
        ETH_ARP | ETH_RARP => {
            net::arp(d, off, ethertype, out);
            // User data follows the ARP body (8 bytes + two hardware and two
            // protocol addresses): on Ethernet, the frame's padding.
            if let (Some(&hln), Some(&pln)) = (d.get(off + 4), d.get(off + 5)) {
                out.l2_user_offset =
                    Some((off + 8 + 2 * usize::from(hln) + 2 * usize::from(pln)) as u32);
            }
        }
        // 802.1ad (0x88a8) and 0x9100 outer tags are not opened by Argus
        // 3.0.8.2: such frames stay layer-2 flows with that ethertype.
        ETH_VLAN => {
            let Some(tag) = d
                .get(off..)
                .and_then(|s| SingleVlanHeaderSlice::from_slice(s).ok())
            else {
                return;
            };
            out.encaps |= encaps::VLAN;
            // Argus sets its packet's tag at every 802.1Q header it steps
            // over, so the innermost tag of a QinQ stack is the one kept.
            out.vlan_tci = Some(be16(d, off).unwrap_or(0));
            dispatch_ethertype(d, off + 4, tag.ether_type().0, out, depth + 1);
        }
        ETH_MPLS | ETH_MPLS_MCAST => mpls(d, off, out, depth),
        // PPPoE discovery: Argus's PPPoE step marks ETHER|PPP, then opens
        // only session data.
        ETH_PPPOE_DISC => {
            out.encaps |= encaps::PPP;
            out.l2_user_offset = Some(off as u32);
        }
        ETH_PPPOE_SESS => {
            let _ = pppoe_session(d, off, out, depth);
            if !out.is_ip() {
                // Past the 6-byte session header and the PPP protocol
                // (one byte when field-compressed, i.e. odd).
                let proto_len = match d.get(off + 6) {
                    Some(b) if b & 1 == 1 => 1,
                    _ => 2,
                };
                out.l2_user_offset = Some((off + 6 + proto_len) as u32);
            }
        }
        _ => out.l2_user_offset = Some(off as u32),
    }
}

/// 802.2 LLC, with SNAP carrying an ethertype.
fn llc(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    out.ethertype = 0;
    let (Some(&dsap), Some(&ssap)) = (d.get(off), d.get(off + 1)) else {
        return;
    };
    out.encaps |= encaps::LLC;
    if dsap == 0xaa && ssap == 0xaa {
        // SNAP: control byte and OUI, then an ethertype. Argus opens it for
        // the network protocols it models; anything else (CDP, ...) stays LLC.
        if let Some(et @ (ETH_IPV4 | ETH_IPV6 | ETH_ARP | ETH_RARP)) = be16(d, off + 6) {
            dispatch_ethertype(d, off + 8, et, out, depth + 1);
            return;
        }
        out.llc = Some((dsap, ssap));
        out.l2_user_offset = Some((off + 8) as u32);
        return;
    }
    out.llc = Some((dsap, ssap));
    out.l2_user_offset = Some((off + 3) as u32);
}

/// MPLS label stack: labels are popped until the bottom-of-stack bit, then the
/// payload is guessed from its IP version nibble, as Argus guesses it.
fn mpls(d: &[u8], mut off: usize, out: &mut Decoded, depth: u8) {
    out.encaps |= encaps::MPLS;
    for _ in 0..16 {
        let Some(entry) = be32(d, off) else { return };
        if out.mpls.is_none() {
            out.mpls = Some(entry);
        }
        off += 4;
        if entry & 0x100 != 0 {
            match d.get(off).map(|b| b >> 4) {
                Some(4) => net::ipv4(d, off, out, depth + 1),
                Some(6) => net::ipv6(d, off, out, depth + 1),
                _ => {}
            }
            return;
        }
    }
}

/// PPPoE session header (6 bytes) followed by a PPP protocol number.
///
/// As Argus 3.0.8.2: only code 0 (session data) is looked into; the protocol
/// is one byte when its first byte is odd (field compression), and only IPv4
/// and IPv6 are decapsulated (LCP, PAP, ... stay a layer-2 PPPoE flow).
fn pppoe_session(d: &[u8], off: usize, out: &mut Decoded, depth: u8) -> Result<(), DecodeError> {
    let code = *d.get(off + 1).ok_or(DecodeError::Truncated)?;
    let first = *d.get(off + 6).ok_or(DecodeError::Truncated)?;
    out.encaps |= encaps::PPP;
    if code != 0 {
        return Ok(());
    }
    let (proto, len) = if first & 1 == 1 {
        (u16::from(first), 1)
    } else {
        (be16(d, off + 6).ok_or(DecodeError::Truncated)?, 2)
    };
    if matches!(proto, 0x21 | 0x57) {
        ppp_protocol(d, off + 6 + len, proto, out, depth + 1);
    }
    Ok(())
}

/// A PPP frame inside a tunnel (GRE protocol 0x880B, PPTP): optional
/// address/control bytes, a one- or two-byte protocol; IPv4 and IPv6 are
/// decoded, anything else leaves the packet keyed on the outer header.
pub(super) fn tunnelled_ppp(d: &[u8], off: usize, out: &mut Decoded, depth: u8) {
    let mut off = off;
    if matches!(d.get(off), Some(0xff | 0x00 | 0x01)) && d.get(off + 1) == Some(&0x03) {
        off += 2;
    }
    let Some(&first) = d.get(off) else { return };
    let (proto, len) = if first & 1 == 1 {
        (u16::from(first), 1)
    } else {
        match be16(d, off) {
            Some(p) => (p, 2),
            None => return,
        }
    };
    if matches!(proto, 0x21 | 0x57) {
        out.encaps |= encaps::PPP;
        ppp_protocol(d, off + len, proto, out, depth + 1);
    }
}

fn ppp_protocol(d: &[u8], off: usize, proto: u16, out: &mut Decoded, depth: u8) {
    match proto {
        0x0021 => net::ipv4(d, off, out, depth),
        0x0057 => net::ipv6(d, off, out, depth),
        0x0281 => mpls(d, off, out, depth),
        _ => {}
    }
}

/// PPP (link type 9) and PPP in HDLC-like framing (50).
fn ppp(d: &[u8], out: &mut Decoded, hdlc: bool) -> Result<(), DecodeError> {
    out.encaps |= encaps::PPP;
    if hdlc {
        out.encaps |= encaps::HDLC;
    }
    let mut off = 0;
    if d.first() == Some(&0xff) && d.get(1) == Some(&0x03) {
        off = 2;
    }
    // Protocol field compression: an odd first byte is a one-byte protocol.
    let first = *d.get(off).ok_or(DecodeError::Truncated)?;
    let (proto, len) = if first & 1 == 1 {
        (first as u16, 1)
    } else {
        (be16(d, off).ok_or(DecodeError::Truncated)?, 2)
    };
    ppp_protocol(d, off + len, proto, out, 0);
    Ok(())
}

/// Cisco HDLC: address, control, then an ethertype.
fn cisco_hdlc(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    let proto = be16(d, 2).ok_or(DecodeError::Truncated)?;
    out.encaps |= encaps::CHDLC;
    dispatch_ethertype(d, 4, proto, out, 0);
    Ok(())
}

/// BSD loopback: a 4-byte address family, host order for NULL, network order for LOOP.
fn null_loopback(d: &[u8], lt: LinkType, out: &mut Decoded) -> Result<(), DecodeError> {
    let raw: [u8; 4] = d
        .get(..4)
        .ok_or(DecodeError::Truncated)?
        .try_into()
        .unwrap_or([0; 4]);
    let mut af = if lt == LinkType::LOOP {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    };
    if af > 0xffff {
        // Written on a host of the other byte order.
        af = af.swap_bytes();
    }
    match af {
        2 => net::ipv4(d, 4, out, 0),
        10 | 24 | 28 | 30 => net::ipv6(d, 4, out, 0),
        _ => {}
    }
    Ok(())
}

/// Argus's SLIP pseudo-header length (`SLIP_HDRLEN`, as libpcap writes it).
const SLIP_HDR_LEN: usize = 16;

/// SLIP (8) and BSD/OS SLIP (15): Argus steps over a 16-byte pseudo-header
/// and takes what follows as IPv4 when its version is 4, else as IPv6.
fn slip(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    if (out.wire_len as usize) <= SLIP_HDR_LEN {
        return Err(DecodeError::Truncated);
    }
    out.encaps |= encaps::SLIP;
    match d.get(SLIP_HDR_LEN).map(|b| b >> 4) {
        Some(4) => net::ipv4(d, SLIP_HDR_LEN, out, 0),
        Some(_) => net::ipv6(d, SLIP_HDR_LEN, out, 0),
        None => return Err(DecodeError::Truncated),
    }
    Ok(())
}

/// Raw IP: the version nibble tells v4 from v6.
fn raw_ip(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    match d.first().map(|b| b >> 4) {
        Some(4) => net::ipv4(d, 0, out, 0),
        Some(6) => net::ipv6(d, 0, out, 0),
        Some(_) => {}
        None => return Err(DecodeError::Truncated),
    }
    Ok(())
}

/// Linux cooked capture v1: 16-byte header, protocol at offset 14.
fn linux_sll(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    let proto = be16(d, 14).ok_or(DecodeError::Truncated)?;
    let hatype = be16(d, 2).unwrap_or(0);
    let halen = be16(d, 4).unwrap_or(0);
    // Argus (ArgusSllPacket) makes an Ethernet header of the cooked one: the
    // source is the first 6 address bytes whatever their length, the
    // destination follows the packet type (broadcast, multicast, outgoing,
    // else "to us"); its records carry that MAC pair and ETHER|SLL.
    if let Some(mac) = d.get(6..12) {
        out.src_mac.copy_from_slice(mac);
    }
    out.dst_mac = match be16(d, 0).unwrap_or(0) {
        1 => [0xff; 6],
        2 => [0x01, 0, 0, 0, 0, 0],
        4 => [0; 6],
        _ => [0, 0, 0, 0, 0, 0x01],
    };
    out.has_mac = true;
    out.encaps |= encaps::ETHER;
    sll_common(d, 16, proto, hatype, halen, 6, out);
    Ok(())
}

/// Linux cooked capture v2: 20-byte header, protocol at offset 0.
fn linux_sll2(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    let proto = be16(d, 0).ok_or(DecodeError::Truncated)?;
    if d.len() < 20 {
        return Err(DecodeError::Truncated);
    }
    let hatype = be16(d, 8).unwrap_or(0);
    let halen = d.get(11).copied().unwrap_or(0) as u16;
    sll_common(d, 20, proto, hatype, halen, 12, out);
    Ok(())
}

fn sll_common(
    d: &[u8],
    off: usize,
    proto: u16,
    hatype: u16,
    halen: u16,
    addr_off: usize,
    out: &mut Decoded,
) {
    out.encaps |= encaps::SLL;
    // An Ethernet-like device records the sender's MAC; Argus reports it as the source MAC.
    if (hatype == 1 || hatype == 772)
        && halen == 6
        && let Some(mac) = d.get(addr_off..addr_off + 6)
    {
        out.src_mac.copy_from_slice(mac);
    }
    match proto {
        // Linux "protocol" values below 1536 are not ethertypes.
        0x0004 => llc(d, off, out, 0),
        0x0001..=0x0003 => {}
        _ => dispatch_ethertype(d, off, proto, out, 0),
    }
    if out.family == Family::Ether && out.ethertype == 0 && proto > 1500 {
        out.ethertype = proto;
    }
}
