//! Helpers shared by the integration tests: the corpus location, reading a
//! whole capture, and building synthetic captures byte by byte.

#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};

use argus_capture::{CaptureError, CaptureReader};
use argus_core::packet::LinkType;

/// Every capture below `dir` (SOURCES.md aside), sorted by path.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.file_name().unwrap() != "SOURCES.md" {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The shared corpus, `../shared/pcaps` from the repository root.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps");
    if dir.join("SOURCES.md").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: corpus not found at {}", dir.display());
        None
    }
}

/// One packet, copied out of the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkt {
    pub ts_usec: i64,
    pub wire_len: u32,
    pub linktype: LinkType,
    pub data: Vec<u8>,
}

/// Everything a reader yields: packets, then the error that ended it if any.
#[derive(Debug)]
pub struct Outcome {
    pub packets: Vec<Pkt>,
    pub error: Option<CaptureError>,
    /// `byte_offset()` when reading stopped.
    pub end_offset: u64,
}

pub fn drain(mut reader: CaptureReader) -> Outcome {
    let mut packets = Vec::new();
    let error = loop {
        match reader.next_packet() {
            Ok(Some(p)) => packets.push(Pkt {
                ts_usec: p.ts_usec,
                wire_len: p.wire_len,
                linktype: p.linktype,
                data: p.data.to_vec(),
            }),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    // After the end or an error, the reader stays finished.
    assert!(matches!(reader.next_packet(), Ok(None)));
    Outcome {
        packets,
        error,
        end_offset: reader.byte_offset(),
    }
}

pub fn read_bytes(bytes: &[u8]) -> Result<Outcome, CaptureError> {
    let reader =
        CaptureReader::from_read("mem".into(), Box::new(std::io::Cursor::new(bytes.to_vec())))?;
    Ok(drain(reader))
}

/// A reader that hands out at most `step` bytes per `read`, like a pipe.
pub struct Trickle {
    pub data: Vec<u8>,
    pub pos: usize,
    pub step: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Byte-order-aware writer for synthetic captures.
pub struct W {
    pub be: bool,
    pub buf: Vec<u8>,
}

impl W {
    pub fn new(be: bool) -> Self {
        W {
            be,
            buf: Vec::new(),
        }
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    pub fn pad4(&mut self) -> &mut Self {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
        self
    }
}

/// Legacy pcap file header.
pub fn pcap_header(be: bool, nanosecond: bool, snaplen: u32, linktype: u32) -> Vec<u8> {
    let mut w = W::new(be);
    w.u32(if nanosecond { 0xA1B2_3C4D } else { 0xA1B2_C3D4 })
        .u16(2)
        .u16(4)
        .u32(0)
        .u32(0)
        .u32(snaplen)
        .u32(linktype);
    w.buf
}

/// Legacy pcap record.
pub fn pcap_record(be: bool, sec: u32, frac: u32, data: &[u8], orig_len: u32) -> Vec<u8> {
    let mut w = W::new(be);
    w.u32(sec)
        .u32(frac)
        .u32(data.len() as u32)
        .u32(orig_len)
        .bytes(data);
    w.buf
}

/// A pcapng block: type, length, body (padded), length.
pub fn ng_block(be: bool, block_type: u32, body: &[u8]) -> Vec<u8> {
    let mut b = W::new(be);
    b.bytes(body).pad4();
    let len = 12 + b.buf.len() as u32;
    let mut w = W::new(be);
    w.u32(block_type).u32(len).bytes(&b.buf).u32(len);
    w.buf
}

pub fn ng_shb(be: bool) -> Vec<u8> {
    let mut body = W::new(be);
    body.u32(0x1A2B_3C4D).u16(1).u16(0).u64(u64::MAX);
    ng_block(be, 0x0A0D_0D0A, &body.buf)
}

/// IDB with optional if_tsresol and if_tsoffset options.
pub fn ng_idb(
    be: bool,
    linktype: u16,
    snaplen: u32,
    tsresol: Option<u8>,
    tsoffset: Option<i64>,
) -> Vec<u8> {
    let mut body = W::new(be);
    body.u16(linktype).u16(0).u32(snaplen);
    if let Some(r) = tsresol {
        body.u16(9).u16(1).bytes(&[r]).pad4();
    }
    if let Some(o) = tsoffset {
        body.u16(14).u16(8).u64(o as u64);
    }
    if tsresol.is_some() || tsoffset.is_some() {
        body.u16(0).u16(0);
    }
    ng_block(be, 1, &body.buf)
}

pub fn ng_epb(be: bool, if_id: u32, ts: u64, data: &[u8], orig_len: u32) -> Vec<u8> {
    let mut body = W::new(be);
    body.u32(if_id)
        .u32((ts >> 32) as u32)
        .u32(ts as u32)
        .u32(data.len() as u32)
        .u32(orig_len)
        .bytes(data)
        .pad4();
    ng_block(be, 6, &body.buf)
}

pub fn ng_spb(be: bool, data: &[u8], orig_len: u32) -> Vec<u8> {
    let mut body = W::new(be);
    body.u32(orig_len).bytes(data).pad4();
    ng_block(be, 3, &body.buf)
}

/// Obsolete Packet Block.
pub fn ng_opb(be: bool, if_id: u16, ts: u64, data: &[u8], orig_len: u32) -> Vec<u8> {
    let mut body = W::new(be);
    body.u16(if_id)
        .u16(0)
        .u32((ts >> 32) as u32)
        .u32(ts as u32)
        .u32(data.len() as u32)
        .u32(orig_len)
        .bytes(data)
        .pad4();
    ng_block(be, 2, &body.buf)
}

/// A recognisable payload.
pub fn payload(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}
