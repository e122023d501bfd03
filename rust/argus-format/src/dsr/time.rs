//! TIME DSR (type 0x03, index 2): the record's time stamps (reference §3.5 TIME).

use super::{DsrHeader, dtype};
use crate::wire::{join_usec, put_u32, split_usec, u32_at};

pub const ABSOLUTE_TIMESTAMP: u8 = 0x01;
pub const ABSOLUTE_RANGE: u8 = 0x02;
pub const RELATIVE_RANGE: u8 = 0x05;
/// Which stamps are present (subtype bits), in the order they are stored.
pub const SRC_START: u8 = 0x08;
pub const SRC_END: u8 = 0x10;
pub const DST_START: u8 = 0x20;
pub const DST_END: u8 = 0x40;
/// Qualifier: UTC microseconds.
pub const UTC_USEC: u8 = 0x18;
pub const UTC_NSEC: u8 = 0x19;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeDsr {
    pub subtype: u8,
    pub qual: u8,
    /// The body as 32-bit words (seconds, fractions, or signed offsets).
    pub words: Vec<u32>,
}

/// The four direction times a TIME DSR describes (µs since the epoch; 0 = absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Times {
    pub src_start: i64,
    pub src_end: i64,
    pub dst_start: i64,
    pub dst_end: i64,
}

impl Times {
    /// Record start and end as `ra` computes them: min start, max end.
    pub fn span(&self) -> (i64, i64) {
        let starts = [self.src_start, self.dst_start];
        let start = starts
            .iter()
            .copied()
            .filter(|t| *t != 0)
            .min()
            .unwrap_or(0);
        let end = [self.src_end, self.dst_end, self.src_start, self.dst_start]
            .into_iter()
            .max()
            .unwrap_or(0);
        (start, end)
    }

    /// The record span as `ra` computes it from a TIME DSR whose subtype
    /// carries the direction bits `bits`: the end is the greater of the
    /// end stamps present (ArgusFetchLastuSecTime), so a direction that has
    /// only a start (racluster drops an end equal to its start) does not
    /// move it; without end bits, as [`Times::span`].
    pub fn span_of(&self, bits: u8) -> (i64, i64) {
        let (start, end) = self.span();
        let end = match bits & (SRC_END | DST_END) {
            b if b == SRC_END | DST_END => self.src_end.max(self.dst_end),
            SRC_END => self.src_end,
            DST_END => self.dst_end,
            _ => end,
        };
        (start, end)
    }
}

impl TimeDsr {
    /// What the sensor writes by default: start and end (one stamp when equal).
    pub fn sensor_range(start: i64, end: i64) -> Self {
        let mut words = Vec::with_capacity(4);
        let (s, su) = split_usec(start);
        words.extend([s, su]);
        let subtype = if start == end {
            ABSOLUTE_TIMESTAMP
        } else {
            let (e, eu) = split_usec(end);
            words.extend([e, eu]);
            ABSOLUTE_RANGE
        };
        TimeDsr {
            subtype,
            qual: UTC_USEC,
            words,
        }
    }

    /// The sensor's bidirectional form: every non-zero direction time, absolute.
    pub fn sensor_all(t: &Times) -> Self {
        let mut subtype = ABSOLUTE_RANGE;
        let mut words = Vec::new();
        for (bit, v) in [
            (SRC_START, t.src_start),
            (SRC_END, t.src_end),
            (DST_START, t.dst_start),
            (DST_END, t.dst_end),
        ] {
            let (s, u) = split_usec(v);
            if s != 0 {
                subtype |= bit;
                words.extend([s, u]);
            }
        }
        TimeDsr {
            subtype,
            qual: UTC_USEC,
            words,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(dtype::TIME, self.subtype, self.qual, 1 + self.words.len()).encode(out);
        for w in &self.words {
            put_u32(out, *w);
        }
    }

    pub fn decode(h: &DsrHeader, body: &[u8]) -> Option<Self> {
        Some(TimeDsr {
            subtype: h.subtype,
            qual: h.qual,
            words: (0..body.len() / 4).map(|i| u32_at(body, i * 4)).collect(),
        })
    }

    fn stamp(&self, i: usize) -> i64 {
        let sec = self.words.get(2 * i).copied().unwrap_or(0);
        let frac = self.words.get(2 * i + 1).copied().unwrap_or(0);
        let frac = if self.qual & 0x1f == UTC_NSEC || self.qual & 0x1f == 0x1b {
            frac / 1000
        } else {
            frac
        };
        join_usec(sec, frac)
    }

    /// The direction times, by the reader rules of reference §3.5 TIME.
    pub fn times(&self) -> Times {
        let bits = self.subtype & 0x78;
        let mut t = Times::default();
        if bits == 0 {
            // Legacy order: src start, src end, dst start, dst end.
            let n = self.words.len() / 2;
            let slots = [
                &mut t.src_start,
                &mut t.src_end,
                &mut t.dst_start,
                &mut t.dst_end,
            ];
            for (i, slot) in slots.into_iter().enumerate().take(n) {
                *slot = self.stamp(i);
            }
        } else {
            let cnt = bits.count_ones() as usize;
            let absolute = cnt == self.words.len() / 2;
            let first = self.stamp(0);
            let mut i = 0;
            for (bit, slot) in [
                (SRC_START, &mut t.src_start),
                (SRC_END, &mut t.src_end),
                (DST_START, &mut t.dst_start),
                (DST_END, &mut t.dst_end),
            ] {
                if bits & bit == 0 {
                    continue;
                }
                *slot = if i == 0 || absolute {
                    self.stamp(i)
                } else {
                    // Relative forms: one signed µs offset per further stamp.
                    let off = self.words.get(1 + i).copied().unwrap_or(0) as i32;
                    first + i64::from(off)
                };
                i += 1;
            }
            // A missing end is its start.
            if t.src_end == 0 {
                t.src_end = t.src_start;
            }
            if t.dst_end == 0 {
                t.dst_end = t.dst_start;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn sensor_range_layout() {
        // Reference §3.6: "03 02 18 05 | 6553f100 00002710 | 6553f100 00007918".
        let d = TimeDsr::sensor_range(1_700_000_000_010_000, 1_700_000_000_031_000);
        let b = Dsr::Time(d).to_bytes();
        assert_eq!(&b[..4], &[0x03, 0x02, 0x18, 0x05]);
        assert_eq!(u32_at(&b, 4), 0x6553_f100);
        assert_eq!(u32_at(&b, 8), 0x2710);
        assert_eq!(u32_at(&b, 16), 0x7918);
        let one = Dsr::Time(TimeDsr::sensor_range(5_000_000, 5_000_000)).to_bytes();
        assert_eq!(&one[..4], &[0x03, 0x01, 0x18, 0x03]);
    }

    #[test]
    fn last_time_comes_from_the_end_stamps_present() {
        // racluster on Teredo.pcap: src start, src end, dst start (no dst
        // end), relative: ra prints ltime = src end, not the later dst start.
        let b = [
            0x03, 0x3d, 0x18, 0x05, 0x48, 0x2d, 0xad, 0x5c, 0x00, 0x03, 0x17, 0x53, 0x00, 0x83,
            0xa2, 0x24, 0x00, 0x88, 0x3e, 0x70,
        ];
        let Dsr::Time(t) = Dsr::decode(&b) else {
            panic!()
        };
        let (s, e) = t.times().span_of(t.subtype);
        assert_eq!(s, 1_210_953_052_202_579);
        assert_eq!(e, 1_210_953_060_829_303);
    }

    #[test]
    fn client_relative_range() {
        // Reference §3.5: "03 7d 18 06 | 6553f100 00002710 | 00005208 | 0 | 00005208".
        let b = [
            0x03, 0x7d, 0x18, 0x06, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0x27, 0x10, 0, 0, 0x52, 0x08, 0,
            0, 0, 0, 0, 0, 0x52, 0x08,
        ];
        let Dsr::Time(t) = Dsr::decode(&b) else {
            panic!()
        };
        let t = t.times();
        assert_eq!(t.src_start, 1_700_000_000_010_000);
        assert_eq!(t.src_end, 1_700_000_000_031_000);
        assert_eq!(t.dst_start, 1_700_000_000_010_000);
        assert_eq!(t.dst_end, 1_700_000_000_031_000);
    }
}
