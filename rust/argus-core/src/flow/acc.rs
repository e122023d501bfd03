//! The per-flow accumulator: what a flow keeps between packets, laid out
//! small because a sensor holds one per open flow (issue 6: <= 256 bytes per
//! open flow). Only the counters every flow needs live inline; the parts few
//! flows use (VLAN/MPLS tags, MACs, jitter, `-U` bytes, RTP and fragment
//! state) are in [`Extra`], allocated on first use; the reply direction is
//! allocated on the first reply (a SYN flood's or a scan's flows never get
//! one), and holds the pointer to [`Extra`] (one pointer in the flow for
//! both). The [`FlowRecord`] is built only when a record is reported.

use super::key::FlowKey;
use super::rtp::RtpSide;
use crate::record::{AppClass, Cause, DirMetrics, FlowRecord, Jitter, RtpObject};

/// One direction's counters of the record being accumulated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dir {
    pub pkts: u64,
    pub bytes: u64,
    pub appbytes: u64,
    /// First and last packet time in this direction (µs; 0 = none).
    pub start: i64,
    pub last: i64,
    pub min_size: u32,
    pub max_size: u32,
    pub encaps: u32,
    pub ip_id: u16,
    pub ip_options: u16,
    pub ttl: u8,
    pub tos: u8,
    pub has_ip: bool,
    pub fragments: bool,
    pub congested: bool,
}

impl Dir {
    /// What survives into the next report interval (ArgusZeroRecord keeps
    /// the last-seen IP attributes).
    fn zeroed(&self) -> Dir {
        Dir {
            ttl: self.ttl,
            tos: self.tos,
            ip_id: self.ip_id,
            has_ip: self.has_ip,
            ..Dir::default()
        }
    }

    fn metrics(&self) -> DirMetrics {
        DirMetrics {
            pkts: self.pkts,
            bytes: self.bytes,
            appbytes: self.appbytes,
            start: self.start,
            last: self.last,
            ttl: self.ttl,
            tos: self.tos,
            ip_id: self.ip_id,
            ip_options: self.ip_options,
            has_ip: self.has_ip,
            min_size: self.min_size,
            max_size: self.max_size,
            encaps: self.encaps,
            fragments: self.fragments,
            congested: self.congested,
            ..DirMetrics::default()
        }
    }
}

/// One direction's rarely-set parts.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExtraDir {
    pub vlan_tci: Option<u16>,
    pub mpls: Option<u32>,
    pub mac: Option<[u8; 6]>,
    pub jitter_active: Jitter,
    pub jitter_idle: Jitter,
    pub user_data: Vec<u8>,
    /// RTP state: the last header taken (a zero sequence means none yet),
    /// the record's drops and silence.
    pub rtp: RtpSide,
    /// Last packet time over the flow's whole life: Argus's jitter
    /// intervals run across record boundaries.
    pub last_pkt: i64,
}

/// The flow's rarely-set parts, allocated on first use.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extra {
    /// Source, destination.
    pub dirs: [ExtraDir; 2],
    /// More than one MAC pair was seen (src, dst).
    pub mac_multipath: (bool, bool),
    /// Ethertype seen with the MACs.
    pub ethertype: u16,
    /// The canonical key of the non-first fragments this flow's current
    /// datagram expects, so they can be attributed here.
    pub frag_key: Option<FlowKey>,
}

impl Extra {
    /// ArgusZeroRecord: tags, jitter and user bytes are per record; MACs,
    /// RTP state and the packet clock stay with the flow.
    fn zero_record(&mut self) {
        for x in &mut self.dirs {
            *x = ExtraDir {
                mac: x.mac,
                // ArgusZeroRecord clears the drop counts and the silence
                // bits only.
                rtp: RtpSide {
                    drops: 0,
                    silence: false,
                    ..x.rtp
                },
                last_pkt: x.last_pkt,
                ..ExtraDir::default()
            };
        }
    }
}

/// The record a flow is accumulating.
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub src: Dir,
    /// The reply direction and the rarely-set parts, allocated with the
    /// first reply or the first use of [`Extra`].
    more: Option<Box<More>>,
    pub cause: Cause,
    /// RTP/RTCP classification (kept for the life of the flow unless an
    /// RTP check fails).
    pub app: AppClass,
    /// ICMP type of the record's first packet.
    pub icmp_first_type: Option<u8>,
    /// ICMP error mapped onto this flow: (type, code) of the last one seen.
    pub icmp_event: Option<(u8, u8)>,
}

/// What an [`Acc`] allocates when needed: in one place so that the flow
/// holds one pointer (8 bytes less per open flow); a 72-byte block costs the
/// allocator as much as the 64-byte reply direction alone did.
#[derive(Clone, Debug, Default)]
struct More {
    /// The reply direction (zero until the first reply).
    dst: Dir,
    extra: Option<Box<Extra>>,
}

static NO_DIR: Dir = Dir {
    pkts: 0,
    bytes: 0,
    appbytes: 0,
    start: 0,
    last: 0,
    min_size: 0,
    max_size: 0,
    encaps: 0,
    ip_id: 0,
    ip_options: 0,
    ttl: 0,
    tos: 0,
    has_ip: false,
    fragments: false,
    congested: false,
};

impl Acc {
    pub fn pkts(&self) -> u64 {
        self.src.pkts + self.dst().pkts
    }

    /// The direction (source when `forward`), allocated if needed.
    pub fn dir_mut(&mut self, forward: bool) -> &mut Dir {
        if forward {
            &mut self.src
        } else {
            &mut self.more.get_or_insert_with(Box::default).dst
        }
    }

    pub fn dst(&self) -> &Dir {
        self.more.as_deref().map_or(&NO_DIR, |m| &m.dst)
    }

    pub fn extra_mut(&mut self) -> &mut Extra {
        let more = self.more.get_or_insert_with(Box::default);
        more.extra.get_or_insert_with(Box::default)
    }

    /// The rarely-set parts, if any was set.
    pub fn extra(&self) -> Option<&Extra> {
        self.more.as_deref()?.extra.as_deref()
    }

    fn extra_if_set(&mut self) -> Option<&mut Extra> {
        self.more.as_deref_mut()?.extra.as_deref_mut()
    }

    /// The flow no longer expects fragments of the datagram keyed `fk`.
    pub fn forget_frag_key(&mut self, fk: &FlowKey) {
        if let Some(x) = self.extra_if_set()
            && x.frag_key.as_ref() == Some(fk)
        {
            x.frag_key = None;
        }
    }

    pub fn extra_dir_mut(&mut self, forward: bool) -> &mut ExtraDir {
        &mut self.extra_mut().dirs[usize::from(!forward)]
    }

    pub fn frag_key(&self) -> Option<FlowKey> {
        self.extra().and_then(|x| x.frag_key)
    }

    /// Start a new report interval (ArgusZeroRecord).
    pub fn zero_record(&mut self) {
        self.src = self.src.zeroed();
        if let Some(m) = self.more.as_deref_mut() {
            m.dst = m.dst.zeroed();
            if let Some(x) = m.extra.as_deref_mut() {
                x.zero_record();
            }
        }
        self.icmp_event = None;
        self.icmp_first_type = None;
    }

    /// Exchange the directions (a TCP restart by the former destination).
    pub fn swap_dirs(&mut self) {
        let dst = std::mem::take(self.dir_mut(false));
        let src = std::mem::replace(&mut self.src, dst);
        *self.dir_mut(false) = src;
        // The RTP state and the packet clock stay with their side (Argus
        // keeps them outside the record's metrics).
        if let Some(x) = self.extra_if_set() {
            let [s, d] = &mut x.dirs;
            std::mem::swap(&mut s.vlan_tci, &mut d.vlan_tci);
            std::mem::swap(&mut s.mpls, &mut d.mpls);
            std::mem::swap(&mut s.mac, &mut d.mac);
            std::mem::swap(&mut s.jitter_active, &mut d.jitter_active);
            std::mem::swap(&mut s.jitter_idle, &mut d.jitter_idle);
            std::mem::swap(&mut s.user_data, &mut d.user_data);
        }
    }

    /// The record as reported (without sequence number, span and TCP facts,
    /// which the engine adds).
    pub fn record(&self, key: FlowKey, srcid: u32) -> FlowRecord {
        let mut rec = FlowRecord {
            key,
            srcid,
            cause: self.cause,
            src: self.src.metrics(),
            dst: self.dst().metrics(),
            icmp_event: self.icmp_event,
            icmp_first_type: self.icmp_first_type,
            app: self.app,
            ..FlowRecord::default()
        };
        if let Some(x) = self.extra() {
            rec.mac_multipath = x.mac_multipath;
            rec.ethertype = x.ethertype;
            for (dm, xd) in [(&mut rec.src, &x.dirs[0]), (&mut rec.dst, &x.dirs[1])] {
                dm.vlan_tci = xd.vlan_tci;
                dm.mpls = xd.mpls;
                dm.mac = xd.mac;
                dm.jitter_active = xd.jitter_active;
                dm.jitter_idle = xd.jitter_idle;
                dm.user_data.clone_from(&xd.user_data);
            }
            if self.app != AppClass::None {
                rec.rtp = Some(Box::new(rtp_object(&x.dirs)));
            }
        }
        rec
    }
}

/// The RTP/RTCP object of the record from the directions' RTP state.
fn rtp_object(dirs: &[ExtraDir; 2]) -> RtpObject {
    let [s, d] = [&dirs[0].rtp, &dirs[1].rtp];
    RtpObject {
        hdr: [s.hdr, d.hdr],
        drops: [s.drops, d.drops],
        state: (u32::from(s.out_of_order) * 0x1_0000) | (u32::from(d.out_of_order) * 0x2_0000),
        qual: u8::from(s.silence) | u8::from(d.silence) << 1,
    }
}
