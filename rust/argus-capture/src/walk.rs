//! Walking shards: each worker of the sharded flow table walks the whole
//! mapped capture itself ([`crate::mapped`]) and keeps the packets whose
//! flows hash to it, so that no thread reads, routes and copies frames for
//! the others (the reading thread bounded the speed-up of two threads:
//! bench/RESULTS.md, "Two cores").
//!
//! Every worker sees every packet, so each runs the whole routing and
//! timing of [`crate::ShardedEngine::process`] for itself and gives its
//! engine exactly the items the reading thread would have sent it: its own
//! frames with the global clock before them, the ICMP errors quoting one of
//! its flows, a tick at each sweep another shard's frame caused, and the
//! same round boundaries (every [`ROUND_PACKETS`] frames of the input) and
//! sweep epochs. The records, their order and the epochs are therefore
//! those of the reader-fed shards, with no communication between workers;
//! the calling thread collects each round shard by shard as before.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use argus_core::decode::{self, Decoded};
use argus_core::flow::Engine;
use argus_core::flow::shard::{self, SweepClock};
use argus_core::options::EngineOptions;
use argus_format::map::WriteOptions;

use crate::mapped::MappedPcap;
use crate::sharded::{Batch, Msg, ROUND_PACKETS, Reply, drain, encode_batch};

/// What a walking worker needs besides its engine and channels.
pub(crate) struct WalkPlan {
    pub shard: usize,
    pub shards: usize,
    pub opts: EngineOptions,
    pub files: Vec<Arc<MappedPcap>>,
    pub encode: Option<WriteOptions>,
    /// Set by the caller (a signal): stop at the next round's end.
    pub stop: Arc<AtomicBool>,
}

/// The shard's state between frames.
struct Walker {
    engine: Engine,
    plan: WalkPlan,
    tx: SyncSender<Reply>,
    rx: Receiver<Msg>,
    spares: Vec<Batch>,
    batch: Batch,
    /// The epoch of this round's items so far (`None`: none yet).
    item_epoch: Option<u64>,
    errors: Vec<String>,
}

impl Walker {
    /// An item of `epoch` arrives: records made before it belong to the
    /// previous items' epoch (the reader-fed worker's rule).
    #[inline]
    fn item(&mut self, epoch: u64) {
        match self.item_epoch {
            Some(e) if e == epoch => {}
            Some(e) => {
                drain(
                    &mut self.engine,
                    &mut self.batch.records,
                    &mut self.batch.epochs,
                    e,
                );
                self.item_epoch = Some(epoch);
            }
            None => self.item_epoch = Some(epoch),
        }
    }

    /// Send this round's records; false when the caller is gone.
    fn send(&mut self, epoch_after: u64, frames: usize, last: bool) -> bool {
        let epoch = self.item_epoch.take().unwrap_or(0);
        drain(
            &mut self.engine,
            &mut self.batch.records,
            &mut self.batch.epochs,
            epoch,
        );
        if let Some(opts) = &self.plan.encode {
            encode_batch(&mut self.batch, opts);
        }
        while let Ok(Msg::Round(b)) = self.rx.try_recv() {
            self.spares.push(b);
        }
        let next = self.spares.pop().unwrap_or_default();
        let batch = std::mem::replace(&mut self.batch, next);
        let reply = Reply {
            batch,
            stats: self.engine.stats(),
            open: self.engine.open_flows(),
            epoch_after,
            frames,
            last,
            errors: std::mem::take(&mut self.errors),
        };
        self.tx.send(reply).is_ok()
    }
}

/// A walking worker's life: every packet of every file, then the flush.
pub(crate) fn walk(engine: Engine, plan: WalkPlan, rx: Receiver<Msg>, tx: SyncSender<Reply>) {
    let mut w = Walker {
        engine,
        plan,
        tx,
        rx,
        spares: Vec::new(),
        batch: Batch::default(),
        item_epoch: None,
        errors: Vec::new(),
    };
    let me = w.plan.shard;
    let n = w.plan.shards;
    let files = w.plan.files.clone();
    let mut scratch: Box<Decoded> = Box::default();
    let mut clock = SweepClock::default();
    let mut epoch = 0u64;
    // The last packet clock this shard was given.
    let mut my_clock = 0i64;
    let mut round = 0usize;
    let mut stopped = false;
    'files: for file in &files {
        let mut packets = file.packets();
        loop {
            let pkt = match packets.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    // every shard meets it; one reports it
                    if me == 0 {
                        w.errors.push(e.to_string());
                    }
                    break;
                }
            };
            let before = clock.now;
            // the link type is supported (checked when mapped)
            let swept = clock.advance(pkt.ts_usec);
            let (owner, quoted) = match shard::fast_route(&pkt, &w.plan.opts, n) {
                Some(owner) => (owner, None),
                None => {
                    if decode::decode(&pkt, &mut scratch).is_ok() {
                        shard::route(&scratch, &w.plan.opts, n)
                    } else {
                        (0, None)
                    }
                }
            };
            if owner == me {
                w.item(epoch);
                if before > my_clock {
                    w.engine.advance_clock(before);
                }
                let _ = w.engine.process(&pkt);
                my_clock = clock.now;
            }
            if quoted == Some(me) {
                w.item(epoch);
                if before > my_clock {
                    my_clock = before;
                    w.engine.advance_clock(before);
                }
                let _ = decode::decode(&pkt, &mut scratch);
                w.engine.annotate_icmp_error(&scratch);
            }
            if swept {
                if owner != me {
                    w.item(epoch);
                    w.engine.advance_clock(clock.now);
                    my_clock = clock.now;
                }
                epoch += 1;
            }
            round += 1;
            if round >= ROUND_PACKETS {
                if !w.send(epoch, round, false) {
                    return;
                }
                round = 0;
                if w.plan.stop.load(Ordering::Relaxed) {
                    stopped = true;
                    break 'files;
                }
            }
        }
    }
    if round > 0 && !w.send(epoch, round, false) {
        return;
    }
    let shutdown = stopped || w.plan.stop.load(Ordering::Relaxed);
    if shutdown {
        w.engine.shutdown();
    } else {
        w.engine.finish();
    }
    w.item_epoch = Some(epoch);
    w.send(u64::MAX, 0, true);
}
