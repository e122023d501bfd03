//! A flow record (FAR, also NetFlow-derived and event records) as a header
//! and its DSRs, in file order.

use crate::dsr::{self, Dsr};
use crate::header::{HEADER_LEN, RecordHeader};

#[derive(Clone, Debug, PartialEq)]
pub struct Far {
    pub header: RecordHeader,
    pub dsrs: Vec<Dsr>,
    /// Bytes after the last well-formed DSR, which `ra` skips (empty for a
    /// sound record; `ra -w` itself writes some such records).
    pub trailer: Vec<u8>,
    /// Where the walk over the DSRs stopped, when it stopped early.
    pub damage: Option<crate::FormatError>,
}

impl Far {
    /// Serialize; the header's length is set from the DSRs.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_noting(out, |_| false);
    }

    /// [`Far::encode`], returning where in `out` the first DSR that `wanted`
    /// picks starts.
    pub fn encode_noting(&self, out: &mut Vec<u8>, wanted: impl Fn(&Dsr) -> bool) -> Option<usize> {
        let start = out.len();
        let mut noted = None;
        self.header.encode(out);
        for d in &self.dsrs {
            if noted.is_none() && wanted(d) {
                noted = Some(out.len());
            }
            d.encode(out);
        }
        out.extend_from_slice(&self.trailer);
        let words = ((out.len() - start) / 4) as u16;
        out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
        noted
    }

    /// A record from its DSRs.
    pub fn new(header: RecordHeader, dsrs: Vec<Dsr>) -> Far {
        Far {
            header,
            dsrs,
            trailer: Vec::new(),
            damage: None,
        }
    }

    /// `b` is one whole record; `offset` its position in the input.
    pub fn decode(b: &[u8], offset: usize) -> Far {
        Far::decode_with(b, offset, Dsr::decode)
    }

    /// [`Far::decode`] for the values only (DSRs typed by
    /// [`Dsr::decode_value`]): cheaper, for readers that keep the record's
    /// bytes and never write this form back.
    pub fn decode_values(b: &[u8], offset: usize) -> Far {
        Far::decode_with(b, offset, Dsr::decode_value)
    }

    fn decode_with(b: &[u8], offset: usize, decode: fn(&[u8]) -> Dsr) -> Far {
        let body = &b[HEADER_LEN..];
        let (dsrs, end, damage) = dsr::split_with(body, offset + HEADER_LEN, decode);
        Far {
            header: RecordHeader::decode(b),
            dsrs,
            trailer: body[end..].to_vec(),
            damage,
        }
    }

    /// The first DSR of a type.
    pub fn find(&self, dtype: u8) -> Option<&Dsr> {
        self.dsrs.iter().find(|d| d.dtype() == dtype)
    }
}
