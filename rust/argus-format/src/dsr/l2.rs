//! Link-layer DSRs: VLAN (0x40), MPLS (0x44), MAC (0x42) and ENCAPS (0x20)
//! (reference §3.5 "VLAN, MPLS, MAC, ENCAPS").

use super::{DsrHeader, dtype};
use crate::wire::{put_u16, put_u32, u16_at, u32_at};

pub const VLAN_SRC: u8 = 0x01;
pub const VLAN_DST: u8 = 0x02;

/// 802.1Q tag control words of each direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vlan {
    pub subtype: u8,
    pub qual: u8,
    pub sid: u16,
    pub did: u16,
}

impl Vlan {
    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::VLAN, self.subtype, self.qual, 2).encode(out);
        put_u16(out, self.sid);
        put_u16(out, self.did);
    }
    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        (b.len() == 4).then(|| Vlan {
            subtype: h.subtype,
            qual: h.qual,
            sid: u16_at(b, 0),
            did: u16_at(b, 2),
        })
    }
}

pub const MPLS_SRC_LABEL: u8 = 0x01;
pub const MPLS_DST_LABEL: u8 = 0x02;

/// Label stack entries; the qualifier's nibbles count them (src high, dst low).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mpls {
    pub subtype: u8,
    pub qual: u8,
    pub labels: Vec<u32>,
}

impl Mpls {
    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::MPLS, self.subtype, self.qual, 1 + self.labels.len()).encode(out);
        for l in &self.labels {
            put_u32(out, *l);
        }
    }
    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        Some(Mpls {
            subtype: h.subtype,
            qual: h.qual,
            labels: (0..b.len() / 4).map(|i| u32_at(b, i * 4)).collect(),
        })
    }
}

pub const MAC_MULTIPATH_SRC: u8 = 0x01;
pub const MAC_MULTIPATH_DST: u8 = 0x02;

/// Ethernet addresses of the flow (in the flow's orientation), with the
/// ethertype in host order as the x86 sensor leaves it (reference §3.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mac {
    pub subtype: u8,
    pub qual: u8,
    pub dst: [u8; 6],
    pub src: [u8; 6],
    pub ethertype: u16,
    pub dsap: u8,
    pub ssap: u8,
}

impl Mac {
    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::MAC, self.subtype, self.qual, 5).encode(out);
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        out.extend_from_slice(&self.ethertype.to_le_bytes());
        out.extend_from_slice(&[self.dsap, self.ssap]);
    }
    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        if b.len() != 16 {
            return None;
        }
        let mut dst = [0; 6];
        let mut src = [0; 6];
        dst.copy_from_slice(&b[0..6]);
        src.copy_from_slice(&b[6..12]);
        Some(Mac {
            subtype: h.subtype,
            qual: h.qual,
            dst,
            src,
            ethertype: u16::from_le_bytes([b[12], b[13]]),
            dsap: b[14],
            ssap: b[15],
        })
    }
}

/// Encapsulations seen in each direction (bit masks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encaps {
    pub subtype: u8,
    pub qual: u8,
    pub src: u32,
    pub dst: u32,
}

impl Encaps {
    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::ENCAPS, self.subtype, self.qual, 3).encode(out);
        put_u32(out, self.src);
        put_u32(out, self.dst);
    }
    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        (b.len() == 8).then(|| Encaps {
            subtype: h.subtype,
            qual: h.qual,
            src: u32_at(b, 0),
            dst: u32_at(b, 4),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn vlan_and_mpls_from_reference() {
        // Reference §3.5: VLAN "6064 0064"; MPLS "44 01 10 02 | 003e8140".
        let v = Dsr::Vlan(Vlan {
            subtype: 0,
            qual: VLAN_SRC | VLAN_DST,
            sid: 0x6064,
            did: 0x0064,
        });
        assert_eq!(v.to_bytes(), [0x40, 0, 3, 2, 0x60, 0x64, 0, 0x64]);
        let m = [0x44, 0x01, 0x10, 0x02, 0x00, 0x3e, 0x81, 0x40];
        let d = Dsr::decode(&m);
        assert!(matches!(&d, Dsr::Mpls(x) if x.labels == [0x003e_8140]));
        assert_eq!(d.to_bytes(), m);
    }

    #[test]
    fn mac_ethertype_is_little_endian() {
        let m = Mac {
            subtype: 0,
            qual: 0,
            dst: [1, 2, 3, 4, 5, 6],
            src: [7, 8, 9, 10, 11, 12],
            ethertype: 0x0800,
            dsap: 0,
            ssap: 0,
        };
        let b = Dsr::Mac(m.clone()).to_bytes();
        assert_eq!(&b[16..18], &[0x00, 0x08]);
        assert_eq!(Dsr::decode(&b), Dsr::Mac(m));
    }
}
