//! Per-packet flow updates: counters, attributes, protocol state.

use super::Engine;
use super::acc::{Acc, Dir};
use super::key::{self, FlowKey, KeyKind};
use super::tcp::{Segment, TcpConn, TcpOutcome, TcpState};
use crate::decode::{Decoded, Family};
use crate::record::{Cause, FlowRecord, TcpSeqFacts};

impl Engine {
    /// Account one packet to the flow in `slot`. `forward`: the packet travels
    /// from the flow's source to its destination.
    pub(super) fn update(&mut self, slot: u32, d: &Decoded, forward: bool, state: Cause) {
        let ts = d.ts_usec;
        let opts_mac = self.opts.mac;
        let track_dup = self.opts.track_duplicates;
        let interval = self.opts.status_interval_usec;
        let jitter = self.opts.jitter;
        let Some(f) = self.flows[slot as usize].as_mut() else {
            return;
        };
        if f.written {
            f.acc.zero_record();
            if let Some(t) = f.tcp {
                let mut c = self.tcps.get(t);
                c.zero_record();
                self.tcps.put(t, &c);
            }
            f.written = false;
            f.acc.cause = state;
        } else if state != Cause::Status {
            f.acc.cause = state;
        }
        // The previous packet time only matters to jitter (-J).
        let prev = if jitter {
            std::mem::replace(&mut f.acc.extra_dir_mut(forward).last_pkt, ts)
        } else {
            0
        };
        touch_times(f.acc.dir_mut(forward), ts);
        record_attributes(&mut f.acc, d, forward, opts_mac);
        let mut rtp_step = false;
        if f.key.proto() == 17 && !d.frag.is_fragment {
            rtp_step = super::rtp::classify(f, d, &self.app, forward, state == Cause::Start);
        }
        // Argus steps over the TCP header except while the connection sits
        // in LISTEN after a reset.
        let mut tcp_step = true;

        // Protocol state.
        let mut restart = false;
        if let (Some(t), true) = (d.tcp, is_tcp_flow(f.key.kind(), f.key.proto())) {
            let seg = Segment {
                tcp: t,
                len: self.app.tcp_len(),
                now: ts,
                ipid: argus_ipid(d),
                forward,
                track_duplicates: track_dup,
            };
            match f.tcp {
                None => {
                    let mut c = TcpConn::default();
                    c.start(&seg);
                    f.tcp = Some(self.tcps.insert(&c));
                }
                Some(t) => {
                    let mut c = self.tcps.get(t);
                    tcp_step = c.state != TcpState::Listen;
                    if c.update(&seg) == TcpOutcome::Restart {
                        restart = true;
                    }
                    self.tcps.put(t, &c);
                }
            }
        }
        if restart {
            self.restart_tcp(slot, d, forward);
            return;
        }
        let Some(f) = self.flows[slot as usize].as_mut() else {
            return;
        };
        let active = f.tcp.is_none_or(|t| self.tcps.in_protocol(t));
        // A later IPv4 fragment handed to its parent flow brings packets and
        // bytes but no application bytes (Argus's fragment flow keeps them).
        // IPv6 later fragments always stay fragment flows of their own.
        let keyed = matches!(
            f.key.kind(),
            KeyKind::Ipv4 | KeyKind::Ipv6 | KeyKind::Ipv6Frag
        );
        let later_fragment = d.frag.is_fragment && d.frag.offset != 0;
        let app = if f.key.kind() == KeyKind::Ipv4 && later_fragment {
            None
        } else {
            self.app.bytes(keyed, tcp_step, rtp_step)
        };
        tally(
            &mut f.acc,
            forward,
            d,
            app,
            prev,
            ts,
            interval,
            (jitter, active),
        );
        // -U: each direction's first payload bytes of the record, until full.
        if self.opts.user_data_len > 0 && !self.user_bytes.is_empty() {
            let ud = &mut f.acc.extra_dir_mut(forward).user_data;
            let room = (self.opts.user_data_len as usize).saturating_sub(ud.len());
            let take = room.min(self.user_bytes.len());
            ud.extend_from_slice(&self.user_bytes[..take]);
        }

        if let Some(m) = d.icmp
            && f.acc.icmp_first_type.is_none()
        {
            f.acc.icmp_first_type = Some(m.icmp_type);
        }
        // An ICMP error also marks the flow it reports on.
        if let Some(m) = d.icmp
            && m.quote.present
            && d.family == Family::Ipv4
        {
            self.map_icmp_error(d, m.icmp_type, m.code);
        }
        // A first fragment announces where its later fragments belong.
        // (IPv6 later fragments never find their parent in Argus 3.0.8.2 on
        // little-endian hosts: they stay flows of their own, as here.)
        if d.frag.is_fragment
            && d.frag.offset == 0
            && d.frag.more
            && d.family == Family::Ipv4
            && !self.opts.unidirectional
        {
            let mut fk = FlowKey {
                kind: KeyKind::Ipv4Frag,
                proto: d.proto,
                a: d.src,
                b: d.dst,
                aux: d.frag.id,
                ..FlowKey::default()
            };
            fk = key::canonical(fk).0;
            self.adopt_fragments(slot, fk);
            self.cover_fragment(fk, 0, d.l4_len, true);
        }
        let Some(f) = self.flows[slot as usize].as_mut() else {
            return;
        };
        if d.frag.is_fragment {
            f.acc.dir_mut(forward).fragments = true;
        }
    }

    /// A SYN on a closed connection: report what was (cause STOP) and start
    /// the flow over with this packet's sender as source.
    fn restart_tcp(&mut self, slot: u32, d: &Decoded, forward: bool) {
        if let Some(f) = self.flows[slot as usize].as_mut() {
            f.acc.cause = Cause::Stop;
        }
        self.report(slot);
        let interval = self.opts.status_interval_usec;
        let jitter = self.opts.jitter;
        let opts_mac = self.opts.mac;
        let ts = d.ts_usec;
        let Some(f) = self.flows[slot as usize].as_mut() else {
            return;
        };
        f.acc.zero_record();
        f.written = false;
        f.acc.cause = Cause::Start;
        if !forward {
            f.src_is_b = !f.src_is_b;
            f.acc.swap_dirs();
        }
        touch_times(&mut f.acc.src, ts);
        record_attributes(&mut f.acc, d, true, opts_mac);
        if let Some(t) = d.tcp {
            let seg = Segment {
                tcp: t,
                len: self.app.tcp_len(),
                now: ts,
                ipid: argus_ipid(d),
                forward: true,
                track_duplicates: self.opts.track_duplicates,
            };
            let mut c = TcpConn::default();
            c.start(&seg);
            match f.tcp {
                Some(t) => self.tcps.put(t, &c),
                None => f.tcp = Some(self.tcps.insert(&c)),
            }
        }
        let keyed = matches!(f.key.kind(), KeyKind::Ipv4 | KeyKind::Ipv6);
        let app = self.app.bytes(keyed, true, false);
        tally(&mut f.acc, true, d, app, 0, ts, interval, (jitter, true));
    }

    fn map_icmp_error(&mut self, d: &Decoded, icmp_type: u8, code: u8) {
        let Some(m) = d.icmp else { return };
        let q = m.quote;
        let k = key::quoted_flow_key(&q);
        let ck = if self.opts.unidirectional {
            k
        } else {
            key::canonical(k).0
        };
        if let Some(slot) = self.table.get(&ck, &self.flows)
            && let Some(f) = self.flows[slot as usize].as_mut()
        {
            // Only a record not yet sent carries the annotation.
            if !f.written {
                f.acc.icmp_event = Some((icmp_type, code));
                touch_times(&mut f.acc.src, d.ts_usec);
            }
        }
    }

    /// Register `slot` as the parent of fragments keyed `fk`, folding in any
    /// fragments that arrived before their first fragment.
    fn adopt_fragments(&mut self, slot: u32, fk: FlowKey) {
        // Parent first: deleting the adopted orphan flow must not forget the
        // datagram's coverage so far.
        self.frags.set_parent(fk, slot);
        if let Some(orphan) = self.table.get(&fk, &self.flows) {
            let taken = self.flows[orphan as usize]
                .as_ref()
                .filter(|o| !o.written)
                .map(|o| ((o.acc.src.clone(), o.acc.dst().clone()), o.src_is_b));
            if let Some((orec, o_src_is_b)) = taken {
                let parent_src_is_b = self.flows[slot as usize]
                    .as_ref()
                    .is_some_and(|p| p.src_is_b);
                if let Some(p) = self.flows[slot as usize].as_mut() {
                    // Argus merges into a parent that has seen one packet by
                    // taking the fragments' last time as the parent's, even
                    // when it is earlier than that packet (frag_with_padding).
                    let single = p.acc.pkts() == 1;
                    // Orphans were keyed by the fragment's own direction.
                    let same = {
                        let osrc = if o_src_is_b { fk.b } else { fk.a };
                        let pk = p.key.get();
                        let psrc = if parent_src_is_b { pk.b } else { pk.a };
                        osrc == psrc
                    };
                    let (s, dd) = if same {
                        (&orec.0, &orec.1)
                    } else {
                        (&orec.1, &orec.0)
                    };
                    let (s_last, d_last) = (s.last, dd.last);
                    merge_dir(&mut p.acc, true, s);
                    merge_dir(&mut p.acc, false, dd);
                    if single {
                        if s_last != 0 {
                            p.acc.src.last = s_last;
                        }
                        if d_last != 0 {
                            p.acc.dir_mut(false).last = d_last;
                        }
                    }
                }
                self.delete(orphan);
            }
        }
        if let Some(p) = self.flows[slot as usize].as_mut()
            && let Some(old) = p.acc.extra_mut().frag_key.replace(fk)
            && old != fk
        {
            self.frags.forget_parent(&old, slot);
        }
    }
}

/// The IP identification as Argus's TCP tracker compares it: the IPv4
/// field as it lies in memory (IPATTR keeps it unconverted, so a
/// little-endian host sees it byte-swapped), 0 for IPv6 (ArgusUpdateFlow).
fn argus_ipid(d: &Decoded) -> u16 {
    if d.family == Family::Ipv4 {
        (d.ip_id as u16).swap_bytes()
    } else {
        0
    }
}

fn is_tcp_flow(kind: KeyKind, proto: u8) -> bool {
    matches!(kind, KeyKind::Ipv4 | KeyKind::Ipv6) && proto == 6
}

fn touch_times(dm: &mut Dir, ts: i64) {
    if dm.start == 0 {
        dm.start = ts;
    }
    dm.last = ts;
}

/// Attributes Argus keeps as "last value seen" per direction.
fn record_attributes(acc: &mut Acc, d: &Decoded, forward: bool, mac: bool) {
    if mac && d.has_mac {
        let (s, dm) = if forward {
            (d.src_mac, d.dst_mac)
        } else {
            (d.dst_mac, d.src_mac)
        };
        let x = acc.extra_mut();
        match (x.dirs[0].mac, x.dirs[1].mac) {
            (Some(a), Some(b)) => {
                if a != s || b != dm || x.ethertype != d.ethertype {
                    if forward {
                        x.mac_multipath.0 = true;
                    } else {
                        x.mac_multipath.1 = true;
                    }
                }
            }
            _ => {
                x.dirs[0].mac = Some(s);
                x.dirs[1].mac = Some(dm);
                x.ethertype = d.ethertype;
            }
        }
    }
    if let Some(v) = d.vlan_tci {
        acc.extra_dir_mut(forward).vlan_tci = Some(v);
    }
    if let Some(m) = d.mpls {
        acc.extra_dir_mut(forward).mpls = Some(m);
    }
    let dm = acc.dir_mut(forward);
    dm.encaps |= d.encaps;
    if d.is_ip() {
        dm.has_ip = true;
        dm.ttl = d.ttl;
        dm.tos = d.tos;
        // IPv6 has no identification: Argus writes 0 (ArgusUpdateFlow).
        dm.ip_id = if d.family == Family::Ipv4 {
            d.ip_id as u16
        } else {
            0
        };
        dm.ip_options = d.ip_options;
        if d.tos & 0x03 == 0x03 {
            dm.congested = true;
        }
    }
}

/// Count the packet. `prev` is the previous packet time of this direction
/// (0 for none): intervals longer than twice the status interval are not
/// inter-packet gaps but pauses, and Argus leaves them out.
/// `active`: the packet moved its protocol on (Argus's "in protocol"; only
/// TCP ever says no), which decides the jitter class of the interval.
/// `app`: the packet's application bytes (see [`super::app`]); Argus adds
/// its length as it stands, which can be negative after an RTP step.
#[allow(clippy::too_many_arguments)]
fn tally(
    acc: &mut Acc,
    forward: bool,
    d: &Decoded,
    app: Option<i64>,
    prev: i64,
    ts: i64,
    interval: i64,
    jitter: (bool, bool),
) {
    let bytes = d.counted_len;
    let (jitter, active) = jitter;
    if jitter && prev != 0 && ts > prev && ts - prev < interval * 2 {
        let x = acc.extra_dir_mut(forward);
        let class = if active {
            &mut x.jitter_active
        } else {
            &mut x.jitter_idle
        };
        class.add((ts - prev) as u64);
    }
    let dm = acc.dir_mut(forward);
    dm.pkts += 1;
    dm.bytes += u64::from(bytes);
    if let Some(a) = app {
        dm.appbytes = dm.appbytes.wrapping_add(a as u64);
    }
    if dm.pkts == 1 || bytes < dm.min_size {
        dm.min_size = bytes;
    }
    dm.max_size = dm.max_size.max(bytes);
}

fn merge_dir(acc: &mut Acc, forward: bool, from: &Dir) {
    if from.pkts == 0 {
        return;
    }
    let into = acc.dir_mut(forward);
    into.pkts += from.pkts;
    into.bytes += from.bytes;
    // Application bytes stay with the fragment flow (ArgusUpdateParentFlow).
    if into.start == 0 || (from.start != 0 && from.start < into.start) {
        into.start = from.start;
    }
    into.last = into.last.max(from.last);
    into.fragments = true;
    if into.min_size == 0 || from.min_size < into.min_size {
        into.min_size = from.min_size;
    }
    into.max_size = into.max_size.max(from.max_size);
}

/// Copy TCP connection facts into a record being emitted.
pub(super) fn finish_tcp(rec: &mut FlowRecord, t: &TcpConn) {
    rec.tcp_status = Some(t.record_status());
    rec.tcp_state = t.state as u8;
    rec.tcp_init = !t.perf;
    rec.tcp_options = t.options;
    rec.synack_usec = t.synack_usec;
    rec.ackdat_usec = t.ackdat_usec;
    for (dm, td) in [(&mut rec.src, &t.src), (&mut rec.dst, &t.dst)] {
        if dm.pkts > 0 || td.seqbase != 0 {
            dm.win = Some(u32::from(td.win).wrapping_shl(u32::from(td.winshift)));
            dm.win_raw = Some((td.win, td.winshift));
            dm.tcp_base = Some(td.seqbase);
        }
        dm.retrans = td.retrans;
        dm.tcp_flags = td.flags;
        dm.tcp_seq = TcpSeqFacts {
            status: td.status,
            seq: td.seq,
            ack: td.ack,
            winnum: td.winnum,
            bytes: td.bytes,
            ackbytes: td.ackbytes,
            winbytes: td.winbytes,
        };
    }
}
