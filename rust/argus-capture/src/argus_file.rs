//! Reading Argus 3 record files and streams (`ra -r`): one record at a time
//! from a file, a compressed file or stdin, so that inputs larger than memory
//! stream. The checks are `argus_format::reader::record_len`'s (START MAR
//! with the cookie first, version 3, sane lengths); damage ends the file with one
//! message naming the input and the byte offset, after the records before it.

use argus_format::header::{HEADER_LEN, rtype};
use argus_format::reader::{FIRST_HEAD_LEN, record_len};
use argus_format::{ErrorKind, FormatError};
use std::fs::File;
use std::io::{self, BufReader, Read};

/// One record as it lies in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    /// Byte offset in the (uncompressed) input.
    pub offset: u64,
    pub bytes: Vec<u8>,
}

impl RawRecord {
    pub fn rtype(&self) -> u8 {
        self.bytes[0] & 0xf0
    }
    /// A flow record: FAR, NetFlow-derived or event record (what `ra` prints as flows).
    pub fn is_flow(&self) -> bool {
        matches!(self.rtype(), rtype::FAR | rtype::NETFLOW | rtype::EVENT)
    }
}

pub struct ArgusFileReader {
    name: String,
    inner: Box<dyn Read + Send>,
    offset: u64,
    done: bool,
}

impl ArgusFileReader {
    /// Open a file (`-` = stdin); compressed files are recognised by their
    /// first bytes, as `ra` recognises them.
    pub fn open(path: &str) -> Result<ArgusFileReader, String> {
        let raw: Box<dyn Read + Send> = if path == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(path).map_err(|e| format!("{path}: {e}"))?)
        };
        let inner =
            argus_format::compress::decompress_reader(BufReader::with_capacity(1 << 16, raw))
                .map_err(|e| format!("{}: {e}", display_name(path)))?;
        Ok(ArgusFileReader::from_reader(display_name(path), inner))
    }

    /// Read records from any byte stream (already uncompressed).
    pub fn from_reader(name: &str, inner: Box<dyn Read + Send>) -> ArgusFileReader {
        ArgusFileReader {
            name: name.to_string(),
            inner,
            offset: 0,
            done: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn fail(&mut self, offset: u64, kind: ErrorKind) -> String {
        self.done = true;
        let e = FormatError {
            offset: offset as usize,
            kind,
        };
        format!("{}: {e}", self.name)
    }

    /// The next record, `Ok(None)` at the end, or the one-line error that ends the input.
    pub fn next_record(&mut self) -> Result<Option<RawRecord>, String> {
        let mut bytes = Vec::new();
        Ok(self
            .next_record_into(&mut bytes)?
            .map(|offset| RawRecord { offset, bytes }))
    }

    /// [`Self::next_record`] into a buffer the caller reuses (no allocation
    /// per record): the record's bytes replace `bytes`; its offset is returned.
    pub fn next_record_into(&mut self, bytes: &mut Vec<u8>) -> Result<Option<u64>, String> {
        if self.done {
            return Ok(None);
        }
        let at = self.offset;
        // the header, and at the stream start the START MAR's cookie too
        let want = if at == 0 { FIRST_HEAD_LEN } else { HEADER_LEN };
        bytes.clear();
        bytes.resize(want, 0);
        let got = read_full(&mut self.inner, bytes).map_err(|e| self.io_fail(at, e))?;
        if got == 0 {
            self.done = true;
            return Ok(None);
        }
        if got < HEADER_LEN {
            return Err(self.fail(
                at,
                ErrorKind::Truncated {
                    need: HEADER_LEN,
                    have: got,
                },
            ));
        }
        bytes.truncate(got);
        let n = record_len(at as usize, bytes).map_err(|kind| self.fail(at, kind))?;
        let head = bytes.len();
        bytes.resize(n, 0);
        let got =
            read_full(&mut self.inner, &mut bytes[head..]).map_err(|e| self.io_fail(at, e))?;
        if got < n - head {
            return Err(self.fail(
                at,
                ErrorKind::Truncated {
                    need: n,
                    have: head + got,
                },
            ));
        }
        self.offset += n as u64;
        Ok(Some(at))
    }

    fn io_fail(&mut self, at: u64, e: io::Error) -> String {
        self.done = true;
        format!("{}: byte offset {at}: read failed: {e}", self.name)
    }
}

fn display_name(path: &str) -> &str {
    if path == "-" { "(stdin)" } else { path }
}

/// Fill `buf` as far as the stream goes; the count read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argus_format::{MarCounters, write_mar_start, write_mar_stop};

    fn reader(b: Vec<u8>) -> ArgusFileReader {
        ArgusFileReader::from_reader("t.argus", Box::new(io::Cursor::new(b)))
    }

    fn stream() -> Vec<u8> {
        let mut b = Vec::new();
        write_mar_start(&MarCounters::default(), &mut b);
        write_mar_stop(&MarCounters::default(), &mut b);
        b
    }

    #[test]
    fn records_then_clean_end() {
        let mut r = reader(stream());
        let a = r.next_record().unwrap().unwrap();
        assert_eq!((a.offset, a.bytes.len(), a.is_flow()), (0, 128, false));
        let b = r.next_record().unwrap().unwrap();
        assert_eq!(b.offset, 128);
        assert_eq!(r.next_record().unwrap(), None);
    }

    #[test]
    fn truncation_names_file_and_offset_after_good_records() {
        let mut b = stream();
        b.truncate(200);
        let mut r = reader(b);
        assert!(r.next_record().unwrap().is_some());
        let e = r.next_record().unwrap_err();
        assert!(
            e.starts_with("t.argus: byte offset 128: truncated record"),
            "{e}"
        );
        assert_eq!(r.next_record().unwrap(), None);
    }

    #[test]
    fn not_argus_is_refused_at_offset_zero() {
        let mut r = reader(b"\xd4\xc3\xb2\xa1 a pcap file, not argus records".to_vec());
        let e = r.next_record().unwrap_err();
        assert!(e.contains("byte offset 0: not an Argus 3 stream"), "{e}");
        let mut r = reader(Vec::new());
        assert_eq!(r.next_record().unwrap(), None);
    }
}
