//! JITTER DSR (type 0x46, index 8): inter-packet interval statistics, µs,
//! in XDR (big-endian) encoding (reference §3.5 JITTER).

use super::{DsrHeader, dtype};
use crate::wire::{put_u32, u32_at};

pub const SRC_ACTIVE: u8 = 0x01;
pub const SRC_IDLE: u8 = 0x02;
pub const DST_ACTIVE: u8 = 0x04;
pub const DST_IDLE: u8 = 0x08;
/// Subtype bits: a histogram word follows each block.
pub const HISTO: u8 = 0x03;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JitterStats {
    pub n: i32,
    pub min: f32,
    pub mean: f32,
    pub stdev: f32,
    pub max: f32,
    pub histogram: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JitterDsr {
    pub subtype: u8,
    pub qual: u8,
    /// src active, src idle, dst active, dst idle; present when the qualifier bit is set.
    pub blocks: [JitterStats; 4],
}

const BITS: [u8; 4] = [SRC_ACTIVE, SRC_IDLE, DST_ACTIVE, DST_IDLE];

impl JitterDsr {
    fn block_words(&self) -> usize {
        if self.subtype & HISTO != 0 { 6 } else { 5 }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let n = BITS.iter().filter(|b| self.qual & **b != 0).count();
        DsrHeader::new(
            dtype::JITTER,
            self.subtype,
            self.qual,
            1 + n * self.block_words(),
        )
        .encode(out);
        for (bit, s) in BITS.iter().zip(&self.blocks) {
            if self.qual & bit == 0 {
                continue;
            }
            put_u32(out, s.n as u32);
            for f in [s.min, s.mean, s.stdev, s.max] {
                put_u32(out, f.to_bits());
            }
            if self.block_words() == 6 {
                put_u32(out, s.histogram);
            }
        }
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        let mut d = JitterDsr {
            subtype: h.subtype,
            qual: h.qual,
            ..JitterDsr::default()
        };
        let per = d.block_words() * 4;
        let mut at = 0;
        for (i, bit) in BITS.iter().enumerate() {
            if h.qual & bit == 0 {
                continue;
            }
            let w = b.get(at..at + per)?;
            let f = |k: usize| f32::from_bits(u32_at(w, k * 4));
            d.blocks[i] = JitterStats {
                n: u32_at(w, 0) as i32,
                min: f(1),
                mean: f(2),
                stdev: f(3),
                max: f(4),
                histogram: if per == 24 { u32_at(w, 20) } else { 0 },
            };
            at += per;
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use crate::dsr::Dsr;

    #[test]
    fn reference_example_reads() {
        // Reference §3.5: "46 00 0a 0b | 00000005 447a0000 45834000 4547379c 461c4000 | ...".
        let mut b = vec![0x46, 0x00, 0x0a, 0x0b];
        for w in [5u32, 0x447a_0000, 0x4583_4000, 0x4547_379c, 0x461c_4000] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        for w in [3u32, 0x447a_0000, 0x447a_0000, 0, 0x447a_0000] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        let Dsr::Jitter(j) = Dsr::decode(&b) else {
            panic!("not typed")
        };
        assert_eq!(j.blocks[1].n, 5);
        assert_eq!(j.blocks[1].min, 1000.0);
        assert_eq!(j.blocks[3].n, 3);
    }
}
