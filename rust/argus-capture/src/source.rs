//! Byte sources: what pcap-parser reads from, and reading a file's first bytes.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Where [`Source`] leaves the text of the last read failure.
///
/// pcap-parser reduces every failed `read` to a bare `PcapError::ReadError`;
/// keeping the `io::Error` text here lets the reader say what actually broke
/// (EIO, a corrupt gzip stream, ...).
pub(crate) type ErrorSlot = Arc<Mutex<Option<String>>>;

/// The (already decompressed) input stream, handed to pcap-parser.
pub(crate) struct Source {
    inner: Box<dyn Read + Send>,
    last_error: ErrorSlot,
}

impl Source {
    pub(crate) fn new(inner: Box<dyn Read + Send>, last_error: ErrorSlot) -> Self {
        Source { inner, last_error }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                // A signal is not a failure; pcap-parser would treat it as one.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if let Ok(mut slot) = self.last_error.lock() {
                        *slot = Some(e.to_string());
                    }
                    return Err(e);
                }
                ok => return ok,
            }
        }
    }
}

/// Appends to `buf` until it holds `n` bytes or the stream ends.
///
/// Needed because one `read` may return fewer bytes than asked for (pipes,
/// gzip), while the format sniffing needs whole headers.
pub(crate) fn read_up_to(r: &mut dyn Read, buf: &mut Vec<u8>, n: usize) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    while buf.len() < n {
        let want = (n - buf.len()).min(chunk.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
