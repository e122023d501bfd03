//! A flow record as `ra` 3.0.8 holds it when it runs a filter: which DSRs
//! it has and the values the filter code loads from them.

use std::borrow::Cow;
use std::cell::Cell;

use crate::flow::key::KeyKind;
use crate::record::{AppClass, Cause, FlowRecord, Jitter};

/// The four 4-byte groups of 16 bytes, each read little-endian (how the x86
/// `ra` loads an IPv6 address, or an IPv6 literal, as 32-bit words).
pub(crate) fn le_words(b: &[u8; 16]) -> [u32; 4] {
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    [w(0), w(4), w(8), w(12)]
}

/// Flow DSR address types (`qual & 0x1f`).
pub(crate) const FAM_IPV4: u8 = 1;
pub(crate) const FAM_IPV6: u8 = 2;
pub(crate) const FAM_ETHER: u8 = 3;
pub(crate) const FAM_ARP: u8 = 4;
pub(crate) const FAM_RARP: u8 = 5;
pub(crate) const FAM_WLAN: u8 = 8;

/// The TCP NETWORK object as ra holds it (every TCP form is widened to the full object).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TcpNet {
    pub status: u32,
    pub options: u32,
    pub sflags: u8,
    pub dflags: u8,
    pub sbase: u32,
    pub dbase: u32,
}

pub(crate) struct View<'a> {
    /// The record after ra's corrections.
    pub r: Cow<'a, FlowRecord>,
    /// The record as stored (objects ra does not turn around keep this orientation).
    pub stored: &'a FlowRecord,
    /// ra's filter machine keeps the last integer it loaded; a float test
    /// passes only if that is not -1 (a load from missing data). True while
    /// the last integer load of the evaluation so far was such a load.
    pub a_missing: Cell<bool>,
}

impl<'a> View<'a> {
    pub fn new(r: &'a FlowRecord) -> View<'a> {
        let mut c = crate::render::corrected(r);
        if let Cow::Owned(m) = &mut c {
            // ra's reversal leaves the ENCAPS and JITTER DSRs as they are
            std::mem::swap(&mut m.src.encaps, &mut m.dst.encaps);
            std::mem::swap(&mut m.src.jitter_active, &mut m.dst.jitter_active);
            std::mem::swap(&mut m.src.jitter_idle, &mut m.dst.jitter_idle);
        }
        // ra: more than 1000 packets in no time is an error record with no counts.
        if c.pkts() > 1000 && secs(c.stime, c.ltime) == 0.0 {
            let m = c.to_mut();
            m.cause = Cause::Error;
            for d in [&mut m.src, &mut m.dst] {
                d.pkts = 0;
                d.bytes = 0;
                d.appbytes = 0;
            }
        }
        View {
            r: c,
            stored: r,
            a_missing: Cell::new(false),
        }
    }

    /// The flow DSR's address type.
    pub fn fam(&self) -> u8 {
        match self.r.key.kind {
            KeyKind::Ipv4 | KeyKind::Ipv4Frag => FAM_IPV4,
            KeyKind::Ipv6 | KeyKind::Ipv6Frag => FAM_IPV6,
            KeyKind::L3Matrix if self.r.key.proto == 0xff => FAM_IPV6,
            KeyKind::L3Matrix => FAM_IPV4,
            KeyKind::Arp => FAM_ARP,
            KeyKind::Rarp => FAM_RARP,
            KeyKind::Ether => FAM_ETHER,
            KeyKind::Wlan => FAM_WLAN,
        }
    }

    /// The flow DSR is of the ARP kind (`subtype & 6 == 6`): ARP and RARP flows.
    pub fn arp_flow(&self) -> bool {
        matches!(self.r.key.kind, KeyKind::Arp | KeyKind::Rarp)
    }

    /// IP protocol `p` over IPv4 or IPv6 (Argus's `prototype(p)`).
    pub fn proto_is(&self, p: u8) -> bool {
        matches!(self.fam(), FAM_IPV4 | FAM_IPV6) && self.r.key.proto == p
    }

    pub fn v4_proto_is(&self, p: u8) -> bool {
        self.fam() == FAM_IPV4 && self.r.key.proto == p
    }

    pub fn tcp(&self) -> bool {
        self.proto_is(6)
    }

    /// Source and destination ports as ra holds them (IPv6 fragment flows:
    /// the fragment id's bytes, which 3.0.8 keeps in the port fields, in the
    /// order of the stored key: the larger address first).
    pub fn ports(&self) -> (u16, u16) {
        let k = &self.r.key;
        if k.kind == KeyKind::Ipv6Frag {
            let b = k.aux.to_le_bytes();
            let (s, d) = (
                u16::from_be_bytes([b[0], b[1]]),
                u16::from_be_bytes([b[2], b[3]]),
            );
            return if k.a < k.b { (d, s) } else { (s, d) };
        }
        (k.pa, k.pb)
    }

    /// Source and destination address words (IPv4 as a number; IPv6 as [`le_words`]; ARP spa/tpa).
    pub fn addr_words(&self) -> ([u32; 4], [u32; 4]) {
        let k = &self.r.key;
        match self.fam() {
            FAM_IPV6 => (le_words(&k.a), le_words(&k.b)),
            _ => {
                let w = |a: &[u8; 16]| [u32::from_be_bytes([a[0], a[1], a[2], a[3]]), 0, 0, 0];
                (w(&k.a), w(&k.b))
            }
        }
    }

    /// The TCP object, when the record is TCP and has one.
    pub fn tcp_net(&self) -> Option<TcpNet> {
        if !self.tcp() {
            return None;
        }
        let st = self.r.tcp_status?;
        let (s, d) = (&self.r.src, &self.r.dst);
        // ra zeroes a direction's flags when that direction has no packets.
        let flags = |m: &crate::record::DirMetrics| if m.pkts > 0 { m.tcp_flags } else { 0 };
        Some(TcpNet {
            status: st,
            options: self.r.tcp_options,
            sflags: if self.r.tcp_init {
                s.tcp_flags
            } else {
                flags(s)
            },
            dflags: if self.r.tcp_init { 0 } else { flags(d) },
            sbase: s.tcp_base.unwrap_or(0),
            dbase: if self.r.tcp_init {
                0
            } else {
                d.tcp_base.unwrap_or(0)
            },
        })
    }

    /// Does the record have a NETWORK DSR that reaches the word at `offset`
    /// (from the DSR start), and which value is there? Only the objects
    /// FlowRecord can describe are known: TCP (full object in ra), ICMP, and
    /// the fragment object. RTP/RTCP and ESP objects are there but FlowRecord
    /// has none of their contents: read as zeros. Other flows have none.
    pub fn net_word(&self, offset: usize) -> Option<u32> {
        if let Some(t) = self.tcp_net() {
            return match offset {
                4 => Some(t.status),
                12 => Some(t.options),
                36 => Some(t.sbase),
                84 => Some(t.dbase),
                _ => Some(0),
            };
        }
        match self.stored.key.kind {
            KeyKind::Ipv4 | KeyKind::Ipv6 if matches!(self.r.key.proto, 1 | 58) => {
                // ICMP object: type code iseq | osrcaddr | odstaddr | isrc | idst | igw
                // (28 bytes); ra loads the addresses as the sensor stored them
                // (network byte order, read little-endian).
                let sk = &self.stored.key;
                let v4 = |a: &[u8; 16]| {
                    if sk.kind == KeyKind::Ipv4 {
                        u32::from_le_bytes([a[0], a[1], a[2], a[3]])
                    } else {
                        0
                    }
                };
                // no object when the sensor wrote an empty NETWORK DSR
                self.r.icmp_first_type?;
                match offset {
                    4 => Some(u32::from(self.r.icmp_first_type.unwrap_or(0))),
                    8 => Some(v4(&sk.a)),
                    12 => Some(v4(&sk.b)),
                    o if o + 4 <= 28 => Some(0),
                    _ => None,
                }
            }
            KeyKind::Ipv4Frag | KeyKind::Ipv6Frag => (offset + 4 <= 56).then_some(0),
            // the sensor's ESP object (status, spi, last and lost sequence numbers):
            // FlowRecord keeps none of it, read as zeros (no drops seen)
            KeyKind::Ipv4 | KeyKind::Ipv6 if self.r.key.proto == 50 => {
                (offset + 4 <= 20).then_some(0)
            }
            // RTP/RTCP object: state and the two RTP headers, drop and deviation counts (40 bytes)
            _ if self.is_rtp() || self.is_rtcp() => (offset + 4 <= 40).then_some(0),
            // the ARP object (the responder's address, then zeros; 176 bytes),
            // written once a reply was seen
            KeyKind::Arp | KeyKind::Rarp if self.r.dst.pkts > 0 || self.r.src.pkts == 0 => {
                (offset + 4 <= 176).then_some(0)
            }
            _ => None,
        }
    }

    /// The ICMP type in the NETWORK DSR (ICMP flows).
    pub fn net_icmp_type(&self) -> Option<u8> {
        if self.proto_is(1) || self.proto_is(58) {
            self.r.icmp_first_type
        } else {
            None
        }
    }

    /// The ICMP DSR (an ICMP error mapped onto the flow): (qual, type, code).
    pub fn icmp_dsr(&self) -> Option<(u8, u8, u8)> {
        self.r.icmp_event.map(|(t, c)| {
            let q = match t {
                3 => 0x01,
                5 => 0x02,
                11 => 0x04,
                _ => 0,
            };
            (q, t, c)
        })
    }

    /// The IP attributes DSR is there (IP flows that saw an IP header).
    pub fn ipattr(&self) -> bool {
        matches!(
            self.r.key.kind,
            KeyKind::Ipv4 | KeyKind::Ipv6 | KeyKind::Ipv4Frag | KeyKind::Ipv6Frag
        ) && (self.r.src.has_ip || self.r.dst.has_ip)
    }

    /// The IP attributes qualifier bits Argus tests (fragments seen, per direction).
    pub fn ipattr_qual(&self) -> u8 {
        let mut q = 0;
        if self.r.src.has_ip {
            q |= 0x01;
        }
        if self.r.dst.has_ip {
            q |= 0x02;
        }
        if self.r.src.fragments {
            q |= 0x10;
        }
        if self.r.dst.fragments {
            q |= 0x20;
        }
        q
    }

    pub fn vlan(&self) -> bool {
        self.r.src.vlan_tci.is_some() || self.r.dst.vlan_tci.is_some()
    }

    pub fn mpls(&self) -> bool {
        self.r.src.mpls.is_some() || self.r.dst.mpls.is_some()
    }

    /// ra's two MPLS words: the first and the second word of the DSR's
    /// labels. With one label, ra's second word is the header of the DSR that
    /// follows: taken as all ones (a large label, never 0).
    pub fn mpls_labels(&self) -> (u32, u32) {
        let labels: Vec<u32> = [self.r.src.mpls, self.r.dst.mpls]
            .into_iter()
            .flatten()
            .collect();
        (
            labels.first().copied().unwrap_or(0),
            labels.get(1).copied().unwrap_or(u32::MAX),
        )
    }

    /// The MAC DSR (argus -m): (src, dst, multipath qualifier bits).
    pub fn mac(&self) -> Option<([u8; 6], [u8; 6], u8)> {
        let s = self.r.src.mac?;
        let d = self.r.dst.mac.unwrap_or([0; 6]);
        let q = u8::from(self.r.mac_multipath.0) | (u8::from(self.r.mac_multipath.1) << 1);
        Some((s, d, q))
    }

    pub fn jitter(&self) -> bool {
        [
            &self.r.src.jitter_active,
            &self.r.src.jitter_idle,
            &self.r.dst.jitter_active,
            &self.r.dst.jitter_idle,
        ]
        .iter()
        .any(|j| j.n > 0)
    }

    pub fn srcid(&self) -> u32 {
        self.r.srcid
    }

    /// `dur`: the record's span in seconds, as a C float.
    pub fn dur(&self) -> f32 {
        secs(self.r.stime, self.r.ltime)
    }

    /// Source / destination time as ra computes it from the TIME DSR. The
    /// sensor's usual TIME DSR has the record's span only, which ra gives to
    /// the source (to the destination when the source sent nothing); a record
    /// read from such a DSR has no destination start time while both sides
    /// sent packets. Per-direction times count when both sides have them.
    fn dir_dur(&self, src: bool) -> f32 {
        let (s, d) = (&self.r.src, &self.r.dst);
        if s.pkts > 0 && d.pkts > 0 && d.start != 0 && s.start != 0 {
            let m = if src { s } else { d };
            return secs(m.start, m.last.max(m.start));
        }
        let sender = if s.pkts > 0 { src } else { !src };
        if sender && (s.pkts > 0 || d.pkts > 0) {
            self.dur()
        } else {
            0.0
        }
    }

    /// (rate, load) of one direction: `(pkts-1)/t`, `(bytes - bytes/pkts)*8/t`
    /// with `t` the direction's time, else the record's; 0 for fewer than 2 packets.
    pub fn rate_load(&self, src: bool) -> (f32, f32) {
        let m = if src { &self.r.src } else { &self.r.dst };
        let mut t = f64::from(self.dir_dur(src));
        if t <= 0.0 {
            t = f64::from(self.dur());
        }
        if t > 0.0 && m.pkts > 1 {
            let per = m.bytes / m.pkts;
            (
                ((m.pkts - 1) as f64 / t) as f32,
                (((m.bytes - per) as f64) * 8.0 / t) as f32,
            )
        } else {
            (0.0, 0.0)
        }
    }

    /// The application byte ratio `(sapp - dapp)/(sapp + dapp)`, -0.0 without application bytes.
    pub fn pcr(&self) -> f32 {
        let (s, d) = (self.r.src.appbytes as i64, self.r.dst.appbytes as i64);
        let total = (s + d) as f64;
        if total > 0.0 {
            (((s - d) as f64) / total) as f32
        } else {
            -0.0
        }
    }

    pub fn is_rtp(&self) -> bool {
        self.v4_proto_is(17)
            && self.r.app == AppClass::Rtp
            && (self.r.src.pkts >= 5 || self.r.dst.pkts >= 5)
    }

    pub fn is_rtcp(&self) -> bool {
        self.v4_proto_is(17) && self.r.app == AppClass::Rtcp
    }

    /// The jitter statistic (µs) of a direction/class, as the JITTER DSR holds it
    /// (mean or deviation), -1 without the DSR.
    pub fn jitter_value(&self, src: bool, active: bool, stdev: bool) -> f32 {
        if !self.jitter() {
            return -1.0;
        }
        let m = if src { &self.r.src } else { &self.r.dst };
        let j: &Jitter = if active {
            &m.jitter_active
        } else {
            &m.jitter_idle
        };
        if j.n == 0 {
            return 0.0;
        }
        // a deviation the sensor wrote as NaN stays NaN (it fails every test)
        if stdev && j.sum_sq.is_nan() {
            return f32::NAN;
        }
        (if stdev { j.stdev() } else { j.mean() }) as f32
    }
}

/// `sec + usec/1e6` of the difference of two µs times, as ra computes it, as a C float.
fn secs(start: i64, end: i64) -> f32 {
    let (s0, u0) = (start.div_euclid(1_000_000), start.rem_euclid(1_000_000));
    let (s1, u1) = (end.div_euclid(1_000_000), end.rem_euclid(1_000_000));
    let (sec, usec) = (s1 - s0, u1 - u0);
    if sec == 0 && usec == 0 {
        0.0
    } else {
        (sec as f64 + usec as f64 / 1_000_000.0) as f32
    }
}
