//! Data Set Records (reference §3.4): the typed pieces a flow record is made
//! of. Each DSR type knows its own layout (one file each); this module holds
//! the generic 4-byte header, the walk over a record's DSRs and the enum that
//! ties the types together.
//!
//! Decoding never loses bytes: a DSR whose bytes the typed form would not
//! reproduce exactly (unknown type, unexpected length, non-zero padding) is
//! kept as [`Dsr::Raw`], so parse → encode is byte-identical for any input.

pub mod attr;
pub mod flow;
pub mod icmp;
pub mod jitter;
pub mod l2;
pub mod metric;
pub mod network;
pub mod psize;
pub mod time;
pub mod transport;
pub mod userdata;

use crate::error::{ErrorKind, FormatError};

/// DSR type bytes (byte 0 of the DSR header).
pub mod dtype {
    pub const TRANSPORT: u8 = 0x01;
    pub const FLOW: u8 = 0x02;
    pub const TIME: u8 = 0x03;
    pub const METER: u8 = 0x10;
    pub const PSIZE: u8 = 0x12;
    pub const ENCAPS: u8 = 0x20;
    pub const NETWORK: u8 = 0x30;
    pub const ASN: u8 = 0x32;
    pub const ICMP: u8 = 0x34;
    pub const VLAN: u8 = 0x40;
    pub const MAC: u8 = 0x42;
    pub const MPLS: u8 = 0x44;
    pub const JITTER: u8 = 0x46;
    pub const IPATTR: u8 = 0x48;
    pub const DATA: u8 = 0x50;
    pub const AGR: u8 = 0x60;
    pub const LABEL: u8 = 0x66;
    /// Bit in the type byte: the DSR is the 4-byte header alone.
    pub const IMMEDIATE: u8 = 0x80;
}

/// Bit in the subtype byte: bytes 2..4 are a 16-bit length (user data DSRs).
pub const LEN_16BITS: u8 = 0x80;

/// The generic DSR header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DsrHeader {
    pub dtype: u8,
    pub subtype: u8,
    pub qual: u8,
    /// Length in words, header included.
    pub len: u16,
}

impl DsrHeader {
    pub fn new(dtype: u8, subtype: u8, qual: u8, len: usize) -> Self {
        DsrHeader {
            dtype,
            subtype,
            qual,
            len: len as u16,
        }
    }
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes());
    }
    /// The header's 4 bytes.
    pub fn bytes(&self) -> [u8; 4] {
        if self.subtype & LEN_16BITS != 0 {
            let [hi, lo] = self.len.to_be_bytes();
            [self.dtype, self.subtype, hi, lo]
        } else {
            [self.dtype, self.subtype, self.qual, self.len as u8]
        }
    }
    /// Length in words as `ra` computes it while walking a record.
    #[inline]
    pub fn decode(b: &[u8]) -> Self {
        let (dtype, subtype) = (b[0], b[1]);
        let (qual, len) = if dtype & dtype::IMMEDIATE != 0 {
            (b[2], 1)
        } else if subtype & LEN_16BITS != 0 {
            (0, u16::from_be_bytes([b[2], b[3]]))
        } else {
            (b[2], u16::from(b[3]))
        };
        DsrHeader {
            dtype,
            subtype,
            qual,
            len,
        }
    }
}

/// One DSR, typed where its layout is known.
#[derive(Clone, Debug, PartialEq)]
pub enum Dsr {
    Transport(transport::Transport),
    Flow(flow::FlowDsr),
    Time(time::TimeDsr),
    Metric(metric::Metric),
    Network(network::Network),
    Vlan(l2::Vlan),
    Mpls(l2::Mpls),
    Jitter(jitter::JitterDsr),
    IpAttr(attr::IpAttr),
    Psize(psize::Psize),
    UserData(userdata::UserData),
    Mac(l2::Mac),
    Icmp(icmp::IcmpEvent),
    Encaps(l2::Encaps),
    /// Any other DSR, or one whose bytes the typed form would not reproduce.
    Raw(Vec<u8>),
}

impl Dsr {
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Dsr::Transport(d) => d.encode(out),
            Dsr::Flow(d) => d.encode(out),
            Dsr::Time(d) => d.encode(out),
            Dsr::Metric(d) => d.encode(out),
            Dsr::Network(d) => d.encode(out),
            Dsr::Vlan(d) => d.encode(out),
            Dsr::Mpls(d) => d.encode(out),
            Dsr::Jitter(d) => d.encode(out),
            Dsr::IpAttr(d) => d.encode(out),
            Dsr::Psize(d) => d.encode(out),
            Dsr::UserData(d) => d.encode(out),
            Dsr::Mac(d) => d.encode(out),
            Dsr::Icmp(d) => d.encode(out),
            Dsr::Encaps(d) => d.encode(out),
            Dsr::Raw(b) => out.extend_from_slice(b),
        }
    }

    /// Type a DSR's bytes (`b` = the whole DSR, header included).
    pub fn decode(b: &[u8]) -> Dsr {
        match Dsr::decode_typed(b) {
            Some(d) if d.to_bytes() == b => d,
            _ => Dsr::Raw(b.to_vec()),
        }
    }

    /// Type a DSR's bytes for its values only: unlike [`Dsr::decode`], a
    /// typed DSR is not checked to write back byte for byte (for readers
    /// that keep the record's own bytes); what does not type stays raw.
    pub fn decode_value(b: &[u8]) -> Dsr {
        Dsr::decode_typed(b).unwrap_or_else(|| Dsr::Raw(b.to_vec()))
    }

    /// What a DSR says, also when its bytes are kept raw because the typed
    /// form would not write them back identically (e.g. non-zero padding
    /// left by the writer): the values are the same either way.
    pub fn meaning(&self) -> std::borrow::Cow<'_, Dsr> {
        match self {
            Dsr::Raw(b) => match Dsr::decode_typed(b) {
                Some(d) => std::borrow::Cow::Owned(d),
                None => std::borrow::Cow::Borrowed(self),
            },
            d => std::borrow::Cow::Borrowed(d),
        }
    }

    fn decode_typed(b: &[u8]) -> Option<Dsr> {
        if b.len() < 4 {
            return None;
        }
        let h = DsrHeader::decode(b);
        let body = &b[4.min(b.len())..];
        if h.dtype & dtype::IMMEDIATE != 0 {
            None
        } else {
            match h.dtype {
                dtype::TRANSPORT => transport::Transport::decode(&h, body).map(Dsr::Transport),
                dtype::FLOW => Some(Dsr::Flow(flow::FlowDsr::decode(&h, body))),
                dtype::TIME => time::TimeDsr::decode(&h, body).map(Dsr::Time),
                dtype::METER => metric::Metric::decode(&h, body).map(Dsr::Metric),
                dtype::NETWORK => Some(Dsr::Network(network::Network::decode(&h, body))),
                dtype::VLAN => l2::Vlan::decode(&h, body).map(Dsr::Vlan),
                dtype::MPLS => l2::Mpls::decode(&h, body).map(Dsr::Mpls),
                dtype::JITTER => jitter::JitterDsr::decode(&h, body).map(Dsr::Jitter),
                dtype::IPATTR => attr::IpAttr::decode(&h, body).map(Dsr::IpAttr),
                dtype::PSIZE => psize::Psize::decode(&h, body).map(Dsr::Psize),
                dtype::DATA => userdata::UserData::decode(&h, body).map(Dsr::UserData),
                dtype::MAC => l2::Mac::decode(&h, body).map(Dsr::Mac),
                dtype::ICMP => icmp::IcmpEvent::decode(&h, body).map(Dsr::Icmp),
                dtype::ENCAPS => l2::Encaps::decode(&h, body).map(Dsr::Encaps),
                _ => None,
            }
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// The DSR type byte.
    pub fn dtype(&self) -> u8 {
        match self {
            Dsr::Transport(_) => dtype::TRANSPORT,
            Dsr::Flow(_) => dtype::FLOW,
            Dsr::Time(_) => dtype::TIME,
            Dsr::Metric(_) => dtype::METER,
            Dsr::Network(_) => dtype::NETWORK,
            Dsr::Vlan(_) => dtype::VLAN,
            Dsr::Mpls(_) => dtype::MPLS,
            Dsr::Jitter(_) => dtype::JITTER,
            Dsr::IpAttr(_) => dtype::IPATTR,
            Dsr::Psize(_) => dtype::PSIZE,
            Dsr::UserData(_) => dtype::DATA,
            Dsr::Mac(_) => dtype::MAC,
            Dsr::Icmp(_) => dtype::ICMP,
            Dsr::Encaps(_) => dtype::ENCAPS,
            Dsr::Raw(b) => b[0],
        }
    }
}

/// Split a record body (after the record header) into DSRs, as `ra` walks
/// it. `base` is the body's offset in the input, for error positions.
///
/// Like `ra`, a DSR of length 0 or one running past the record's end stops
/// the walk: the DSRs before it are returned with the error, and the bytes
/// from the bad DSR on are the record's unparsed tail (`body[end..]`).
pub fn split(body: &[u8], base: usize) -> (Vec<Dsr>, usize, Option<FormatError>) {
    split_with(body, base, Dsr::decode)
}

/// [`split`] with each DSR typed by `decode`.
pub fn split_with(
    body: &[u8],
    base: usize,
    decode: impl Fn(&[u8]) -> Dsr,
) -> (Vec<Dsr>, usize, Option<FormatError>) {
    let mut out = Vec::with_capacity(8);
    let mut at = 0;
    while at < body.len() {
        let h = (body.len() - at >= 4).then(|| DsrHeader::decode(&body[at..]));
        let n = h.map_or(0, |h| usize::from(h.len) * 4);
        if n == 0 || at + n > body.len() {
            let e = FormatError {
                offset: base + at,
                kind: ErrorKind::BadDsr {
                    dsr_type: body[at],
                    len_words: h.map_or(0, |h| usize::from(h.len)),
                },
            };
            return (out, at, Some(e));
        }
        out.push(decode(&body[at..at + n]));
        at += n;
    }
    (out, at, None)
}

/// Words needed for `n` bytes.
pub(crate) fn words(n: usize) -> usize {
    n.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_dsr_is_kept_raw() {
        let b = [0x66, 0x00, 0x00, 0x02, b'a', b'b', 0, 0];
        let d = Dsr::decode(&b);
        assert!(matches!(d, Dsr::Raw(_)));
        assert_eq!(d.to_bytes(), b);
    }

    #[test]
    fn zero_length_dsr_is_an_error_with_offset() {
        let body = [0x01, 0x03, 0x00, 0x00];
        let (dsrs, end, e) = split(&body, 100);
        assert!(dsrs.is_empty() && end == 0);
        assert_eq!(e.unwrap().offset, 100);
    }
}
