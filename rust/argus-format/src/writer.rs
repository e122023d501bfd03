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
        let far = far_from_flow(r, &self.opts);
        // Encoded in place at the end of `out`: no buffer of its own.
        let start = out.len();
        let init_window = far.encode_noting(out, |d| {
            matches!(d, Dsr::Network(n)
                if n.subtype == subtype::TCP_INIT && matches!(n.body, NetBody::TcpInit(_)))
        });
        if let Some(dsr_at) = init_window {
            // header, status, seqbase, options
            let at = dsr_at - start + 4 + 12;
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
