//! Where the engine keeps its flows' TCP connection state between packets.
//!
//! Every TCP flow has one, so it is laid out for memory (issue 6: <= 256
//! bytes per open flow): in one slab (`Vec` and free list, no allocation
//! or allocator header per flow), referenced by a 4-byte [`TcpRef`], and with
//! the destination direction's half allocated only once something was
//! written to it (a SYN flood's or a scan's connections never get one). The
//! state machine ([`TcpConn`]) works on a full copy: [`TcpStates::get`] and
//! [`TcpStates::put`] move between the two.

use super::tcp::{TcpConn, TcpDir, TcpState};
use std::num::NonZeroU32;

/// A flow's TCP state in the slab (its index + 1, so that an
/// `Option<TcpRef>` takes 4 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpRef(NonZeroU32);

impl TcpRef {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// [`TcpConn`] as stored: the same fields, the destination boxed.
#[derive(Debug, Default)]
struct Stored {
    state: TcpState,
    started: bool,
    perf: bool,
    in_protocol: bool,
    status: u32,
    options: u32,
    synack_usec: u32,
    ackdat_usec: u32,
    src: TcpDir,
    /// None while the destination direction is all zeros.
    dst: Option<Box<TcpDir>>,
}

static NO_DIR: TcpDir = TcpDir {
    status: 0,
    seqbase: 0,
    seq: 0,
    ack: 0,
    win: 0,
    winshift: 0,
    flags: 0,
    bytes: 0,
    winbytes: 0,
    winnum: 0,
    ackbytes: 0,
    retrans: 0,
    lasttime: super::tcp::SplitTime::ZERO,
    last_ipid: 0,
};

impl Stored {
    fn write(&mut self, c: &TcpConn) {
        self.state = c.state;
        self.started = c.started;
        self.perf = c.perf;
        self.in_protocol = c.in_protocol;
        self.status = c.status;
        self.options = c.options;
        self.synack_usec = c.synack_usec;
        self.ackdat_usec = c.ackdat_usec;
        self.src = c.src;
        match self.dst.as_deref_mut() {
            Some(d) => *d = c.dst,
            None if c.dst != NO_DIR => self.dst = Some(Box::new(c.dst)),
            None => {}
        }
    }

    fn read(&self) -> TcpConn {
        TcpConn {
            state: self.state,
            status: self.status,
            options: self.options,
            synack_usec: self.synack_usec,
            ackdat_usec: self.ackdat_usec,
            src: self.src,
            dst: self.dst.as_deref().copied().unwrap_or(NO_DIR),
            started: self.started,
            perf: self.perf,
            in_protocol: self.in_protocol,
        }
    }
}

/// The engine's TCP states.
#[derive(Debug, Default)]
pub(crate) struct TcpStates {
    slots: Vec<Stored>,
    free: Vec<TcpRef>,
}

impl TcpStates {
    /// Keep `c` as a new flow's state.
    pub fn insert(&mut self, c: &TcpConn) -> TcpRef {
        if let Some(r) = self.free.pop() {
            self.slots[r.index()].write(c);
            return r;
        }
        let mut s = Stored::default();
        s.write(c);
        self.slots.push(s);
        let n = u32::try_from(self.slots.len()).expect("fewer than 2^32 TCP flows");
        TcpRef(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
    }

    pub fn get(&self, r: TcpRef) -> TcpConn {
        self.slots[r.index()].read()
    }

    pub fn put(&mut self, r: TcpRef, c: &TcpConn) {
        self.slots[r.index()].write(c);
    }

    /// Whether the last segment moved the connection on (see
    /// [`TcpConn::in_protocol`]).
    pub fn in_protocol(&self, r: TcpRef) -> bool {
        self.slots[r.index()].in_protocol
    }

    /// Forget a flow's state (its slot is reused).
    pub fn remove(&mut self, r: TcpRef) {
        self.slots[r.index()] = Stored::default();
        self.free.push(r);
    }
}

/// Bytes one stored TCP state takes in the slab (`flow_state_sizes`).
#[cfg(test)]
pub(crate) fn stored_size() -> usize {
    std::mem::size_of::<Stored>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_field_and_boxes_dst_only_when_used() {
        let mut st = TcpStates::default();
        let mut c = TcpConn {
            status: 5,
            options: 7,
            synack_usec: 11,
            ackdat_usec: 13,
            started: true,
            perf: true,
            ..TcpConn::default()
        };
        c.src.seq = 42;
        c.src.lasttime = super::super::tcp::SplitTime::new(1_700_000_000_123_456);
        let r = st.insert(&c);
        assert!(st.slots[r.index()].dst.is_none());
        let back = st.get(r);
        assert_eq!((back.src, back.dst, back.status), (c.src, c.dst, c.status));
        c.dst.ack = 9;
        st.put(r, &c);
        assert!(st.slots[r.index()].dst.is_some());
        assert_eq!(st.get(r).dst.ack, 9);
        assert_eq!(st.get(r).src.lasttime.get(), 1_700_000_000_123_456);
        st.remove(r);
        let r2 = st.insert(&TcpConn::default());
        assert_eq!(r2, r);
        assert!(st.slots[r2.index()].dst.is_none());
    }
}
