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

use argus_core::decode::{self, DecodeError, Decoded};
use argus_core::flow::shard::{self, SweepClock};
use argus_core::flow::{Engine, EngineStats};
use argus_core::options::EngineOptions;
use argus_core::packet::{LinkType, RawPacket};
use argus_core::record::FlowRecord;
use argus_format::map::WriteOptions;
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{Receiver, Sender, channel};
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

    fn packet<'a>(&'a self, f: &Frame) -> RawPacket<'a> {
        RawPacket {
            ts_usec: f.ts_usec,
            wire_len: f.wire_len,
            linktype: f.linktype,
            data: &self.data[f.start as usize..(f.start + f.len) as usize],
        }
    }
}

#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    data: Vec<u8>,
}

impl Batch {
    fn clear(&mut self) {
        self.items.clear();
        self.data.clear();
    }
}

enum Msg {
    /// Encode every record from now on with these settings.
    Encode(WriteOptions),
    Round(Batch),
    /// End of input (`true`: shutdown, cause SHUTDOWN), at this epoch.
    Finish(bool, u64),
}

struct Reply {
    batch: Batch,
    records: Vec<(u64, FlowRecord)>,
    /// With [`Msg::Encode`]: the records' FARs, one after the other.
    encoded: Encoded,
    stats: EngineStats,
    open: usize,
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
    out: VecDeque<FlowRecord>,
    /// `ordered`: records of epochs not yet complete.
    held: Vec<(u64, FlowRecord)>,
    renumber: HashMap<u32, u32>,
    next_seq: u32,
    finished: bool,
    /// Decoding space for the frames [`shard::fast_route`] declines.
    scratch: Box<Decoded>,
    /// The shards encode the records ([`ShardedEngine::encode_with`]).
    encoding: bool,
    /// Encoded `out`: `out_bytes[out_pos..]` and one entry per record.
    out_bytes: Vec<u8>,
    out_pos: usize,
    out_enc: VecDeque<(u32, Option<u32>)>,
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
            held: Vec::new(),
            renumber: HashMap::new(),
            next_seq: 1,
            finished: false,
            scratch: Box::default(),
            encoding: false,
            out_bytes: Vec::new(),
            out_pos: 0,
            out_enc: VecDeque::new(),
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
        self.out.len()
    }

    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        let n = self.out.len().min(max);
        into.extend(self.out.drain(..n));
        if self.encoding {
            for (len, _) in self.out_enc.drain(..n) {
                self.out_pos += len as usize;
            }
            self.compact();
        }
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
        true
    }

    /// [`ShardedEngine::take_records`] with the records' encoded FARs
    /// appended to `enc` (after [`ShardedEngine::encode_with`]).
    pub fn take_encoded(&mut self, into: &mut Vec<FlowRecord>, enc: &mut Encoded, max: usize) {
        let n = self.out.len().min(max);
        into.extend(self.out.drain(..n));
        for e in self.out_enc.drain(..n) {
            let end = self.out_pos + e.0 as usize;
            enc.bytes
                .extend_from_slice(&self.out_bytes[self.out_pos..end]);
            enc.records.push(e);
            self.out_pos = end;
        }
        self.compact();
    }

    /// Drop the encoded bytes already taken.
    fn compact(&mut self) {
        if self.out_pos == self.out_bytes.len() {
            self.out_bytes.clear();
            self.out_pos = 0;
        } else if self.out_pos > 1 << 20 && self.out_pos * 2 > self.out_bytes.len() {
            self.out_bytes.drain(..self.out_pos);
            self.out_pos = 0;
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
            self.workers[i].stats = reply.stats;
            self.workers[i].open = reply.open;
            let mut batch = reply.batch;
            batch.clear();
            self.spare.push(batch);
            if self.ordered {
                self.held.extend(reply.records);
            } else {
                self.out.extend(reply.records.into_iter().map(|(_, r)| r));
                self.out_bytes.extend_from_slice(&reply.encoded.bytes);
                self.out_enc.extend(reply.encoded.records);
            }
        }
        if self.ordered {
            self.release(round.epoch_after);
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
            self.out.push_back(r);
        }
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
    let mut taken: Vec<FlowRecord> = Vec::new();
    let mut d: Box<Decoded> = Box::default();
    let mut encode: Option<WriteOptions> = None;
    for msg in rx {
        let mut records: Vec<(u64, FlowRecord)> = Vec::new();
        let batch = match msg {
            Msg::Encode(opts) => {
                encode = Some(opts);
                continue;
            }
            Msg::Round(batch) => {
                let mut epoch = batch.items.first().map_or(0, |i| i.epoch);
                for item in &batch.items {
                    if item.epoch != epoch {
                        drain(&mut engine, &mut taken, &mut records, epoch);
                        epoch = item.epoch;
                    }
                    if item.clock != NO_CLOCK {
                        engine.advance_clock(item.clock);
                    }
                    match item.what {
                        What::Packet(f) => {
                            let _ = engine.process(&batch.packet(&f));
                        }
                        What::IcmpError(f) => {
                            let _ = decode::decode(&batch.packet(&f), &mut d);
                            engine.annotate_icmp_error(&d);
                        }
                        What::Tick(now) => engine.advance_clock(now),
                    }
                }
                drain(&mut engine, &mut taken, &mut records, epoch);
                batch
            }
            Msg::Finish(shutdown, epoch) => {
                if shutdown {
                    engine.shutdown();
                } else {
                    engine.finish();
                }
                drain(&mut engine, &mut taken, &mut records, epoch);
                Batch::default()
            }
        };
        let mut encoded = Encoded::default();
        if let Some(opts) = &encode {
            for (_, r) in &records {
                let start = encoded.bytes.len();
                let window = argus_format::writer::encode_flow(r, opts, &mut encoded.bytes);
                encoded
                    .records
                    .push(((encoded.bytes.len() - start) as u32, window));
            }
        }
        let reply = Reply {
            batch,
            records,
            encoded,
            stats: engine.stats(),
            open: engine.open_flows(),
        };
        if tx.send(reply).is_err() {
            return;
        }
    }
}

fn drain(
    engine: &mut Engine,
    taken: &mut Vec<FlowRecord>,
    records: &mut Vec<(u64, FlowRecord)>,
    epoch: u64,
) {
    if engine.pending_records() == 0 {
        return;
    }
    taken.clear();
    engine.take_records(taken, usize::MAX);
    records.extend(taken.drain(..).map(|r| (epoch, r)));
}
