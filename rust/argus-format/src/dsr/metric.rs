//! METER DSR (type 0x10, index 3): packet, byte and application byte counts
//! per direction, in the narrowest width that holds them (reference §3.5 METRIC).

use super::{DsrHeader, dtype};
use crate::wire::{put_u16, put_u32, put_u64, u16_at, u32_at, u64_at};

pub const PKTS_BYTES: u8 = 0x01;
pub const PKTS_BYTES_APP: u8 = 0x04;

/// Qualifier: which directions are present and the counter width.
pub mod q {
    pub const SRCDST_BYTE: u8 = 0x01;
    pub const SRCDST_SHORT: u8 = 0x02;
    pub const SRCDST_INT: u8 = 0x03;
    pub const SRCDST_LONGLONG: u8 = 0x04;
    pub const SRC_BYTE: u8 = 0x05;
    pub const SRC_SHORT: u8 = 0x06;
    pub const SRC_INT: u8 = 0x07;
    pub const SRC_LONGLONG: u8 = 0x08;
    pub const DST_BYTE: u8 = 0x09;
    pub const DST_SHORT: u8 = 0x0a;
    pub const DST_INT: u8 = 0x0b;
    pub const DST_LONGLONG: u8 = 0x0c;
}

/// Counters of one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pkts: u64,
    pub bytes: u64,
    pub appbytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metric {
    pub subtype: u8,
    pub qual: u8,
    pub src: Counts,
    pub dst: Counts,
}

/// (has src, has dst, width in bytes) of a qualifier.
fn shape(qual: u8) -> Option<(bool, bool, usize)> {
    let q = qual & 0x0f;
    let width = |k: u8| [1usize, 2, 4, 8][usize::from(k)];
    match q {
        1..=4 => Some((true, true, width(q - 1))),
        5..=8 => Some((true, false, width(q - 5))),
        9..=12 => Some((false, true, width(q - 9))),
        _ => None,
    }
}

impl Metric {
    /// The sensor's choice of width (ArgusGenerateRecord): both directions →
    /// BYTE if every value fits in 8 bits, else SHORT/INT/LONGLONG by the
    /// byte counts; one direction → SHORT/INT/LONGLONG by its byte count.
    /// Application bytes are written only when asked for and non-zero.
    pub fn sensor(src: Counts, dst: Counts, app: bool) -> Self {
        let by_bytes = |b: u64, short: u8, int: u8, long: u8| {
            if b <= 0xffff {
                short
            } else if b <= 0xffff_ffff {
                int
            } else {
                long
            }
        };
        let qual = if src.pkts > 0 && dst.pkts > 0 {
            if src.pkts <= 0xff && dst.pkts <= 0xff && src.bytes <= 0xff && dst.bytes <= 0xff {
                q::SRCDST_BYTE
            } else {
                by_bytes(
                    src.bytes.max(dst.bytes),
                    q::SRCDST_SHORT,
                    q::SRCDST_INT,
                    q::SRCDST_LONGLONG,
                )
            }
        } else if src.pkts > 0 {
            by_bytes(src.bytes, q::SRC_SHORT, q::SRC_INT, q::SRC_LONGLONG)
        } else {
            by_bytes(dst.bytes, q::DST_SHORT, q::DST_INT, q::DST_LONGLONG)
        };
        let app = app && (src.appbytes > 0 || dst.appbytes > 0);
        Metric {
            subtype: if app { PKTS_BYTES_APP } else { PKTS_BYTES },
            qual,
            src,
            dst,
        }
    }

    fn app(&self) -> bool {
        self.subtype & PKTS_BYTES_APP != 0
    }

    /// The counters written, in order (at most 6), and how many there are.
    fn values(&self) -> ([u64; 6], usize) {
        let (s, d, _) = shape(self.qual).unwrap_or((true, true, 8));
        let mut v = [0u64; 6];
        let mut n = 0;
        for (present, c) in [(s, self.src), (d, self.dst)] {
            if present {
                v[n] = c.pkts;
                v[n + 1] = c.bytes;
                n += 2;
                if self.app() {
                    v[n] = c.appbytes;
                    n += 1;
                }
            }
        }
        (v, n)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let (_, _, width) = shape(self.qual).unwrap_or((true, true, 8));
        let (vals, n) = self.values();
        let vals = &vals[..n];
        let nbytes = vals.len() * width;
        let len = 1 + nbytes.div_ceil(4);
        DsrHeader::new(dtype::METER, self.subtype, self.qual, len).encode(out);
        let at = out.len();
        for &v in vals {
            match width {
                1 => out.push(v as u8),
                2 => put_u16(out, v as u16),
                4 => put_u32(out, v as u32),
                _ => put_u64(out, v),
            }
        }
        out.resize(at + (len - 1) * 4, 0);
    }

    pub fn decode(h: &DsrHeader, body: &[u8]) -> Option<Self> {
        let (s, d, width) = shape(h.qual)?;
        let app = h.subtype & PKTS_BYTES_APP != 0;
        let per = if app { 3 } else { 2 };
        let n = per * (usize::from(s) + usize::from(d));
        if body.len() < n * width {
            return None;
        }
        let get = |i: usize| -> u64 {
            let at = i * width;
            match width {
                1 => u64::from(body[at]),
                2 => u64::from(u16_at(body, at)),
                4 => u64::from(u32_at(body, at)),
                _ => u64_at(body, at),
            }
        };
        let mut i = 0;
        let mut next = |present: bool| -> Counts {
            if !present {
                return Counts::default();
            }
            let c = Counts {
                pkts: get(i),
                bytes: get(i + 1),
                appbytes: if app { get(i + 2) } else { 0 },
            };
            i += per;
            c
        };
        let src = next(s);
        let dst = next(d);
        Some(Metric {
            subtype: h.subtype,
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

    fn c(pkts: u64, bytes: u64) -> Counts {
        Counts {
            pkts,
            bytes,
            appbytes: 0,
        }
    }

    #[test]
    fn widths() {
        // Reference §3.6: "10 01 02 03 | 0006 0173 0004 0117".
        let b = Dsr::Metric(Metric::sensor(c(6, 371), c(4, 279), false)).to_bytes();
        assert_eq!(
            b,
            [0x10, 0x01, 0x02, 0x03, 0, 6, 0x01, 0x73, 0, 4, 0x01, 0x17]
        );
        let small = Dsr::Metric(Metric::sensor(c(1, 98), c(1, 98), false)).to_bytes();
        assert_eq!(&small[..4], &[0x10, 0x01, 0x01, 0x02]);
        let one = Metric::sensor(c(1, 60), c(0, 0), false);
        assert_eq!(one.qual, q::SRC_SHORT);
        let big = Metric::sensor(c(70_000, 5_000_000_000), c(0, 0), false);
        assert_eq!(big.qual, q::SRC_LONGLONG);
        for m in [one, big] {
            let b = Dsr::Metric(m.clone()).to_bytes();
            assert_eq!(Dsr::decode(&b), Dsr::Metric(m));
        }
    }

    #[test]
    fn app_bytes_byte_form_is_padded() {
        let s = Counts {
            pkts: 2,
            bytes: 100,
            appbytes: 10,
        };
        let m = Metric::sensor(s, s, true);
        let b = Dsr::Metric(m.clone()).to_bytes();
        assert_eq!(&b[..4], &[0x10, 0x04, 0x01, 0x03]);
        assert_eq!(Dsr::decode(&b), Dsr::Metric(m));
    }
}
