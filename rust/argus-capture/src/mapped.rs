//! A plain legacy pcap file mapped into memory (read-only), walked in
//! place: packets are slices of the mapping, nothing is copied out of the
//! page cache. Threads share one mapping, so each can walk the whole file
//! (the sharded sensor's walking shards, [`crate::sharded`]).
//!
//! Only what [`crate::CaptureReader`] reads the same way qualifies: an
//! uncompressed regular file with a valid libpcap header and 16-byte record
//! headers. Anything else (gzip, pcapng, FIFOs, stdin, a bad header) is left
//! to the reader ([`MappedPcap::open`] gives `None`), so errors about it stay
//! the reader's. The record checks and messages are the reader's own
//! (`CaptureReader::next_packet`), at the same byte offsets.

use std::fs::File;
use std::sync::Arc;

use argus_core::packet::RawPacket;
use memmap2::Mmap;
use pcap_parser::parse_pcap_header;

use crate::error::CaptureError;
use crate::legacy::{FILE_HEADER_LEN, LegacyFormat};

/// The mapped file and what its header says.
pub struct MappedPcap {
    name: String,
    map: Mmap,
    format: LegacyFormat,
}

impl MappedPcap {
    /// Map `path` if it is a plain legacy pcap file the reader would read
    /// the same way; `None` otherwise (let the reader open it).
    pub fn open(path: &str) -> Option<Arc<MappedPcap>> {
        if path == "-" {
            return None;
        }
        let file = File::open(path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        // SAFETY: read-only, private mapping of a capture file. Were the
        // file truncated by another process while mapped, reads past its
        // new end would fault; capture files are not rewritten in place
        // while a sensor reads them (the same assumption as any mmap reader).
        let map = unsafe { Mmap::map(&file) }.ok()?;
        let (_, header) = parse_pcap_header(map.get(..FILE_HEADER_LEN)?).ok()?;
        let format = LegacyFormat::from_header(&header).ok()?;
        if format.record_header_len != 16 {
            return None;
        }
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(Arc::new(MappedPcap {
            name: path.to_string(),
            map,
            format,
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn linktype(&self) -> argus_core::packet::LinkType {
        self.format.linktype
    }

    /// The packets from the first, in file order.
    pub fn packets(&self) -> Packets<'_> {
        Packets {
            file: self,
            at: FILE_HEADER_LEN,
            done: false,
        }
    }
}

/// A walk over a mapped file's packets.
pub struct Packets<'a> {
    file: &'a MappedPcap,
    at: usize,
    done: bool,
}

impl<'a> Packets<'a> {
    /// Byte offset of the next record (after an error: the bad record).
    pub fn offset(&self) -> u64 {
        self.at as u64
    }

    /// The next packet, `Ok(None)` at the end; after an error, `Ok(None)`.
    #[inline]
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'a>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let f = &self.file.format;
        let rest = &self.file.map[self.at..];
        let err = |msg: String| Err(CaptureError::new(&self.file.name, self.at as u64, msg));
        if rest.len() < 16 {
            self.done = true;
            if rest.is_empty() {
                return Ok(None);
            }
            return err(format!(
                "truncated packet record header ({} of 16 bytes)",
                rest.len()
            ));
        }
        let record = f.record_header(rest);
        if record.caplen > f.max_caplen {
            self.done = true;
            return err(format!(
                "invalid packet capture length {}, bigger than maximum of {}",
                record.caplen, f.max_caplen
            ));
        }
        let record_len = 16 + record.caplen as usize;
        if rest.len() < record_len {
            self.done = true;
            return err(format!(
                "truncated packet record ({} captured bytes announced, {} present)",
                record.caplen,
                rest.len() - 16
            ));
        }
        // libpcap's salvage of a caplen above the snapshot length, as the reader.
        let len = record.caplen.min(f.snapshot);
        self.at += record_len;
        // The next record's header and first bytes (what routing reads)
        // are fetched while this packet is worked on.
        prefetch(&self.file.map, self.at);
        Ok(Some(RawPacket {
            ts_usec: f.ts_usec(&record),
            wire_len: record.len.max(len),
            linktype: f.linktype,
            data: &rest[16..16 + len as usize],
        }))
    }
}

/// Ask for the two cache lines at `at` (a hint; nothing when past the end).
#[inline]
fn prefetch(map: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    for line in [at, at + 64] {
        if let Some(b) = map.get(line) {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            // SAFETY: a prefetch is a hint; the address is in the mapping.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(b).cast::<i8>()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (map, at);
}
