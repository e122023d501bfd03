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
    /// Index into the engine's list of idle-timeout queues.
    Timeout(u16),
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

    pub fn drain_all(&mut self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.entries.drain(..)
    }
}
