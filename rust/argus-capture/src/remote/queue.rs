//! A client's bounded output queue: chunks of encoded records waiting for
//! the client's writer thread. The producer (the sensor loop) never blocks
//! longer than the stall limit it gives; when the queue stays full the
//! client is dropped instead.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    /// No more pushes; the writer drains what is left when `drain`.
    closed: bool,
    drain: bool,
}

/// Why a push did not go in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// Full for longer than the stall limit: the client reads too slowly.
    Full,
    /// The client is gone (closed the connection, or was dropped).
    Closed,
}

pub struct ByteQueue {
    limit: usize,
    state: Mutex<State>,
    changed: Condvar,
}

impl ByteQueue {
    /// A queue holding at most `limit` bytes (one chunk larger than the
    /// limit is still taken into an empty queue).
    pub fn new(limit: usize) -> ByteQueue {
        ByteQueue {
            limit: limit.max(1),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue `chunk`, waiting at most `stall` for room.
    pub fn push(&self, chunk: Vec<u8>, stall: Duration) -> Result<(), PushError> {
        if chunk.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + stall;
        let mut s = self.lock();
        loop {
            if s.closed {
                return Err(PushError::Closed);
            }
            if s.bytes == 0 || s.bytes + chunk.len() <= self.limit {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(PushError::Full);
            }
            s = self
                .changed
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        s.bytes += chunk.len();
        s.chunks.push_back(chunk);
        self.changed.notify_all();
        Ok(())
    }

    /// The next chunk; `None` once closed (and, if draining, empty).
    pub fn pop(&self) -> Option<Vec<u8>> {
        let mut s = self.lock();
        loop {
            if s.closed && !s.drain {
                return None;
            }
            if let Some(c) = s.chunks.pop_front() {
                s.bytes -= c.len();
                self.changed.notify_all();
                return Some(c);
            }
            if s.closed {
                return None;
            }
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// No more chunks: the writer sends what is queued first when `drain`,
    /// else stops at once.
    pub fn close(&self, drain: bool) {
        let mut s = self.lock();
        if !s.closed {
            s.closed = true;
            s.drain = drain;
        } else if !drain {
            s.drain = false;
        }
        self.changed.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    pub fn queued_bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_then_full_then_closed() {
        let q = ByteQueue::new(10);
        q.push(vec![1; 8], Duration::ZERO).unwrap();
        assert_eq!(
            q.push(vec![2; 8], Duration::from_millis(10)),
            Err(PushError::Full)
        );
        assert_eq!(q.pop(), Some(vec![1; 8]));
        q.push(vec![3; 20], Duration::ZERO).unwrap(); // oversize into an empty queue
        q.close(true);
        assert_eq!(q.push(vec![4], Duration::ZERO), Err(PushError::Closed));
        assert_eq!(q.pop(), Some(vec![3; 20]));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn close_without_drain_drops_the_rest() {
        let q = ByteQueue::new(100);
        q.push(vec![1], Duration::ZERO).unwrap();
        q.close(false);
        assert_eq!(q.pop(), None);
    }
}
