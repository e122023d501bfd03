//! IPATTR DSR (type 0x48, index 9): last TTL, TOS, IP id and option bits per
//! direction (reference §3.5 IPATTR). The x86 sensor writes `ip_id` in host
//! (little-endian) order; values here are the true ids.

use super::{DsrHeader, dtype};
use crate::wire::{put_u32, u32_at};

pub const SRC: u8 = 0x01;
pub const DST: u8 = 0x02;
pub const SRC_OPTIONS: u8 = 0x04;
pub const DST_OPTIONS: u8 = 0x08;
pub const SRC_FRAGMENTS: u8 = 0x10;
pub const DST_FRAGMENTS: u8 = 0x20;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpDirAttr {
    pub ttl: u8,
    pub tos: u8,
    pub ip_id: u16,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpAttr {
    pub subtype: u8,
    /// Presence and fragment bits; `src`/`dst`/options are written when their bit is set.
    pub qual: u8,
    pub src: IpDirAttr,
    pub src_options: u32,
    pub dst: IpDirAttr,
    pub dst_options: u32,
}

impl IpAttr {
    pub fn encode(&self, out: &mut Vec<u8>) {
        let q = self.qual;
        let len = 1 + [SRC, SRC_OPTIONS, DST, DST_OPTIONS]
            .iter()
            .filter(|b| q & **b != 0)
            .count();
        DsrHeader::new(dtype::IPATTR, self.subtype, q, len).encode(out);
        let dir = |out: &mut Vec<u8>, d: &IpDirAttr| {
            out.extend_from_slice(&[d.ttl, d.tos]);
            out.extend_from_slice(&d.ip_id.to_le_bytes());
        };
        if q & SRC != 0 {
            dir(out, &self.src);
        }
        if q & SRC_OPTIONS != 0 {
            put_u32(out, self.src_options);
        }
        if q & DST != 0 {
            dir(out, &self.dst);
        }
        if q & DST_OPTIONS != 0 {
            put_u32(out, self.dst_options);
        }
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        let mut a = IpAttr {
            subtype: h.subtype,
            qual: h.qual,
            ..IpAttr::default()
        };
        let mut at = 0;
        let mut word = || -> Option<[u8; 4]> {
            let w = b.get(at..at + 4)?;
            at += 4;
            Some([w[0], w[1], w[2], w[3]])
        };
        let dir = |w: [u8; 4]| IpDirAttr {
            ttl: w[0],
            tos: w[1],
            ip_id: u16::from_le_bytes([w[2], w[3]]),
        };
        if h.qual & SRC != 0 {
            a.src = dir(word()?);
        }
        if h.qual & SRC_OPTIONS != 0 {
            a.src_options = u32_at(&word()?, 0);
        }
        if h.qual & DST != 0 {
            a.dst = dir(word()?);
        }
        if h.qual & DST_OPTIONS != 0 {
            a.dst_options = u32_at(&word()?, 0);
        }
        Some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn layout_from_reference() {
        // Reference §3.6: "48 00 03 03 | 40 00 0600 | 3f 00 6700".
        let a = IpAttr {
            subtype: 0,
            qual: SRC | DST,
            src: IpDirAttr {
                ttl: 64,
                tos: 0,
                ip_id: 6,
            },
            dst: IpDirAttr {
                ttl: 63,
                tos: 0,
                ip_id: 103,
            },
            ..IpAttr::default()
        };
        let b = Dsr::IpAttr(a.clone()).to_bytes();
        assert_eq!(b, [0x48, 0, 3, 3, 64, 0, 6, 0, 63, 0, 103, 0]);
        assert_eq!(Dsr::decode(&b), Dsr::IpAttr(a));
    }
}
