//! Dropping DSRs from flow records (what `rastrip` writes): a record keeps the
//! DSRs whose Argus DSR index (reference §3.4) is set in a [`DsrMask`]; the
//! bytes of the kept DSRs are copied unchanged and the record length is
//! recomputed. Management records pass through untouched.

use crate::dsr::{DsrHeader, LEN_16BITS, dtype};
use crate::header::{HEADER_LEN, RecordHeader, rtype};

/// Bit `i` set = keep the DSRs of Argus DSR index `i` (0 TRANSPORT .. 21 ASN).
pub type DsrMask = u32;

/// DSR indexes of the DSR kinds that have no slot in 3.0.8's 16 named ones.
pub const INDEX_TIME_ADJ: u8 = 16;
pub const INDEX_BEHAVIOR: u8 = 17;
pub const INDEX_COR: u8 = 18;
pub const INDEX_COCODE: u8 = 19;
pub const INDEX_LABEL: u8 = 20;
pub const INDEX_ASN: u8 = 21;

/// Argus DSR index of a DSR, from its first three header bytes.
///
/// User data is split by direction: index 11 for source data, 12 for
/// destination data (subtype 0x10 / 0x20, or the qualifier in the legacy form).
pub fn dsr_index(dtype_byte: u8, subtype: u8, qual: u8) -> u8 {
    match dtype_byte & !dtype::IMMEDIATE {
        dtype::TRANSPORT => 0,
        dtype::FLOW => 1,
        dtype::TIME => 2,
        dtype::METER => 3,
        dtype::AGR => 4,
        dtype::NETWORK => 5,
        dtype::VLAN => 6,
        dtype::MPLS => 7,
        dtype::JITTER => 8,
        dtype::IPATTR => 9,
        dtype::PSIZE => 10,
        dtype::DATA => {
            let dir = if subtype & LEN_16BITS != 0 {
                subtype
            } else {
                qual
            };
            if dir & 0x20 != 0 { 12 } else { 11 }
        }
        dtype::MAC => 13,
        dtype::ICMP => 14,
        dtype::ENCAPS => 15,
        0x09 => INDEX_TIME_ADJ,
        0x54 => INDEX_BEHAVIOR,
        0x62 | 0x47 => INDEX_COR,
        0x64 => INDEX_COCODE,
        dtype::LABEL => INDEX_LABEL,
        dtype::ASN => INDEX_ASN,
        // unknown kinds go with the "other" slot of the largest index
        _ => 31,
    }
}

/// `record` (one whole record, header included) with only the DSRs `keep`
/// selects. A DSR walk that stops early (zero length, overrun) keeps the
/// DSRs before that point, as `ra` reads them. Non-flow records are returned
/// as they are.
pub fn strip_record(record: &[u8], keep: DsrMask) -> Vec<u8> {
    if record.len() < HEADER_LEN {
        return record.to_vec();
    }
    let header = RecordHeader::decode(record);
    if !matches!(header.rtype(), rtype::FAR | rtype::NETFLOW) {
        return record.to_vec();
    }
    let end = header.len_bytes().min(record.len());
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(&record[..HEADER_LEN]);
    let mut at = HEADER_LEN;
    while at + 4 <= end {
        let h = DsrHeader::decode(&record[at..]);
        let len = usize::from(h.len) * 4;
        if len == 0 || at + len > end {
            break;
        }
        let index = dsr_index(h.dtype, h.subtype, record[at + 2]);
        if keep & (1u32 << index) != 0 {
            out.extend_from_slice(&record[at..at + len]);
        }
        at += len;
    }
    let words = (out.len() / 4) as u16;
    out[2..4].copy_from_slice(&words.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// header + TRANSPORT(3 words) + FLOW(2) + TIME(1) + src user data (16-bit length, 2 words)
    fn record() -> Vec<u8> {
        let mut r = vec![0x13, 0x10, 0x00, 9];
        r.extend_from_slice(&[0x01, 0x03, 0x01, 3, 0, 0, 0, 1, 0, 0, 0, 2]);
        r.extend_from_slice(&[0x02, 0x01, 0x00, 2, 9, 9, 9, 9]);
        r.extend_from_slice(&[0x03, 0x00, 0x00, 1]);
        r.extend_from_slice(&[0x50, 0x90, 0x00, 2, 0, 4, 0, 4]);
        r
    }

    #[test]
    fn keeps_only_masked_dsrs_and_fixes_length() {
        let out = strip_record(&record(), (1 << 1) | (1 << 2));
        assert_eq!(
            out,
            vec![
                0x13, 0x10, 0, 4, 0x02, 0x01, 0x00, 2, 9, 9, 9, 9, 0x03, 0, 0, 1
            ]
        );
    }

    #[test]
    fn user_data_direction_from_subtype() {
        assert_eq!(dsr_index(0x50, 0x90, 0), 11);
        assert_eq!(dsr_index(0x50, 0xa0, 0), 12);
        assert_eq!(dsr_index(0x50, 0x00, 0x20), 12);
        let out = strip_record(&record(), 1 << 11);
        assert_eq!(out.len(), 12);
        assert_eq!(&out[2..4], &[0, 3]);
    }

    #[test]
    fn all_bits_is_identity_and_mars_pass() {
        let r = record();
        assert_eq!(strip_record(&r, u32::MAX), r);
        let mar = vec![0x83, 0x10, 0, 1];
        assert_eq!(strip_record(&mar, 0), mar);
    }
}
