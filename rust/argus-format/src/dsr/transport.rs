//! TRANSPORT DSR (type 0x01, index 0): probe source id and record sequence number.

use super::{DsrHeader, dtype, words};
use crate::wire::{put_u32, u32_at};

pub const SRCID: u8 = 0x01;
pub const SEQ: u8 = 0x02;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transport {
    pub subtype: u8,
    /// Source id type (0 none, 0x01 IPv4, 0x02 IPv6, 0x20 int, 0x21 string, ...).
    pub qual: u8,
    /// The id as stored: 4 bytes for IPv4/int/string, 16 for IPv6/UUID,
    /// plus 4 for an interface name when the qualifier says so.
    pub srcid: Vec<u8>,
    pub seq: Option<u32>,
}

impl Transport {
    /// What the sensor writes: a 4-byte id and the sequence number.
    pub fn sensor(srcid: u32, qual: u8, seq: u32) -> Self {
        Transport {
            subtype: SRCID | SEQ,
            qual,
            srcid: srcid.to_be_bytes().to_vec(),
            seq: Some(seq),
        }
    }

    /// The id as a 32-bit number (0 when it is not 4 bytes long).
    pub fn srcid_u32(&self) -> u32 {
        if self.srcid.len() >= 4 {
            u32_at(&self.srcid, 0)
        } else {
            0
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = 1 + words(self.srcid.len()) + usize::from(self.seq.is_some());
        DsrHeader::new(dtype::TRANSPORT, self.subtype, self.qual, len).encode(out);
        out.extend_from_slice(&self.srcid);
        out.resize(
            out.len() + words(self.srcid.len()) * 4 - self.srcid.len(),
            0,
        );
        if let Some(s) = self.seq {
            put_u32(out, s);
        }
    }

    pub fn decode(h: &DsrHeader, body: &[u8]) -> Option<Self> {
        // The sequence number is the last word whenever the SEQ bit says it is there.
        let has_seq = h.subtype & SEQ != 0 && body.len() >= 4;
        let id_len = body.len() - if has_seq { 4 } else { 0 };
        Some(Transport {
            subtype: h.subtype,
            qual: h.qual,
            srcid: body[..id_len].to_vec(),
            seq: has_seq.then(|| u32_at(body, id_len)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn sensor_layout() {
        // Reference §3.6: "01 03 00 03 | 00000000 | 00000001".
        let b = Dsr::Transport(Transport::sensor(0, 0, 1)).to_bytes();
        assert_eq!(b, [1, 3, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1]);
        match Dsr::decode(&b) {
            Dsr::Transport(t) => assert_eq!((t.srcid_u32(), t.seq), (0, Some(1))),
            d => panic!("{d:?}"),
        }
    }
}
