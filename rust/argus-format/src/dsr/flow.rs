//! FLOW DSR (type 0x02, index 1): the flow key. Its body is a union whose
//! layout depends on subtype and qualifier (IPv4/IPv6 5-tuples, ICMP, ESP,
//! fragments, Ethernet, ARP, RARP, layer-3 matrix), and whose byte order
//! depends on the protocol (reference §3.5, §3.9); the body is kept as bytes
//! here and given meaning by `crate::map::key`.

use super::DsrHeader;
use super::dtype;

/// Subtype values (low 6 bits) and flags.
pub mod subtype {
    pub const CLASSIC5TUPLE: u8 = 0x01;
    pub const LAYER_2_MATRIX: u8 = 0x02;
    pub const LAYER_3_MATRIX: u8 = 0x03;
    pub const ARP: u8 = 0x06;
    /// The stored tuple is the reverse of the flow's initiator's view.
    pub const REVERSE: u8 = 0x40;
}

/// Qualifier values (low 5 bits: address type) and flags.
pub mod qual {
    pub const IPV4: u8 = 0x01;
    pub const IPV6: u8 = 0x02;
    pub const ETHER: u8 = 0x03;
    pub const ARP: u8 = 0x04;
    pub const RARP: u8 = 0x05;
    pub const WLAN: u8 = 0x08;
    pub const DIRECTION: u8 = 0x20;
    pub const MASKLEN: u8 = 0x40;
    pub const FRAGMENT: u8 = 0x80;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowDsr {
    pub subtype: u8,
    pub qual: u8,
    /// Body bytes after the header, a whole number of words.
    pub body: Vec<u8>,
}

impl FlowDsr {
    pub fn addr_type(&self) -> u8 {
        self.qual & 0x1f
    }
    pub fn form(&self) -> u8 {
        self.subtype & 0x3f
    }
    pub fn reversed(&self) -> bool {
        self.subtype & subtype::REVERSE != 0
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        DsrHeader::new(
            dtype::FLOW,
            self.subtype,
            self.qual,
            1 + self.body.len() / 4,
        )
        .encode(out);
        out.extend_from_slice(&self.body);
    }

    pub fn decode(h: &DsrHeader, body: &[u8]) -> Self {
        FlowDsr {
            subtype: h.subtype,
            qual: h.qual,
            body: body.to_vec(),
        }
    }
}
