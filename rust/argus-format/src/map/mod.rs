//! FlowRecord ↔ DSRs: which DSRs argus 3.0.8.2 writes for a flow and what
//! goes in them (`ArgusGenerateRecord` + `ArgusHtoN`), and the reverse.

pub mod key;
mod read;
mod tcp;

pub use read::{flow_from_far, turn_facts};

use crate::dsr::Dsr;
use crate::dsr::LEN_16BITS;
use crate::dsr::attr::{self, IpAttr, IpDirAttr};
use crate::dsr::icmp::IcmpEvent;
use crate::dsr::jitter::{self, JitterDsr, JitterStats};
use crate::dsr::l2::{self, Encaps, Mac, Mpls, Vlan};
use crate::dsr::metric::{Counts, Metric};
use crate::dsr::network::{IcmpObject, NetBody, Network, subtype as net};
use crate::dsr::psize::Psize;
use crate::dsr::time::{TimeDsr, Times};
use crate::dsr::transport::Transport;
use crate::dsr::userdata::{self, UserData};
use crate::far::Far;
use crate::header::{RecordHeader, rtype};
use crate::mar::SrcIdKind;
use argus_core::flow::key::KeyKind;
use argus_core::options::EngineOptions;
use argus_core::record::{AppClass, DirMetrics, FlowRecord, Jitter, RtpObject};

/// The sensor settings that change what a record holds (argus options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// -A: application byte counts in the METER DSR.
    pub app_bytes: bool,
    /// -J: JITTER DSR.
    pub jitter: bool,
    /// -m: MAC DSR.
    pub mac: bool,
    /// -Z: PSIZE DSR.
    pub packet_size: bool,
    /// -U: user data length (0 = no DATA DSRs).
    pub user_data_len: u16,
    /// ARGUS_TCP_PERFORMANCE: full TCP object (else TCP_STATUS).
    pub tcp_perf: bool,
    /// ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS.
    pub bidirectional_timestamps: bool,
    /// How the record's `srcid` is to be read (-e).
    pub srcid_kind: SrcIdKind,
    /// Write the window of a TCP_INIT object. argus 3.0.8.2 never sets it
    /// (the field keeps a stale value, which [`crate::SensorWriter`]
    /// reproduces); records meant to say what the flow did set this.
    pub init_window: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions::from_engine(&EngineOptions::default())
    }
}

impl WriteOptions {
    /// The settings the engine ran with. The source id type is not part of
    /// the engine options: an id of 0 is "none", any other an IPv4 address.
    pub fn from_engine(o: &EngineOptions) -> Self {
        WriteOptions {
            app_bytes: o.appbytes,
            jitter: o.jitter,
            mac: o.mac,
            packet_size: o.packet_size,
            user_data_len: o.user_data_len.min(u32::from(u16::MAX)) as u16,
            tcp_perf: o.tcp_perf,
            bidirectional_timestamps: o.bidirectional_timestamps,
            srcid_kind: if o.monitor_id == 0 {
                SrcIdKind::None
            } else {
                SrcIdKind::Ipv4
            },
            init_window: false,
        }
    }
}

fn bit(on: bool, b: u8) -> u8 {
    if on { b } else { 0 }
}

fn is_ip(k: KeyKind) -> bool {
    matches!(
        k,
        KeyKind::Ipv4 | KeyKind::Ipv6 | KeyKind::Ipv4Frag | KeyKind::Ipv6Frag
    )
}

fn counts(d: &DirMetrics) -> Counts {
    Counts {
        pkts: d.pkts,
        bytes: d.bytes,
        appbytes: d.appbytes,
    }
}

/// The FAR argus writes for `r`, DSRs in index order (reference §3.4).
pub fn far_from_flow(r: &FlowRecord, o: &WriteOptions) -> Far {
    let mut d = Vec::with_capacity(10);
    d.push(Dsr::Transport(Transport::sensor(
        r.srcid,
        o.srcid_kind.transport_qual(),
        r.seq,
    )));
    d.push(Dsr::Flow(key::flow_dsr(r)));
    d.push(Dsr::Time(if o.bidirectional_timestamps {
        TimeDsr::sensor_all(&Times {
            src_start: r.src.start,
            src_end: r.src.last,
            dst_start: r.dst.start,
            dst_end: r.dst.last,
        })
    } else {
        TimeDsr::sensor_range(r.stime, r.ltime)
    }));
    d.push(Dsr::Metric(Metric::sensor(
        counts(&r.src),
        counts(&r.dst),
        o.app_bytes,
    )));
    if let Some(n) = network(r, o) {
        d.push(Dsr::Network(n));
    }
    if r.src.vlan_tci.is_some() || r.dst.vlan_tci.is_some() {
        d.push(Dsr::Vlan(Vlan {
            subtype: 0,
            qual: bit(r.src.vlan_tci.is_some(), l2::VLAN_SRC)
                | bit(r.dst.vlan_tci.is_some(), l2::VLAN_DST),
            sid: r.src.vlan_tci.unwrap_or(0),
            did: r.dst.vlan_tci.unwrap_or(0),
        }));
    }
    if r.src.mpls.is_some() || r.dst.mpls.is_some() {
        let (s, t) = (r.src.mpls, r.dst.mpls);
        d.push(Dsr::Mpls(Mpls {
            subtype: bit(s.is_some(), l2::MPLS_SRC_LABEL) | bit(t.is_some(), l2::MPLS_DST_LABEL),
            qual: u8::from(s.is_some()) << 4 | u8::from(t.is_some()),
            labels: s.into_iter().chain(t).collect(),
        }));
    }
    if o.jitter
        && let Some(j) = jitter_dsr(r)
    {
        d.push(Dsr::Jitter(j));
    }
    if is_ip(r.key.kind) && (r.src.has_ip || r.dst.has_ip) {
        d.push(Dsr::IpAttr(ip_attr(r)));
    }
    if o.packet_size {
        let range = |m: &DirMetrics| {
            (m.pkts > 0).then(|| (m.min_size.min(0xffff) as u16, m.max_size.min(0xffff) as u16))
        };
        if let Some(p) = Psize::sensor(range(&r.src), range(&r.dst)) {
            d.push(Dsr::Psize(p));
        }
    }
    if o.user_data_len > 0 {
        for (bit, m) in [(userdata::SRC_DATA, &r.src), (userdata::DST_DATA, &r.dst)] {
            if !m.user_data.is_empty() {
                d.push(Dsr::UserData(UserData {
                    subtype: LEN_16BITS | bit,
                    size: o.user_data_len,
                    data: m.user_data.clone(),
                }));
            }
        }
    }
    if o.mac
        && let (Some(s), Some(t)) = (r.src.mac, r.dst.mac)
    {
        d.push(Dsr::Mac(Mac {
            subtype: 0,
            qual: bit(r.mac_multipath.0, l2::MAC_MULTIPATH_SRC)
                | bit(r.mac_multipath.1, l2::MAC_MULTIPATH_DST),
            dst: t,
            src: s,
            ethertype: r.ethertype,
            dsap: 0,
            ssap: 0,
        }));
    }
    if let Some((t, c)) = r.icmp_event {
        d.push(Dsr::Icmp(IcmpEvent {
            qual: IcmpEvent::qual_for(t),
            icmp_type: t,
            icmp_code: c,
            // The sensor writes an eighth word it never fills.
            trailer: vec![0],
            ..IcmpEvent::default()
        }));
    }
    d.push(Dsr::Encaps(Encaps {
        subtype: 0,
        qual: 0,
        src: r.src.encaps,
        dst: r.dst.encaps,
    }));
    Far::new(RecordHeader::new(rtype::FAR, r.cause as u8, 0), d)
}

fn network(r: &FlowRecord, o: &WriteOptions) -> Option<Network> {
    let k = &r.key;
    let empty = || Network {
        subtype: net::EMPTY,
        qual: 0,
        body: NetBody::Bytes(Vec::new()),
    };
    match k.kind {
        KeyKind::Ipv4 | KeyKind::Ipv6 => match k.proto {
            6 => Some(tcp::tcp_network(r, o.tcp_perf, o.init_window).unwrap_or_else(empty)),
            1 | 58 => {
                let (a, b) = (&k.a, &k.b);
                let v4 = |x: &[u8; 16]| {
                    if k.kind == KeyKind::Ipv4 {
                        u32::from_be_bytes([x[0], x[1], x[2], x[3]])
                    } else {
                        0
                    }
                };
                Some(Network {
                    subtype: net::ICMP,
                    qual: 0,
                    body: NetBody::Icmp(IcmpObject {
                        icmp_type: r.icmp_first_type.unwrap_or((k.pa & 0xff) as u8),
                        icmp_code: (k.pa >> 8) as u8,
                        iseq: if k.kind == KeyKind::Ipv4 {
                            k.aux as u16
                        } else {
                            0
                        },
                        osrcaddr: v4(a),
                        odstaddr: v4(b),
                        ..IcmpObject::default()
                    }),
                })
            }
            // RTP/RTCP flows carry the RTP (36 bytes) or RTCP (20 bytes)
            // object; ra names the protocol from its subtype and shows the
            // drops as sloss/dloss.
            17 if r.app != AppClass::None => {
                let o = r.rtp.as_deref().copied().unwrap_or_default();
                let (subtype, body) = match r.app {
                    AppClass::Rtp => (net::RTP, rtp_body(&o)),
                    _ => (net::RTCP, rtcp_body(&o)),
                };
                Some(Network {
                    subtype,
                    qual: o.qual,
                    body: NetBody::Bytes(body),
                })
            }
            _ => Some(empty()),
        },
        // Flows of fragments carry the fragment object (ra flags them 'f');
        // its counters are not in the record.
        KeyKind::Ipv4Frag | KeyKind::Ipv6Frag => Some(Network {
            subtype: net::FRAG,
            qual: 0,
            body: NetBody::Bytes(vec![0; 13 * 4]),
        }),
        KeyKind::L3Matrix => Some(empty()),
        // The responder's address, once a reply was seen (the whole union is written).
        KeyKind::Arp if r.dst.pkts > 0 => {
            let mut body = vec![0u8; 43 * 4];
            if let Some(m) = r.dst.mac {
                body[..6].copy_from_slice(&m);
            }
            Some(Network {
                subtype: net::ARP,
                qual: 0,
                body: NetBody::Bytes(body),
            })
        }
        // Every other flow carries an empty object (ArgusUpdateBasicFlow
        // gives each flow one); ra shows nothing of it, but it sits in the
        // sensor's record buffer under later records' stale fields.
        KeyKind::Arp | KeyKind::Rarp | KeyKind::Ether => Some(empty()),
        KeyKind::Wlan => None,
    }
}

/// ArgusRTPObject: state, the two last headers, drops, two unused
/// deviations.
fn rtp_body(o: &RtpObject) -> Vec<u8> {
    let mut b = Vec::with_capacity(36);
    b.extend_from_slice(&o.state.to_be_bytes());
    b.extend_from_slice(&o.hdr[0]);
    b.extend_from_slice(&o.hdr[1]);
    for d in o.drops {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(&[0; 4]);
    b
}

/// ArgusRTCPObject: the two 8-byte headers, drops.
fn rtcp_body(o: &RtpObject) -> Vec<u8> {
    let mut b = Vec::with_capacity(20);
    b.extend_from_slice(&o.hdr[0][..8]);
    b.extend_from_slice(&o.hdr[1][..8]);
    for d in o.drops {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b
}

/// The RTP/RTCP object of a NETWORK DSR body (as [`rtp_body`]/[`rtcp_body`]
/// lay it out); None when it is too short.
pub(crate) fn rtp_object(subtype: u8, qual: u8, b: &[u8]) -> Option<RtpObject> {
    let mut o = RtpObject {
        qual,
        ..RtpObject::default()
    };
    let (hdrs, drops) = if subtype == net::RTP {
        o.state = u32::from_be_bytes(b.get(..4)?.try_into().ok()?);
        (b.get(4..28)?.chunks(12), b.get(28..32)?)
    } else {
        (b.get(..16)?.chunks(8), b.get(16..20)?)
    };
    for (h, src) in o.hdr.iter_mut().zip(hdrs) {
        h[..src.len()].copy_from_slice(src);
    }
    o.drops = [
        u16::from_be_bytes([drops[0], drops[1]]),
        u16::from_be_bytes([drops[2], drops[3]]),
    ];
    Some(o)
}

fn ip_attr(r: &FlowRecord) -> IpAttr {
    let mut q = 0;
    let (s, t) = (&r.src, &r.dst);
    let v4 = r.key.kind == KeyKind::Ipv4;
    for (on, bit) in [
        (s.has_ip, attr::SRC),
        (t.has_ip, attr::DST),
        (s.ip_options != 0, attr::SRC_OPTIONS),
        (t.ip_options != 0, attr::DST_OPTIONS),
        // Only IPv4 flows of whole datagrams mark fragments here.
        (s.fragments && v4, attr::SRC_FRAGMENTS),
        (t.fragments && v4, attr::DST_FRAGMENTS),
    ] {
        if on {
            q |= bit;
        }
    }
    let dir = |m: &DirMetrics| IpDirAttr {
        ttl: m.ttl,
        tos: m.tos,
        ip_id: m.ip_id,
    };
    IpAttr {
        subtype: 0,
        qual: q,
        src: dir(s),
        src_options: u32::from(s.ip_options),
        dst: dir(t),
        dst_options: u32::from(t.ip_options),
    }
}

fn stats(j: &Jitter) -> JitterStats {
    JitterStats {
        n: j.n as i32,
        min: j.min as f32,
        mean: j.mean() as f32,
        stdev: j.stdev() as f32,
        max: j.max as f32,
        histogram: 0,
    }
}

fn jitter_dsr(r: &FlowRecord) -> Option<JitterDsr> {
    let all = [
        (&r.src.jitter_active, jitter::SRC_ACTIVE),
        (&r.src.jitter_idle, jitter::SRC_IDLE),
        (&r.dst.jitter_active, jitter::DST_ACTIVE),
        (&r.dst.jitter_idle, jitter::DST_IDLE),
    ];
    let mut d = JitterDsr::default();
    for (i, (j, bit)) in all.into_iter().enumerate() {
        if j.n > 0 {
            d.qual |= bit;
            d.blocks[i] = stats(j);
        }
    }
    (d.qual != 0).then_some(d)
}
