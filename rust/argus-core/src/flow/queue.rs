//! Argus's FIFO queues of flows (status queue, per-timeout idle queues).
//!
//! A flow is in at most one queue. Removing it from the middle is done
//! lazily: each entry carries the flow's queue generation, and an entry whose
//! generation no longer matches is skipped when it reaches the front.

use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QueueId {
    #[default]
    None,
    Status,
    /// Index into the engine's list of idle-timeout queues (one per
    /// distinct timeout: a handful; a byte keeps the flow 8 bytes smaller).
    Timeout(u8),
}

#[derive(Debug, Default)]
pub struct FlowQueue {
    entries: VecDeque<(u32, u32)>,
    /// For idle queues: the timeout shared by every flow in the queue (µs).
    pub timeout_usec: i64,
}

impl FlowQueue {
    pub fn new(timeout_usec: i64) -> Self {
        FlowQueue {
            entries: VecDeque::new(),
            timeout_usec,
        }
    }

    pub fn push(&mut self, slot: u32, generation: u32) {
        self.entries.push_back((slot, generation));
    }

    /// The oldest entry, stale or not.
    pub fn front(&self) -> Option<(u32, u32)> {
        self.entries.front().copied()
    }

    pub fn pop_front(&mut self) -> Option<(u32, u32)> {
        self.entries.pop_front()
    }

    /// The entries, oldest first, stale or not.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.entries.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The end-of-input flush order: whole queues taken over (the status queue,
/// then each idle queue), walked entry by entry as records are taken, so
/// that the flush needs no list of its own of every open flow.
#[derive(Debug, Default)]
pub struct FlushOrder {
    queues: VecDeque<(QueueId, FlowQueue)>,
}

impl FlushOrder {
    pub fn push(&mut self, id: QueueId, q: FlowQueue) {
        if q.len() > 0 {
            self.queues.push_back((id, q));
        }
    }

    /// Entries left, stale ones included.
    pub fn len(&self) -> usize {
        self.queues.iter().map(|(_, q)| q.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// The next entry (slot, generation) and the queue it was on.
    pub fn pop(&mut self) -> Option<(QueueId, u32, u32)> {
        let (id, q) = self.queues.front_mut()?;
        let id = *id;
        let e = q.pop_front();
        if q.len() == 0 {
            self.queues.pop_front();
        }
        e.map(|(slot, generation)| (id, slot, generation))
    }
}
