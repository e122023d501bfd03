//! Byte helpers. Argus 3 records are big-endian except where §3.9 of the
//! reference says the x86 sensor leaves host (little-endian) order; those call
//! sites use the `_le` forms explicitly so each quirk is visible where it is.

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Big-endian u16 at `at`; the caller has checked the length.
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    (u64::from(u32_at(b, at)) << 32) | u64::from(u32_at(b, at + 4))
}

/// Split microseconds since the epoch into Argus's (u32 seconds, u32 µs).
pub(crate) fn split_usec(t: i64) -> (u32, u32) {
    (
        t.div_euclid(1_000_000) as u32,
        t.rem_euclid(1_000_000) as u32,
    )
}

pub(crate) fn join_usec(sec: u32, usec: u32) -> i64 {
    i64::from(sec) * 1_000_000 + i64::from(usec)
}
