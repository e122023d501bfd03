//! pcapng: block framing, interfaces and their time stamp units.
//!
//! pcap-parser parses the blocks; this module holds what it does not: the
//! framing checks libpcap (`sf-pcapng.c`) makes before trusting a block, the
//! per-interface time stamp arithmetic (pcap-parser's helpers reject binary
//! `if_tsresol` values and read `if_tsoffset` as little-endian only), and the
//! obsolete Packet Block, which pcap-parser only knows as an unknown block.

use argus_core::packet::LinkType;
use pcap_parser::InterfaceDescriptionBlock;

use crate::limits::{adjust_snapshot, max_snaplen};

pub(crate) const SHB: u32 = 0x0A0D_0D0A;
pub(crate) const IDB: u32 = 1;
/// The obsolete Packet Block (written by old Wireshark / libpcap versions).
pub(crate) const OPB: u32 = 2;
pub(crate) const SPB: u32 = 3;
pub(crate) const EPB: u32 = 6;

const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Smallest block: type, length, trailing length.
pub(crate) const MIN_BLOCK_LEN: u32 = 12;
/// Smallest section header block (with its fixed fields).
pub(crate) const MIN_SHB_LEN: u32 = 28;
/// libpcap's `BT_SHB_INSANE_MAX`.
pub(crate) const MAX_SHB_LEN: u32 = 1024 * 1024;
/// libpcap's `INITIAL_MAX_BLOCKSIZE`: bigger blocks are taken as corrupt.
pub(crate) const INITIAL_MAX_BLOCK_LEN: u32 = 16 * 1024 * 1024;

/// libpcap's `MAX_BLOCKSIZE_FOR_SNAPLEN`: an EPB of the largest plausible
/// packet plus 128 KiB of options.
pub(crate) fn max_block_len_for(linktype: LinkType) -> u32 {
    max_snaplen(linktype).saturating_add(8 + 20 + 131_072 + 4)
}

pub(crate) fn block_name(block_type: u32) -> String {
    match block_type {
        SHB => "section header block".into(),
        IDB => "interface description block".into(),
        OPB => "packet block".into(),
        SPB => "simple packet block".into(),
        EPB => "enhanced packet block".into(),
        t => format!("block of type 0x{t:08x}"),
    }
}

pub(crate) fn u32_at(b: &[u8], at: usize, big_endian: bool) -> u32 {
    let raw = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    }
}

/// The first words of a block: what it is, how long, in which byte order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockHead {
    pub block_type: u32,
    pub total_len: u32,
    pub big_endian: bool,
}

/// Whether `b` (at least 4 bytes) starts a section header block. Its type
/// reads the same in both byte orders.
pub(crate) fn is_shb(b: &[u8]) -> bool {
    b[..4] == SHB.to_be_bytes()
}

/// Reads a block's type and length from `b`: 8 bytes, or 12 for an SHB,
/// whose own byte-order magic says how to read its length.
pub(crate) fn block_head(b: &[u8], section_big_endian: bool) -> Result<BlockHead, String> {
    let big_endian = if is_shb(b) {
        match u32_at(b, 8, false) {
            BYTE_ORDER_MAGIC => false,
            m if m == BYTE_ORDER_MAGIC.swap_bytes() => true,
            m => {
                return Err(format!(
                    "section header block has a bad byte-order magic 0x{m:08x}"
                ));
            }
        }
    } else {
        section_big_endian
    };
    let head = BlockHead {
        block_type: u32_at(b, 0, big_endian),
        total_len: u32_at(b, 4, big_endian),
        big_endian,
    };
    // libpcap's read_block() checks, in its order.
    if head.total_len < MIN_BLOCK_LEN {
        return Err(format!(
            "{} has a length of {} < {MIN_BLOCK_LEN}",
            block_name(head.block_type),
            head.total_len
        ));
    }
    if !head.total_len.is_multiple_of(4) {
        return Err(format!(
            "{} has a length of {} that is not a multiple of 4",
            block_name(head.block_type),
            head.total_len
        ));
    }
    if head.block_type == SHB && !(MIN_SHB_LEN..=MAX_SHB_LEN).contains(&head.total_len) {
        return Err(format!(
            "section header block has an invalid length {}",
            head.total_len
        ));
    }
    Ok(head)
}

/// One interface of the current section.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Interface {
    pub linktype: LinkType,
    /// Adjusted as libpcap does; a larger caplen is an error.
    pub snapshot: u32,
    /// Time stamp units per second (`if_tsresol`: 10^n or 2^n).
    pub units_per_sec: u64,
    /// `if_tsoffset`: seconds to add to every time stamp.
    pub offset_sec: i64,
}

const OPT_ENDOFOPT: u16 = 0;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

impl Interface {
    /// Reads an IDB, with libpcap's checks on the time stamp options.
    pub(crate) fn from_idb(
        idb: &InterfaceDescriptionBlock,
        big_endian: bool,
    ) -> Result<Self, String> {
        // The IDB field is 16 bits; pcap-parser widens it to i32.
        let linktype = LinkType((idb.linktype.0 as u32) & 0xFFFF);
        let mut tsresol: Option<u8> = None;
        let mut tsoffset: Option<i64> = None;
        for opt in &idb.options {
            let value = opt.value.get(..usize::from(opt.len));
            match (opt.code.0, value) {
                (OPT_ENDOFOPT, _) => break,
                (IF_TSRESOL, Some(&[v])) => set_once(&mut tsresol, v, "if_tsresol")?,
                (IF_TSOFFSET, Some(&[a, b, c, d, e, f, g, h])) => {
                    let raw = [a, b, c, d, e, f, g, h];
                    let off = if big_endian {
                        i64::from_be_bytes(raw)
                    } else {
                        i64::from_le_bytes(raw)
                    };
                    set_once(&mut tsoffset, off, "if_tsoffset")?;
                }
                (IF_TSRESOL, _) => return Err(bad_length("if_tsresol", opt.len, 1)),
                (IF_TSOFFSET, _) => return Err(bad_length("if_tsoffset", opt.len, 8)),
                _ => {}
            }
        }
        Ok(Interface {
            linktype,
            snapshot: adjust_snapshot(linktype, idb.snaplen),
            units_per_sec: units_per_sec(tsresol.unwrap_or(6))?,
            offset_sec: tsoffset.unwrap_or(0),
        })
    }

    /// Microseconds since the epoch, truncating finer units as libpcap does.
    /// Saturates instead of overflowing on absurd values.
    pub(crate) fn ts_usec(&self, ts_high: u32, ts_low: u32) -> i64 {
        let t = (u64::from(ts_high) << 32) | u64::from(ts_low);
        let units = self.units_per_sec;
        let sec = i128::from(t / units) + i128::from(self.offset_sec);
        let frac_us = u128::from(t % units) * 1_000_000 / u128::from(units);
        let us = sec * 1_000_000 + frac_us as i128;
        us.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

/// Options that libpcap accepts at most once per IDB.
fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), String> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(format!("more than one {name} option")),
    }
}

fn bad_length(name: &str, len: u16, want: u16) -> String {
    format!("{name} option with length {len} != {want}")
}

/// `if_tsresol`: high bit clear = 10^-n s, set = 2^-n s. libpcap rejects
/// resolutions whose units per second do not fit in 64 bits.
fn units_per_sec(tsresol: u8) -> Result<u64, String> {
    let n = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        if n > 63 {
            return Err(format!("if_tsresol resolution 2^-{n} is too high"));
        }
        Ok(1u64 << n)
    } else {
        10u64
            .checked_pow(n)
            .ok_or_else(|| format!("if_tsresol resolution 10^-{n} is too high"))
    }
}

/// The fixed fields of an obsolete Packet Block, read from the block body
/// (after type and length): interface id (16 bits), drops count (16 bits),
/// time stamp high and low, caplen, original length. Data follows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PacketBlock {
    pub if_id: u32,
    pub ts_high: u32,
    pub ts_low: u32,
    pub caplen: u32,
    pub len: u32,
}

pub(crate) const OPB_FIXED_LEN: usize = 20;

pub(crate) fn parse_opb(body: &[u8], big_endian: bool) -> Option<PacketBlock> {
    if body.len() < OPB_FIXED_LEN {
        return None;
    }
    let if_id = if big_endian {
        u16::from_be_bytes([body[0], body[1]])
    } else {
        u16::from_le_bytes([body[0], body[1]])
    };
    Some(PacketBlock {
        if_id: u32::from(if_id),
        ts_high: u32_at(body, 4, big_endian),
        ts_low: u32_at(body, 8, big_endian),
        caplen: u32_at(body, 12, big_endian),
        len: u32_at(body, 16, big_endian),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(units_per_sec: u64, offset_sec: i64) -> Interface {
        Interface {
            linktype: LinkType::ETHERNET,
            snapshot: 65535,
            units_per_sec,
            offset_sec,
        }
    }

    #[test]
    fn tsresol_forms() {
        assert_eq!(units_per_sec(6), Ok(1_000_000));
        assert_eq!(units_per_sec(9), Ok(1_000_000_000));
        assert_eq!(units_per_sec(0), Ok(1));
        assert_eq!(units_per_sec(19), Ok(10_000_000_000_000_000_000));
        assert!(units_per_sec(20).is_err());
        assert_eq!(units_per_sec(0x88), Ok(256));
        assert_eq!(units_per_sec(0x80 | 63), Ok(1 << 63));
        assert!(units_per_sec(0x80 | 64).is_err());
    }

    #[test]
    fn timestamps_truncate_to_microseconds() {
        // 1.999999999 s in ns -> 1.999999 s
        let t: u64 = 1_999_999_999;
        assert_eq!(
            iface(1_000_000_000, 0).ts_usec((t >> 32) as u32, t as u32),
            1_999_999
        );
        // 2^-8 s units: 3 s + 1/256 s = 3.003906 s (3906.25 us truncated)
        assert_eq!(iface(256, 0).ts_usec(0, 3 * 256 + 1), 3_003_906);
        // if_tsoffset is whole seconds added after division
        assert_eq!(iface(1_000, 100).ts_usec(0, 1_500), 101_500_000);
        // seconds resolution, huge value: saturates, no overflow panic
        assert_eq!(iface(1, 0).ts_usec(u32::MAX, u32::MAX), i64::MAX);
        assert_eq!(iface(1, i64::MIN).ts_usec(0, 0), i64::MIN);
    }
}
