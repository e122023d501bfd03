//! DATA DSR (type 0x50, indexes 11/12): the first bytes of user data per
//! direction (-U), 16-bit length form (reference §3.5 DATA).

use super::{DsrHeader, LEN_16BITS, dtype, words};
use crate::wire::{put_u16, u16_at};

pub const SRC_DATA: u8 = 0x10;
pub const DST_DATA: u8 = 0x20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserData {
    /// 0x90 (src) or 0xA0 (dst).
    pub subtype: u8,
    /// Capture buffer size (the -U value).
    pub size: u16,
    pub data: Vec<u8>,
}

impl UserData {
    pub fn is_src(&self) -> bool {
        self.subtype & SRC_DATA != 0
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = 2 + words(self.data.len());
        DsrHeader::new(dtype::DATA, self.subtype, 0, len).encode(out);
        put_u16(out, self.size);
        put_u16(out, self.data.len() as u16);
        out.extend_from_slice(&self.data);
        out.resize(out.len() + words(self.data.len()) * 4 - self.data.len(), 0);
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Option<Self> {
        if h.subtype & LEN_16BITS == 0 || b.len() < 4 {
            return None;
        }
        let count = usize::from(u16_at(b, 2));
        Some(UserData {
            subtype: h.subtype,
            size: u16_at(b, 0),
            data: b.get(4..4 + count)?.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn reference_example() {
        // Reference §3.5: "50 90 00 06 | 0010 0010 | GET / HTTP/1.1\r\n".
        let d = UserData {
            subtype: LEN_16BITS | SRC_DATA,
            size: 16,
            data: b"GET / HTTP/1.1\r\n".to_vec(),
        };
        let b = Dsr::UserData(d.clone()).to_bytes();
        assert_eq!(&b[..8], &[0x50, 0x90, 0, 6, 0, 0x10, 0, 0x10]);
        assert_eq!(Dsr::decode(&b), Dsr::UserData(d));
    }
}
