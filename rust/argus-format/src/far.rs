//! A flow record (FAR, also NetFlow-derived and event records) as a header
//! and its DSRs, in file order.

use crate::dsr::{self, Dsr};
use crate::header::{HEADER_LEN, RecordHeader};

#[derive(Clone, Debug, PartialEq)]
pub struct Far {
    pub header: RecordHeader,
    pub dsrs: Vec<Dsr>,
}

impl Far {
    /// Serialize; the header's length is set from the DSRs.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        self.header.encode(out);
        for d in &self.dsrs {
            d.encode(out);
        }
        let words = ((out.len() - start) / 4) as u16;
        out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
    }

    /// `b` is one whole record; `offset` its position in the input.
    pub fn decode(b: &[u8], offset: usize) -> Result<Far, crate::FormatError> {
        Ok(Far {
            header: RecordHeader::decode(b),
            dsrs: dsr::split(&b[HEADER_LEN..], offset + HEADER_LEN)?,
        })
    }

    /// The first DSR of a type.
    pub fn find(&self, dtype: u8) -> Option<&Dsr> {
        self.dsrs.iter().find(|d| d.dtype() == dtype)
    }
}
