//! Capture files → flow engine → records, file after file, as `argus -r a b`
//! does: one flow table across all inputs; a file that cannot be read is
//! reported and skipped, and reading goes on with the next one.
//!
//! Standard input and FIFOs are read on a thread of their own ([`crate::feed`]),
//! and a live capture ([`Pipeline::live`]) feeds the engine from one thread
//! per interface: [`Pipeline::fill`] then returns at least every
//! [`WAIT_SLICE`] even when no packet comes, so that the sensor can write its
//! MARs by the clock and the caller can look at signals. Live, the engine's
//! clock also follows the wall clock while the interfaces are quiet, so that
//! idle flows time out and status records come when no packet arrives.
//!
//! With a BPF input filter ([`Pipeline::with_filter`]), packets it rejects
//! are dropped before the engine sees them; a file whose link type the
//! expression cannot be compiled for is reported and skipped.

use crate::ShardedEngine;
use crate::error::CaptureError;
use crate::feed::{self, Feed, Poll};
use crate::live::{CaptureStats, LiveCapture};
use crate::sharded::Encoded;
use crate::{CaptureReader, PacketFilter};
use argus_core::decode::DecodeError;
use argus_core::flow::{Engine, EngineStats};
use argus_core::options::EngineOptions;
use argus_core::packet::RawPacket;
use argus_core::record::FlowRecord;
use argus_format::map::WriteOptions;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest [`Pipeline::fill`] waits for packets from a thread-fed input.
pub const WAIT_SLICE: Duration = Duration::from_millis(100);

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

    /// Move the clock to `now` (live: the wall clock). The sharded engine
    /// keeps its packet clock (live capture runs one engine).
    fn advance_clock(&mut self, now: i64) {
        if let Backend::One(e) = self {
            e.advance_clock(now);
        }
    }
}

fn wall_usec() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// A packet through the input filter into the engine; an error ends the input.
fn take_packet(
    filter: &mut Option<PacketFilter>,
    engine: &mut Backend,
    pkt: &RawPacket<'_>,
) -> Result<(), String> {
    if let Some(filter) = filter.as_mut()
        && !filter.matches(pkt.linktype.0, pkt.data, pkt.wire_len)?
    {
        return Ok(());
    }
    if let Err(DecodeError::UnsupportedLinkType(lt)) = engine.process(pkt) {
        return Err(format!("unsupported link type {}", lt.name()));
    }
    Ok(())
}

pub struct Pipeline {
    paths: Vec<String>,
    next_file: usize,
    reader: Option<CaptureReader>,
    /// The current input when it is read on its own thread (stdin, a FIFO),
    /// with its name.
    feed: Option<(Feed, String)>,
    live: Option<LiveCapture>,
    engine: Backend,
    filter: Option<PacketFilter>,
    errors: Vec<String>,
    files_read: usize,
    finished: bool,
    /// Sharded: may the shards walk mapped files themselves ([`crate::walk`])?
    walk_mapped: bool,
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
            feed: None,
            live: None,
            engine: Backend::One(Engine::new(opts)),
            filter: None,
            errors: Vec::new(),
            files_read: 0,
            finished: false,
            walk_mapped: true,
        }
    }

    /// Packets from live interfaces (already filtered by the kernel), into
    /// one engine on the calling thread.
    pub fn live(capture: LiveCapture, opts: EngineOptions) -> Self {
        let mut p = Pipeline::new(Vec::new(), opts);
        p.live = Some(capture);
        p
    }

    /// The live capture, if this pipeline reads one.
    pub fn capture(&self) -> Option<&LiveCapture> {
        self.live.as_ref()
    }

    /// The kernel's counters of a live capture, summed over its interfaces.
    pub fn capture_stats(&self) -> Option<CaptureStats> {
        self.live.as_ref().map(LiveCapture::stats)
    }

    /// A live capture's drops since the last call (for a MAR) and its log line.
    pub fn capture_period(&mut self) -> Option<(CaptureStats, String)> {
        self.live.as_mut().map(LiveCapture::period)
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

    /// Sharded: let the shards walk the capture files themselves when every
    /// input is a plain pcap file that can be mapped and no input filter is
    /// set (the default), or always feed them from a reading thread
    /// (`false`). The records and their order are the same either way.
    pub fn with_mapped_walk(mut self, on: bool) -> Self {
        self.walk_mapped = on;
        self
    }

    /// Before the first packet: hand the files to walking shards if they
    /// qualify (see [`Pipeline::with_mapped_walk`]).
    fn start_walk(&mut self) {
        let Backend::Sharded(e) = &mut self.engine else {
            return;
        };
        if !self.walk_mapped
            || self.filter.is_some()
            || self.live.is_some()
            || self.next_file > 0
            || self.paths.is_empty()
            || e.walking()
        {
            return;
        }
        let mut files = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            match crate::mapped::MappedPcap::open(path) {
                // an unsupported link type is the reader's error to report
                Some(f) if argus_core::decode::link_supported(f.linktype()) => files.push(f),
                _ => return,
            }
        }
        if e.walk_files(files) {
            self.files_read = self.paths.len();
            self.next_file = self.paths.len();
        }
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
        if self.live.is_some() {
            return self.fill_live(want, budget);
        }
        let mut processed = 0usize;
        let deadline = Instant::now() + WAIT_SLICE;
        if self.next_file == 0 && !self.finished {
            self.start_walk();
        }
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
            if let Backend::Sharded(e) = &mut self.engine
                && e.walking()
            {
                match e.walk_round() {
                    Some(frames) => processed += frames.max(1),
                    None => {
                        self.errors.extend(e.take_walk_errors());
                        self.finished = true;
                    }
                }
                continue;
            }
            if let Some((feed, name)) = self.feed.as_mut() {
                match feed.poll(deadline.saturating_duration_since(Instant::now())) {
                    Poll::Batch(b) => {
                        for pkt in b.packets() {
                            processed += 1;
                            if let Err(e) = take_packet(&mut self.filter, &mut self.engine, &pkt) {
                                self.errors.push(format!("{name}: {e}"));
                                // the thread ends when it finds the feed gone
                                self.feed = None;
                                break;
                            }
                        }
                    }
                    Poll::Idle => return Fill::Budget,
                    Poll::Ended => {
                        self.errors.extend(feed.take_errors());
                        self.feed = None;
                    }
                }
                if Instant::now() >= deadline {
                    return Fill::Budget;
                }
                continue;
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

    /// [`Pipeline::fill`] from a live capture: returns after [`WAIT_SLICE`]
    /// at the latest; when no packet came, the engine's clock is moved to the
    /// wall clock.
    fn fill_live(&mut self, want: usize, budget: usize) -> Fill {
        let deadline = Instant::now() + WAIT_SLICE;
        let mut processed = 0usize;
        loop {
            if self.engine.pending_records() >= want {
                return Fill::Ready;
            }
            if self.finished {
                return Fill::Done;
            }
            if processed >= budget || Instant::now() >= deadline {
                return Fill::Budget;
            }
            let Some(live) = self.live.as_mut() else {
                return Fill::Done;
            };
            match live.poll(deadline.saturating_duration_since(Instant::now())) {
                Poll::Batch(b) => {
                    for pkt in b.packets() {
                        processed += 1;
                        // link types were checked when the interfaces were opened
                        let _ = self.engine.process(&pkt);
                    }
                }
                Poll::Idle => {
                    self.errors.extend(live.feed.take_errors());
                    self.engine.advance_clock(wall_usec());
                    return Fill::Budget;
                }
                Poll::Ended => {
                    // every interface failed or stopped
                    self.errors.extend(live.feed.take_errors());
                    self.engine.shutdown();
                    self.finished = true;
                }
            }
        }
    }

    /// Take at most `max` pending records, oldest first.
    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        self.engine.take_records(into, max);
    }

    /// Have the flow table's shards encode the records as FARs with these
    /// settings, so the writing thread only copies them
    /// ([`Pipeline::take_encoded`]). True when the shards do (threads > 1,
    /// not `ordered`, before the first fill).
    pub fn encode_records(&mut self, opts: &WriteOptions) -> bool {
        match &mut self.engine {
            Backend::Sharded(e) => e.encode_with(opts),
            Backend::One(_) => false,
        }
    }

    /// [`Pipeline::take_records`] with the records' FARs appended to `enc`,
    /// after [`Pipeline::encode_records`] returned true.
    pub fn take_encoded(&mut self, into: &mut Vec<FlowRecord>, enc: &mut Encoded, max: usize) {
        match &mut self.engine {
            Backend::Sharded(e) => e.take_encoded(into, enc, max),
            Backend::One(e) => e.take_records(into, max),
        }
    }

    /// Stop reading (a signal): every flow is reported with cause SHUTDOWN,
    /// as argus does on SIGINT/SIGTERM; the records can then be taken.
    pub fn shutdown(&mut self) {
        if let Some(live) = self.live.as_mut() {
            // what the interfaces delivered before the signal still counts
            live.stop();
            loop {
                match live.poll(WAIT_SLICE) {
                    Poll::Batch(b) => {
                        for pkt in b.packets() {
                            let _ = self.engine.process(&pkt);
                        }
                    }
                    Poll::Idle => {}
                    Poll::Ended => break,
                }
            }
            self.errors.extend(live.feed.take_errors());
        }
        if !self.finished {
            self.feed = None;
            self.reader = None;
            self.next_file = self.paths.len();
            self.engine.shutdown();
            if let Backend::Sharded(e) = &mut self.engine {
                self.errors.extend(e.take_walk_errors());
            }
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
                    if blocking_input(&path) {
                        let name = r.name().to_string();
                        self.feed = Some((feed::read_in_thread(r), name));
                    } else {
                        self.reader = Some(r);
                    }
                    return true;
                }
                Err(e) => self.errors.push(e.to_string()),
            }
        }
        false
    }
}

/// Inputs that may keep the reader waiting (stdin, a FIFO): read on a thread.
fn blocking_input(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    path == "-"
        || std::fs::metadata(path)
            .map(|m| m.file_type().is_fifo())
            .unwrap_or(false)
}
