//! Address primitives: `host`/`net` (IPv4, IPv6, ARP), `ether host`,
//! `arp host <mac>`, `inode`.

use super::keyword::by_dir;
use super::view::{FAM_ARP, FAM_IPV4, FAM_IPV6, View};
use super::{AddrProto, Dir, Family};

/// Every word with a non-zero mask equal under the mask (IPv4/ARP: word 0 only).
fn words_match(rec: &[u32; 4], words: &[u32; 4], masks: &[u32; 4], n: usize) -> bool {
    (0..n).all(|i| masks[i] == 0 || rec[i] & masks[i] == words[i] & masks[i])
}

/// The address test of one record family: without a mask (a bare number)
/// only the family counts.
fn hostop(v: &View<'_>, dir: Dir, words: &[u32; 4], masks: &[u32; 4], n: usize) -> bool {
    if masks[0] == 0 {
        return true;
    }
    let (s, d) = v.addr_words();
    by_dir(
        dir,
        || words_match(&s, words, masks, n),
        || words_match(&d, words, masks, n),
    )
}

pub(crate) fn host(
    proto: AddrProto,
    dir: Dir,
    family: Family,
    words: &[u32; 4],
    masks: &[u32; 4],
    v: &View<'_>,
) -> bool {
    let fam = v.fam();
    let v4_ok = matches!(family, Family::Any | Family::Ipv4);
    let v6_ok = matches!(family, Family::Any | Family::Ipv6);
    let arp = || fam == FAM_ARP && hostop(v, dir, words, masks, 1);
    let ipv4 = || fam == FAM_IPV4 && hostop(v, dir, words, masks, 1);
    let ipv6 = || fam == FAM_IPV6 && hostop(v, dir, words, masks, 4);
    match proto {
        AddrProto::Default => arp() || (v4_ok && ipv4()) || (v6_ok && ipv6()),
        AddrProto::Ip => (v4_ok && ipv4()) || (v6_ok && ipv6()),
        AddrProto::Ipv4 | AddrProto::Icmp => ipv4(),
        AddrProto::Ipv6 => ipv6(),
        AddrProto::Arp => {
            v.arp_flow() && (masks[0] == 0 || (fam == FAM_ARP && hostop(v, dir, words, masks, 1)))
        }
    }
}

/// `ether host`: the MAC DSR's addresses (records made with argus -m).
pub(crate) fn ether(dir: Dir, mac: &[u8; 6], v: &View<'_>) -> bool {
    match v.mac() {
        Some((s, d, _)) => by_dir(dir, || &s == mac, || &d == mac),
        None => false,
    }
}

/// `arp host <mac>`: the hardware address in the ARP flow key. The sensor
/// writes only its first four bytes (reference §9.3); ra compares six, the
/// last two being whatever its buffer held — taken here as the real ones.
pub(crate) fn arp_hardware(mac: &[u8; 6], v: &View<'_>) -> bool {
    v.fam() == FAM_ARP && v.r.key.b[4..10] == mac[..]
}

/// `inode`: the address of the node that sent an ICMP error mapped onto the
/// flow (ICMP DSR `osrcaddr`). FlowRecord keeps the mapped error's type and
/// code only, not that address, so this never matches.
pub(crate) fn inode(_addr: u32, _v: &View<'_>) -> bool {
    false
}
