//! ICMP DSR (type 0x34, index 14): an ICMP error mapped onto the flow it
//! reports on. Unlike the NETWORK ICMP object this one is converted to
//! network order by the sensor (reference §3.5 ICMP).

use super::{DsrHeader, dtype};
use crate::wire::{put_u16, put_u32, u16_at, u32_at};

pub const UNREACH_MAPPED: u8 = 0x01;
pub const REDIRECT_MAPPED: u8 = 0x02;
pub const TIMXCEED_MAPPED: u8 = 0x04;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IcmpEvent {
    pub subtype: u8,
    pub qual: u8,
    pub icmp_type: u8,
    pub icmp_code: u8,
    pub iseq: u16,
    pub osrcaddr: u32,
    pub odstaddr: u32,
    pub isrcaddr: u32,
    pub idstaddr: u32,
    pub igwaddr: u32,
    /// Words after the seven meaningful ones (the sensor writes 8 words in all).
    pub trailer: Vec<u32>,
}

impl IcmpEvent {
    /// The mapping qualifier the sensor sets for an ICMP type.
    pub fn qual_for(icmp_type: u8) -> u8 {
        match icmp_type {
            3 => UNREACH_MAPPED,
            5 => REDIRECT_MAPPED,
            11 => TIMXCEED_MAPPED,
            _ => 0,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::ICMP, self.subtype, self.qual, 7 + self.trailer.len()).encode(out);
        out.extend_from_slice(&[self.icmp_type, self.icmp_code]);
        put_u16(out, self.iseq);
        for a in [
            self.osrcaddr,
            self.odstaddr,
            self.isrcaddr,
            self.idstaddr,
            self.igwaddr,
        ] {
            put_u32(out, a);
        }
        for w in &self.trailer {
            put_u32(out, *w);
        }
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        if b.len() < 24 {
            return None;
        }
        Some(IcmpEvent {
            subtype: h.subtype,
            qual: h.qual,
            icmp_type: b[0],
            icmp_code: b[1],
            iseq: u16_at(b, 2),
            osrcaddr: u32_at(b, 4),
            odstaddr: u32_at(b, 8),
            isrcaddr: u32_at(b, 12),
            idstaddr: u32_at(b, 16),
            igwaddr: u32_at(b, 20),
            trailer: (6..b.len() / 4).map(|i| u32_at(b, i * 4)).collect(),
        })
    }
}
