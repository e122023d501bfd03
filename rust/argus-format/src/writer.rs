//! Writing records: a [`FlowRecord`] becomes the bytes of one FAR.
//!
//! [`write_flow`] is stateless. [`SensorWriter`] also reproduces the one
//! piece of state argus 3.0.8.2 leaks into its output: it builds every
//! record in one reused buffer and never fills the window of a TCP_INIT
//! object, so that field holds (byte-swapped by `ArgusHtoN`) whatever the
//! records before left at that position — and `ra` prints it as `swin`.

use crate::dsr::Dsr;
use crate::dsr::network::{NetBody, subtype};
use crate::map::{WriteOptions, far_from_flow};
use crate::mar::{MarCounters, write_mar_start, write_mar_status, write_mar_stop};
use argus_core::record::FlowRecord;

/// Append the FAR argus would write for `r` with default sensor settings.
pub fn write_flow(r: &FlowRecord, out: &mut Vec<u8>) {
    write_flow_with(r, &WriteOptions::default(), out);
}

/// Append the FAR argus would write for `r` with the given sensor settings
/// (a TCP_INIT window reads 0, as in the first record of a stream).
pub fn write_flow_with(r: &FlowRecord, opts: &WriteOptions, out: &mut Vec<u8>) {
    far_from_flow(r, opts).encode(out);
}

/// Append `r`'s FAR with these settings, its TCP_INIT window (if it has
/// one) left for [`SensorWriter::append_encoded`] to fill in: returns that
/// window's offset from the record's start. Stateless, so records can be
/// encoded on the threads that make them.
pub fn encode_flow(r: &FlowRecord, opts: &WriteOptions, out: &mut Vec<u8>) -> Option<u32> {
    let far = far_from_flow(r, opts);
    let start = out.len();
    let dsr_at = far.encode_noting(out, |d| {
        matches!(d, Dsr::Network(n)
            if n.subtype == subtype::TCP_INIT && matches!(n.body, NetBody::TcpInit(_)))
    })?;
    // header, status, seqbase, options
    Some((dsr_at - start + 4 + 12) as u32)
}

/// A whole stream as one argus sensor output writes it.
#[derive(Clone, Debug, Default)]
pub struct SensorWriter {
    pub opts: WriteOptions,
    /// The sensor's reused record buffer (wire order, as left after the last record).
    buf: Vec<u8>,
}

impl SensorWriter {
    pub fn new(opts: WriteOptions) -> Self {
        SensorWriter {
            opts,
            buf: Vec::new(),
        }
    }

    /// The START MAR (argus writes it apart from the record buffer).
    pub fn start(&mut self, c: &MarCounters, out: &mut Vec<u8>) {
        write_mar_start(c, out);
    }

    pub fn flow(&mut self, r: &FlowRecord, out: &mut Vec<u8>) {
        // Encoded in place at the end of `out`: no buffer of its own.
        let start = out.len();
        let window_at = encode_flow(r, &self.opts, out);
        self.fill_window(start, window_at, out);
    }

    /// Append a FAR [`encode_flow`] made (on another thread) with this
    /// writer's options, `window_at` as it returned: the same bytes
    /// [`SensorWriter::flow`] would append for the record.
    pub fn append_encoded(&mut self, rec: &[u8], window_at: Option<u32>, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(rec);
        self.fill_window(start, window_at, out);
    }

    /// The TCP_INIT window of the record at `out[start..]` gets the stale
    /// bytes; the record is then what the buffer holds.
    fn fill_window(&mut self, start: usize, window_at: Option<u32>, out: &mut [u8]) {
        if let Some(at) = window_at {
            let at = at as usize;
            let stale = [
                self.buf.get(at).copied().unwrap_or(0),
                self.buf.get(at + 1).copied().unwrap_or(0),
            ];
            // htons of a value whose bytes were already in network order.
            out[start + at] = stale[1];
            out[start + at + 1] = stale[0];
        }
        self.remember(&out[start..]);
    }

    pub fn status(&mut self, c: &MarCounters, out: &mut Vec<u8>) {
        let mut rec = Vec::new();
        write_mar_status(c, &mut rec);
        self.remember(&rec);
        out.extend_from_slice(&rec);
    }

    pub fn stop(&mut self, c: &MarCounters, out: &mut Vec<u8>) {
        let mut rec = Vec::new();
        write_mar_stop(c, &mut rec);
        self.remember(&rec);
        out.extend_from_slice(&rec);
    }

    fn remember(&mut self, rec: &[u8]) {
        if self.buf.len() < rec.len() {
            self.buf.resize(rec.len(), 0);
        }
        self.buf[..rec.len()].copy_from_slice(rec);
    }
}
