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
    /// Input read ahead: the records are handed out as slices of it
    /// (`buf[pos..end]` not handed out yet).
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    offset: u64,
    done: bool,
    /// The last record handed out: its offset, start in `buf` and length.
    last: (u64, usize, usize),
}

/// Bytes read ahead at once (records are at most 256 KiB; a larger one grows it).
const READ_AHEAD: usize = 1 << 18;

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
            buf: Vec::new(),
            pos: 0,
            end: 0,
            offset: 0,
            done: false,
            last: (0, 0, 0),
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
        bytes.clear();
        Ok(self.next_record_ref()?.map(|(offset, b)| {
            bytes.extend_from_slice(b);
            offset
        }))
    }

    /// The next record's offset and bytes, as they lie in the read-ahead
    /// buffer (no copy; valid until the next call).
    pub fn next_record_ref(&mut self) -> Result<Option<(u64, &[u8])>, String> {
        if self.done {
            return Ok(None);
        }
        let at = self.offset;
        // the header, and at the stream start the START MAR's cookie too
        let want = if at == 0 { FIRST_HEAD_LEN } else { HEADER_LEN };
        let got = self.fill(want).map_err(|e| self.io_fail(at, e))?;
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
        let head = &self.buf[self.pos..self.pos + got.min(want)];
        let n = record_len(at as usize, head).map_err(|kind| self.fail(at, kind))?;
        let got = self.fill(n).map_err(|e| self.io_fail(at, e))?;
        if got < n {
            return Err(self.fail(at, ErrorKind::Truncated { need: n, have: got }));
        }
        self.last = (at, self.pos, n);
        self.pos += n;
        self.offset += n as u64;
        Ok(self.last_record())
    }

    /// What the last [`Self::next_record_ref`] gave (`None` before the first record).
    pub fn last_record(&self) -> Option<(u64, &[u8])> {
        let (at, start, n) = self.last;
        (n > 0).then(|| (at, &self.buf[start..start + n]))
    }

    /// At least `n` bytes unread in `buf` (fewer only where the input ends);
    /// how many there are. Reads only until it has them, so that a pipe's
    /// records come as soon as they are written.
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.end - self.pos >= n {
            return Ok(self.end - self.pos);
        }
        // the unread bytes (less than a record) go to the front when the room
        // after them is short: reads stay large (and go straight into `buf`)
        if self.pos + n > self.buf.len() || self.buf.len() - self.end < READ_AHEAD / 2 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if n > self.buf.len() {
                self.buf.resize(n.max(READ_AHEAD), 0);
            }
        }
        while self.end - self.pos < n {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => break,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.pos)
    }

    fn io_fail(&mut self, at: u64, e: io::Error) -> String {
        self.done = true;
        format!("{}: byte offset {at}: read failed: {e}", self.name)
    }
}

fn display_name(path: &str) -> &str {
    if path == "-" { "(stdin)" } else { path }
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

    /// A pipe: each read gives at most 1000 bytes.
    struct Trickle(io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1000);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn records_across_many_buffer_refills_in_small_reads() {
        let mut b = Vec::new();
        write_mar_start(&MarCounters::default(), &mut b);
        for _ in 0..5000 {
            write_mar_stop(&MarCounters::default(), &mut b);
        }
        let expected = b.clone();
        let mut r = ArgusFileReader::from_reader("t.argus", Box::new(Trickle(io::Cursor::new(b))));
        let mut got = Vec::new();
        let mut offsets = Vec::new();
        while let Some((at, rec)) = r.next_record_ref().unwrap() {
            offsets.push(at);
            got.extend_from_slice(rec);
        }
        assert_eq!(offsets.len(), 5001);
        assert!(
            offsets
                .iter()
                .enumerate()
                .all(|(i, &at)| at == 128 * i as u64)
        );
        assert!(
            got == expected,
            "the records are the stream's bytes, in order"
        );
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
