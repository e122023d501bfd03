//! Legacy (libpcap) capture files: the file header's meaning and the record
//! headers' lengths. pcap-parser parses both; this adds the checks and quirks
//! of libpcap (`sf-pcap.c`) that it leaves out.

use argus_core::packet::LinkType;
use pcap_parser::PcapHeader;

use crate::limits::{adjust_snapshot, max_snaplen};

/// Size of the file header.
pub(crate) const FILE_HEADER_LEN: usize = 24;

/// How the two length fields of a record header are ordered. Files written
/// before pcap format 2.3 have "len" before "caplen"; some 2.3 files do too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LengthOrder {
    Normal,
    Swapped,
    /// Format 2.3: swapped exactly when the first field is the larger.
    MaybeSwapped,
}

/// What the file header says about every record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LegacyFormat {
    pub big_endian: bool,
    pub nanosecond: bool,
    /// 16, or 24 in Alexey Kuznetsov's "modified" format (magic a1b2cd34).
    pub record_header_len: usize,
    pub linktype: LinkType,
    /// Captured bytes beyond this are dropped, as libpcap does.
    pub snapshot: u32,
    /// A caplen beyond this means a corrupt record header.
    pub max_caplen: u32,
    pub lengths: LengthOrder,
}

/// One record header, lengths in their proper places.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordHeader {
    pub ts_sec: u32,
    pub ts_frac: u32,
    pub caplen: u32,
    pub len: u32,
}

/// Bits 16-25 of the link-type field are reserved (bits 26-31 carry the
/// FCS length, which tcpdump's own test files use).
const LT_RESERVED_MASK: u32 = 0x03FF_0000;
const LT_LINKTYPE_MASK: u32 = 0x0000_FFFF;

impl LegacyFormat {
    /// Validates the file header the way libpcap's `pcap_check_header` does.
    pub(crate) fn from_header(h: &PcapHeader) -> Result<Self, String> {
        let (major, minor) = (h.version_major, h.version_minor);
        if major < 2 {
            return Err(format!(
                "archaic pcap savefile format (version {major}.{minor})"
            ));
        }
        // 543.0 is what DG/UX tcpdump wrote.
        if !((major == 2 && minor <= 4) || (major == 543 && minor == 0)) {
            return Err(format!("unsupported pcap savefile version {major}.{minor}"));
        }
        let field = h.network.0 as u32;
        if field & LT_RESERVED_MASK != 0 {
            return Err(format!(
                "link-layer type field 0x{field:08x} has reserved bits set"
            ));
        }
        let linktype = LinkType(field & LT_LINKTYPE_MASK);
        let modified = h.is_modified_format();
        let mut snapshot = adjust_snapshot(linktype, h.snaplen);
        if modified && linktype == LinkType::ETHERNET {
            // libpcap: such files may hold a faked 14-byte Ethernet header
            // on top of the snapshot length.
            snapshot = snapshot.saturating_add(14);
        }
        let lengths = match (major, minor) {
            (2, m) if m < 3 => LengthOrder::Swapped,
            (2, 3) => LengthOrder::MaybeSwapped,
            (543, _) => LengthOrder::Swapped,
            _ => LengthOrder::Normal,
        };
        Ok(LegacyFormat {
            big_endian: h.is_bigendian(),
            nanosecond: h.is_nanosecond_precision(),
            record_header_len: if modified { 24 } else { 16 },
            linktype,
            snapshot,
            max_caplen: max_snaplen(linktype),
            lengths,
        })
    }

    /// Decodes the first 16 bytes of a record header (`b.len() >= 16`).
    ///
    /// Done here rather than by pcap-parser because the caplen must be
    /// checked before asking pcap-parser for the record: a corrupt 4 GB
    /// caplen would otherwise make the streaming reader wait for data
    /// that never comes.
    pub(crate) fn record_header(&self, b: &[u8]) -> RecordHeader {
        let mut f = [0u32; 4];
        for (v, raw) in f.iter_mut().zip(b[..16].chunks_exact(4)) {
            *v = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        }
        if self.big_endian {
            f = f.map(u32::swap_bytes);
        }
        let [ts_sec, ts_frac, first, second] = f;
        let swapped = match self.lengths {
            LengthOrder::Normal => false,
            LengthOrder::Swapped => true,
            LengthOrder::MaybeSwapped => first > second,
        };
        let (caplen, len) = if swapped {
            (second, first)
        } else {
            (first, second)
        };
        RecordHeader {
            ts_sec,
            ts_frac,
            caplen,
            len,
        }
    }

    /// Microseconds since the epoch; nanoseconds are truncated, as libpcap
    /// does when asked for microsecond time stamps. The seconds field is
    /// read as unsigned (the format's definition), so it lasts until 2106.
    pub(crate) fn ts_usec(&self, r: &RecordHeader) -> i64 {
        let frac_us = if self.nanosecond {
            r.ts_frac / 1000
        } else {
            r.ts_frac
        };
        i64::from(r.ts_sec) * 1_000_000 + i64::from(frac_us)
    }
}
