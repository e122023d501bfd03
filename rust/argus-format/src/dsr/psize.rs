//! PSIZE DSR (type 0x12, index 10): smallest and largest packet per
//! direction, sensor form (subtype 0, u16 pairs; reference §3.5 PSIZE).
//! The clients' histogram form is kept as raw bytes.

use super::{DsrHeader, dtype};
use crate::wire::{put_u16, u16_at};

pub const SRCDST_SHORT: u8 = 0x02;
pub const SRC_SHORT: u8 = 0x06;
pub const DST_SHORT: u8 = 0x0a;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Psize {
    pub qual: u8,
    /// (min, max) of each direction present.
    pub src: Option<(u16, u16)>,
    pub dst: Option<(u16, u16)>,
}

impl Psize {
    /// The sensor's form; `None` when neither direction has a packet.
    pub fn sensor(src: Option<(u16, u16)>, dst: Option<(u16, u16)>) -> Option<Self> {
        let src = src.filter(|s| s.1 > 0);
        let dst = dst.filter(|d| d.1 > 0);
        let qual = match (src.is_some(), dst.is_some()) {
            (true, true) => SRCDST_SHORT,
            (true, false) => SRC_SHORT,
            (false, true) => DST_SHORT,
            _ => return None,
        };
        Some(Psize { qual, src, dst })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let n = usize::from(self.src.is_some()) + usize::from(self.dst.is_some());
        DsrHeader::new(dtype::PSIZE, 0, self.qual, 1 + n).encode(out);
        for (min, max) in self.src.iter().chain(self.dst.iter()) {
            put_u16(out, *min);
            put_u16(out, *max);
        }
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        if h.subtype != 0 {
            return None;
        }
        let (s, d) = match h.qual & 0x0f {
            SRCDST_SHORT => (true, true),
            SRC_SHORT => (true, false),
            DST_SHORT => (false, true),
            _ => return None,
        };
        let mut at = 0;
        let mut pair = |present: bool| -> Option<Option<(u16, u16)>> {
            if !present {
                return Some(None);
            }
            let w = b.get(at..at + 4)?;
            at += 4;
            Some(Some((u16_at(w, 0), u16_at(w, 2))))
        };
        let src = pair(s)?;
        let dst = pair(d)?;
        Some(Psize {
            qual: h.qual,
            src,
            dst,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn reference_example() {
        // Reference §3.5: "12 00 02 03 | 0036 0051 | 0036 0061".
        let p = Psize::sensor(Some((0x36, 0x51)), Some((0x36, 0x61))).unwrap();
        let b = Dsr::Psize(p).to_bytes();
        assert_eq!(b, [0x12, 0, 2, 3, 0, 0x36, 0, 0x51, 0, 0x36, 0, 0x61]);
    }
}
