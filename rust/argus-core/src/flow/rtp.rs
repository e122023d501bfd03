//! RTP/RTCP recognition of UDP flows, as Argus 3.0.8.2 does it: the packet
//! that creates the flow decides, later RTP packets can only take it back.

use super::Flow;
use super::key::KeyKind;
use crate::decode::Decoded;
use crate::record::AppClass;

/// Argus leaves well-known ports and the AFS range out of RTP detection.
fn candidate_port(p: u16) -> bool {
    p >= 1024 && !(7000..=7010).contains(&p)
}

/// Classify (first packet) or re-check (later packets) the UDP flow `f` with
/// the packet `d`; `first`: the packet created the flow. True when Argus
/// read the packet as RTP and stepped over its header (ArgusUpdateRTPState),
/// which the application byte count then leaves out.
pub(super) fn classify(f: &mut Flow, d: &Decoded, forward: bool, first: bool) -> bool {
    // The 3.0.8.2 binaries never label IPv6 flows (measured: five RTP
    // packets over IPv6 stay "udp" where the same over IPv4 are "rtp").
    if f.key.kind() != KeyKind::Ipv4 {
        return false;
    }
    let Some(h) = d.rtp else { return false };
    if first {
        if d.payload_len > 0 && h.version2 && candidate_port(d.sport) && candidate_port(d.dport) {
            if h.rtcp_report {
                f.acc.app = AppClass::Rtcp;
            } else {
                f.acc.app = AppClass::Rtp;
                f.acc.extra_dir_mut(true).rtp = (h.seq, h.ssrc);
            }
        }
        return false;
    }
    if f.acc.app != AppClass::Rtp || !h.version2 {
        return false;
    }
    let (seq, ssrc) = f.acc.extra_dir_mut(forward).rtp;
    if seq == 0 {
        f.acc.extra_dir_mut(forward).rtp = (h.seq, h.ssrc);
        return false;
    }
    let len = i64::from(d.payload_len);
    let broken = h.ssrc == 0
        || h.ssrc != ssrc
        || h.ext_len
            .is_some_and(|x| i64::from(x) > len || i64::from(x) < len - 4);
    if broken {
        // Not RTP after all: the flow is plain UDP from now on.
        f.acc.app = AppClass::None;
        return false;
    }
    f.acc.extra_dir_mut(forward).rtp = (h.seq, h.ssrc);
    true
}
