//! RTP/RTCP recognition of UDP flows, as Argus 3.0.8.2 does it: the packet
//! that creates the flow decides, later RTP packets can only take it back.

use super::Flow;
use super::app::PacketApp;
use super::key::KeyKind;
use crate::decode::Decoded;
use crate::record::AppClass;

/// One direction's RTP state: the last header taken, and the record's drops
/// and silence (ArgusRTPObject's per-direction parts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RtpSide {
    /// The last RTP header taken, as on the wire (RTCP: as argus writes it).
    pub hdr: [u8; 12],
    /// Sequence numbers skipped in this record, less late arrivals.
    pub drops: u16,
    /// A packet of this record looked like silence (by its payload type).
    pub silence: bool,
    /// A packet came out of order (kept for the flow's life).
    pub out_of_order: bool,
}

impl RtpSide {
    /// The sequence number of the last header; 0 means none taken yet.
    fn seq(&self) -> u16 {
        u16::from_be_bytes([self.hdr[2], self.hdr[3]])
    }

    fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.hdr[8], self.hdr[9], self.hdr[10], self.hdr[11]])
    }

    /// Count a header following the last one taken (ArgusUpdateRTPState):
    /// a jump forward adds the numbers skipped, a step back takes one back
    /// (if any) and marks the direction out of order.
    fn follow(&mut self, seq: u16) {
        let last = i32::from(self.seq());
        let seq = i32::from(seq);
        if last == seq - 1 {
            return;
        }
        if seq < last {
            if self.drops > 0 {
                self.drops -= 1;
                self.out_of_order = true;
            }
        } else if seq > last {
            self.drops = self.drops.wrapping_add((seq - last - 1) as u16);
        }
    }
}

/// The RTCP header (8 bytes) as argus writes it: its length and SSRC are
/// taken into host order and written back without conversion.
fn rtcp_as_written(head: &[u8; 12]) -> [u8; 12] {
    let mut h = [0u8; 12];
    h[..2].copy_from_slice(&head[..2]);
    h[2] = head[3];
    h[3] = head[2];
    for i in 0..4 {
        h[4 + i] = head[7 - i];
    }
    h
}

/// Payload types whose packets argus takes for silence when the payload is
/// empty or not a whole number of 10-byte frames (PCMU, PCMA, G722, G728,
/// G729), or empty or 4 bytes (G723).
fn silent(pt: u8, len: i64) -> bool {
    match pt {
        0 | 8 | 9 | 15 | 18 => len == 0 || len % 10 != 0,
        4 => len == 0 || len == 4,
        _ => false,
    }
}

/// Argus leaves well-known ports and the AFS range out of RTP detection.
fn candidate_port(p: u16) -> bool {
    p >= 1024 && !(7000..=7010).contains(&p)
}

/// Classify (first packet) or re-check (later packets) the UDP flow `f` with
/// the packet `d`; `first`: the packet created the flow. True when Argus
/// read the packet as RTP and stepped over its header (ArgusUpdateRTPState),
/// which the application byte count then leaves out. `app`: the packet's
/// lengths, for the silence check behind the RTP header.
pub(super) fn classify(
    f: &mut Flow,
    d: &Decoded,
    app: &PacketApp,
    forward: bool,
    first: bool,
) -> bool {
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
                f.acc.extra_dir_mut(true).rtp.hdr = rtcp_as_written(&h.head);
            } else {
                f.acc.app = AppClass::Rtp;
                f.acc.extra_dir_mut(true).rtp.hdr = h.head;
            }
        }
        return false;
    }
    if f.acc.app != AppClass::Rtp || !h.version2 {
        return false;
    }
    let side = &mut f.acc.extra_dir_mut(forward).rtp;
    let ssrc = side.ssrc();
    if side.seq() == 0 {
        side.hdr = h.head;
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
    let side = &mut f.acc.extra_dir_mut(forward).rtp;
    side.follow(h.seq);
    side.hdr = h.head;
    // What is left behind the header, CSRC list and extension (when the
    // CSRC list fits the payload, as argus steps over them only then).
    if let Some((csrc, _)) = app.rtp
        && let Some(before) = app.bytes(true, false, false)
        && csrc < before
        && let Some(after) = app.bytes(true, false, true)
        && silent(h.head[1] & 0x7f, after)
    {
        side.silence = true;
    }
    true
}
