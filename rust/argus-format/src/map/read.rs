//! A FAR back into a FlowRecord, as `ra` would understand it: REVERSE
//! undone, ARP records turned around whole, counters and attributes from
//! their DSRs. Facts a file does not carry stay at their defaults.

use super::key::flow_key;
use super::tcp::read_tcp;
use crate::dsr::Dsr;
use crate::dsr::attr;
use crate::dsr::jitter::JitterStats;
use crate::dsr::l2;
use crate::dsr::network::{NetBody, subtype as net};
use crate::far::Far;
use crate::header::cause;
use argus_core::flow::key::KeyKind;
use argus_core::record::{AppClass, Cause, DirMetrics, FlowRecord, Jitter};

fn cause_of(c: u8) -> Cause {
    match c & 0xf0 {
        cause::START => Cause::Start,
        cause::STOP => Cause::Stop,
        cause::TIMEOUT => Cause::Timeout,
        cause::SHUTDOWN => Cause::Shutdown,
        cause::ERROR => Cause::Error,
        _ => Cause::Status,
    }
}

fn jitter(s: &JitterStats) -> Jitter {
    let n = s.n.max(0) as u32;
    let sum = (f64::from(s.mean) * f64::from(n)).round();
    // From the rounded sum, so that mean and deviation come back as written.
    let mean = if n > 0 { sum / f64::from(n) } else { 0.0 };
    let sd = f64::from(s.stdev);
    Jitter {
        n,
        min: s.min.max(0.0) as u64,
        max: s.max.max(0.0) as u64,
        sum: sum as u64,
        sum_sq: f64::from(n) * (sd * sd + mean * mean),
    }
}

/// The FlowRecord a FAR describes.
pub fn flow_from_far(f: &Far) -> FlowRecord {
    let mut r = FlowRecord {
        cause: cause_of(f.header.cause_option),
        ..FlowRecord::default()
    };
    let mut arp_reversed = false;
    let mut span = None;
    let mut times = None;
    let mut respaddr = None;
    for d in &f.dsrs {
        let d = d.meaning();
        match d.as_ref() {
            Dsr::Transport(t) => {
                r.srcid = t.srcid_u32();
                r.seq = t.seq.unwrap_or(0);
            }
            Dsr::Flow(fl) => {
                let (k, rev) = flow_key(fl);
                arp_reversed = rev && matches!(k.kind, KeyKind::Arp | KeyKind::Rarp);
                r.key = k;
            }
            Dsr::Time(t) => {
                let tt = t.times();
                span = Some(if t.subtype & 0x78 == 0 {
                    (tt.src_start, tt.src_end.max(tt.src_start))
                } else {
                    tt.span_of(t.subtype)
                });
                if t.subtype & 0x78 != 0 {
                    times = Some(tt);
                }
            }
            Dsr::Metric(m) => {
                for (dm, c) in [(&mut r.src, m.src), (&mut r.dst, m.dst)] {
                    dm.pkts = c.pkts;
                    dm.bytes = c.bytes;
                    dm.appbytes = c.appbytes;
                }
            }
            Dsr::Network(n) => {
                match n.subtype {
                    net::RTP => r.app = AppClass::Rtp,
                    net::RTCP => r.app = AppClass::Rtcp,
                    _ => {}
                }
                if let (net::RTP | net::RTCP, NetBody::Bytes(b)) = (n.subtype, &n.body) {
                    r.rtp = super::rtp_object(n.subtype, n.qual, b).map(Box::new);
                }
                if !read_tcp(&mut r, n) {
                    match &n.body {
                        NetBody::Icmp(i) => r.icmp_first_type = Some(i.icmp_type),
                        // The ARP object's responder address: the destination's MAC.
                        NetBody::Bytes(b) if n.subtype == net::ARP && b.len() >= 6 => {
                            respaddr = Some([b[0], b[1], b[2], b[3], b[4], b[5]]);
                        }
                        _ => {}
                    }
                }
            }
            Dsr::Vlan(v) => {
                r.src.vlan_tci = (v.qual & l2::VLAN_SRC != 0).then_some(v.sid);
                r.dst.vlan_tci = (v.qual & l2::VLAN_DST != 0).then_some(v.did);
            }
            Dsr::Mpls(m) => {
                let ns = usize::from(m.qual >> 4);
                r.src.mpls = (ns > 0).then(|| m.labels.first().copied()).flatten();
                r.dst.mpls = (m.qual & 0x0f > 0)
                    .then(|| m.labels.get(ns).copied())
                    .flatten();
            }
            Dsr::Jitter(j) => {
                r.src.jitter_active = jitter(&j.blocks[0]);
                r.src.jitter_idle = jitter(&j.blocks[1]);
                r.dst.jitter_active = jitter(&j.blocks[2]);
                r.dst.jitter_idle = jitter(&j.blocks[3]);
            }
            Dsr::IpAttr(a) => {
                let put =
                    |m: &mut DirMetrics, on: bool, d: &attr::IpDirAttr, opts: u32, fr: bool| {
                        m.has_ip = on;
                        if on {
                            m.ttl = d.ttl;
                            m.tos = d.tos;
                            m.ip_id = d.ip_id;
                        }
                        m.ip_options = opts as u16;
                        m.fragments = fr;
                    };
                let q = a.qual;
                put(
                    &mut r.src,
                    q & attr::SRC != 0,
                    &a.src,
                    a.src_options,
                    q & attr::SRC_FRAGMENTS != 0,
                );
                put(
                    &mut r.dst,
                    q & attr::DST != 0,
                    &a.dst,
                    a.dst_options,
                    q & attr::DST_FRAGMENTS != 0,
                );
            }
            Dsr::Psize(p) => {
                if let Some((lo, hi)) = p.src {
                    (r.src.min_size, r.src.max_size) = (u32::from(lo), u32::from(hi));
                }
                if let Some((lo, hi)) = p.dst {
                    (r.dst.min_size, r.dst.max_size) = (u32::from(lo), u32::from(hi));
                }
            }
            Dsr::UserData(u) => {
                let m = if u.is_src() { &mut r.src } else { &mut r.dst };
                m.user_data = u.data.clone();
            }
            Dsr::Mac(m) => {
                r.src.mac = Some(m.src);
                r.dst.mac = Some(m.dst);
                r.ethertype = m.ethertype;
                r.mac_multipath = (
                    m.qual & l2::MAC_MULTIPATH_SRC != 0,
                    m.qual & l2::MAC_MULTIPATH_DST != 0,
                );
            }
            Dsr::Icmp(i) => r.icmp_event = Some((i.icmp_type, i.icmp_code)),
            Dsr::Encaps(e) => {
                r.src.encaps = e.src;
                r.dst.encaps = e.dst;
            }
            Dsr::Raw(_) => {}
        }
    }
    if let Some((s, e)) = span {
        (r.stime, r.ltime) = (s, e);
    }
    match times {
        Some(t) => {
            (r.src.start, r.src.last) = (t.src_start, t.src_end);
            (r.dst.start, r.dst.last) = (t.dst_start, t.dst_end);
        }
        None => {
            // The sensor's default form has the record span only; a TCP
            // object may have told each direction's last time already.
            let m = if r.src.pkts > 0 {
                &mut r.src
            } else {
                &mut r.dst
            };
            m.start = r.stime;
            if m.last == 0 {
                m.last = r.ltime;
            }
        }
    }
    if r.dst.mac.is_none()
        && let Some(m) = respaddr.filter(|m| *m != [0; 6])
    {
        r.dst.mac = Some(m);
    }
    if arp_reversed {
        // ra turns reply-first ARP records around, counters and all.
        std::mem::swap(&mut r.src, &mut r.dst);
    }
    r
}

/// What `flow_from_far` gives for the key, the counters, the TCP object and
/// the ICMP type of a record (`record`: one whole flow record), from its
/// FLOW, METER and NETWORK DSRs alone: what ra's turn-around reads
/// (`argus_core::render::corrected`). The DSRs are walked as `Far::decode`
/// walks them; the other fields stay at their defaults.
pub fn turn_facts(record: &[u8]) -> FlowRecord {
    let mut r = FlowRecord::default();
    let mut arp_reversed = false;
    for (h, dsr) in super::key::record_dsrs(record) {
        use crate::dsr::dtype;
        if matches!(h.dtype, dtype::FLOW | dtype::METER | dtype::NETWORK) {
            let d = Dsr::decode_value(dsr);
            match d.meaning().as_ref() {
                Dsr::Flow(fl) => {
                    let (k, rev) = flow_key(fl);
                    arp_reversed = rev && matches!(k.kind, KeyKind::Arp | KeyKind::Rarp);
                    r.key = k;
                }
                Dsr::Metric(m) => {
                    for (dm, c) in [(&mut r.src, m.src), (&mut r.dst, m.dst)] {
                        dm.pkts = c.pkts;
                        dm.bytes = c.bytes;
                        dm.appbytes = c.appbytes;
                    }
                }
                Dsr::Network(nw) => {
                    if !read_tcp(&mut r, nw)
                        && let NetBody::Icmp(i) = &nw.body
                    {
                        r.icmp_first_type = Some(i.icmp_type);
                    }
                }
                _ => {}
            }
        }
    }
    if arp_reversed {
        std::mem::swap(&mut r.src, &mut r.dst);
    }
    r
}
