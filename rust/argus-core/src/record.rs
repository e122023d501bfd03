//! Flow records: what the engine reports for one flow over one interval.
//! Values are raw facts (counters, status bits); [`crate::render`] turns them
//! into the text Argus's `ra` prints.

use crate::flow::key::FlowKey;

/// Record cause (record header, high nibble), as Argus numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Cause {
    #[default]
    Start = 0x10,
    Status = 0x20,
    Stop = 0x30,
    Timeout = 0x40,
    Shutdown = 0x60,
    Error = 0x80,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::Start => "Start",
            Cause::Status => "Status",
            Cause::Stop => "Stop",
            Cause::Timeout => "Timeout",
            Cause::Shutdown => "Shutdown",
            Cause::Error => "Error",
        }
    }
}

/// Inter-packet interval statistics of one direction and class (µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Jitter {
    pub n: u32,
    pub min: u64,
    pub max: u64,
    pub sum: u64,
    pub sum_sq: f64,
}

impl Jitter {
    pub fn add(&mut self, v: u64) {
        if self.n == 0 || v < self.min {
            self.min = v;
        }
        self.max = self.max.max(v);
        self.sum += v;
        self.sum_sq += (v as f64) * (v as f64);
        self.n += 1;
    }
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum as f64 / f64::from(self.n)
        }
    }
    pub fn stdev(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let n = f64::from(self.n);
        let m = self.sum as f64 / n;
        (self.sum_sq / n - m * m).max(0.0).sqrt()
    }
    pub fn merge(&mut self, o: &Jitter) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 || o.min < self.min {
            self.min = o.min;
        }
        self.max = self.max.max(o.max);
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        self.n += o.n;
    }
}

/// One direction's sequence bookkeeping as Argus's TCP object carries it
/// (`ArgusTCPObjectMetrics`): `ra` derives the gap indicator and byte counts
/// from these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpSeqFacts {
    pub status: u32,
    pub seq: u32,
    pub ack: u32,
    pub winnum: u32,
    pub bytes: u32,
    pub ackbytes: u32,
    pub winbytes: u32,
}

/// Per-direction counters and attributes of one record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DirMetrics {
    pub pkts: u64,
    pub bytes: u64,
    pub appbytes: u64,
    /// First and last packet time in this direction (µs; 0 = none).
    pub start: i64,
    pub last: i64,
    pub ttl: u8,
    pub tos: u8,
    pub ip_id: u16,
    pub ip_options: u16,
    pub has_ip: bool,
    pub min_size: u32,
    pub max_size: u32,
    pub vlan_tci: Option<u16>,
    pub mpls: Option<u32>,
    pub encaps: u32,
    pub mac: Option<[u8; 6]>,
    pub fragments: bool,
    /// Last advertised TCP window, scaled as ra scales it (`win << shift`
    /// in 32 bits, the shift taken modulo 32).
    pub win: Option<u32>,
    /// The same window as sent and the window-scale shift as Argus keeps
    /// it (the option's value, not capped at 14): what the TCP object holds.
    pub win_raw: Option<(u16, u8)>,
    pub tcp_base: Option<u32>,
    pub retrans: u32,
    pub tcp_flags: u8,
    pub tcp_seq: TcpSeqFacts,
    pub congested: bool,
    pub jitter_active: Jitter,
    pub jitter_idle: Jitter,
    pub user_data: Vec<u8>,
}

/// Application class Argus gives a UDP flow from its first packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppClass {
    #[default]
    None,
    Rtp,
    Rtcp,
}

/// Argus's RTP/RTCP object of an RTP or RTCP flow, as it writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtpObject {
    /// Source, destination: the last RTP header taken (12 bytes as on the
    /// wire); for RTCP the first packet's 8-byte header with its length and
    /// SSRC byte-swapped, as argus writes it (source only).
    pub hdr: [[u8; 12]; 2],
    /// Packets missing from the RTP sequence in this record (src, dst): ra's
    /// sloss/dloss.
    pub drops: [u16; 2],
    /// Out-of-order bits (ARGUS_SRC_OUTOFORDER 0x10000, DST 0x20000),
    /// kept for the flow's life.
    pub state: u32,
    /// NETWORK DSR qualifier: silence seen in this record (src 1, dst 2).
    pub qual: u8,
}

/// One flow record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowRecord {
    /// The flow key oriented so that `a` is the source.
    pub key: FlowKey,
    pub cause: Cause,
    pub seq: u32,
    pub srcid: u32,
    pub stime: i64,
    pub ltime: i64,
    pub src: DirMetrics,
    pub dst: DirMetrics,
    /// TCP status bits and option bits (absent for non-TCP flows).
    pub tcp_status: Option<u32>,
    /// TCP connection state when the record was made (BSD `TCPS_*` number,
    /// as in Argus's TCP object; `ra` shows loss only where it is not 0).
    pub tcp_state: u8,
    pub tcp_options: u32,
    pub synack_usec: u32,
    pub ackdat_usec: u32,
    /// ICMP error mapped onto this flow: (type, code) of the last one seen.
    pub icmp_event: Option<(u8, u8)>,
    /// More than one MAC pair was seen (src, dst).
    pub mac_multipath: (bool, bool),
    /// Ethertype seen with the MACs (for the MAC DSR).
    pub ethertype: u16,
    /// TCP record made of a single segment (Argus's TCP_INIT form).
    pub tcp_init: bool,
    /// ICMP type of the first packet of the record (before request/reply
    /// normalisation), for ra's reply-only correction.
    pub icmp_first_type: Option<u8>,
    /// RTP/RTCP classification (kept for the life of the flow unless an
    /// RTP check fails).
    pub app: AppClass,
    /// The RTP/RTCP object of an RTP/RTCP flow.
    pub rtp: Option<Box<RtpObject>>,
}

impl FlowRecord {
    pub fn pkts(&self) -> u64 {
        self.src.pkts + self.dst.pkts
    }
    pub fn bytes(&self) -> u64 {
        self.src.bytes + self.dst.bytes
    }
}
