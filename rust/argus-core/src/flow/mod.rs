//! The flow table: packets in, Argus 3.0.8 flow records out.
//!
//! Timing follows Argus's modeler: a flow sits on the status queue from the
//! time it was (re)queued (`qtime`); once the status interval has passed its
//! accumulated deltas are reported and it moves to an idle queue chosen by its
//! protocol timeout, where it is forgotten if no packet revives it in time.
//! "Now" is the packet clock; the queues are swept every 0.2 s of it.

mod acc;
mod app;
mod frag;
pub mod key;
mod queue;
mod rtp;
pub mod shard;
mod stored_key;
mod table;
pub mod tcp;
mod tcp_store;
mod update;

use crate::decode::{self, DecodeError, Decoded, Family};
use crate::options::EngineOptions;
use crate::packet::RawPacket;
use crate::record::{Cause, FlowRecord};
use acc::Acc;
use key::{FlowKey, KeyKind};
use queue::{FlowQueue, FlushOrder, QueueId};
use tcp_store::{TcpRef, TcpStates};

/// How often (packet time) the queues are swept, as Argus's modeler does.
const SWEEP_INTERVAL_USEC: i64 = 200_000;

/// Counters over everything the engine saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub packets: u64,
    pub bytes: u64,
    /// Packets that became part of a flow.
    pub packets_flowed: u64,
    pub bytes_flowed: u64,
    /// Packets with nothing to key a flow on (truncated link header, ...).
    pub packets_skipped: u64,
    pub flows: u64,
    pub records: u64,
    /// Flows reported early and forgotten because the open-flow cap
    /// (`max_flows` / `max_flow_memory`) was reached.
    pub flows_evicted: u64,
}

/// Bytes one open flow is counted as for `max_flow_memory`: what the SYN
/// flood benchmark measures per open TCP flow (flow slot, index, queue
/// entry, TCP state; bench/RESULTS.md).
pub const FLOW_BYTES: u64 = 246;

/// How many flows at the head of each queue the cap looks at for the one
/// idle longest.
const EVICT_SCAN: usize = 8;

/// The open-flow cap the options ask for (0: none).
fn flow_cap(o: &EngineOptions) -> usize {
    let by_memory = if o.max_flow_memory > 0 {
        usize::try_from((o.max_flow_memory / FLOW_BYTES).max(1)).unwrap_or(usize::MAX)
    } else {
        0
    };
    match (o.max_flows, by_memory) {
        (0, m) => m,
        (n, 0) => n,
        (n, m) => n.min(m),
    }
}

/// One tracked flow (kept small: see [`acc`]).
#[derive(Debug)]
pub(crate) struct Flow {
    /// Key as stored in the table (canonical order when bidirectional).
    key: stored_key::StoredKey,
    /// The flow's source (first packet's sender) is the key's `b` side.
    src_is_b: bool,
    written: bool,
    queue: QueueId,
    seq: u32,
    qgen: u32,
    qtime: i64,
    tcp: Option<TcpRef>,
    acc: Acc,
}

pub struct Engine {
    opts: EngineOptions,
    /// Most flows held at once (0: no limit).
    cap: usize,
    table: table::FlowTable,
    flows: Vec<Option<Flow>>,
    free: Vec<u32>,
    /// The TCP flows' connection state.
    tcps: TcpStates,
    /// The next queue generation: engine-wide, so that a queue entry left
    /// by a deleted flow never matches the flow that reuses its slot.
    qgen: u32,
    status_queue: FlowQueue,
    idle_queues: Vec<FlowQueue>,
    /// Non-first fragment key → parent flow slot.
    frags: frag::Fragments,
    /// The current packet's bytes for `-U` user data (reused buffer).
    user_bytes: Vec<u8>,
    /// The current packet's length as Argus counts application bytes.
    app: app::PacketApp,
    next_seq: u32,
    /// Step between record sequence numbers (1; a shard of N uses N).
    seq_step: u32,
    sweep_at: i64,
    now: i64,
    out: std::collections::VecDeque<FlowRecord>,
    /// Flows still to report at the end of input, in report order, and the
    /// cause to give them: reported as records are taken, so that the end
    /// of a capture never holds every open flow's record at once.
    flushing: FlushOrder,
    flush_cause: Option<Cause>,
    stats: EngineStats,
    scratch: Option<Box<Decoded>>,
}

impl Engine {
    pub fn new(opts: EngineOptions) -> Self {
        Engine {
            cap: flow_cap(&opts),
            opts,
            table: table::FlowTable::default(),
            flows: Vec::new(),
            free: Vec::new(),
            tcps: TcpStates::default(),
            qgen: 0,
            status_queue: FlowQueue::new(0),
            idle_queues: Vec::new(),
            frags: frag::Fragments::default(),
            user_bytes: Vec::new(),
            app: app::PacketApp::default(),
            next_seq: 1,
            seq_step: 1,
            sweep_at: 0,
            now: 0,
            out: std::collections::VecDeque::new(),
            flushing: FlushOrder::default(),
            flush_cause: None,
            stats: EngineStats::default(),
            scratch: None,
        }
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Flows currently held.
    pub fn open_flows(&self) -> usize {
        self.table.len()
    }

    /// Records produced so far and not yet taken, oldest first, at most `max`.
    pub fn take_records(&mut self, into: &mut Vec<FlowRecord>, max: usize) {
        let mut left = max;
        loop {
            let n = self.out.len().min(left);
            into.extend(self.out.drain(..n));
            left -= n;
            if left == 0 || !self.flush_some(left) {
                return;
            }
        }
    }

    /// Records not yet taken (at the end of input: at most this many, as
    /// flows with nothing new to report give none).
    pub fn pending_records(&self) -> usize {
        self.out.len() + self.flushing.len()
    }

    /// Feed one captured frame.
    pub fn process(&mut self, pkt: &RawPacket<'_>) -> Result<(), DecodeError> {
        // Boxed and taken out while in use: that moves a pointer, not the
        // whole decoded packet (twice per packet).
        let mut d = self.scratch.take().unwrap_or_default();
        let res = decode::decode(pkt, &mut d);
        let out = self.process_decoded(pkt, &d, res);
        self.scratch = Some(d);
        out
    }

    /// [`Engine::process`] for a frame already decoded by [`decode::decode`]
    /// into `d` (with its result `res`), as the sharded engine's reader does.
    pub fn process_decoded(
        &mut self,
        pkt: &RawPacket<'_>,
        d: &Decoded,
        res: Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        self.flush_rest();
        self.stats.packets += 1;
        self.stats.bytes += u64::from(d.counted_len);
        if let Err(DecodeError::UnsupportedLinkType(lt)) = res {
            self.stats.packets_skipped += 1;
            return Err(DecodeError::UnsupportedLinkType(lt));
        }
        // "Now" is this packet's time, even when the capture's clock runs
        // backwards (Argus's global time): flows are queued and found due
        // by it. The sweeps still wait for the clock to pass the next sweep
        // time, which a backward step never does.
        self.now = d.ts_usec;
        if res.is_ok() {
            if self.opts.user_data_len > 0 {
                self.take_user_bytes(d, pkt.data);
            }
            self.app = app::packet_app(d, pkt.data, pkt.linktype);
            self.packet(d);
        } else {
            self.stats.packets_skipped += 1;
        }
        self.maybe_sweep();
        Ok(())
    }

    /// Move the packet clock to `now` (never back) and sweep the queues if
    /// due, as after a packet of that time: a shard of a sharded engine is
    /// told of the time its sibling shards' packets moved the clock to.
    pub fn advance_clock(&mut self, now: i64) {
        self.flush_rest();
        if now > self.now {
            self.now = now;
        }
        self.maybe_sweep();
    }

    /// Sweep the queues every [`SWEEP_INTERVAL_USEC`] of packet time
    /// (mirrored by [`shard::SweepClock`]).
    fn maybe_sweep(&mut self) {
        if self.now >= self.sweep_at {
            if self.now - self.sweep_at > SWEEP_INTERVAL_USEC {
                self.sweep_at = self.now;
            }
            // saturating: a capture clock clamped to i64::MAX (absurd pcapng stamps) must not overflow
            self.sweep_at = self.sweep_at.saturating_add(SWEEP_INTERVAL_USEC);
            self.sweep(false);
        }
    }

    /// Number records `first`, `first + step`, ... (a shard's share of the
    /// sequence numbers, so that shards never hand out the same one).
    pub fn number_records(&mut self, first: u32, step: u32) {
        self.next_seq = first.max(1);
        self.seq_step = step.max(1);
    }

    /// The bytes `-U` captures from this packet: the transport payload for
    /// TCP and UDP, the whole transport header and payload otherwise (ICMP
    /// from its header), only what was captured and the IP length covers.
    fn take_user_bytes(&mut self, d: &Decoded, data: &[u8]) {
        self.user_bytes.clear();
        if !d.is_ip() {
            // Layer-2 flows: from just past the link headers Argus stepped over.
            if let Some(b) = d.l2_user_offset.and_then(|o| data.get(o as usize..)) {
                let want = self.opts.user_data_len as usize;
                self.user_bytes.extend_from_slice(&b[..b.len().min(want)]);
            }
            return;
        }
        if d.frag.is_fragment && d.frag.offset != 0 {
            return;
        }
        let (mut start, mut len) = if d.tcp.is_some() || (d.proto == 17 && d.has_ports) {
            (d.payload_offset as usize, d.payload_len as usize)
        } else {
            (d.l4_offset as usize, d.l4_len as usize)
        };
        // An IPv4 ICMP error: Argus has stepped over the ICMP header and the
        // quoted IP header by then, so capture starts at the quoted transport.
        if let Some(m) = d.icmp
            && m.quote.present
            && d.family == Family::Ipv4
            && let Some(&vhl) = data.get(start + 8)
        {
            let skip = 8 + usize::from(vhl & 0x0f) * 4;
            start += skip;
            len = len.saturating_sub(skip);
        }
        let want = len.min(self.opts.user_data_len as usize);
        if let Some(b) = data.get(start..) {
            self.user_bytes.extend_from_slice(&b[..b.len().min(want)]);
        }
    }

    /// End of input: report every flow that has unreported packets, keeping
    /// its current cause, as Argus does at the end of a capture file.
    pub fn finish(&mut self) {
        self.flush_all(None);
    }

    /// Orderly shutdown (signal, end of live capture): like [`finish`] but the
    /// records carry cause SHUTDOWN.
    pub fn shutdown(&mut self) {
        self.flush_all(Some(Cause::Shutdown));
    }

    fn flush_all(&mut self, cause: Option<Cause>) {
        self.flush_rest();
        // The queues themselves are the order (stale entries are skipped
        // as they come up): no copy of every open flow's slot.
        let mut order = FlushOrder::default();
        order.push(QueueId::Status, std::mem::take(&mut self.status_queue));
        for (q, queue) in self.idle_queues.iter_mut().enumerate() {
            let timeout = queue.timeout_usec;
            let taken = std::mem::replace(queue, FlowQueue::new(timeout));
            order.push(QueueId::Timeout(q as u8), taken);
        }
        self.flushing = order;
        self.flush_cause = cause;
        if self.flushing.is_empty() {
            self.frags.clear();
        }
    }

    /// Report flows of the end-of-input flush until `want` records are out
    /// or none is left; false when none was left.
    fn flush_some(&mut self, want: usize) -> bool {
        if self.flushing.is_empty() {
            return false;
        }
        while self.out.len() < want {
            let Some((queue, slot, generation)) = self.flushing.pop() else {
                self.frags.clear();
                break;
            };
            if !self.is_current(slot, generation, queue) {
                continue;
            }
            if let Some(f) = self.flows[slot as usize].as_mut()
                && !f.written
            {
                if let Some(c) = self.flush_cause {
                    f.acc.cause = c;
                }
                self.report(slot);
            }
            self.delete(slot);
        }
        if self.flushing.is_empty() {
            self.frags.clear();
        }
        true
    }

    /// Finish an end-of-input flush at once (more packets are coming).
    fn flush_rest(&mut self) {
        if !self.flushing.is_empty() {
            self.flush_some(usize::MAX);
        }
    }

    fn is_current(&self, slot: u32, generation: u32, q: QueueId) -> bool {
        matches!(self.flows.get(slot as usize), Some(Some(f)) if f.qgen == generation && f.queue == q)
    }

    fn packet(&mut self, d: &Decoded) {
        let Some((pkey, orient)) = key::packet_key(d, &self.opts) else {
            self.stats.packets_skipped += 1;
            return;
        };
        self.stats.packets_flowed += 1;
        self.stats.bytes_flowed += u64::from(d.counted_len);
        let (ckey, pkt_is_b) = match orient {
            key::Orient::Sort if !self.opts.unidirectional => key::canonical(pkey),
            key::Orient::Reply => (pkey, true),
            _ => (pkey, false),
        };

        // A later fragment goes to the flow of its first fragment while its
        // datagram is incomplete.
        let mut frag_parent = None;
        if ckey.kind == KeyKind::Ipv4Frag {
            frag_parent = self
                .frags
                .parent(&ckey)
                .filter(|&p| self.flows[p as usize].is_some());
            self.cover_fragment(ckey, d.frag.offset, d.l4_len, d.frag.more);
        }
        if let Some(parent) = frag_parent {
            let forward = {
                let f = self.flows[parent as usize]
                    .as_ref()
                    .unwrap_or_else(|| unreachable!());
                // The fragment's addresses tell its direction in the parent flow.
                let k = f.key.get();
                let src = if f.src_is_b { k.b } else { k.a };
                src == d.src
            };
            self.touch(parent);
            self.update(parent, d, forward, Cause::Status);
            return;
        }

        let slot = match self.table.get(&ckey, &self.flows) {
            Some(slot) => {
                let due = {
                    let f = self.flows[slot as usize]
                        .as_ref()
                        .unwrap_or_else(|| unreachable!());
                    f.queue == QueueId::Status
                        && self.now - f.qtime >= self.opts.status_interval_usec
                };
                if due {
                    // Reports the flow only if the sweep reaches it: after
                    // the clock ran backwards, flows queued at later times
                    // stop the sweep before it, and the flow is just
                    // requeued (as Argus does).
                    self.sweep(true);
                }
                self.touch(slot);
                slot
            }
            None => {
                let slot = self.new_flow(ckey, pkt_is_b);
                let forward = self.flows[slot as usize]
                    .as_ref()
                    .is_some_and(|f| f.src_is_b == pkt_is_b);
                self.update(slot, d, forward, Cause::Start);
                return;
            }
        };
        let forward = {
            let f = self.flows[slot as usize]
                .as_ref()
                .unwrap_or_else(|| unreachable!());
            f.src_is_b == pkt_is_b
        };
        self.update(slot, d, forward, Cause::Status);
    }

    /// Count a fragment's bytes towards its datagram; once the datagram is
    /// complete, its parent flow no longer expects fragments.
    fn cover_fragment(&mut self, fk: FlowKey, offset: u32, len: u32, more: bool) {
        let parent = self.frags.parent(&fk);
        if self.frags.add(fk, offset, len, more)
            && let Some(p) = parent
            && let Some(f) = self.flows[p as usize].as_mut()
        {
            f.acc.forget_frag_key(&fk);
        }
    }

    /// Requeue a flow at the tail of the status queue unless it is due there
    /// already (Argus moves a flow only when it is on an idle queue or was
    /// just reported).
    fn touch(&mut self, slot: u32) {
        let now = self.now;
        let interval = self.opts.status_interval_usec;
        let f = self.flows[slot as usize]
            .as_mut()
            .unwrap_or_else(|| unreachable!());
        let requeue = match f.queue {
            QueueId::Status => now - f.qtime >= interval,
            _ => true,
        };
        if requeue {
            f.qgen = self.qgen;
            self.qgen = self.qgen.wrapping_add(1);
            f.queue = QueueId::Status;
            f.qtime = now;
            self.status_queue.push(slot, f.qgen);
        }
    }

    fn new_flow(&mut self, ckey: FlowKey, pkt_is_b: bool) -> u32 {
        while self.cap > 0 && self.table.len() >= self.cap && self.evict_oldest() {}
        // ARP flows are shown as "asker who asked" whichever packet came first.
        let src_is_b = pkt_is_b && !matches!(ckey.kind, KeyKind::Arp | KeyKind::Rarp);
        let flow = Flow {
            key: stored_key::StoredKey::new(&ckey),
            src_is_b,
            written: false,
            queue: QueueId::Status,
            seq: 0,
            qgen: self.qgen,
            qtime: self.now,
            tcp: None,
            acc: Acc::default(),
        };
        let slot = if let Some(s) = self.free.pop() {
            self.flows[s as usize] = Some(flow);
            s
        } else {
            self.flows.push(Some(flow));
            (self.flows.len() - 1) as u32
        };
        self.table.insert(&ckey, slot, &self.flows);
        self.status_queue.push(slot, self.qgen);
        self.qgen = self.qgen.wrapping_add(1);
        self.stats.flows += 1;
        slot
    }

    /// Make room under the open-flow cap: the flow idle longest among the
    /// first [`EVICT_SCAN`] flows of each queue (the queues are in the order
    /// flows were queued, so their heads hold the longest idle) is reported
    /// now, with cause TIMEOUT, and forgotten. False when no flow is held.
    fn evict_oldest(&mut self) -> bool {
        // (last activity, slot)
        let mut best: Option<(i64, u32)> = None;
        for qi in 0..=self.idle_queues.len() {
            let (q, qid) = if qi == 0 {
                (&mut self.status_queue, QueueId::Status)
            } else {
                let id = QueueId::Timeout((qi - 1) as u8);
                (&mut self.idle_queues[qi - 1], id)
            };
            let flows = &self.flows;
            let current = |&(slot, generation): &(u32, u32)| matches!(flows.get(slot as usize), Some(Some(f)) if f.qgen == generation && f.queue == qid);
            // Stale heads go now, so that the head is a flow.
            while q.front().is_some_and(|e| !current(&e)) {
                q.pop_front();
            }
            for (slot, _) in q.iter().filter(|e| current(e)).take(EVICT_SCAN) {
                let Some(Some(f)) = flows.get(slot as usize) else {
                    continue;
                };
                let seen = f.acc.src.last.max(f.acc.dst().last);
                let activity = if seen > 0 { seen } else { f.qtime };
                if best.is_none_or(|(t, _)| activity < t) {
                    best = Some((activity, slot));
                }
            }
        }
        let Some((_, slot)) = best else {
            return false;
        };
        if let Some(f) = self.flows[slot as usize].as_mut()
            && !f.written
        {
            f.acc.cause = Cause::Timeout;
            self.report(slot);
        }
        // Its queue entry turns stale (the slot's next flow has another
        // generation) and is skipped when it comes up.
        self.delete(slot);
        self.stats.flows_evicted += 1;
        true
    }

    /// The idle timeout of flows keyed `k` (for IP flows the key's protocol
    /// is the packet's).
    fn timeout_for(&self, k: &FlowKey) -> i64 {
        let o = &self.opts;
        match k.kind {
            KeyKind::Ipv4Frag | KeyKind::Ipv6Frag => o.frag_timeout_usec,
            KeyKind::Arp | KeyKind::Rarp => o.arp_timeout_usec,
            KeyKind::Ether | KeyKind::Wlan => o.other_timeout_usec,
            KeyKind::L3Matrix => o.ip_timeout_usec,
            KeyKind::Ipv4 | KeyKind::Ipv6 => match k.proto {
                6 => o.tcp_timeout_usec,
                1 | 58 => o.icmp_timeout_usec,
                _ => o.ip_timeout_usec,
            },
        }
    }

    /// Sweep the status queue (every flow due is reported and moved to its
    /// idle queue) and, unless `status_only`, the idle queues.
    fn sweep(&mut self, status_only: bool) {
        let now = self.now;
        let interval = self.opts.status_interval_usec;
        while let Some((slot, generation)) = self.status_queue.front() {
            if !self.is_current(slot, generation, QueueId::Status) {
                self.status_queue.pop_front();
                continue;
            }
            let qtime = self.flows[slot as usize].as_ref().map_or(0, |f| f.qtime);
            if now - qtime < interval {
                break;
            }
            self.status_queue.pop_front();
            let written = self.flows[slot as usize]
                .as_ref()
                .is_some_and(|f| f.written);
            if !written {
                self.report(slot);
            }
            self.move_to_idle_queue(slot);
        }
        if status_only {
            return;
        }
        for q in 0..self.idle_queues.len() {
            let timeout = self.idle_queues[q].timeout_usec;
            while let Some((slot, generation)) = self.idle_queues[q].front() {
                if !self.is_current(slot, generation, QueueId::Timeout(q as u8)) {
                    self.idle_queues[q].pop_front();
                    continue;
                }
                let qtime = self.flows[slot as usize].as_ref().map_or(0, |f| f.qtime);
                if now - qtime < timeout {
                    break;
                }
                self.idle_queues[q].pop_front();
                self.delete(slot);
            }
        }
    }

    fn move_to_idle_queue(&mut self, slot: u32) {
        let now = self.now;
        let timeout = self.flows[slot as usize]
            .as_ref()
            .map_or(0, |f| self.timeout_for(&f.key.get()));
        if timeout <= 0 {
            self.delete(slot);
            return;
        }
        let q = match self
            .idle_queues
            .iter()
            .position(|q| q.timeout_usec == timeout)
        {
            Some(q) => q,
            None => {
                self.idle_queues.push(FlowQueue::new(timeout));
                self.idle_queues.len() - 1
            }
        };
        let f = self.flows[slot as usize]
            .as_mut()
            .unwrap_or_else(|| unreachable!());
        f.qgen = self.qgen;
        self.qgen = self.qgen.wrapping_add(1);
        f.queue = QueueId::Timeout(q as u8);
        f.qtime = now;
        self.idle_queues[q].push(slot, f.qgen);
    }

    fn delete(&mut self, slot: u32) {
        if let Some(f) = self.flows[slot as usize].take() {
            let key = f.key.get();
            self.table.remove(&key, slot);
            if let Some(t) = f.tcp {
                self.tcps.remove(t);
            }
            if let Some(fk) = f.acc.frag_key() {
                self.frags.forget_parent(&fk, slot);
            }
            if key.kind == KeyKind::Ipv4Frag {
                self.frags.forget_orphan(&key);
            }
            self.free.push(slot);
        }
    }

    /// Emit the flow's current record if it holds any packet.
    fn report(&mut self, slot: u32) {
        let Some(f) = self.flows[slot as usize].as_mut() else {
            return;
        };
        if f.acc.pkts() == 0 {
            return;
        }
        if f.seq == 0 {
            f.seq = self.next_seq;
            self.next_seq = self.next_seq.wrapping_add(self.seq_step).max(1);
        }
        let mut rec = f
            .acc
            .record(oriented(&f.key.get(), f.src_is_b), self.opts.monitor_id);
        rec.seq = f.seq;
        (rec.stime, rec.ltime) = record_span(&rec);
        if let Some(t) = f.tcp {
            update::finish_tcp(&mut rec, &self.tcps.get(t));
        }
        f.written = true;
        self.out.push_back(rec);
        self.stats.records += 1;
    }
}

/// Seconds Argus writes when a record has no time with non-zero seconds.
const NO_TIME_SEC: i64 = 0xEFFF_FFFF;

/// The record's (start, last) as Argus 3.0.8 writes them into the time DSR.
///
/// Argus keeps seconds in 32 bits and skips any time whose seconds are 0.
/// Its minimum search compares microseconds with a typo (`tmin.tv_sec >
/// atime->tv_sec` where `tv_usec` was meant), so among the direction times,
/// taken in the order src start, src last, dst start, dst last, the first one
/// with the smallest *second* wins: a destination packet earlier in the same
/// second as the source's first one does not move the start.
fn record_span(rec: &FlowRecord) -> (i64, i64) {
    let mut tmin: Option<i64> = None;
    let mut tmax = 0i64;
    for t in [rec.src.start, rec.src.last, rec.dst.start, rec.dst.last] {
        let sec = i64::from(t.div_euclid(1_000_000) as u32);
        if sec == 0 {
            continue;
        }
        let t = sec * 1_000_000 + t.rem_euclid(1_000_000);
        if tmin.is_none_or(|m| sec < m.div_euclid(1_000_000)) {
            tmin = Some(t);
        }
        tmax = tmax.max(t);
    }
    (tmin.unwrap_or(NO_TIME_SEC * 1_000_000), tmax)
}

/// The key oriented so that `a` is the flow's source.
fn oriented(ckey: &FlowKey, src_is_b: bool) -> FlowKey {
    // ra shows layer-2 flows in the table's order (smaller MAC first), not
    // in the first packet's direction: it does not undo the swap for them.
    if !src_is_b || ckey.kind == KeyKind::Ether {
        return *ckey;
    }
    key::swapped(*ckey)
}

#[cfg(test)]
mod cap_tests;
#[cfg(test)]
mod tests;

/// Issue 6 wants <= 256 bytes per open flow; `cargo test -p argus-core
/// flow_state_sizes -- --nocapture` prints where the bytes are.
#[cfg(test)]
#[test]
fn flow_state_sizes() {
    use std::mem::size_of;
    eprintln!(
        "Flow {} (FlowKey {}, Acc {} with source Dir {}); boxed on use: reply Dir {}, Extra {}; TCP state {} in a slab (TcpConn {})",
        size_of::<Option<Flow>>(),
        size_of::<FlowKey>(),
        size_of::<Acc>(),
        size_of::<acc::Dir>(),
        size_of::<acc::Dir>(),
        size_of::<acc::Extra>(),
        tcp_store::stored_size(),
        size_of::<tcp::TcpConn>(),
    );
    assert!(size_of::<Option<Flow>>() <= 128);
}

#[cfg(test)]
mod span_tests {
    use super::{NO_TIME_SEC, record_span};
    use crate::record::FlowRecord;

    fn rec(src: (i64, i64), dst: (i64, i64)) -> FlowRecord {
        let mut r = FlowRecord::default();
        (r.src.start, r.src.last) = src;
        (r.dst.start, r.dst.last) = dst;
        r
    }

    #[test]
    fn earlier_reply_in_the_same_second_does_not_move_the_start() {
        let r = rec((10_900_000, 11_000_000), (10_100_000, 10_950_000));
        assert_eq!(record_span(&r), (10_900_000, 11_000_000));
    }

    #[test]
    fn earlier_reply_in_an_earlier_second_is_the_start() {
        let r = rec((11_033_845, 12_000_000), (10_952_845, 11_500_000));
        assert_eq!(record_span(&r), (10_952_845, 12_000_000));
    }

    #[test]
    fn times_in_second_zero_are_ignored() {
        let r = rec((500_000, 600_000), (0, 0));
        assert_eq!(record_span(&r), (NO_TIME_SEC * 1_000_000, 0));
        let r = rec((500_000, 3_000_000), (0, 0));
        assert_eq!(record_span(&r), (3_000_000, 3_000_000));
    }

    #[test]
    fn seconds_wrap_to_32_bits() {
        let t = (1i64 << 32) + 5;
        let r = rec((t * 1_000_000, t * 1_000_000), (0, 0));
        assert_eq!(record_span(&r), (5_000_000, 5_000_000));
    }
}
