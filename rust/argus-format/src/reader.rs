//! Reading a stream: records one after another, checked as `ra` checks them.

use crate::error::{ErrorKind, FormatError};
use crate::far::Far;
use crate::header::{HEADER_LEN, RecordHeader, VERSION, rtype};
use crate::mar::{COOKIE, COOKIE_V2, MAR_LEN, Mar};

/// One record of a stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Mar(Mar),
    /// Flow records (FAR), NetFlow-derived and event records.
    Flow(Far),
    /// Any other record type, kept whole.
    Other(Vec<u8>),
}

impl Record {
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Record::Mar(m) => m.encode(out),
            Record::Flow(f) => f.encode(out),
            Record::Other(b) => out.extend_from_slice(b),
        }
    }
}

/// Iterate over the records of `data`, a stream or file as argus and
/// `ra -w` write it (uncompressed; see [`crate::compress`]).
///
/// The first record must be a START MAR with the Argus 3 cookie. A flow
/// record whose DSRs do not add up is returned as `ra` takes it — the DSRs
/// before the damage, the rest kept as [`Far::trailer`], the position in
/// [`Far::damage`]; a bad record header or a truncated record yields an
/// error and ends the iteration.
pub fn parse_stream(data: &[u8]) -> Records<'_> {
    Records {
        data,
        at: 0,
        done: false,
    }
}

/// Bytes [`record_len`] needs at the start of a stream (header, status, cookie).
pub const FIRST_HEAD_LEN: usize = 12;

/// The length in bytes of the record starting at byte `at` of a stream, as
/// `ra` checks it: `head` holds its first bytes, at least the 4-byte header
/// and, at the stream start (`at == 0`), [`FIRST_HEAD_LEN`] when the input
/// has them, for the START MAR's cookie.
pub fn record_len(at: usize, head: &[u8]) -> Result<usize, ErrorKind> {
    let h = RecordHeader::decode(head);
    if at == 0 {
        // ra reads 16 bytes and tests the cookie before anything else.
        let cookie = (head.len() >= FIRST_HEAD_LEN)
            .then(|| u32::from_be_bytes([head[8], head[9], head[10], head[11]]));
        if cookie == Some(COOKIE_V2) {
            return Err(ErrorKind::Version2);
        }
        if !(h.rtype() == rtype::MAR && cookie == Some(COOKIE)) {
            return Err(ErrorKind::NotArgus);
        }
    }
    if h.version() != VERSION {
        return Err(ErrorKind::BadVersion(h.version()));
    }
    let n = h.len_bytes();
    if n == 0 || (h.rtype() == rtype::MAR && n != MAR_LEN) {
        return Err(ErrorKind::BadLength(h.len_words));
    }
    Ok(n)
}

pub struct Records<'a> {
    data: &'a [u8],
    at: usize,
    done: bool,
}

impl Records<'_> {
    /// Byte offset of the next record.
    pub fn offset(&self) -> usize {
        self.at
    }

    fn fail(&mut self, offset: usize, kind: ErrorKind) -> Option<Result<Record, FormatError>> {
        self.done = true;
        Some(Err(FormatError { offset, kind }))
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at >= self.data.len() {
            return None;
        }
        let at = self.at;
        let rest = &self.data[at..];
        if rest.len() < HEADER_LEN {
            return self.fail(
                at,
                ErrorKind::Truncated {
                    need: HEADER_LEN,
                    have: rest.len(),
                },
            );
        }
        let n = match record_len(at, &rest[..rest.len().min(FIRST_HEAD_LEN)]) {
            Ok(n) => n,
            Err(kind) => return self.fail(at, kind),
        };
        if rest.len() < n {
            return self.fail(
                at,
                ErrorKind::Truncated {
                    need: n,
                    have: rest.len(),
                },
            );
        }
        self.at += n;
        let b = &rest[..n];
        Some(match RecordHeader::decode(b).rtype() {
            rtype::MAR => Ok(Record::Mar(Mar::decode(b))),
            rtype::FAR | rtype::NETFLOW | rtype::EVENT => Ok(Record::Flow(Far::decode(b, at))),
            _ => Ok(Record::Other(b.to_vec())),
        })
    }
}
