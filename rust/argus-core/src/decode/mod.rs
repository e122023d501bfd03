//! Packet decoding: a captured frame becomes a [`Decoded`] summary of the
//! headers the flow model needs. Nothing here allocates, and no input can
//! make it panic: every read is bounds-checked, and a header that is cut
//! short simply ends decoding at the last complete layer.

pub mod encaps;
mod link;
mod net;

/// IPv4 option bits as records carry them.
pub mod net_options {
    pub use super::net::{
        OPT_LSRR, OPT_RECORD_ROUTE, OPT_RTRALERT, OPT_SATID, OPT_SECURITY, OPT_SSRR, OPT_TIMESTAMP,
    };
}
mod transport;
mod tunnel;
mod wifi;

pub use wifi::Wlan;

use crate::packet::{LinkType, RawPacket};

/// Network-layer family of a decoded packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Family {
    /// Nothing above the link layer could be decoded as a known network layer.
    #[default]
    Ether,
    Ipv4,
    Ipv6,
    Arp,
    Rarp,
}

/// Fragment information of an IP packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frag {
    /// Offset in bytes of this fragment's data.
    pub offset: u32,
    pub more: bool,
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// True when the packet is a fragment at all (offset != 0 or MF set, or an IPv6 fragment header).
    pub is_fragment: bool,
}

/// TCP header fields the state machine uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tcp {
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub win: u16,
    /// Window-scale option shift, when present.
    pub wscale: Option<u8>,
    /// Argus option bit mask (MSS 0x0010_0000, wscale 0x0020_0000, ...).
    pub options: u32,
    pub header_len: u16,
}

pub const TH_FIN: u8 = 0x01;
pub const TH_SYN: u8 = 0x02;
pub const TH_RST: u8 = 0x04;
pub const TH_PUSH: u8 = 0x08;
pub const TH_ACK: u8 = 0x10;
pub const TH_URG: u8 = 0x20;
pub const TH_ECE: u8 = 0x40;
pub const TH_CWR: u8 = 0x80;

/// The original datagram quoted inside an ICMP error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IcmpQuote {
    pub family: Family,
    pub tos: u8,
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    /// First two bytes after the quoted UDP header (a DNS transaction id).
    pub payload_head: Option<u16>,
    pub present: bool,
}

/// ICMP / ICMPv6 header fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Icmp {
    pub icmp_type: u8,
    pub code: u8,
    pub id: u16,
    pub seq: u16,
    /// Bytes 4..8 of the ICMP header as they stand (gateway address of a redirect, ...).
    pub rest: [u8; 4],
    pub quote: IcmpQuote,
}

/// ARP / RARP fields used for the flow key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sender_hw: [u8; 6],
    pub sender_ip: [u8; 4],
    pub target_hw: [u8; 6],
    pub target_ip: [u8; 4],
}

/// Everything the flow model reads from one packet.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decoded {
    pub ts_usec: i64,
    /// Length on the wire of the whole frame, link header included.
    pub wire_len: u32,
    /// What Argus counts as the packet's bytes: the wire length, less the
    /// link header on the link types where Argus does not count it
    /// (Linux cooked, BSD loopback, PPP, Cisco HDLC, SLIP, radiotap).
    pub counted_len: u32,

    // Link layer.
    pub has_mac: bool,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// Ethertype of the innermost layer-2 header (0 for 802.3 length frames).
    pub ethertype: u16,
    /// 802.3 LLC SAPs, when the frame is a length frame with an LLC header.
    pub llc: Option<(u8, u8)>,
    /// Union of encapsulations crossed (see [`encaps`]).
    pub encaps: u32,
    /// Outermost 802.1Q TCI seen.
    pub vlan_tci: Option<u16>,
    /// First MPLS label stack entry (label, exp, s, ttl packed as on the wire).
    pub mpls: Option<u32>,

    // Network layer.
    pub family: Family,
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub proto: u8,
    pub ttl: u8,
    pub tos: u8,
    pub ip_id: u32,
    /// Bits describing IPv4 options present (Argus IPATTR option bits).
    pub ip_options: u16,
    pub frag: Frag,
    /// Length the IP header(s) claim for the datagram (IPv4 total length / IPv6 payload + 40).
    pub ip_len: u32,
    /// Where the transport header starts in `data`, and the L4 length the IP header claims.
    pub l4_offset: u32,
    pub l4_len: u32,

    // Transport layer.
    pub has_ports: bool,
    pub sport: u16,
    pub dport: u16,
    pub tcp: Option<Tcp>,
    pub icmp: Option<Icmp>,
    pub arp: Option<Arp>,
    /// Payload (application) bytes as the headers claim them, and where they start.
    pub payload_len: u32,
    pub payload_offset: u32,
    /// First two captured payload bytes (the DNS transaction id of a DNS packet).
    pub payload_head: Option<u16>,
    /// IGMP message type and group address field.
    pub igmp_type: u8,
    pub igmp_group: Option<[u8; 4]>,
    /// ESP security parameter index.
    pub spi: Option<u32>,
    /// Argus builds no flow for this packet although it decoded (IPv6 ESP).
    pub no_flow: bool,
    /// The UDP payload read as an RTP header (at least 12 bytes captured).
    pub rtp: Option<RtpHead>,
    /// An 802.11 frame Argus keys as a layer-2 wlan flow (family `Ether`).
    pub wlan: Option<Wlan>,
    /// Link-header bytes before the network header that Argus leaves in
    /// the length it derives IPv6 application bytes from (the 802.11
    /// header, and a Prism or AVS header before it).
    pub link_kept: u32,
    /// Where `-U` user data starts in a layer-2 (non-IP) frame: right after
    /// the last link header Argus stepped over (Ethernet or VLAN tag, LLC,
    /// SNAP); None where Argus takes none.
    pub l2_user_offset: Option<u32>,
}

/// The fields of a UDP payload Argus's RTP/RTCP classification looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtpHead {
    /// Version bits are 2.
    pub version2: bool,
    /// The payload holds an RTCP sender or receiver report chunk.
    pub rtcp_report: bool,
    pub seq: u16,
    pub ssrc: u32,
    /// The first 12 payload bytes (the RTP header as on the wire).
    pub head: [u8; 12],
    /// Extension bit set: the 16-bit word Argus takes as the extension
    /// length (bytes 14..16 in host order, as 3.0.8.2 reads it).
    pub ext_len: Option<u16>,
}

impl Decoded {
    pub fn is_ip(&self) -> bool {
        matches!(self.family, Family::Ipv4 | Family::Ipv6)
    }
}

/// Why a frame could not be decoded into anything the flow model keys on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    UnsupportedLinkType(LinkType),
    /// The frame ended before a complete link-layer header.
    Truncated,
}

/// Decode one captured frame.
pub fn decode(pkt: &RawPacket<'_>, out: &mut Decoded) -> Result<(), DecodeError> {
    *out = Decoded {
        ts_usec: pkt.ts_usec,
        wire_len: pkt.wire_len.max(pkt.data.len() as u32),
        ..Decoded::default()
    };
    let res = link::decode_link(pkt.linktype, pkt.data, out);
    out.counted_len = out
        .wire_len
        .saturating_sub(link::uncounted_header(pkt.linktype, pkt.data));
    res
}

/// Whether [`decode`] reads frames of this link type (else every frame is
/// [`DecodeError::UnsupportedLinkType`]).
pub fn link_supported(lt: LinkType) -> bool {
    lt.is_supported()
}

/// Bounds-checked big-endian reads: every decoder goes through these.
#[inline]
pub(crate) fn be16(d: &[u8], off: usize) -> Option<u16> {
    d.get(off..off + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
}

#[inline]
pub(crate) fn be32(d: &[u8], off: usize) -> Option<u32> {
    d.get(off..off + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests;
