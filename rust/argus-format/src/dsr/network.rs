//! NETWORK DSR (type 0x30, index 5): the protocol object selected by the
//! subtype — TCP (three forms), the ICMP flow object, or others kept as bytes
//! (reference §3.5 NETWORK).

use super::{DsrHeader, dtype};
use crate::wire::{put_u16, put_u32, u16_at, u32_at};

pub mod subtype {
    pub const EMPTY: u8 = 0x00;
    pub const TCP_INIT: u8 = 0x03;
    pub const TCP_STATUS: u8 = 0x04;
    pub const TCP_PERF: u8 = 0x05;
    pub const RTCP: u8 = 0x09;
    pub const RTP: u8 = 0x0a;
    pub const ARP: u8 = 0x10;
    pub const ICMP: u8 = 0x34;
    pub const ESP: u8 = 0x38;
    pub const FRAG: u8 = 0x45;
}

/// One direction of the TCP object (48 bytes in 3.0.8.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpDir {
    pub lasttime: (u32, u32),
    pub status: u32,
    pub seqbase: u32,
    pub seq: u32,
    pub ack: u32,
    pub winnum: u32,
    pub bytes: u32,
    pub retrans: u32,
    pub ackbytes: u32,
    pub winbytes: u32,
    /// Advertised window as sent (unscaled); `ra` shows `win << winshift`.
    pub win: u16,
    pub flags: u8,
    pub winshift: u8,
}

const TCP_DIR_LEN: usize = 48;

impl TcpDir {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in [
            self.lasttime.0,
            self.lasttime.1,
            self.status,
            self.seqbase,
            self.seq,
            self.ack,
            self.winnum,
            self.bytes,
            self.retrans,
            self.ackbytes,
            self.winbytes,
        ] {
            put_u32(out, v);
        }
        put_u16(out, self.win);
        out.extend_from_slice(&[self.flags, self.winshift]);
    }
    fn decode(b: &[u8]) -> Self {
        let w = |i: usize| u32_at(b, i * 4);
        TcpDir {
            lasttime: (w(0), w(1)),
            status: w(2),
            seqbase: w(3),
            seq: w(4),
            ack: w(5),
            winnum: w(6),
            bytes: w(7),
            retrans: w(8),
            ackbytes: w(9),
            winbytes: w(10),
            win: u16_at(b, 44),
            flags: b[46],
            winshift: b[47],
        }
    }
}

/// The full TCP object (TCP_PERF).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpPerf {
    pub status: u32,
    pub state: u32,
    pub options: u32,
    pub synack_usec: u32,
    pub ackdat_usec: u32,
    pub src: TcpDir,
    pub dst: TcpDir,
}

/// The first-segment form (TCP_INIT).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpInit {
    pub status: u32,
    pub seqbase: u32,
    pub options: u32,
    pub win: u16,
    pub flags: u8,
    pub winshift: u8,
}

/// The status-only form (TCP_STATUS, when TCP performance data is off).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpStatus {
    pub status: u32,
    pub src_flags: u8,
    pub dst_flags: u8,
}

/// The ICMP flow object. The x86 sensor leaves `iseq` and the addresses in
/// host (little-endian) order (reference §3.9); values here are the true ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IcmpObject {
    pub icmp_type: u8,
    pub icmp_code: u8,
    pub iseq: u16,
    pub osrcaddr: u32,
    pub odstaddr: u32,
    pub isrcaddr: u32,
    pub idstaddr: u32,
    pub igwaddr: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetBody {
    TcpPerf(TcpPerf),
    TcpInit(TcpInit),
    TcpStatus(TcpStatus),
    Icmp(IcmpObject),
    /// Empty (UDP and other protocols without an object) or any other object.
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    pub subtype: u8,
    pub qual: u8,
    pub body: NetBody,
}

impl Network {
    pub fn encode(&self, out: &mut Vec<u8>) {
        // The body goes straight into `out` behind a placeholder header whose
        // length is filled in after (no buffer per record).
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        let body = &mut *out;
        match &self.body {
            NetBody::TcpPerf(t) => {
                for v in [t.status, t.state, t.options, t.synack_usec, t.ackdat_usec] {
                    put_u32(body, v);
                }
                t.src.encode(body);
                t.dst.encode(body);
            }
            NetBody::TcpInit(t) => {
                put_u32(body, t.status);
                put_u32(body, t.seqbase);
                put_u32(body, t.options);
                put_u16(body, t.win);
                body.extend_from_slice(&[t.flags, t.winshift]);
            }
            NetBody::TcpStatus(t) => {
                put_u32(body, t.status);
                body.extend_from_slice(&[t.src_flags, t.dst_flags, 0, 0]);
            }
            NetBody::Icmp(i) => {
                body.extend_from_slice(&[i.icmp_type, i.icmp_code]);
                body.extend_from_slice(&i.iseq.to_le_bytes());
                for a in [i.osrcaddr, i.odstaddr, i.isrcaddr, i.idstaddr, i.igwaddr] {
                    body.extend_from_slice(&a.to_le_bytes());
                }
            }
            NetBody::Bytes(b) => body.extend_from_slice(b),
        }
        let body_len = out.len() - at - 4;
        let h = DsrHeader::new(dtype::NETWORK, self.subtype, self.qual, 1 + body_len / 4);
        out[at..at + 4].copy_from_slice(&h.bytes());
    }

    pub fn decode(h: &DsrHeader, b: &[u8]) -> Self {
        let body = match (h.subtype, b.len()) {
            (subtype::TCP_PERF, 116) => NetBody::TcpPerf(TcpPerf {
                status: u32_at(b, 0),
                state: u32_at(b, 4),
                options: u32_at(b, 8),
                synack_usec: u32_at(b, 12),
                ackdat_usec: u32_at(b, 16),
                src: TcpDir::decode(&b[20..20 + TCP_DIR_LEN]),
                dst: TcpDir::decode(&b[20 + TCP_DIR_LEN..]),
            }),
            (subtype::TCP_INIT, 16) => NetBody::TcpInit(TcpInit {
                status: u32_at(b, 0),
                seqbase: u32_at(b, 4),
                options: u32_at(b, 8),
                win: u16_at(b, 12),
                flags: b[14],
                winshift: b[15],
            }),
            (subtype::TCP_STATUS, 8) => NetBody::TcpStatus(TcpStatus {
                status: u32_at(b, 0),
                src_flags: b[4],
                dst_flags: b[5],
            }),
            (subtype::ICMP, 24) => {
                let le = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
                NetBody::Icmp(IcmpObject {
                    icmp_type: b[0],
                    icmp_code: b[1],
                    iseq: u16::from_le_bytes([b[2], b[3]]),
                    osrcaddr: le(4),
                    odstaddr: le(8),
                    isrcaddr: le(12),
                    idstaddr: le(16),
                    igwaddr: le(20),
                })
            }
            _ => NetBody::Bytes(b.to_vec()),
        };
        Network {
            subtype: h.subtype,
            qual: h.qual,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsr::Dsr;

    #[test]
    fn tcp_perf_is_30_words() {
        let n = Network {
            subtype: subtype::TCP_PERF,
            qual: 0,
            body: NetBody::TcpPerf(TcpPerf {
                status: 0x1f,
                src: TcpDir {
                    win: 0x1f5,
                    flags: 0x1b,
                    winshift: 7,
                    ..TcpDir::default()
                },
                ..TcpPerf::default()
            }),
        };
        let b = Dsr::Network(n.clone()).to_bytes();
        assert_eq!(&b[..4], &[0x30, 0x05, 0x00, 30]);
        assert_eq!(b.len(), 120);
        assert_eq!(Dsr::decode(&b), Dsr::Network(n));
    }

    #[test]
    fn icmp_object_is_little_endian() {
        let n = Network {
            subtype: subtype::ICMP,
            qual: 0,
            body: NetBody::Icmp(IcmpObject {
                icmp_type: 8,
                iseq: 1,
                osrcaddr: 0xac10_8502,
                ..IcmpObject::default()
            }),
        };
        let b = Dsr::Network(n).to_bytes();
        assert_eq!(
            &b[..12],
            &[0x30, 0x34, 0, 7, 8, 0, 1, 0, 2, 0x85, 0x10, 0xac]
        );
    }
}
