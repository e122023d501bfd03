//! The flow table sharded across worker threads (`threads` > 1, or the
//! deterministic record order): a drop-in for [`Engine`] behind the
//! [`crate::Pipeline`].
//!
//! The calling thread (the reader) picks each frame's shard by a symmetric
//! hash of its flow key's address pair and protocol (see
//! [`argus_core::flow::shard`]): [`shard::fast_route`] reads those from the
//! headers of common frames without decoding; any other frame is decoded
//! and routed by [`shard::route`]. It appends the frame's bytes to that
//! shard's batch; the shard decodes it (so decoding, the bulk of the
//! per-packet work outside the table, runs on the shards); every [`ROUND_PACKETS`]
//! frames the batches of all shards go to the workers at once (a *round*),
//! each worker owning an [`Engine`] that finishes the work
//! ([`Engine::process_decoded`]). Up to [`ROUNDS_IN_FLIGHT`] rounds are under
//! way; batch buffers go back and forth, so no allocation is made per packet.
//! The records come back in the same buffers and reach the writer as they
//! are (a vector swap, not a move per record); a worker prefetches the
//! headers of the frames a few ahead, which the reader wrote on another core.
//!
//! Time: the reader runs the engine's sweep schedule ([`SweepClock`]) over
//! all frames; each frame carries the global packet clock before it and
//! each shard gets a tick at every sweep a sibling's frame caused, so every
//! shard sweeps its queues at the packet times one engine would.
//!
//! # Records
//!
//! Record *contents* are those of one engine with one exception: when a
//! flow's packet finds the flow due for its status report, one engine first
//! reports every due flow of its (whole) status queue; a shard reports only
//! its own. A due flow of another shard is then reported at that shard's
//! next sweep or packet instead (within 0.2 s of packet time, same
//! contents), so it enters its idle queue a little later: only when a packet
//! of that flow arrives within that sliver around its idle timeout does
//! the flow go on (sharded) where one engine starts a new one, or the
//! other way round; and an ICMP error arriving then may mark a record one
//! engine had already sent. On the whole shared corpus (file by file, all
//! files in one table, with short timers, unidirectional, layer-3 matrix,
//! all metrics) this never happens; on the synthetic captures of
//! `tests/sharded.rs`, built to provoke it, about 1 record in 10 000
//! differs. Packets and bytes are always conserved. See `docs/sharding.md`.
//!
//! Sequence numbers: shard `i` of `n` numbers its flows `i+1, i+1+n, ...`,
//! so they stay unique; they differ from one engine's.
//!
//! Order, default: round by round, shard by shard, each shard's records in
//! the order its engine made them. Deterministic for a given thread count
//! (the shard of a flow and the round boundaries depend only on the input),
//! but not the single engine's order.
//!
//! Order, `ordered`: the same for every thread count, including one. Records
//! are grouped by *sweep epoch* (the packets after one of the engine's 0.2 s
//! sweeps up to and including the next sweep; the end of input closes the
//! last) and sorted within it by (stime, ltime, flow key, cause, packets,
//! bytes); then sequence numbers are given again, in that order, by first
//! appearance of each flow. A status report delayed by the effect above
//! stays in its epoch (the next sweep reports every due flow), so the
//! ordered output of `n` threads equals that of one. It costs a map from
//! engine to output sequence number per reported flow (not yet pruned) and
//! holding each epoch's records until it closes.

use crate::mapped::MappedPcap;
use crate::walk::{self, WalkPlan};
use argus_core::decode::{self, DecodeError, Decoded};
use argus_core::flow::shard::{self, SweepClock};
use argus_core::flow::{Engine, EngineStats};
use argus_core::options::EngineOptions;
use argus_core::packet::{LinkType, RawPacket};
use argus_core::record::FlowRecord;
use argus_format::map::WriteOptions;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::thread::JoinHandle;

/// Frames per round (all shards together).
pub const ROUND_PACKETS: usize = 4096;
/// Rounds handed to the workers and not yet collected.
pub const ROUNDS_IN_FLIGHT: usize = 4;

/// No clock update with this item.
const NO_CLOCK: i64 = i64::MIN;

/// A frame in a batch: bytes `data[start..start + len]`.
#[derive(Clone, Copy)]
struct Frame {
    start: u32,
    len: u32,
    ts_usec: i64,
    wire_len: u32,
    linktype: LinkType,
}

#[derive(Clone, Copy)]
enum What {
    /// A frame of this shard's flows.
    Packet(Frame),
    /// An ICMP error (a copy of the frame) whose quoted flow is in this shard.
    IcmpError(Frame),
    /// A sibling's frame made the engine sweep at this clock.
    Tick(i64),
}

#[derive(Clone, Copy)]
struct Item {
    /// The global packet clock before this item (`NO_CLOCK`: unchanged).
    clock: i64,
    /// Sweeps the single engine made before this item.
    epoch: u64,
    what: What,
}

impl Batch {
    /// Append a frame's bytes.
    fn frame(&mut self, pkt: &RawPacket<'_>) -> Frame {
        let start = self.data.len() as u32;
        self.data.extend_from_slice(pkt.data);
        Frame {
            start,
            len: pkt.data.len() as u32,
            ts_usec: pkt.ts_usec,
            wire_len: pkt.wire_len,
            linktype: pkt.linktype,
        }
    }
}

fn packet<'a>(data: &'a [u8], f: &Frame) -> RawPacket<'a> {
    RawPacket {
        ts_usec: f.ts_usec,
        wire_len: f.wire_len,
        linktype: f.linktype,
        data: &data[f.start as usize..(f.start + f.len) as usize],
    }
}

/// A round's work for one shard, and on the way back what it made. The
/// buffers go back and forth with their capacity: no allocation per round.
#[derive(Default)]
pub(crate) struct Batch {
    items: Vec<Item>,
    data: Vec<u8>,
    /// Out: the records, in the order the engine made them.
    pub(crate) records: Vec<FlowRecord>,
    /// Out: (index of the first record, epoch) for each run of records
    /// made in one epoch (`ordered` needs the epochs).
    pub(crate) epochs: Vec<(usize, u64)>,
    /// Out, with [`Msg::Encode`]: the records' FARs, one after the other.
    pub(crate) encoded: Encoded,
}

impl Batch {
    fn clear(&mut self) {
        self.items.clear();
        self.data.clear();
        self.records.clear();
        self.epochs.clear();
        self.encoded.clear();
    }
}

/// Records collected from one shard's reply, handed on as they are: the
/// writer usually takes the whole vector (a swap, no record moved).
struct Chunk {
    records: VecDeque<FlowRecord>,
    encoded: Encoded,
    /// Encoded entries and bytes already taken.
    enc_pos: usize,
    byte_pos: usize,
}

pub(crate) enum Msg {
    /// Encode every record from now on with these settings.
    Encode(WriteOptions),
    Round(Batch),
    /// End of input (`true`: shutdown, cause SHUTDOWN), at this epoch.
    Finish(bool, u64),
}

pub(crate) struct Reply {
    pub(crate) batch: Batch,
    pub(crate) stats: EngineStats,
    pub(crate) open: usize,
    /// Walking shards ([`crate::walk`]): the epoch after the round
    /// (`u64::MAX` with the last), the frames it had, whether it is the
    /// last reply, and errors met in the input.
    pub(crate) epoch_after: u64,
    pub(crate) frames: usize,
    pub(crate) last: bool,
    pub(crate) errors: Vec<String>,
}

struct Worker {
    tx: Sender<Msg>,
    rx: Receiver<Reply>,
    handle: Option<JoinHandle<()>>,
    /// The last packet clock this shard was given.
    clock: i64,
    stats: EngineStats,
    open: usize,
}

/// What was dispatched and not yet collected: the epoch the next round
/// starts in (every earlier epoch is complete once this round is in).
struct InFlight {
    epoch_after: u64,
}

/// Records encoded by the shards: their FARs back to back, and per record
/// its length and TCP_INIT window offset ([`argus_format::writer::encode_flow`]).
#[derive(Default)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub records: Vec<(u32, Option<u32>)>,
}

impl Encoded {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.records.clear();
    }
}

pub struct ShardedEngine {
    opts: EngineOptions,
    ordered: bool,
    workers: Vec<Worker>,
    filling: Vec<Batch>,
    spare: Vec<Batch>,
    round_packets: usize,
    in_flight: VecDeque<InFlight>,
    clock: SweepClock,
    epoch: u64,
    out: VecDeque<Chunk>,
    /// Records in `out` not yet taken.
    pending: usize,
    /// Emptied record vectors, for the next rounds.
    spare_records: Vec<Vec<FlowRecord>>,
    spare_encoded: Vec<Encoded>,
    /// `ordered`: records of epochs not yet complete.
    held: Vec<(u64, FlowRecord)>,
    renumber: HashMap<u32, u32>,
    next_seq: u32,
    finished: bool,
    /// Decoding space for the frames [`shard::fast_route`] declines.
    scratch: Box<Decoded>,
    /// The shards encode the records ([`ShardedEngine::encode_with`]).
    encoding: bool,
    encode_opts: Option<WriteOptions>,
    /// The shards walk mapped files themselves ([`ShardedEngine::walk_files`]).
    walk: Option<WalkState>,
}

struct WalkState {
    stop: Arc<AtomicBool>,
    /// Every worker sent its last reply.
    done: bool,
    errors: Vec<String>,
}

impl ShardedEngine {
    /// `threads` shards, each its own worker thread (at least one).
    pub fn new(opts: EngineOptions, threads: usize, ordered: bool) -> Self {
        let n = threads.max(1);
        let workers = (0..n)
            .map(|i| {
                let (tx, wrx) = channel::<Msg>();
                let (wtx, rx) = channel::<Reply>();
                let mut engine = Engine::new(opts.clone());
                engine.number_records(i as u32 + 1, n as u32);
                let handle = std::thread::Builder::new()
                    .name(format!("argus-shard-{i}"))
                    .spawn(move || work(engine, wrx, wtx))
                    .ok();
                Worker {
                    tx,
                    rx,
                    handle,
                    clock: 0,
                    stats: EngineStats::default(),
                    open: 0,
                }
            })
            .collect();
        ShardedEngine {
            opts,
            ordered,
            workers,
            filling: (0..n).map(|_| Batch::default()).collect(),
            spare: Vec::new(),
            round_packets: 0,
            in_flight: VecDeque::new(),
            clock: SweepClock::default(),
            epoch: 0,
            out: VecDeque::new(),
            pending: 0,
            spare_records: Vec::new(),
            spare_encoded: Vec::new(),
            held: Vec::new(),
            renumber: HashMap::new(),
            next_seq: 1,
            finished: false,
            scratch: Box::default(),
            encoding: false,
            encode_opts: None,
            walk: None,
        }
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Counters summed over the shards, as of the rounds collected so far
    /// (exact once the input is finished).
    pub fn stats(&self) -> EngineStats {
        let mut s = EngineStats::default();
        for w in &self.workers {
            let t = w.stats;
            s.packets += t.packets;
            s.bytes += t.bytes;
            s.packets_flowed += t.packets_flowed;
            s.bytes_flowed += t.bytes_flowed;
            s.packets_skipped += t.packets_skipped;
            s.flows += t.flows;
            s.records += t.records;
            s.flows_evicted += t.flows_evicted;
        }
        s
    }

    /// Flows held by the shards, as of the rounds collected so far.
    pub fn open_flows(&self) -> usize {
        self.workers.iter().map(|w| w.open).sum()
    }

    pub fn pending_records(&self) -> usize {
        self.pending
    }

    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        self.take(into, None, max);
    }

    /// Let the shards encode their records (not in the `ordered` order,
    /// which numbers records again after they are made): the encoding
    /// leaves the thread that writes. Call before the first frame; false
    /// when not done.
    pub fn encode_with(&mut self, opts: &WriteOptions) -> bool {
        if self.ordered || self.round_packets > 0 || !self.in_flight.is_empty() {
            return false;
        }
        for w in &self.workers {
            if w.tx.send(Msg::Encode(opts.clone())).is_err() {
                worker_died();
            }
        }
        self.encoding = true;
        self.encode_opts = Some(opts.clone());
        true
    }

    /// Let each shard walk these mapped files itself, every packet, and
    /// keep its own flows' ([`crate::walk`]), instead of being fed frames
    /// by [`ShardedEngine::process`]: no reading thread, no frame copies.
    /// Same records in the same order as feeding the files' packets. Call
    /// before the first frame (false when too late), then collect with
    /// [`ShardedEngine::walk_round`].
    pub fn walk_files(&mut self, files: Vec<Arc<MappedPcap>>) -> bool {
        if self.walk.is_some()
            || self.finished
            || self.round_packets > 0
            || !self.in_flight.is_empty()
        {
            return false;
        }
        let n = self.workers.len();
        // the idle frame-fed workers make way
        for mut w in std::mem::take(&mut self.workers) {
            let handle = w.handle.take();
            drop(w);
            if let Some(h) = handle {
                let _ = h.join();
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        self.workers = (0..n)
            .map(|i| {
                let (tx, wrx) = channel::<Msg>();
                let (wtx, rx) = sync_channel::<Reply>(ROUNDS_IN_FLIGHT);
                let mut engine = Engine::new(self.opts.clone());
                engine.number_records(i as u32 + 1, n as u32);
                let plan = WalkPlan {
                    shard: i,
                    shards: n,
                    opts: self.opts.clone(),
                    files: files.clone(),
                    encode: self.encode_opts.clone(),
                    stop: stop.clone(),
                };
                let handle = std::thread::Builder::new()
                    .name(format!("argus-shard-{i}"))
                    .spawn(move || walk::walk(engine, plan, wrx, wtx))
                    .ok();
                Worker {
                    tx,
                    rx,
                    handle,
                    clock: 0,
                    stats: EngineStats::default(),
                    open: 0,
                }
            })
            .collect();
        self.walk = Some(WalkState {
            stop,
            done: false,
            errors: Vec::new(),
        });
        true
    }

    /// Whether the shards walk the input themselves.
    pub fn walking(&self) -> bool {
        self.walk.is_some()
    }

    /// Walking shards: collect the next round of every shard; the frames
    /// it had, `None` once every shard has sent its last records (the end
    /// of input flushed).
    pub fn walk_round(&mut self) -> Option<usize> {
        if self.walk.as_ref().is_none_or(|w| w.done) {
            return None;
        }
        let mut frames = 0;
        let mut last = false;
        let mut epoch_after = 0;
        for i in 0..self.workers.len() {
            let reply = match self.workers[i].rx.recv() {
                Ok(r) => r,
                Err(_) => worker_died(),
            };
            frames = reply.frames;
            last = reply.last;
            epoch_after = reply.epoch_after;
            if let Some(w) = self.walk.as_mut() {
                w.errors.extend(reply.errors.iter().cloned());
            }
            self.take_reply(i, reply);
        }
        if self.ordered {
            self.release(epoch_after);
        }
        if last {
            self.finished = true;
            if let Some(w) = self.walk.as_mut() {
                w.done = true;
            }
            return None;
        }
        Some(frames)
    }

    /// Errors the walking shards met in the input (a bad record ends its file).
    pub fn take_walk_errors(&mut self) -> Vec<String> {
        self.walk
            .as_mut()
            .map(|w| std::mem::take(&mut w.errors))
            .unwrap_or_default()
    }

    /// [`ShardedEngine::take_records`] with the records' encoded FARs
    /// appended to `enc` (after [`ShardedEngine::encode_with`]).
    pub fn take_encoded(&mut self, into: &mut Vec<FlowRecord>, enc: &mut Encoded, max: usize) {
        self.take(into, Some(enc), max);
    }

    /// Up to `max` records (and their FARs). A whole chunk into empty
    /// vectors is a swap: the writer gets the shard's vectors and the
    /// shards get the writer's emptied ones for a later round.
    fn take(&mut self, into: &mut Vec<FlowRecord>, mut enc: Option<&mut Encoded>, max: usize) {
        let mut left = max;
        while left > 0 {
            let Some(c) = self.out.front_mut() else {
                break;
            };
            let n = c.records.len().min(left);
            let untouched = c.enc_pos == 0 && c.byte_pos == 0;
            let enc_empty = enc.as_ref().is_none_or(|e| e.records.is_empty());
            if n == c.records.len() && untouched && into.is_empty() && enc_empty {
                let mut c = self.out.pop_front().expect("front chunk");
                let mut v: Vec<FlowRecord> = c.records.into();
                std::mem::swap(into, &mut v);
                v.clear();
                self.spare_records.push(v);
                if let Some(e) = enc.as_mut() {
                    std::mem::swap(*e, &mut c.encoded);
                }
                c.encoded.clear();
                self.spare_encoded.push(c.encoded);
                self.pending -= n;
                // one chunk per call: the next goes into the next empty vectors
                return;
            }
            into.extend(c.records.drain(..n));
            if self.encoding {
                let entries = &c.encoded.records[c.enc_pos..c.enc_pos + n];
                let bytes: usize = entries.iter().map(|(len, _)| *len as usize).sum();
                if let Some(e) = enc.as_mut() {
                    e.records.extend_from_slice(entries);
                    e.bytes
                        .extend_from_slice(&c.encoded.bytes[c.byte_pos..c.byte_pos + bytes]);
                }
                c.enc_pos += n;
                c.byte_pos += bytes;
            }
            self.pending -= n;
            left -= n;
            if c.records.is_empty() {
                let mut c = self.out.pop_front().expect("front chunk");
                self.spare_records.push(Vec::from(c.records));
                c.encoded.clear();
                self.spare_encoded.push(c.encoded);
            }
        }
    }

    /// Feed one captured frame (the bytes are copied into a batch).
    pub fn process(&mut self, pkt: &RawPacket<'_>) -> Result<(), DecodeError> {
        let unsupported = !decode::link_supported(pkt.linktype);
        let before = self.clock.now;
        // An unsupported frame leaves the engine's clock alone.
        let swept = !unsupported && self.clock.advance(pkt.ts_usec);
        let n = self.workers.len();
        let (owner, quoted) = match shard::fast_route(pkt, &self.opts, n) {
            Some(owner) => (owner, None),
            None => {
                let res = decode::decode(pkt, &mut self.scratch);
                if res.is_ok() {
                    shard::route(&self.scratch, &self.opts, n)
                } else {
                    (0, None)
                }
            }
        };
        let epoch = self.epoch;
        let clock = self.clock_for(owner, before);
        let b = &mut self.filling[owner];
        let frame = b.frame(pkt);
        b.items.push(Item {
            clock,
            epoch,
            what: What::Packet(frame),
        });
        if !unsupported {
            self.workers[owner].clock = self.clock.now;
        }
        if let Some(q) = quoted {
            let clock = self.clock_for(q, before);
            let b = &mut self.filling[q];
            let frame = b.frame(pkt);
            b.items.push(Item {
                clock,
                epoch,
                what: What::IcmpError(frame),
            });
        }
        if swept {
            let now = self.clock.now;
            for s in (0..n).filter(|&s| s != owner) {
                self.filling[s].items.push(Item {
                    clock: NO_CLOCK,
                    epoch,
                    what: What::Tick(now),
                });
                self.workers[s].clock = now;
            }
            self.epoch += 1;
        }
        self.round_packets += 1;
        if self.round_packets >= ROUND_PACKETS {
            self.dispatch();
        }
        // As the engine: only an unsupported link type is an error.
        if unsupported {
            Err(DecodeError::UnsupportedLinkType(pkt.linktype))
        } else {
            Ok(())
        }
    }

    /// The clock to send shard `s` with its next item: the global clock
    /// before the frame, if the shard has not been told of it yet.
    fn clock_for(&mut self, s: usize, before: i64) -> i64 {
        let w = &mut self.workers[s];
        if before > w.clock {
            w.clock = before;
            before
        } else {
            NO_CLOCK
        }
    }

    /// Hand the current batches to the workers; collect the oldest round
    /// when too many are under way.
    fn dispatch(&mut self) {
        if self.round_packets == 0 && self.filling.iter().all(|b| b.items.is_empty()) {
            return;
        }
        for (w, b) in self.workers.iter().zip(self.filling.iter_mut()) {
            let next = self.spare.pop().unwrap_or_default();
            let full = std::mem::replace(b, next);
            if w.tx.send(Msg::Round(full)).is_err() {
                worker_died();
            }
        }
        self.round_packets = 0;
        self.in_flight.push_back(InFlight {
            epoch_after: self.epoch,
        });
        while self.in_flight.len() >= ROUNDS_IN_FLIGHT {
            self.collect();
        }
    }

    /// Take the oldest round's replies, shard by shard.
    fn collect(&mut self) {
        let Some(round) = self.in_flight.pop_front() else {
            return;
        };
        for i in 0..self.workers.len() {
            let reply = match self.workers[i].rx.recv() {
                Ok(r) => r,
                Err(_) => worker_died(),
            };
            self.take_reply(i, reply);
        }
        if self.ordered {
            self.release(round.epoch_after);
        }
    }

    /// One shard's reply: its counters, and its records onto the output
    /// (or held, `ordered`); the emptied batch is kept for a later round
    /// (walking shards: sent back to the shard).
    fn take_reply(&mut self, i: usize, reply: Reply) {
        {
            self.workers[i].stats = reply.stats;
            self.workers[i].open = reply.open;
            let mut batch = reply.batch;
            if self.ordered {
                let runs = std::mem::take(&mut batch.epochs);
                let mut records = batch.records.drain(..);
                for (k, &(first, epoch)) in runs.iter().enumerate() {
                    let end = runs.get(k + 1).map_or(usize::MAX, |r| r.0);
                    let len = end.saturating_sub(first);
                    self.held
                        .extend(records.by_ref().take(len).map(|r| (epoch, r)));
                }
                drop(records);
                batch.epochs = runs;
            } else if !batch.records.is_empty() {
                let records = std::mem::replace(
                    &mut batch.records,
                    self.spare_records.pop().unwrap_or_default(),
                );
                let encoded = std::mem::replace(
                    &mut batch.encoded,
                    self.spare_encoded.pop().unwrap_or_default(),
                );
                self.pending += records.len();
                self.out.push_back(Chunk {
                    records: records.into(),
                    encoded,
                    enc_pos: 0,
                    byte_pos: 0,
                });
            }
            batch.clear();
            if self.walk.is_some() {
                // a shard that has ended no longer takes batches back
                let _ = self.workers[i].tx.send(Msg::Round(batch));
            } else {
                self.spare.push(batch);
            }
        }
    }

    /// `ordered`: sort and release the records of the epochs before `epoch`.
    fn release(&mut self, epoch: u64) {
        if !self.held.iter().any(|(e, _)| *e < epoch) {
            return;
        }
        let (mut done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(e, _)| *e < epoch);
        self.held = rest;
        done.sort_by(|(ea, a), (eb, b)| ea.cmp(eb).then_with(|| order_key(a).cmp(&order_key(b))));
        let mut records = VecDeque::with_capacity(done.len());
        for (_, mut r) in done {
            r.seq = match self.renumber.get(&r.seq) {
                Some(&s) => s,
                None => {
                    let s = self.next_seq;
                    self.next_seq = self.next_seq.wrapping_add(1).max(1);
                    self.renumber.insert(r.seq, s);
                    s
                }
            };
            records.push_back(r);
        }
        self.pending += records.len();
        self.out.push_back(Chunk {
            records,
            encoded: Encoded::default(),
            enc_pos: 0,
            byte_pos: 0,
        });
    }

    /// End of input: every shard reports its flows.
    pub fn finish(&mut self) {
        self.end(false);
    }

    /// Orderly shutdown: as [`ShardedEngine::finish`], records with cause SHUTDOWN.
    pub fn shutdown(&mut self) {
        self.end(true);
    }

    fn end(&mut self, shutdown: bool) {
        if self.finished {
            return;
        }
        if let Some(w) = self.walk.as_mut() {
            if shutdown {
                w.stop.store(true, Ordering::Relaxed);
            }
            // shutdown: the shards may stop after different rounds, so
            // take each one's replies to its last, shard after shard
            for i in 0..self.workers.len() {
                loop {
                    let reply = match self.workers[i].rx.recv() {
                        Ok(r) => r,
                        Err(_) => worker_died(),
                    };
                    let last = reply.last;
                    if let Some(w) = self.walk.as_mut() {
                        w.errors.extend(reply.errors.iter().cloned());
                    }
                    self.take_reply(i, reply);
                    if last {
                        break;
                    }
                }
            }
            if self.ordered {
                self.release(u64::MAX);
            }
            if let Some(w) = self.walk.as_mut() {
                w.done = true;
            }
            self.finished = true;
            return;
        }
        self.finished = true;
        self.dispatch();
        while !self.in_flight.is_empty() {
            self.collect();
        }
        for w in &self.workers {
            if w.tx.send(Msg::Finish(shutdown, self.epoch)).is_err() {
                worker_died();
            }
        }
        self.in_flight.push_back(InFlight {
            epoch_after: u64::MAX,
        });
        self.collect();
    }
}

impl Drop for ShardedEngine {
    fn drop(&mut self) {
        let handles: Vec<_> = self
            .workers
            .iter_mut()
            .filter_map(|w| w.handle.take())
            .collect();
        // Closing the channels ends the workers' loops.
        self.workers.clear();
        for h in handles {
            let _ = h.join();
        }
    }
}

fn worker_died() -> ! {
    panic!("argus-rs: a flow table shard's worker thread stopped (it panicked)")
}

/// The record order within an epoch (`ordered`).
#[allow(clippy::type_complexity)]
fn order_key(
    r: &FlowRecord,
) -> (
    (i64, i64, u8, u8, [u8; 16], [u8; 16]),
    (u16, u16, u32, u8, u64, u64, u64, u64),
) {
    let k = &r.key;
    (
        (r.stime, r.ltime, k.kind as u8, k.proto, k.a, k.b),
        (
            k.pa,
            k.pb,
            k.aux,
            r.cause as u8,
            r.src.pkts,
            r.dst.pkts,
            r.src.bytes,
            r.dst.bytes,
        ),
    )
}

/// A worker: its shard's engine, round after round.
fn work(mut engine: Engine, rx: Receiver<Msg>, tx: Sender<Reply>) {
    let mut d: Box<Decoded> = Box::default();
    let mut encode: Option<WriteOptions> = None;
    for msg in rx {
        let mut batch = match msg {
            Msg::Encode(opts) => {
                encode = Some(opts);
                continue;
            }
            Msg::Round(mut batch) => {
                let Batch {
                    items,
                    data,
                    records,
                    epochs,
                    ..
                } = &mut batch;
                let mut epoch = items.first().map_or(0, |i| i.epoch);
                for (i, item) in items.iter().enumerate() {
                    if let Some(ahead) = items.get(i + PREFETCH_AHEAD) {
                        prefetch_frame(data, &ahead.what);
                    }
                    if item.epoch != epoch {
                        drain(&mut engine, records, epochs, epoch);
                        epoch = item.epoch;
                    }
                    if item.clock != NO_CLOCK {
                        engine.advance_clock(item.clock);
                    }
                    match item.what {
                        What::Packet(f) => {
                            let _ = engine.process(&packet(data, &f));
                        }
                        What::IcmpError(f) => {
                            let _ = decode::decode(&packet(data, &f), &mut d);
                            engine.annotate_icmp_error(&d);
                        }
                        What::Tick(now) => engine.advance_clock(now),
                    }
                }
                drain(&mut engine, records, epochs, epoch);
                batch
            }
            Msg::Finish(shutdown, epoch) => {
                if shutdown {
                    engine.shutdown();
                } else {
                    engine.finish();
                }
                let mut batch = Batch::default();
                drain(&mut engine, &mut batch.records, &mut batch.epochs, epoch);
                batch
            }
        };
        if let Some(opts) = &encode {
            encode_batch(&mut batch, opts);
        }
        let reply = Reply {
            batch,
            stats: engine.stats(),
            open: engine.open_flows(),
            epoch_after: 0,
            frames: 0,
            last: false,
            errors: Vec::new(),
        };
        if tx.send(reply).is_err() {
            return;
        }
    }
}

/// Encode a round's records as FARs ([`Msg::Encode`]).
pub(crate) fn encode_batch(batch: &mut Batch, opts: &WriteOptions) {
    let Batch {
        records, encoded, ..
    } = batch;
    for r in records.iter() {
        let start = encoded.bytes.len();
        let window = argus_format::writer::encode_flow(r, opts, &mut encoded.bytes);
        encoded
            .records
            .push(((encoded.bytes.len() - start) as u32, window));
    }
}

/// Frames ahead of the one processed whose headers are fetched early.
const PREFETCH_AHEAD: usize = 8;

/// The reader wrote the frame on another core: ask for its first two
/// cache lines (the headers the decoder reads) before they are needed, so
/// that the transfer overlaps the work on the frames before it.
#[inline]
fn prefetch_frame(data: &[u8], what: &What) {
    let (What::Packet(f) | What::IcmpError(f)) = what else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = f.start as usize;
        let end = start + (f.len as usize).min(128);
        for at in (start..end).step_by(64) {
            if let Some(b) = data.get(at) {
                // SAFETY: a prefetch is a hint; the address is in `data`.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(b).cast::<i8>()) };
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, f);
}

/// Move the engine's pending records to the round's output, as made in `epoch`.
pub(crate) fn drain(
    engine: &mut Engine,
    records: &mut Vec<FlowRecord>,
    epochs: &mut Vec<(usize, u64)>,
    epoch: u64,
) {
    if engine.pending_records() == 0 {
        return;
    }
    if epochs.last().map(|e| e.1) != Some(epoch) {
        epochs.push((records.len(), epoch));
    }
    engine.take_records(records, usize::MAX);
}
