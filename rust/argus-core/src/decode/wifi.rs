//! IEEE 802.11 link layers as Argus 3.0.8.2 reads them: bare 802.11
//! (DLT 105), behind a radiotap header (127), a Prism header (119) or an
//! AVS header (163).
//!
//! Argus opens only unprotected data frames that carry data: their LLC/SNAP
//! header leads on to IP, ARP, ... as on Ethernet. Every other frame
//! (management, control, null data, protected data) becomes a layer-2 "wlan"
//! flow keyed on the header's first three addresses as a management header
//! lays them out (DA, SA, BSSID) and, for the management subtypes that carry
//! one, the SSID. Each direction of such a conversation is a flow of its own.
//! No MAC addresses are kept for `-m`: Argus records MACs only from Ethernet.
//!
//! The radiotap, Prism and AVS headers are read by hand: Argus needs each
//! header's length and one bit of one radiotap field (data padding), which
//! is less than what a general parser would check and reject, and it reads
//! that field with an alignment of its own.

use super::{DecodeError, Decoded, be32, encaps, link};

/// A layer-2 802.11 flow's key fields (Argus's `ArgusWlanFlow`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wlan {
    pub da: [u8; 6],
    pub sa: [u8; 6],
    pub bssid: [u8; 6],
    /// SSID bytes, zero-padded (management frames that name one, else zero).
    pub ssid: [u8; 32],
}

const T_MGMT: u16 = 0;
const T_CTRL: u16 = 1;
const T_DATA: u16 = 2;
/// Frame-control flags (second byte of the little-endian word).
const FC_TO_DS: u16 = 0x0100;
const FC_FROM_DS: u16 = 0x0200;
const FC_PROTECTED: u16 = 0x4000;
/// Radiotap flags field: the 802.11 header is padded to 32 bits.
const RADIOTAP_F_DATAPAD: u8 = 0x20;
/// Fixed lengths Argus uses for the Prism and AVS headers.
const PRISM_HDR_LEN: usize = 144;
const AVS_HDR_LEN: usize = 64;
/// Management header: fc, duration, DA, SA, BSSID, sequence control.
const MGMT_HDR_LEN: usize = 24;

fn le16(d: &[u8], off: usize) -> Option<u16> {
    d.get(off..off + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(d: &[u8], off: usize) -> Option<u32> {
    d.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Length Argus gives the header of a frame with this frame-control word
/// (`ArgusExtract802_11HeaderLength`): control frames other than the six
/// named ones, and reserved types, have none.
fn header_len(fc: u16) -> usize {
    let subtype = (fc >> 4) & 0xf;
    match (fc >> 2) & 3 {
        T_MGMT => MGMT_HDR_LEN,
        T_CTRL => match subtype {
            0xa | 0xb | 0xe | 0xf => 16,
            0xc | 0xd => 10,
            _ => 0,
        },
        T_DATA => {
            let base = if fc & FC_TO_DS != 0 && fc & FC_FROM_DS != 0 {
                30
            } else {
                24
            };
            base + if subtype & 0x8 != 0 { 2 } else { 0 }
        }
        _ => 0,
    }
}

/// Radiotap (DLT 127): the header's length, then 802.11. Packets whose header
/// is shorter than 8 bytes, longer than the capture, or whose present-bitmap
/// chain runs past the header are dropped, as Argus drops them.
pub(super) fn radiotap(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    let len = radiotap_len(d).ok_or(DecodeError::Truncated)?;
    // The present words: each with bit 31 set is followed by another.
    let mut word = 4;
    while le32(d, word).is_some_and(|w| w & 0x8000_0000 != 0) && word + 8 <= len {
        word += 4;
    }
    if le32(d, word).is_none_or(|w| w & 0x8000_0000 != 0) {
        return Err(DecodeError::Truncated);
    }
    // Only TSFT (bit 0, 8 bytes) can precede the flags byte (bit 1). Argus
    // aligns fields relative to the end of the bitmaps, not the header start.
    let fields = word + 4;
    let room = len.saturating_sub(fields);
    let present = le32(d, 4).unwrap_or(0);
    let mut at = 0usize;
    if present & 1 != 0 {
        at = 8;
    }
    let mut flags = 0u8;
    if present & 2 != 0 && at < room {
        flags = d.get(fields + at).copied().unwrap_or(0);
    }
    ieee80211_frame(d, len, flags & RADIOTAP_F_DATAPAD != 0, out);
    Ok(())
}

/// The radiotap header's length, when Argus would read the packet at all.
pub(super) fn radiotap_len(d: &[u8]) -> Option<usize> {
    let len = usize::from(le16(d, 2)?);
    (len >= 8 && len <= d.len()).then_some(len)
}

/// Prism monitor header (DLT 119): 144 bytes Argus steps over, then 802.11.
/// The Prism header is counted in the packet's bytes.
pub(super) fn prism(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    if d.len() < PRISM_HDR_LEN {
        return Err(DecodeError::Truncated);
    }
    ieee80211(d, PRISM_HDR_LEN, out);
    out.link_kept += PRISM_HDR_LEN as u32;
    Ok(())
}

/// AVS monitor header (DLT 163): Argus checks the header length field but
/// then always steps over its 64-byte structure. The AVS header is counted
/// in the packet's bytes.
pub(super) fn avs(d: &[u8], out: &mut Decoded) -> Result<(), DecodeError> {
    let hdr = be32(d, 4).ok_or(DecodeError::Truncated)? as usize;
    if hdr < 8 || d.len() < hdr {
        return Err(DecodeError::Truncated);
    }
    ieee80211(d, AVS_HDR_LEN, out);
    out.link_kept += AVS_HDR_LEN as u32;
    Ok(())
}

/// An 802.11 frame starting at `off`.
pub(super) fn ieee80211(d: &[u8], off: usize, out: &mut Decoded) {
    ieee80211_frame(d, off, false, out);
}

/// An 802.11 frame starting at `off`; `datapad`: the radiotap header says
/// the 802.11 header is padded to a multiple of 4 bytes.
fn ieee80211_frame(d: &[u8], off: usize, datapad: bool, out: &mut Decoded) {
    out.encaps |= encaps::IEEE802_11;
    let Some(fc) = le16(d, off) else {
        // Argus keys a frame of one captured byte; none at all is no flow.
        if d.len() > off {
            wlan_key(d, off, out);
        }
        return;
    };
    let subtype = (fc >> 4) & 0xf;
    let opened = (fc >> 2) & 3 == T_DATA && subtype & 0x4 == 0 && fc & FC_PROTECTED == 0;
    if !opened {
        wlan_key(d, off, out);
        return;
    }
    let mut hdr = header_len(fc);
    if datapad {
        hdr = hdr.next_multiple_of(4);
    }
    // Argus takes the LLC header, not the 802.11 header, off its length.
    out.link_kept = hdr as u32;
    match llc(d, off, off + hdr, out) {
        Llc::Snap(ethertype, at) => {
            link::dispatch_ethertype(d, at, ethertype, out, 1);
            if !out.is_ip() && out.arp.is_none() {
                // Argus's network layer did not take the payload: it keys the
                // bytes behind the SNAP header as if they were an 802.11 header.
                out.ethertype = 0;
                out.llc = None;
                wlan_key(d, at, out);
            }
        }
        // Argus keys these on bytes advanced past the LLC header, counted
        // from the start of the 802.11 header, not the LLC header.
        Llc::Skip(n) => wlan_key(d, off + n, out),
        Llc::None => wlan_key(d, off, out),
    }
}

enum Llc {
    /// SNAP with an unnumbered-information control byte: ethertype and where its payload starts.
    Snap(u16, usize),
    /// Another LLC header: how many bytes Argus steps over.
    Skip(usize),
    /// No LLC header Argus moves past.
    None,
}

/// The LLC header at `off` of the data frame at `frame`, as Argus's LLC step reads it.
fn llc(d: &[u8], frame: usize, off: usize, out: &mut Decoded) -> Llc {
    if d.len() < off + 3 {
        return Llc::None;
    }
    out.encaps |= encaps::LLC;
    let (dsap, ssap, ctl) = (d[off], d[off + 1], d[off + 2]);
    if dsap == 0xaa && ssap == 0xaa {
        if ctl != 0x03 {
            return Llc::None;
        }
        let et = super::be16(d, off + 6).unwrap_or(0);
        return Llc::Snap(et, off + 8);
    }
    // IPX, NetBEUI and ISO CLNS go their own ways in Argus; here they stay
    // wlan flows of the 802.11 header.
    if (dsap == 0xff && ssap == 0xff)
        || (dsap == 0xf0 && ssap == 0xf0)
        || (dsap == 0xfe && ssap == 0xfe && ctl == 0x03)
    {
        return Llc::None;
    }
    if ctl & 0x03 == 0x03 {
        // Unnumbered format: 3 bytes, 3 more behind an XID whose format id
        // Argus looks for 3 bytes into the 802.11 header, where it stands.
        if ctl & !0x10 == 0xaf && d.get(frame + 3) == Some(&0x81) {
            Llc::Skip(6)
        } else {
            Llc::Skip(3)
        }
    } else {
        Llc::Skip(4)
    }
}

/// Key the bytes at `at` as Argus's wlan flow: the addresses where a
/// management header has them, and the SSID of the management subtypes
/// that carry one. Bytes past the capture read as zero.
fn wlan_key(d: &[u8], at: usize, out: &mut Decoded) {
    let byte = |i: usize| d.get(at + i).copied().unwrap_or(0);
    let mut w = Wlan::default();
    for i in 0..6 {
        w.da[i] = byte(4 + i);
        w.sa[i] = byte(10 + i);
        w.bssid[i] = byte(16 + i);
    }
    let fc = u16::from_le_bytes([byte(0), byte(1)]);
    if (fc >> 2) & 3 == T_MGMT {
        // Fixed fields before the elements, per subtype, as Argus skips them
        // (a reassociation request's current-AP address is not skipped).
        let fixed = match (fc >> 4) & 0xf {
            0 | 2 => Some(4),
            1 | 3 => Some(6),
            4 => Some(0),
            5 | 8 => Some(12),
            _ => None,
        };
        if let Some(fixed) = fixed {
            ssid(d, at + MGMT_HDR_LEN + fixed, &mut w.ssid);
        }
    }
    out.wlan = Some(w);
    // -U: Argus's user data of a wlan flow starts at the bytes it keyed.
    out.l2_user_offset = Some(at as u32);
}

/// Walk the information elements Argus knows from `at` and copy the last
/// SSID element. Argus stops at the first element it does not know (and at
/// an oversized one), but not at the end of the frame: it reads on into the
/// capture buffer, which past the data is taken here as zeros, and zeros
/// read as empty SSID elements. So a walk that runs off the end leaves the
/// SSID empty.
fn ssid(d: &[u8], mut at: usize, ssid: &mut [u8; 32]) {
    // Bounded: every step advances by at least 2 bytes.
    loop {
        let Some(&id) = d.get(at) else {
            *ssid = [0; 32];
            return;
        };
        let len = usize::from(d.get(at + 1).copied().unwrap_or(0));
        match id {
            // SSID: at most 32 bytes.
            0 => {
                if len > 32 {
                    return;
                }
                *ssid = [0; 32];
                let v = d.get(at + 2..).unwrap_or(&[]);
                let n = len.min(v.len());
                ssid[..n].copy_from_slice(&v[..n]);
                at += 2 + len;
            }
            // Challenge text, at most 253 bytes.
            16 if len > 253 => return,
            // Rates, at most 16.
            1 if len > 16 => return,
            16 | 1 => at += 2 + len,
            // DS parameter set and CF parameter set: fixed sizes whatever the length says.
            3 => at += 3,
            4 => at += 8,
            // TIM: 5 bytes; a bitmap behind them when the length exceeds 3.
            5 => {
                if len > 3 && len - 3 > 251 {
                    return;
                }
                at += if len > 3 { 2 + len } else { 5 };
            }
            _ => return,
        }
    }
}

#[cfg(test)]
#[path = "wifi_tests.rs"]
mod tests;
