//! Flow keys: which packets belong to one flow, per Argus 3's classic 5-tuple
//! model (spec §2.1), including its DNS-transaction and ICMP-echo keying.

use crate::decode::{Decoded, Family};
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
            KeyKind::Ether => Family::Ether,
        }
    }
}

pub const ICMP_ECHOREPLY: u8 = 0;
pub const ICMP_UNREACH: u8 = 3;
pub const ICMP_REDIRECT: u8 = 5;
pub const ICMP_ECHO: u8 = 8;

/// Build the key of a decoded packet. Returns the key (oriented as the packet
/// travels: `a` = this packet's source) or `None` when the packet has nothing
/// to key on.
pub fn packet_key(d: &Decoded, opts: &EngineOptions) -> Option<FlowKey> {
    let mut k = FlowKey::default();
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
                return Some(k);
            }
            k.kind = if v6 { KeyKind::Ipv6 } else { KeyKind::Ipv4 };
            k.proto = d.proto;
            if d.frag.is_fragment && d.frag.offset != 0 {
                // A later fragment carries no ports: keyed by its datagram id
                // until the first fragment tells which flow it belongs to.
                k.kind = if v6 {
                    KeyKind::Ipv6Frag
                } else {
                    KeyKind::Ipv4Frag
                };
                k.aux = d.frag.id;
                return Some(k);
            }
            ip_transport_key(d, &mut k);
        }
        Family::Arp | Family::Rarp => {
            let arp = d.arp?;
            k.kind = if d.family == Family::Arp {
                KeyKind::Arp
            } else {
                KeyKind::Rarp
            };
            k.a[..4].copy_from_slice(&arp.sender_ip);
            k.b[..4].copy_from_slice(&arp.target_ip);
            if d.family == Family::Rarp {
                // RARP asks about a hardware address: that is the conversation.
                k.a[..6].copy_from_slice(&arp.sender_hw);
                k.b[..6].copy_from_slice(&arp.target_hw);
            }
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
    Some(k)
}

fn ip_transport_key(d: &Decoded, k: &mut FlowKey) {
    if let Some(icmp) = d.icmp {
        icmp_key(d, k, icmp);
        return;
    }
    if let Some(spi) = d.spi {
        k.aux = spi;
        return;
    }
    if d.has_ports {
        k.pa = d.sport;
        k.pb = d.dport;
        if d.proto == 17 && (d.sport == 53 || d.dport == 53) && d.payload_len >= 2 {
            // Each DNS query/response pair is its own flow, keyed by its transaction id.
            if let Some(txid) = d.payload_head {
                k.aux = u32::from(txid) | 0x1_0000;
            }
        }
    }
}

fn icmp_key(d: &Decoded, k: &mut FlowKey, m: crate::decode::Icmp) {
    let v6 = d.family == Family::Ipv6;
    let mut ty = m.icmp_type;
    let code = m.code;
    if v6 {
        match ty {
            // Echo reply is normalised to the request so both directions meet.
            129 => ty = 128,
            128 => {}
            _ => {}
        }
        if ty == 128 {
            k.aux = u32::from(m.id) << 16 | u32::from(m.seq);
        } else if ty < 128 && m.quote.present {
            k.aux = u32::from(m.quote.proto) << 16 | u32::from(m.quote.dport);
        }
    } else {
        match ty {
            ICMP_ECHOREPLY => ty = ICMP_ECHO,
            14 => ty = 13,
            16 => ty = 15,
            18 => ty = 17,
            _ => {}
        }
        match ty {
            ICMP_ECHO => k.aux = u32::from(m.id) << 16 | u32::from(m.seq),
            ICMP_UNREACH if m.quote.present => match code {
                2 => k.aux = u32::from(m.quote.proto) << 16,
                3 => k.aux = u32::from(m.quote.proto) << 16 | u32::from(m.quote.dport),
                0 | 1 => {
                    k.aux = u32::from_be_bytes([
                        m.quote.dst[0],
                        m.quote.dst[1],
                        m.quote.dst[2],
                        m.quote.dst[3],
                    ])
                }
                _ => {}
            },
            ICMP_REDIRECT if m.quote.present => match code {
                0 | 1 => {
                    k.aux = u32::from_be_bytes([
                        m.quote.dst[0],
                        m.quote.dst[1],
                        m.quote.dst[2],
                        m.quote.dst[3],
                    ])
                }
                _ => {}
            },
            _ => {}
        }
    }
    // The "ports" of an ICMP flow are its type and code, and its id: Argus
    // prints them as the source and destination port fields.
    k.pa = u16::from(ty) | u16::from(code) << 8;
    k.pb = if matches!(ty, ICMP_ECHO | 128) {
        m.id
    } else {
        0
    };
    if matches!(ty, ICMP_UNREACH) && code == 3 && m.quote.present && !v6 {
        k.pb = m.quote.dport;
    }
}

/// Canonical orientation for bidirectional tables: returns the key with the
/// smaller endpoint first, and whether the packet's source ended up as `b`.
pub fn canonical(k: FlowKey) -> (FlowKey, bool) {
    // ICMP "ports" (type/code, id) describe the exchange, not an endpoint.
    let ports_are_endpoints =
        !(matches!(k.kind, KeyKind::Ipv4 | KeyKind::Ipv6) && matches!(k.proto, 1 | 58));
    let swap = match k.kind {
        KeyKind::L3Matrix => false,
        _ if ports_are_endpoints => (k.a, k.pa) > (k.b, k.pb),
        _ => k.a > k.b,
    };
    if swap {
        let mut c = k;
        std::mem::swap(&mut c.a, &mut c.b);
        if ports_are_endpoints {
            std::mem::swap(&mut c.pa, &mut c.pb);
        }
        (c, true)
    } else {
        (k, false)
    }
}
