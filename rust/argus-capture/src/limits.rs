//! Sanity limits on lengths, copied from libpcap so that a file is rejected
//! (or accepted) exactly where the reference Argus, built on libpcap, would.

use argus_core::packet::LinkType;

/// libpcap's `MAXIMUM_SNAPLEN`: the default largest plausible captured length.
pub(crate) const MAXIMUM_SNAPLEN: u32 = 262_144;

/// libpcap's `max_snaplen_for_dlt()`: a captured length above this is taken
/// as a corrupt length field, not as a big packet.
pub(crate) fn max_snaplen(linktype: LinkType) -> u32 {
    match linktype.0 {
        231 => 128 * 1024 * 1024, // D-Bus messages may be huge
        279 => 8 * 1024 * 1024,   // EBHSCR
        249 => 1024 * 1024,       // USBPCAP
        _ => MAXIMUM_SNAPLEN,
    }
}

/// libpcap's `pcap_adjust_snapshot()`: a snap length of 0 or beyond the
/// maximum means "no limit", i.e. the maximum.
pub(crate) fn adjust_snapshot(linktype: LinkType, snaplen: u32) -> u32 {
    let max = max_snaplen(linktype);
    if snaplen == 0 || snaplen > max {
        max
    } else {
        snaplen
    }
}
