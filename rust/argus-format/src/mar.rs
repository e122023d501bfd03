//! The 128-byte management record (MAR, reference §3.3): the START MAR that
//! opens every stream (magic cookie in `argusid`), periodic STATUS MARs and
//! the closing STOP MAR.

use crate::header::{RecordHeader, cause, rtype};
use crate::wire::{put_u16, put_u32, put_u64, split_usec, u16_at, u32_at, u64_at};

/// `argusid` of a START MAR: tells `ra` this is an Argus 3 stream.
pub const COOKIE: u32 = 0xE571_2DCB;
/// The Argus 2 cookie at the same offset (different layout, not read here).
pub const COOKIE_V2: u32 = 0xE561_7ACB;
pub const MAR_LEN: usize = 128;

/// How the probe's source id is to be read (MAR `status` bits and TRANSPORT qualifier).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SrcIdKind {
    /// No id given (argus without -e): written as 0, qualifier 0.
    #[default]
    None,
    Ipv4,
    Int,
    /// Four ASCII characters.
    Str,
}

impl SrcIdKind {
    /// MAR status bits.
    pub fn mar_status(self) -> u32 {
        match self {
            SrcIdKind::None => 0,
            SrcIdKind::Str => 0x0020_0000,
            SrcIdKind::Int => 0x0040_0000,
            SrcIdKind::Ipv4 => 0x0080_0000,
        }
    }
    /// TRANSPORT DSR qualifier.
    pub fn transport_qual(self) -> u8 {
        match self {
            SrcIdKind::None => 0,
            SrcIdKind::Ipv4 => 0x01,
            SrcIdKind::Int => 0x20,
            SrcIdKind::Str => 0x21,
        }
    }
}

/// The sensor's running counters a MAR carries, in its field order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SensorCounts {
    pub packets: u64,
    pub bytes: u64,
    pub drift: i64,
    pub records: u32,
    pub flows: u32,
    pub dropped: u32,
    pub queue: u32,
    pub output: u32,
    pub clients: u32,
    pub bufs: u32,
    pub alloc_bytes: u32,
}

/// What a sensor knows when it writes a MAR. Times are µs since the epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarCounters {
    /// START: when output started; STATUS/STOP: start of this MAR period.
    pub start_usec: i64,
    /// Wall clock when the MAR is written.
    pub now_usec: i64,
    pub srcid: u32,
    pub srcid_kind: SrcIdKind,
    /// Sequence number of the last record written.
    pub next_seq: u32,
    pub localnet: u32,
    pub netmask: u32,
    /// pcap DLT of the capture interface.
    pub interface_type: u8,
    pub interface_status: u8,
    /// Flow status interval (-S) and MAR interval (-M), seconds.
    pub report_interval_sec: u16,
    pub mar_interval_sec: u16,
    pub counts: SensorCounts,
    /// -U user data lengths (src, dst).
    pub user_len: (u16, u16),
}

/// A MAR as it lies in the file, field by field (`ArgusMarStruct`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mar {
    pub header: RecordHeader,
    pub status: u32,
    pub argusid: u32,
    pub localnet: u32,
    pub netmask: u32,
    pub next_seq: u32,
    pub start: (u32, u32),
    pub now: (u32, u32),
    pub major_version: u8,
    pub minor_version: u8,
    pub interface_type: u8,
    pub interface_status: u8,
    pub report_interval: u16,
    pub mar_interval: u16,
    pub counts: SensorCounts,
    pub suserlen: u16,
    pub duserlen: u16,
    pub pad: [u32; 3],
    /// The probe's id (START MAR: where the id lives, since argusid holds the cookie).
    pub thisid: u32,
    pub record_len: i32,
}

impl Default for RecordHeader {
    fn default() -> Self {
        RecordHeader::new(rtype::MAR, cause::START, (MAR_LEN / 4) as u16)
    }
}

impl Mar {
    /// A MAR of the given cause from the sensor's counters, as argus 3.0.8.2 fills it.
    pub fn from_counters(c: &MarCounters, cause_byte: u8) -> Mar {
        let start = cause_byte & 0xf0 == cause::START;
        // The x86 sensor swaps only IPv4 and integer ids to network order:
        // a string id lands byte-reversed in `thisid` (reference §3.3).
        let thisid = match c.srcid_kind {
            SrcIdKind::Str => c.srcid.swap_bytes(),
            _ => c.srcid,
        };
        Mar {
            header: RecordHeader::new(rtype::MAR, cause_byte, (MAR_LEN / 4) as u16),
            status: c.srcid_kind.mar_status(),
            argusid: if start { COOKIE } else { c.srcid },
            localnet: c.localnet,
            netmask: c.netmask,
            next_seq: c.next_seq,
            start: split_usec(c.start_usec),
            now: split_usec(c.now_usec),
            major_version: 3,
            minor_version: 0,
            interface_type: c.interface_type,
            interface_status: c.interface_status,
            report_interval: c.report_interval_sec,
            mar_interval: c.mar_interval_sec,
            counts: c.counts,
            suserlen: c.user_len.0,
            duserlen: c.user_len.1,
            pad: [0; 3],
            thisid,
            record_len: -1,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        self.header.encode(out);
        for v in [
            self.status,
            self.argusid,
            self.localnet,
            self.netmask,
            self.next_seq,
            self.start.0,
            self.start.1,
            self.now.0,
            self.now.1,
        ] {
            put_u32(out, v);
        }
        out.extend_from_slice(&[
            self.major_version,
            self.minor_version,
            self.interface_type,
            self.interface_status,
        ]);
        put_u16(out, self.report_interval);
        put_u16(out, self.mar_interval);
        let n = &self.counts;
        put_u64(out, n.packets);
        put_u64(out, n.bytes);
        put_u64(out, n.drift as u64);
        for v in [
            n.records,
            n.flows,
            n.dropped,
            n.queue,
            n.output,
            n.clients,
            n.bufs,
            n.alloc_bytes,
        ] {
            put_u32(out, v);
        }
        put_u16(out, self.suserlen);
        put_u16(out, self.duserlen);
        for v in self.pad {
            put_u32(out, v);
        }
        put_u32(out, self.thisid);
        put_u32(out, self.record_len as u32);
    }

    /// `b` is one whole 128-byte MAR record.
    pub fn decode(b: &[u8]) -> Mar {
        let w = |at: usize| u32_at(b, at);
        Mar {
            header: RecordHeader::decode(b),
            status: w(4),
            argusid: w(8),
            localnet: w(12),
            netmask: w(16),
            next_seq: w(20),
            start: (w(24), w(28)),
            now: (w(32), w(36)),
            major_version: b[40],
            minor_version: b[41],
            interface_type: b[42],
            interface_status: b[43],
            report_interval: u16_at(b, 44),
            mar_interval: u16_at(b, 46),
            counts: SensorCounts {
                packets: u64_at(b, 48),
                bytes: u64_at(b, 56),
                drift: u64_at(b, 64) as i64,
                records: w(72),
                flows: w(76),
                dropped: w(80),
                queue: w(84),
                output: w(88),
                clients: w(92),
                bufs: w(96),
                alloc_bytes: w(100),
            },
            suserlen: u16_at(b, 104),
            duserlen: u16_at(b, 106),
            pad: [w(108), w(112), w(116)],
            thisid: w(120),
            record_len: w(124) as i32,
        }
    }

    /// The probe's source id, wherever this kind of MAR keeps it.
    pub fn srcid(&self) -> u32 {
        if self.argusid == COOKIE {
            self.thisid
        } else {
            self.argusid
        }
    }
}

fn write(c: &MarCounters, cause_byte: u8, out: &mut Vec<u8>) {
    Mar::from_counters(c, cause_byte).encode(out);
}

/// The START MAR that must open every stream.
pub fn write_mar_start(c: &MarCounters, out: &mut Vec<u8>) {
    write(c, cause::START, out);
}

/// A periodic STATUS MAR (counters since the last MAR).
pub fn write_mar_status(c: &MarCounters, out: &mut Vec<u8>) {
    write(c, cause::STATUS, out);
}

/// The STOP MAR that closes a stream.
pub fn write_mar_stop(c: &MarCounters, out: &mut Vec<u8>) {
    write(c, cause::STOP, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_mar_layout() {
        let c = MarCounters {
            start_usec: 1_700_000_000_000_001,
            now_usec: 1_700_000_000_000_002,
            report_interval_sec: 5,
            mar_interval_sec: 60,
            ..MarCounters::default()
        };
        let mut v = Vec::new();
        write_mar_start(&c, &mut v);
        assert_eq!(v.len(), MAR_LEN);
        // Offsets from reference §3.3.
        assert_eq!(&v[0..4], &[0x83, 0x10, 0x00, 0x20]);
        assert_eq!(u32_at(&v, 8), COOKIE);
        assert_eq!((u32_at(&v, 24), u32_at(&v, 28)), (1_700_000_000, 1));
        assert_eq!((u32_at(&v, 32), u32_at(&v, 36)), (1_700_000_000, 2));
        assert_eq!(&v[40..48], &[3, 0, 0, 0, 0, 5, 0, 60]);
        assert_eq!(u32_at(&v, 124), 0xffff_ffff);
        let m = Mar::decode(&v);
        let mut again = Vec::new();
        m.encode(&mut again);
        assert_eq!(again, v);
    }

    #[test]
    fn stop_mar_carries_id_in_argusid() {
        let c = MarCounters {
            srcid: 0x0102_0304,
            srcid_kind: SrcIdKind::Ipv4,
            ..MarCounters::default()
        };
        let mut v = Vec::new();
        write_mar_stop(&c, &mut v);
        assert_eq!(v[1], 0x30);
        assert_eq!(u32_at(&v, 4), 0x0080_0000);
        assert_eq!(u32_at(&v, 8), 0x0102_0304);
        assert_eq!(Mar::decode(&v).srcid(), 0x0102_0304);
    }
}
