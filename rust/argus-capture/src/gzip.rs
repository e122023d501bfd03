//! Transparent gzip: `.pcap.gz` files (and gzipped stdin) read like plain ones.

use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use crate::source::read_up_to;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Returns a stream of the capture's bytes, decompressing when the input
/// starts with the gzip magic, and whether it did.
///
/// Detection is by content, not by file name, so stdin works too. The bytes
/// read to decide are put back in front of the stream. `MultiGzDecoder`
/// because `cat a.gz b.gz` (several members) is what `gzip -d` accepts.
pub(crate) fn maybe_gunzip(
    mut input: Box<dyn Read + Send>,
) -> io::Result<(Box<dyn Read + Send>, bool)> {
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    read_up_to(&mut input, &mut head, GZIP_MAGIC.len())?;
    let is_gzip = head == GZIP_MAGIC;
    let whole = Cursor::new(head).chain(input);
    if is_gzip {
        Ok((Box::new(MultiGzDecoder::new(whole)), true))
    } else {
        Ok((Box::new(whole), false))
    }
}
