//! The 4-byte record header (reference §3.2): type|version, cause|option, length in words.

use crate::wire::{put_u16, u16_at};

/// Record types (high nibble of byte 0).
pub mod rtype {
    pub const FAR: u8 = 0x10;
    pub const INDEX: u8 = 0x20;
    pub const NETFLOW: u8 = 0x30;
    pub const EVENT: u8 = 0x40;
    pub const DATASUP: u8 = 0x50;
    pub const ARCHIVAL: u8 = 0x60;
    pub const VFLOW: u8 = 0x70;
    pub const MAR: u8 = 0x80;
}

/// Record causes (high nibble of byte 1).
pub mod cause {
    pub const START: u8 = 0x10;
    pub const STATUS: u8 = 0x20;
    pub const STOP: u8 = 0x30;
    pub const TIMEOUT: u8 = 0x40;
    pub const FLUSH: u8 = 0x50;
    pub const SHUTDOWN: u8 = 0x60;
    pub const CLOSED: u8 = 0x70;
    pub const ERROR: u8 = 0x80;
    pub const SUPPLEMENTAL: u8 = 0x90;
}

pub const VERSION: u8 = 3;
pub const HEADER_LEN: usize = 4;
/// Largest record the 16-bit word count allows.
pub const MAX_RECORD_BYTES: usize = 0xffff * 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Byte 0 as written: type (high nibble) | version (low nibble).
    pub type_version: u8,
    /// Byte 1 as written: cause (high nibble) | option (low nibble).
    pub cause_option: u8,
    /// Record length in 32-bit words, this header included.
    pub len_words: u16,
}

impl RecordHeader {
    pub fn new(rtype: u8, cause: u8, len_words: u16) -> Self {
        RecordHeader {
            type_version: (rtype & 0xf0) | VERSION,
            cause_option: cause,
            len_words,
        }
    }
    pub fn rtype(&self) -> u8 {
        self.type_version & 0xf0
    }
    pub fn version(&self) -> u8 {
        self.type_version & 0x0f
    }
    pub fn cause(&self) -> u8 {
        self.cause_option & 0xf0
    }
    pub fn len_bytes(&self) -> usize {
        usize::from(self.len_words) * 4
    }
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.type_version);
        out.push(self.cause_option);
        put_u16(out, self.len_words);
    }
    /// `b` holds at least 4 bytes.
    pub fn decode(b: &[u8]) -> Self {
        RecordHeader {
            type_version: b[0],
            cause_option: b[1],
            len_words: u16_at(b, 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_header_bytes() {
        let mut v = Vec::new();
        RecordHeader::new(rtype::FAR, cause::START, 0x35).encode(&mut v);
        // Reference §3.6: "13 10 00 35" = FAR v3, cause START, 53 words.
        assert_eq!(v, [0x13, 0x10, 0x00, 0x35]);
        let h = RecordHeader::decode(&v);
        assert_eq!(
            (h.rtype(), h.version(), h.cause(), h.len_bytes()),
            (0x10, 3, 0x10, 212)
        );
    }
}
