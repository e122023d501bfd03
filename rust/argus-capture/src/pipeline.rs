//! Capture files → flow engine → records, file after file, as `argus -r a b`
//! does: one flow table across all inputs; a file that cannot be read is
//! reported and skipped, and reading goes on with the next one.
//!
//! With a BPF input filter ([`Pipeline::with_filter`]), packets it rejects
//! are dropped before the engine sees them; a file whose link type the
//! expression cannot be compiled for is reported and skipped.

use crate::ShardedEngine;
use crate::error::CaptureError;
use crate::{CaptureReader, PacketFilter};
use argus_core::decode::DecodeError;
use argus_core::flow::{Engine, EngineStats};
use argus_core::options::EngineOptions;
use argus_core::packet::RawPacket;
use argus_core::record::FlowRecord;

/// The flow table: one engine on the calling thread, or sharded across
/// worker threads ([`Pipeline::with_threads`]). One per pipeline: its size
/// does not matter, the engine stays inline on the one-thread path.
#[allow(clippy::large_enum_variant)]
enum Backend {
    One(Engine),
    Sharded(Box<ShardedEngine>),
}

impl Backend {
    fn process(&mut self, pkt: &RawPacket<'_>) -> Result<(), DecodeError> {
        match self {
            Backend::One(e) => e.process(pkt),
            Backend::Sharded(e) => e.process(pkt),
        }
    }

    fn pending_records(&self) -> usize {
        match self {
            Backend::One(e) => e.pending_records(),
            Backend::Sharded(e) => e.pending_records(),
        }
    }

    fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        match self {
            Backend::One(e) => e.take_records(into, max),
            Backend::Sharded(e) => e.take_records(into, max),
        }
    }

    fn finish(&mut self) {
        match self {
            Backend::One(e) => e.finish(),
            Backend::Sharded(e) => e.finish(),
        }
    }

    fn shutdown(&mut self) {
        match self {
            Backend::One(e) => e.shutdown(),
            Backend::Sharded(e) => e.shutdown(),
        }
    }
}

pub struct Pipeline {
    paths: Vec<String>,
    next_file: usize,
    reader: Option<CaptureReader>,
    engine: Backend,
    filter: Option<PacketFilter>,
    errors: Vec<String>,
    files_read: usize,
    finished: bool,
}

/// Why [`Pipeline::fill`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Fill {
    /// `want` records are available.
    Ready,
    /// The budget of packets for this call was used up.
    Budget,
    /// All inputs are done and the flow table flushed.
    Done,
}

impl Pipeline {
    pub fn new(paths: Vec<String>, opts: EngineOptions) -> Self {
        Pipeline {
            paths,
            next_file: 0,
            reader: None,
            engine: Backend::One(Engine::new(opts)),
            filter: None,
            errors: Vec::new(),
            files_read: 0,
            finished: false,
        }
    }

    /// Applies a BPF input filter (argus's trailing expression) to every
    /// packet before the engine. Rejected packets are not counted anywhere:
    /// argus only counts what libpcap delivers, which is after the filter,
    /// so the engine's statistics (and so the MAR counters built from them)
    /// see only packets that passed.
    pub fn with_filter(mut self, filter: PacketFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Shard the flow table across `threads` worker threads (1: one engine
    /// on the calling thread), and/or give the records the deterministic
    /// order that is the same for every thread count (`ordered`; see
    /// [`crate::sharded`]). Call before the first [`Pipeline::fill`].
    pub fn with_threads(mut self, threads: usize, ordered: bool) -> Self {
        if threads > 1 || ordered {
            let opts = self.options().clone();
            self.engine = Backend::Sharded(Box::new(ShardedEngine::new(opts, threads, ordered)));
        }
        self
    }

    pub fn options(&self) -> &EngineOptions {
        match &self.engine {
            Backend::One(e) => e.options(),
            Backend::Sharded(e) => e.options(),
        }
    }

    /// The engine's counters (sharded: summed over the shards, as of the
    /// rounds collected so far; exact at the end).
    pub fn stats(&self) -> EngineStats {
        match &self.engine {
            Backend::One(e) => e.stats(),
            Backend::Sharded(e) => e.stats(),
        }
    }

    /// Flows currently held.
    pub fn open_flows(&self) -> usize {
        match &self.engine {
            Backend::One(e) => e.open_flows(),
            Backend::Sharded(e) => e.open_flows(),
        }
    }

    pub fn filter(&self) -> Option<&PacketFilter> {
        self.filter.as_ref()
    }

    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    pub fn files_read(&self) -> usize {
        self.files_read
    }

    /// Process packets until `want` records are pending, `budget` packets
    /// were processed, or the input ends.
    pub fn fill(&mut self, want: usize, budget: usize) -> Fill {
        let mut processed = 0usize;
        loop {
            if self.engine.pending_records() >= want {
                return Fill::Ready;
            }
            if self.finished {
                return Fill::Done;
            }
            if processed >= budget {
                return Fill::Budget;
            }
            if self.reader.is_none() && !self.open_next() {
                self.engine.finish();
                self.finished = true;
                continue;
            }
            let Some(reader) = self.reader.as_mut() else {
                continue;
            };
            let record_offset = reader.byte_offset();
            match reader.next_packet() {
                Ok(Some(pkt)) => {
                    // A rejected packet uses the budget too: it bounds work.
                    processed += 1;
                    if let Some(filter) = self.filter.as_mut() {
                        match filter.matches(pkt.linktype.0, pkt.data, pkt.wire_len) {
                            Ok(true) => {}
                            Ok(false) => continue,
                            Err(msg) => {
                                let e = CaptureError::new(reader.name(), record_offset, msg);
                                self.errors.push(e.to_string());
                                self.reader = None;
                                continue;
                            }
                        }
                    }
                    if let Err(DecodeError::UnsupportedLinkType(lt)) = self.engine.process(&pkt) {
                        let msg = format!(
                            "{}: byte offset {}: unsupported link type {}",
                            reader.name(),
                            record_offset,
                            lt.name()
                        );
                        self.errors.push(msg);
                        self.reader = None;
                    }
                }
                Ok(None) => self.reader = None,
                Err(e) => {
                    self.errors.push(e.to_string());
                    self.reader = None;
                }
            }
        }
    }

    /// Take at most `max` pending records, oldest first.
    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        self.engine.take_records(into, max);
    }

    /// Stop reading (a signal): every flow is reported with cause SHUTDOWN,
    /// as argus does on SIGINT/SIGTERM; the records can then be taken.
    pub fn shutdown(&mut self) {
        if !self.finished {
            self.reader = None;
            self.next_file = self.paths.len();
            self.engine.shutdown();
            self.finished = true;
        }
    }

    fn open_next(&mut self) -> bool {
        while self.next_file < self.paths.len() {
            let path = self.paths[self.next_file].clone();
            self.next_file += 1;
            match CaptureReader::open(&path) {
                Ok(r) => {
                    // Like tcpdump -r, refuse a file the filter cannot be
                    // compiled for before reading any packet (pcapng: the
                    // first interface's link type; later ones per packet).
                    let refused = match (self.filter.as_mut(), r.linktype()) {
                        (Some(f), Some(lt)) => f.compile_for(lt.0).err(),
                        _ => None,
                    };
                    if let Some(msg) = refused {
                        self.errors
                            .push(CaptureError::new(&path, 0, msg).to_string());
                        continue;
                    }
                    self.files_read += 1;
                    self.reader = Some(r);
                    return true;
                }
                Err(e) => self.errors.push(e.to_string()),
            }
        }
        false
    }
}
