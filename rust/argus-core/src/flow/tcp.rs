//! TCP connection tracking with Argus 3.0.8's state machine and its
//! sequence-space bookkeeping (retransmission, out-of-order, window shut,
//! handshake timing). Status bits are Argus's own so that records carry them
//! unchanged.

use crate::decode::{TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG, Tcp};

pub const SAW_SYN: u32 = 0x0000_0001;
pub const SAW_SYN_SENT: u32 = 0x0000_0002;
pub const CON_ESTABLISHED: u32 = 0x0000_0004;
pub const FIN: u32 = 0x0000_0008;
pub const FIN_ACK: u32 = 0x0000_0010;
pub const NORMAL_CLOSE: u32 = 0x0000_0020;
pub const PKTS_RETRANS: u32 = 0x0000_0300;
pub const SRC_PKTS_RETRANS: u32 = 0x0000_0100;
pub const DST_PKTS_RETRANS: u32 = 0x0000_0200;
pub const WINDOW_SHUT: u32 = 0x0000_0c00;
pub const SRC_WINDOW_SHUT: u32 = 0x0000_0400;
pub const DST_WINDOW_SHUT: u32 = 0x0000_0800;
pub const RESET: u32 = 0x0000_3000;
pub const SRC_RESET: u32 = 0x0000_1000;
pub const DST_RESET: u32 = 0x0000_2000;
pub const SRC_CONGESTED: u32 = 0x0000_4000;
pub const DST_CONGESTED: u32 = 0x0000_8000;
pub const OUTOFORDER: u32 = 0x0003_0000;
pub const SRC_OUTOFORDER: u32 = 0x0001_0000;
pub const DST_OUTOFORDER: u32 = 0x0002_0000;
pub const DUPLICATES: u32 = 0x000c_0000;
pub const SRC_DUPLICATES: u32 = 0x0004_0000;
pub const DST_DUPLICATES: u32 = 0x0008_0000;
pub const ECN_CONGESTED: u32 = SRC_CONGESTED | DST_CONGESTED;
/// Option bits for ECN negotiation seen on the SYN / SYN-ACK.
pub const OPT_SRC_ECN: u32 = 0x4000_0000;
pub const OPT_DST_ECN: u32 = 0x8000_0000;

/// Connection states (BSD TCPS_* numbering, as Argus uses it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TcpState {
    #[default]
    Closed = 0,
    Listen = 1,
    SynSent = 2,
    SynReceived = 3,
    Established = 4,
    CloseWait = 5,
    FinWait1 = 6,
    Closing = 7,
    LastAck = 8,
    FinWait2 = 9,
    TimeWait = 10,
}

/// One direction of a TCP connection: Argus's `ArgusTCPObjectMetrics`,
/// whose counters are unsigned 32-bit and wrap as Argus's do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpDir {
    pub status: u32,
    pub seqbase: u32,
    pub seq: u32,
    pub ack: u32,
    pub win: u16,
    pub winshift: u8,
    pub flags: u8,
    pub bytes: u32,
    /// Bytes sent and not yet acknowledged.
    pub winbytes: u32,
    /// Windows (acknowledgements that moved on) counted for the peer.
    pub winnum: u32,
    /// Sequence bytes of earlier rollovers (Argus keeps them here).
    pub ackbytes: u32,
    pub retrans: u32,
    pub lasttime: SplitTime,
    pub last_ipid: u16,
}

/// A µs time kept as two 32-bit halves, so that a [`TcpDir`] aligns to 4
/// bytes (52 instead of 56): the TCP state is held per open TCP flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SplitTime([u32; 2]);

impl SplitTime {
    pub const ZERO: SplitTime = SplitTime([0, 0]);

    pub fn new(usec: i64) -> Self {
        SplitTime([usec as u32, (usec >> 32) as u32])
    }

    pub fn get(self) -> i64 {
        (i64::from(self.0[1] as i32) << 32) | i64::from(self.0[0])
    }
}

/// What a packet did to the connection, for the flow to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOutcome {
    Continue,
    /// A new SYN after the connection closed: the flow must report (cause
    /// STOP) and start over with this packet.
    Restart,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct TcpConn {
    pub state: TcpState,
    pub status: u32,
    pub options: u32,
    pub synack_usec: u32,
    pub ackdat_usec: u32,
    pub src: TcpDir,
    pub dst: TcpDir,
    /// Set once the connection saw its first segment.
    pub started: bool,
    /// More than one segment seen (Argus switches TCP_INIT to TCP_PERF).
    pub perf: bool,
    /// The last segment moved the connection on (Argus's `ArgusInProtocol`):
    /// not a pure ACK, window probe, shut window or retransmission. Decides
    /// the jitter class (active/idle) of the interval before it.
    pub in_protocol: bool,
}

/// One TCP segment as the tracker sees it.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub tcp: Tcp,
    /// Payload length as Argus takes it: its running packet length less the
    /// TCP header (see `app::PacketApp::tcp_len`); negative for a header
    /// longer than the segment, and then wrapped into the counters as
    /// Argus's `int` is.
    pub len: i32,
    pub now: i64,
    /// IP identification as Argus compares it (see `update::argus_ipid`).
    pub ipid: u16,
    /// True when the segment travels in the flow's source direction.
    pub forward: bool,
    pub track_duplicates: bool,
}

impl TcpConn {
    fn dirs(&mut self, forward: bool) -> (&mut TcpDir, &mut TcpDir) {
        if forward {
            (&mut self.src, &mut self.dst)
        } else {
            (&mut self.dst, &mut self.src)
        }
    }

    /// First segment of a connection (or of a restarted one).
    pub fn start(&mut self, s: &Segment) {
        *self = TcpConn {
            started: true,
            ..TcpConn::default()
        };
        let t = s.tcp;
        let flags = t.flags;
        let len = s.len as u32;
        self.options |= t.options;
        let (me, peer) = self.dirs(s.forward);
        if let Some(ws) = t.wscale {
            me.winshift = ws;
        }
        me.lasttime = SplitTime::new(s.now);
        if flags & TH_RST != 0 {
            me.status |= RESET;
            me.bytes = me.bytes.wrapping_add(len);
            me.flags |= flags;
            if t.seq != 0 {
                me.seqbase = t.seq.wrapping_sub(1);
                me.seq = t.seq.wrapping_add(len);
            } else {
                me.seqbase = t.ack.wrapping_sub(1);
                me.seq = t.ack.wrapping_sub(1);
            }
            peer.ack = t.ack.wrapping_sub(1);
            self.status |= RESET;
            self.state = TcpState::Listen;
            return;
        }
        me.bytes = me.bytes.wrapping_add(len);
        me.flags |= flags;
        match flags & (TH_SYN | TH_ACK | TH_FIN | TH_PUSH | TH_URG) {
            TH_SYN => {
                me.seqbase = t.seq;
                me.seq = t.seq;
                me.win = t.win;
                self.status |= SAW_SYN;
                self.state = TcpState::SynSent;
                if flags & (TH_ECE | TH_CWR) == (TH_ECE | TH_CWR) {
                    self.options |= OPT_SRC_ECN;
                }
            }
            f if f == TH_SYN | TH_ACK => {
                me.seqbase = t.seq;
                me.seq = t.seq;
                me.win = t.win;
                peer.ack = t.ack.wrapping_sub(1);
                self.status |= SAW_SYN_SENT;
                self.state = TcpState::SynReceived;
                if flags & (TH_ECE | TH_CWR) == TH_ECE {
                    self.options |= OPT_DST_ECN;
                }
            }
            f if f & TH_SYN == 0 && f & TH_FIN == 0 && f & (TH_ACK | TH_PUSH | TH_URG) != 0 => {
                if f & TH_ACK != 0 {
                    peer.ack = t.ack.wrapping_sub(1);
                }
                me.seqbase = t.seq.wrapping_sub(1);
                me.seq = t.seq.wrapping_add(len);
                me.win = t.win;
                self.status |= CON_ESTABLISHED;
                self.state = TcpState::Established;
            }
            f if f == TH_FIN || f == TH_FIN | TH_ACK => {
                me.seqbase = t.seq.wrapping_sub(1);
                me.seq = t.seq.wrapping_add(len);
                me.win = t.win;
                self.status |= FIN;
                self.state = TcpState::FinWait1;
            }
            _ => {
                me.seqbase = t.seq.wrapping_sub(1);
                me.seq = t.seq.wrapping_add(len);
                me.win = t.win;
                self.status |= CON_ESTABLISHED;
                self.state = TcpState::Closing;
            }
        }
    }

    /// A later segment. Returns whether the flow must restart.
    pub fn update(&mut self, s: &Segment) -> TcpOutcome {
        let t = s.tcp;
        let flags = t.flags;
        self.in_protocol = true;
        if self.state == TcpState::Listen {
            if flags & TH_SYN != 0 {
                return TcpOutcome::Restart;
            }
            let (me, _) = self.dirs(s.forward);
            me.flags |= flags;
            me.lasttime = SplitTime::new(s.now);
            return TcpOutcome::Continue;
        }
        self.perf = true;
        self.options |= t.options;
        let ecn = self.options & (OPT_SRC_ECN | OPT_DST_ECN) != 0;
        {
            let (me, _) = self.dirs(s.forward);
            if let Some(ws) = t.wscale {
                me.winshift = ws;
            }
            me.flags |= flags;
        }
        if ecn && flags & TH_ECE != 0 && flags & TH_ACK != 0 {
            self.status |= if s.forward {
                SRC_CONGESTED
            } else {
                DST_CONGESTED
            };
        }
        let mut outcome = TcpOutcome::Continue;
        if self.update_sequence(s) {
            match self.update_state_machine(s) {
                TcpState::Listen if flags == TH_SYN => {
                    outcome = TcpOutcome::Restart;
                }
                TcpState::Closed | TcpState::TimeWait if self.status & RESET == 0 => {
                    self.status |= NORMAL_CLOSE;
                }
                _ => {}
            }
        }
        let (me, _) = self.dirs(s.forward);
        me.lasttime = SplitTime::new(s.now);
        outcome
    }

    /// Sequence-space bookkeeping (ArgusUpdateTCPSequence, with its unsigned
    /// arithmetic); false when the segment is a duplicate.
    fn update_sequence(&mut self, s: &Segment) -> bool {
        let t = s.tcp;
        let flags = t.flags;
        if flags == TH_SYN {
            return true;
        }
        let len = s.len as u32;
        let seq = t.seq;
        let newseq = seq.wrapping_add(len);
        let mut in_protocol = true;
        let forward = s.forward;
        let (me, peer) = self.dirs(forward);
        let last_ipid = me.last_ipid;
        if t.win == 0 && flags & (TH_FIN | TH_RST) == 0 {
            me.status |= WINDOW_SHUT;
            in_protocol = false;
        } else if flags & (TH_FIN | TH_RST) == 0 {
            me.win = t.win;
        }
        if len != 0 && peer.win != 0 {
            me.bytes = me.bytes.wrapping_add(len);
            if me.winbytes == 0 {
                in_protocol = false;
            }
            if me.flags & TH_FIN != 0 {
                if seq < me.seq {
                    me.retrans += 1;
                    me.status |= PKTS_RETRANS;
                } else if flags & TH_FIN == 0 {
                    me.status |= OUTOFORDER;
                }
            }
            if flags & TH_SYN == 0 {
                me.winbytes = me.winbytes.wrapping_add(len);
            }
        } else {
            in_protocol = false;
        }
        let mut duplicate = false;
        if newseq < seq {
            // Sequence space wrapped: the bytes so far go to the rollover count.
            me.ackbytes = me.ackbytes.wrapping_add(me.seq.wrapping_sub(me.seqbase));
            me.seqbase = newseq;
            me.seq = newseq;
        } else if me.seqbase == 0 {
            me.seqbase = seq;
            me.seq = newseq;
        } else if len != 0 {
            if s.track_duplicates && s.ipid != 0 && last_ipid == s.ipid {
                duplicate = true;
            } else {
                if peer.win != 0 {
                    if seq < peer.ack {
                        let behind = peer.ack - seq;
                        if behind < u32::from(me.win).wrapping_shr(u32::from(me.winshift)) {
                            me.retrans += 1;
                            me.status |= PKTS_RETRANS;
                            me.winbytes = me.winbytes.wrapping_sub(len);
                            in_protocol = false;
                        }
                    } else {
                        let maxseq = newseq.max(me.seq);
                        if me.win != 0 {
                            let dipid = i32::from(s.ipid) - i32::from(last_ipid);
                            if last_ipid != 0 && dipid < 0 && dipid > -5000 {
                                me.status |= OUTOFORDER;
                            } else if me.winbytes > maxseq.wrapping_sub(1).wrapping_sub(peer.ack) {
                                me.retrans += 1;
                                me.status |= PKTS_RETRANS;
                                me.winbytes = me.winbytes.wrapping_sub(len);
                                in_protocol = false;
                            } else if newseq < me.seq {
                                if seq == peer.ack.wrapping_add(1) {
                                    me.retrans += 1;
                                    me.status |= PKTS_RETRANS;
                                    me.winbytes = me.winbytes.wrapping_sub(len);
                                } else {
                                    me.status |= OUTOFORDER;
                                }
                            }
                        }
                        me.seq = maxseq;
                    }
                }
                me.last_ipid = s.ipid;
            }
        }
        if duplicate {
            // Argus marks duplicates on the source side's status whichever
            // way the packet went (SRC_ or DST_DUPLICATES by direction).
            self.src.status |= if forward {
                SRC_DUPLICATES
            } else {
                DST_DUPLICATES
            };
            self.in_protocol = in_protocol;
            return false;
        }
        if t.ack != 0 && flags & TH_ACK != 0 {
            let ack1 = t.ack.wrapping_sub(1);
            if me.ack != 0 && peer.seq > me.ack {
                peer.winbytes = peer.seq.wrapping_sub(1).wrapping_sub(me.ack);
            }
            if me.ack != ack1 {
                if me.ack == 0 || peer.seq == t.ack {
                    peer.winbytes = 0;
                    if peer.seq == t.ack {
                        peer.winnum = peer.winnum.wrapping_add(1);
                    }
                } else if flags & TH_SYN == 0 {
                    // Acknowledged bytes leave the window, never more than it holds.
                    let acked = ack1.wrapping_sub(me.ack);
                    peer.winbytes -= peer.winbytes.min(acked);
                    peer.winnum = peer.winnum.wrapping_add(1);
                }
                me.ack = ack1;
            }
        }
        self.in_protocol = in_protocol;
        true
    }

    fn update_state_machine(&mut self, s: &Segment) -> TcpState {
        let t = s.tcp;
        let flags = t.flags;
        let len = s.len;
        let now = s.now;
        let mut state = self.state;
        let (me, peer) = if s.forward {
            (&mut self.src, &mut self.dst)
        } else {
            (&mut self.dst, &mut self.src)
        };
        if flags & TH_RST != 0 {
            self.status |= RESET;
            me.status |= RESET;
            if state == TcpState::SynSent {
                state = if peer.seq == me.ack {
                    TcpState::Listen
                } else {
                    TcpState::Closing
                };
            } else {
                // A shift of 32 or more wraps as the x86 shift does.
                let window = me
                    .ack
                    .wrapping_add(u32::from(me.win).wrapping_shr(u32::from(me.winshift)));
                state = if t.seq >= me.ack && t.seq < window {
                    TcpState::Closed
                } else {
                    TcpState::Closing
                };
            }
        } else {
            match state {
                TcpState::Listen | TcpState::SynSent => {
                    if flags == TH_SYN {
                        me.status |= PKTS_RETRANS;
                        me.retrans += 1;
                    } else if flags == TH_SYN | TH_ACK {
                        self.status |= SAW_SYN_SENT;
                        if me.status & SAW_SYN != 0 {
                            state = TcpState::Listen;
                        } else {
                            state = TcpState::SynReceived;
                            if peer.seq == me.ack {
                                self.synack_usec =
                                    (now - peer.lasttime.get()).unsigned_abs() as u32;
                            }
                        }
                        me.status |= SAW_SYN_SENT;
                    } else if flags & TH_FIN != 0 {
                        state = TcpState::FinWait1;
                        self.status |= FIN;
                        me.status |= FIN;
                    } else if flags & TH_ACK != 0 {
                        state = TcpState::Established;
                        self.status |= CON_ESTABLISHED;
                        me.status |= CON_ESTABLISHED;
                    }
                }
                TcpState::SynReceived => {
                    if flags & TH_FIN != 0 {
                        state = TcpState::FinWait1;
                        self.status |= FIN;
                        me.status |= FIN;
                    } else if flags & TH_SYN == 0 {
                        if flags & TH_ACK != 0 {
                            state = TcpState::Established;
                            self.status |= CON_ESTABLISHED;
                            me.status |= CON_ESTABLISHED;
                            if me.seq == peer.ack {
                                self.ackdat_usec =
                                    (now - peer.lasttime.get()).unsigned_abs() as u32;
                            }
                        }
                    } else {
                        me.status |= PKTS_RETRANS;
                        me.retrans += 1;
                    }
                }
                TcpState::Established => {
                    if flags & TH_FIN != 0 {
                        state = TcpState::FinWait1;
                        self.status |= FIN;
                        me.status |= FIN;
                    } else if flags & TH_SYN != 0 {
                        if flags & TH_ACK != 0 {
                            self.status |= SAW_SYN_SENT | CON_ESTABLISHED;
                        }
                        me.status |= PKTS_RETRANS;
                        me.retrans += 1;
                    }
                }
                TcpState::CloseWait
                | TcpState::FinWait1
                | TcpState::LastAck
                | TcpState::FinWait2 => {
                    let resyn = matches!(state, TcpState::CloseWait | TcpState::FinWait1)
                        && flags & TH_SYN != 0
                        && flags & TH_ACK == 0;
                    if resyn {
                        state = TcpState::Listen;
                    } else {
                        if flags & TH_FIN != 0 {
                            if flags & TH_ACK == 0 {
                                if peer.status & FIN_ACK != 0 {
                                    me.status |= PKTS_RETRANS;
                                    me.retrans += 1;
                                }
                            } else {
                                self.status |= FIN;
                                me.status |= FIN;
                            }
                        }
                        if flags & TH_ACK != 0
                            && len == 0
                            && peer.status & FIN != 0
                            && peer.seq == me.ack
                        {
                            state = TcpState::FinWait2;
                            self.status |= FIN_ACK;
                            peer.status |= FIN_ACK;
                        }
                    }
                }
                TcpState::Closing | TcpState::TimeWait => {
                    if flags & TH_SYN != 0 && flags & TH_ACK == 0 {
                        state = TcpState::Listen;
                    } else if flags & TH_ACK != 0 && me.seq == me.ack && peer.seq == me.ack {
                        state = TcpState::Closed;
                    }
                }
                TcpState::Closed => {
                    if flags & TH_SYN != 0 && flags & TH_ACK == 0 {
                        state = TcpState::Listen;
                    }
                }
            }
        }
        if state != TcpState::Listen {
            self.state = state;
        }
        state
    }

    /// Start a new report: per-record counters and per-record status bits are
    /// cleared, connection knowledge is kept (Argus's ArgusZeroRecord).
    pub fn zero_record(&mut self) {
        for d in [&mut self.src, &mut self.dst] {
            d.status &= !(RESET | PKTS_RETRANS | WINDOW_SHUT | OUTOFORDER | ECN_CONGESTED);
            d.retrans = 0;
            d.flags = 0;
            d.bytes = 0;
            d.winbytes = 0;
            d.ackbytes = 0;
            d.seqbase = d.seq;
            d.last_ipid = 0;
        }
    }

    /// The status word a record carries: connection bits plus the
    /// per-direction events folded into SRC_/DST_ bits.
    pub fn record_status(&self) -> u32 {
        let mut st = self.status & !(RESET | PKTS_RETRANS | WINDOW_SHUT | OUTOFORDER | DUPLICATES);
        let per_dir = [
            (RESET, SRC_RESET, DST_RESET),
            (PKTS_RETRANS, SRC_PKTS_RETRANS, DST_PKTS_RETRANS),
            (WINDOW_SHUT, SRC_WINDOW_SHUT, DST_WINDOW_SHUT),
            (OUTOFORDER, SRC_OUTOFORDER, DST_OUTOFORDER),
            (DUPLICATES, SRC_DUPLICATES, DST_DUPLICATES),
        ];
        for (any, s, d) in per_dir {
            if self.src.status & any != 0 {
                st |= s;
            }
            if self.dst.status & any != 0 {
                st |= d;
            }
        }
        st
    }
}

#[cfg(test)]
mod tests;
