//! Flow keys: which packets belong to one flow, per Argus 3's classic 5-tuple
//! model (spec §2.1), including its DNS-transaction and ICMP-echo keying.

use crate::decode::{Decoded, Family, IcmpQuote};
use crate::options::{EngineOptions, FlowKeyBits};

/// What kind of conversation a key describes; also decides the idle timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum KeyKind {
    #[default]
    Ipv4 = 1,
    Ipv6 = 2,
    /// Non-first IPv4/IPv6 fragment waiting for (or without) its parent.
    Ipv4Frag = 3,
    Ipv6Frag = 4,
    Arp = 5,
    Rarp = 6,
    /// Non-IP layer 2: MAC addresses and ethertype (or LLC SAPs).
    Ether = 7,
    /// LAYER_3_MATRIX: addresses only.
    L3Matrix = 8,
    /// An 802.11 frame Argus does not open: `a` = SA then BSSID then SSID
    /// bytes 0..4, `b` = DA then SSID bytes 4..14, `aux` = a hash of the
    /// whole SSID. Never reordered: each direction is a flow of its own.
    Wlan = 9,
}

/// A flow key, stored with side `a` = the initiator (the sender of the
/// flow's first packet) in unidirectional mode, and in canonical order
/// (smaller endpoint first) in bidirectional mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FlowKey {
    pub kind: KeyKind,
    /// IP protocol; for `Ether` keys 0.
    pub proto: u8,
    pub a: [u8; 16],
    pub b: [u8; 16],
    pub pa: u16,
    pub pb: u16,
    /// Discriminator beyond the tuple: DNS transaction id, ICMP id/seq,
    /// ESP SPI, fragment id, ethertype.
    pub aux: u32,
}

impl FlowKey {
    pub fn family(&self) -> Family {
        match self.kind {
            KeyKind::Ipv4 | KeyKind::Ipv4Frag | KeyKind::L3Matrix => Family::Ipv4,
            KeyKind::Ipv6 | KeyKind::Ipv6Frag => Family::Ipv6,
            KeyKind::Arp => Family::Arp,
            KeyKind::Rarp => Family::Rarp,
            KeyKind::Ether | KeyKind::Wlan => Family::Ether,
        }
    }
}

/// How a packet's key is turned into the table key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orient {
    /// Bidirectional tables store the smaller endpoint first.
    Sort,
    /// The packet is a reply: its key was already turned to the request's
    /// orientation (the packet travels from `b` to `a`).
    Reply,
    /// Keys of this kind are never reordered (ICMP requests and errors,
    /// IGMP, ESP): each direction is its own flow unless a reply rule joins them.
    AsIs,
}

pub const ICMP_ECHOREPLY: u8 = 0;
pub const ICMP_UNREACH: u8 = 3;
pub const ICMP_REDIRECT: u8 = 5;
pub const ICMP_ECHO: u8 = 8;

/// Build the key of a decoded packet. Returns the key (oriented as the packet
/// travels: `a` = this packet's source) or `None` when the packet has nothing
/// to key on.
pub fn packet_key(d: &Decoded, opts: &EngineOptions) -> Option<(FlowKey, Orient)> {
    if d.no_flow {
        return None;
    }
    let mut k = FlowKey::default();
    let mut orient = Orient::Sort;
    match d.family {
        Family::Ipv4 | Family::Ipv6 => {
            let v6 = d.family == Family::Ipv6;
            k.a = d.src;
            k.b = d.dst;
            if opts.flow_key.contains(FlowKeyBits::LAYER_3_MATRIX) {
                k.kind = KeyKind::L3Matrix;
                if v6 {
                    k.proto = 0xff;
                }
                return Some((k, orient));
            }
            k.kind = if v6 { KeyKind::Ipv6 } else { KeyKind::Ipv4 };
            k.proto = d.proto;
            if d.frag.is_fragment && d.frag.offset != 0 {
                if v6 {
                    ipv6_later_fragment_key(d, &mut k);
                    return Some((k, orient));
                }
                // A later fragment carries no ports: keyed by its datagram id
                // until the first fragment tells which flow it belongs to.
                k.kind = KeyKind::Ipv4Frag;
                k.aux = d.frag.id;
                return Some((k, orient));
            }
            orient = ip_transport_key(d, &mut k, !opts.unidirectional);
        }
        Family::Arp | Family::Rarp => {
            let arp = d.arp?;
            k.kind = if d.family == Family::Arp {
                KeyKind::Arp
            } else {
                KeyKind::Rarp
            };
            orient = Orient::AsIs;
            match arp.op {
                // A request is keyed (asker, asked, asker's MAC); its reply is
                // turned around onto the same key.
                1 => {
                    k.a[..4].copy_from_slice(&arp.sender_ip);
                    k.b[..4].copy_from_slice(&arp.target_ip);
                    k.b[4..10].copy_from_slice(&arp.sender_hw);
                }
                2 => {
                    k.a[..4].copy_from_slice(&arp.target_ip);
                    k.b[..4].copy_from_slice(&arp.sender_ip);
                    k.b[4..10].copy_from_slice(&arp.target_hw);
                    orient = Orient::Reply;
                }
                // RARP: (asker, answerer) by hardware address; each opcode
                // is a flow of its own.
                3 => {
                    k.a[..6].copy_from_slice(&arp.sender_hw);
                    k.b[..6].copy_from_slice(&arp.target_hw);
                    k.aux = 3;
                }
                // A reply also keys the address it hands out (Argus's
                // rarp_flow.arp_tpa).
                4 => {
                    k.a[..6].copy_from_slice(&arp.target_hw);
                    k.b[..6].copy_from_slice(&arp.sender_hw);
                    k.a[6..10].copy_from_slice(&arp.target_ip);
                    k.aux = 4;
                }
                // Other opcodes (InARP, ...) are not flows for Argus.
                _ => return None,
            }
        }
        Family::Ether if d.wlan.is_some() => {
            let w = d.wlan.unwrap_or_default();
            k.kind = KeyKind::Wlan;
            k.a[..6].copy_from_slice(&w.sa);
            k.a[6..12].copy_from_slice(&w.bssid);
            k.a[12..].copy_from_slice(&w.ssid[..4]);
            k.b[..6].copy_from_slice(&w.da);
            k.b[6..].copy_from_slice(&w.ssid[4..14]);
            k.aux = ssid_hash(&w.ssid);
            orient = Orient::AsIs;
        }
        Family::Ether => {
            if !d.has_mac && d.llc.is_none() && d.ethertype == 0 {
                return None;
            }
            k.kind = KeyKind::Ether;
            k.a[..6].copy_from_slice(&d.src_mac);
            k.b[..6].copy_from_slice(&d.dst_mac);
            if let Some((dsap, ssap)) = d.llc {
                k.pa = u16::from(ssap);
                k.pb = u16::from(dsap);
            } else {
                k.aux = u32::from(d.ethertype);
            }
        }
    }
    Some((k, orient))
}

/// FNV-1a over the SSID: the key holds only its first 14 bytes, the hash
/// tells longer SSIDs apart.
pub fn ssid_hash(ssid: &[u8; 32]) -> u32 {
    if ssid.iter().all(|b| *b == 0) {
        return 0;
    }
    ssid.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

fn ip_transport_key(d: &Decoded, k: &mut FlowKey, bidirectional: bool) -> Orient {
    if let Some(icmp) = d.icmp {
        return icmp_key(d, k, icmp, bidirectional);
    }
    if let Some(spi) = d.spi {
        k.aux = spi;
        return Orient::AsIs;
    }
    if d.proto == 2 {
        // IGMP: Argus keys each message by its IP identification as well, and
        // names the group as the destination (a general query: the IP destination).
        k.aux = d.ip_id;
        if let Some(group) = d.igmp_group
            && (group != [0; 4] || d.igmp_type != 0x11)
        {
            k.b[..4].copy_from_slice(&group);
        }
        k.pa = u16::from(d.igmp_type);
        return Orient::AsIs;
    }
    if d.has_ports {
        k.pa = d.sport;
        k.pb = d.dport;
        if let Some(aux) = dns_aux(d.family, d.proto, d.sport, d.dport, d.payload_head) {
            k.aux = aux;
        }
    }
    Orient::Sort
}

/// A later IPv6 fragment never joins its datagram's flow in Argus 3.0.8.2
/// (its merge test cannot hold on little-endian hosts): it is a fragment
/// flow of its own (FRAGMENT key, fragment NETWORK object, ra flags it 'f'),
/// keyed by the fragment identification, whose bytes Argus's key stores in
/// the port slots (see [`ipv6_fragment_ports`]).
fn ipv6_later_fragment_key(d: &Decoded, k: &mut FlowKey) {
    k.kind = KeyKind::Ipv6Frag;
    k.proto = d.proto;
    k.aux = d.frag.id;
}

/// The "ports" ra shows for an IPv6 fragment flow: with the identification's
/// bytes b0..b3 (`aux` = the id read big-endian), the stored key (larger
/// address first) has ports b3b2 and b1b0; ICMPv6 reads b3 as the type and
/// b2 as the code (returned as `pa`, type in the low byte).
pub fn ipv6_fragment_ports(k: &FlowKey) -> (u16, u16) {
    let [b0, b1, b2, b3] = k.aux.to_be_bytes();
    if k.proto == 58 {
        return (u16::from(b3) | u16::from(b2) << 8, 0);
    }
    let (hi, lo) = (u16::from_be_bytes([b3, b2]), u16::from_be_bytes([b1, b0]));
    if k.a < k.b { (lo, hi) } else { (hi, lo) }
}

/// Each IPv4 DNS query/response pair is its own flow, keyed by its
/// transaction id (the first two bytes after the UDP header).
pub fn dns_aux(
    family: Family,
    proto: u8,
    sport: u16,
    dport: u16,
    payload_head: Option<u16>,
) -> Option<u32> {
    if proto == 17 && family == Family::Ipv4 && (sport == 53 || dport == 53) {
        payload_head.map(|txid| u32::from(txid) | 0x1_0000)
    } else {
        None
    }
}

fn icmp_key(d: &Decoded, k: &mut FlowKey, m: crate::decode::Icmp, bidirectional: bool) -> Orient {
    let v6 = d.family == Family::Ipv6;
    let mut ty = m.icmp_type;
    let mut code = m.code;
    let mut orient = Orient::AsIs;
    if v6 {
        // ICMPv6 keys carry type and code only (no id or sequence in 3.0.8.2);
        // replies meet their requests only in bidirectional mode.
        if bidirectional {
            let req = match ty {
                129 => Some(128),
                131 | 132 => Some(130),
                134 => Some(133),
                136 => Some(135),
                145 => Some(144),
                _ => None,
            };
            if let Some(r) = req {
                ty = r;
            }
        }
        // IPv6 keys are ordered like other IPv6 flows.
        k.pa = u16::from(ty) | u16::from(code) << 8;
        return if bidirectional {
            Orient::Sort
        } else {
            Orient::AsIs
        };
    }
    let reply_of = match ty {
        ICMP_ECHOREPLY => Some(ICMP_ECHO),
        14 => Some(13),
        16 => Some(15),
        18 => Some(17),
        _ => None,
    };
    if let Some(r) = reply_of {
        // Replies are keyed as their request: addresses turned around.
        ty = r;
        orient = Orient::Reply;
        std::mem::swap(&mut k.a, &mut k.b);
    }
    match ty {
        // Request/reply types: the code is not part of the key.
        ICMP_ECHO => {
            code = 0;
            k.aux = u32::from(m.seq);
            k.pb = m.id;
        }
        13 | 15 | 17 => code = 0,
        ICMP_UNREACH if m.quote.present => match code {
            2 => k.pb = u16::from(m.quote.proto),
            3 => {
                k.aux = u32::from(m.quote.proto) << 16;
                k.pb = m.quote.dport;
            }
            0 | 1 => {
                k.pb = quoted_dst_word(&m.quote.dst);
                k.aux = u32::from(u16::from_be_bytes([m.quote.dst[2], m.quote.dst[3]]));
            }
            _ => {}
        },
        ICMP_REDIRECT if m.quote.present => match code {
            0 | 1 => {
                k.pb = quoted_dst_word(&m.quote.dst);
                k.aux = u32::from(u16::from_be_bytes([m.quote.dst[2], m.quote.dst[3]]));
            }
            _ => k.aux = u32::from(m.quote.tos) << 16,
        },
        _ => {}
    }
    // The "ports" of an ICMP flow are its type/code word and its id word:
    // Argus prints them as the source and destination port fields.
    k.pa = u16::from(ty) | u16::from(code) << 8;
    orient
}

/// Net/host unreachables and redirects carry the quoted destination's first
/// two bytes where echoes carry their id. Argus copies them as they lie in
/// memory, so unlike the id they are not byte-swapped when ra prints them:
/// store them swapped here, and the shared rendering swap undoes it.
fn quoted_dst_word(dst: &[u8; 16]) -> u16 {
    u16::from_le_bytes([dst[0], dst[1]])
}

/// Canonical orientation for bidirectional tables: returns the key with the
/// smaller endpoint first, and whether the packet's source ended up as `b`.
pub fn canonical(k: FlowKey) -> (FlowKey, bool) {
    let swap = match k.kind {
        // IPv6: Argus stores the larger address first, and never uses ports to break ties.
        KeyKind::Ipv6 | KeyKind::Ipv6Frag => k.a < k.b,
        KeyKind::L3Matrix => false,
        // ICMP "ports" (type/code, id) describe the exchange, not an endpoint.
        _ if is_icmp_key(&k) => k.a > k.b,
        _ => (k.a, k.pa) > (k.b, k.pb),
    };
    if swap { (swapped(k), true) } else { (k, false) }
}

pub fn is_icmp_key(k: &FlowKey) -> bool {
    matches!(k.kind, KeyKind::Ipv4 | KeyKind::Ipv6) && matches!(k.proto, 1 | 58)
}

/// The key with its endpoints exchanged. ICMP "ports" (type/code, id) stay:
/// they describe the exchange, not an endpoint.
pub fn swapped(k: FlowKey) -> FlowKey {
    let mut c = k;
    std::mem::swap(&mut c.a, &mut c.b);
    if !is_icmp_key(&k) {
        std::mem::swap(&mut c.pa, &mut c.pb);
    }
    c
}

/// The table key of the flow an ICMP error reports on, from the datagram it
/// quotes (before canonical ordering): the quoted addresses, TCP/UDP ports and
/// DNS transaction id, so the error lands on the flow the original packet made.
pub fn quoted_flow_key(q: &IcmpQuote) -> FlowKey {
    let mut k = FlowKey {
        kind: if q.family == Family::Ipv6 {
            KeyKind::Ipv6
        } else {
            KeyKind::Ipv4
        },
        proto: q.proto,
        a: q.src,
        b: q.dst,
        ..FlowKey::default()
    };
    if matches!(q.proto, 6 | 17) {
        k.pa = q.sport;
        k.pb = q.dport;
    }
    if let Some(aux) = dns_aux(q.family, q.proto, q.sport, q.dport, q.payload_head) {
        k.aux = aux;
    }
    k
}
