//! FlowKey ↔ FLOW DSR body, per key kind and protocol, with the sensor's
//! stored orientation (REVERSE bit) and byte-order quirks (reference §3.5
//! FLOW, §3.9).

use crate::dsr::flow::{FlowDsr, qual, subtype};
use argus_core::flow::key::{FlowKey, KeyKind};
use argus_core::record::FlowRecord;

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const IGMP: u8 = 2;
const ESP: u8 = 50;
const ICMPV6: u8 = 58;
/// Key `aux` flag: a DNS transaction id is part of the key.
const DNS_TXID: u32 = 0x1_0000;

fn ip4(a: &[u8; 16]) -> [u8; 4] {
    [a[0], a[1], a[2], a[3]]
}

/// ICMP types whose key carries the quoted destination address in the id
/// and ip_id words, copied as it lay in the packet (so not byte-swapped).
fn icmp_raw_dst(ty: u8, code: u8) -> bool {
    matches!((ty, code), (3, 0 | 1) | (5, 0 | 1))
}

/// ICMP echo-style reply types: a record made of replies only is stored in
/// the request's orientation with the DIRECTION bit (ra turns it back).
fn icmp_reply_only(r: &FlowRecord) -> bool {
    r.src.pkts > 0 && r.dst.pkts == 0 && matches!(r.icmp_first_type, Some(0 | 14 | 16 | 18))
}

/// The FLOW DSR argus writes for the record's key.
pub fn flow_dsr(r: &FlowRecord) -> FlowDsr {
    let k = &r.key;
    let mut b = Vec::with_capacity(40);
    let (st, q) = match k.kind {
        KeyKind::Ipv4 => {
            let (mut a, mut z) = (ip4(&k.a), ip4(&k.b));
            let mut st = subtype::CLASSIC5TUPLE;
            let mut q = qual::IPV4;
            let body_tail: [u8; 6] = match k.proto {
                ICMP => {
                    if icmp_reply_only(r) {
                        std::mem::swap(&mut a, &mut z);
                        st |= subtype::REVERSE;
                        q |= qual::DIRECTION;
                    }
                    let (ty, code) = ((k.pa & 0xff) as u8, (k.pa >> 8) as u8);
                    let id = k.pb.to_le_bytes();
                    let ipid = if icmp_raw_dst(ty, code) {
                        (k.aux as u16).to_be_bytes()
                    } else {
                        (k.aux as u16).to_le_bytes()
                    };
                    b.extend_from_slice(&a);
                    b.extend_from_slice(&z);
                    b.extend_from_slice(&[ICMP, (k.aux >> 16) as u8]);
                    [ty, code, id[0], id[1], ipid[0], ipid[1]]
                }
                ESP => {
                    b.extend_from_slice(&a);
                    b.extend_from_slice(&z);
                    b.extend_from_slice(&[ESP, 0]);
                    let s = k.aux.to_be_bytes();
                    [0, 0, s[0], s[1], s[2], s[3]]
                }
                IGMP => {
                    b.extend_from_slice(&a);
                    b.extend_from_slice(&z);
                    b.extend_from_slice(&[IGMP, 0]);
                    let id = (k.aux as u16).to_be_bytes();
                    [k.pa as u8, 0, 0, 0, id[0], id[1]]
                }
                p => {
                    let (mut pa, mut pb) = (k.pa, k.pb);
                    // The sensor stores the smaller address first (larger port on a tie).
                    if a > z || (a == z && pa < pb) {
                        std::mem::swap(&mut a, &mut z);
                        std::mem::swap(&mut pa, &mut pb);
                        st |= subtype::REVERSE;
                    }
                    // Only TCP and UDP ports are converted to network order.
                    let (sp, dp) = if matches!(p, TCP | UDP) {
                        (pa.to_be_bytes(), pb.to_be_bytes())
                    } else {
                        (pa.to_le_bytes(), pb.to_le_bytes())
                    };
                    // A DNS transaction id rides in the mask bytes, host order.
                    let m = if k.aux & DNS_TXID != 0 {
                        (k.aux as u16).to_le_bytes()
                    } else {
                        [0, 0]
                    };
                    b.extend_from_slice(&a);
                    b.extend_from_slice(&z);
                    b.extend_from_slice(&[p, 0]);
                    [sp[0], sp[1], dp[0], dp[1], m[0], m[1]]
                }
            };
            b.extend_from_slice(&body_tail);
            (st, q)
        }
        KeyKind::Ipv4Frag => {
            let (mut a, mut z) = (ip4(&k.a), ip4(&k.b));
            let mut st = subtype::CLASSIC5TUPLE;
            let mut q = qual::IPV4 | qual::FRAGMENT;
            if a > z {
                std::mem::swap(&mut a, &mut z);
                st |= subtype::REVERSE;
                q |= qual::DIRECTION;
            }
            // The datagram id sits in the last two bytes, in host order: the
            // port swap ArgusHtoN does for TCP/UDP hits only the padding before it.
            let id = (k.aux as u16).to_le_bytes();
            b.extend_from_slice(&a);
            b.extend_from_slice(&z);
            b.extend_from_slice(&[k.proto, 0, 0, 0, 0, 0, id[0], id[1]]);
            (st, q)
        }
        KeyKind::Ipv6 | KeyKind::Ipv6Frag => {
            let frag = k.kind == KeyKind::Ipv6Frag;
            let (mut a, mut z, mut pa, mut pb) = (k.a, k.b, k.pa, k.pb);
            let mut st = subtype::CLASSIC5TUPLE;
            let mut q = qual::IPV6;
            // IPv6: the larger address is stored first; ICMPv6 "ports" stay.
            if a < z {
                std::mem::swap(&mut a, &mut z);
                if k.proto != ICMPV6 {
                    std::mem::swap(&mut pa, &mut pb);
                }
                st |= subtype::REVERSE;
            }
            b.extend_from_slice(&a);
            b.extend_from_slice(&z);
            b.extend_from_slice(&[k.proto, 0, 0, 0]);
            if frag {
                q |= qual::FRAGMENT;
                // The identification is read from the packet unswapped, then htonl'd.
                b.extend_from_slice(&k.aux.to_le_bytes());
            } else if k.proto == ICMPV6 {
                b.extend_from_slice(&[(pa & 0xff) as u8, (pa >> 8) as u8, 0, 0]);
            } else if k.proto == ESP {
                b.extend_from_slice(&k.aux.to_be_bytes());
            } else {
                b.extend_from_slice(&pa.to_be_bytes());
                b.extend_from_slice(&pb.to_be_bytes());
            }
            (st, q)
        }
        KeyKind::Arp => {
            // hrd, pro, hln, pln, op (always "request"), spa, tpa, then the
            // asker's hardware address, cut to 4 bytes by the sensor's length bug.
            b.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
            b.extend_from_slice(&k.a[..4]);
            b.extend_from_slice(&k.b[..4]);
            b.extend_from_slice(&k.b[4..8]);
            (subtype::ARP, qual::ARP)
        }
        KeyKind::Rarp => {
            // The sensor writes op "request" for both RARP opcodes and no tpa we know.
            // ArgusCreateArpFlow: a request stores (target, sender) hardware
            // addresses, a reply (sender, target) and the address handed out
            // (tpa); the key holds the asker in `a`, the answerer in `b`.
            b.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 3]);
            b.extend_from_slice(&k.a[6..10]);
            b.extend_from_slice(&k.b[..6]);
            b.extend_from_slice(&k.a[..6]);
            (subtype::ARP, qual::RARP)
        }
        KeyKind::Ether => {
            b.extend_from_slice(&k.b[..6]);
            b.extend_from_slice(&k.a[..6]);
            b.extend_from_slice(&(k.aux as u16).to_be_bytes());
            b.extend_from_slice(&[k.pb as u8, k.pa as u8]);
            (subtype::CLASSIC5TUPLE, qual::ETHER)
        }
        KeyKind::Wlan => {
            // dhost, shost, bssid, then the 32-byte SSID (the key keeps its
            // first 14 bytes), padded to whole words.
            b.extend_from_slice(&k.b[..6]);
            b.extend_from_slice(&k.a[..6]);
            b.extend_from_slice(&k.a[6..12]);
            b.extend_from_slice(&k.a[12..16]);
            b.extend_from_slice(&k.b[6..16]);
            b.resize(52, 0);
            (subtype::CLASSIC5TUPLE, qual::WLAN)
        }
        KeyKind::L3Matrix => {
            if k.proto == 0xff {
                b.extend_from_slice(&k.a);
                b.extend_from_slice(&k.b);
                (subtype::LAYER_3_MATRIX, qual::IPV6)
            } else {
                // The x86 sensor leaves these addresses in host order.
                let mut a = ip4(&k.a);
                let mut z = ip4(&k.b);
                a.reverse();
                z.reverse();
                b.extend_from_slice(&a);
                b.extend_from_slice(&z);
                (subtype::LAYER_3_MATRIX, qual::IPV4)
            }
        }
    };
    FlowDsr {
        subtype: st,
        qual: q,
        body: b,
    }
}

/// The key a FLOW DSR describes, in the initiator's orientation (REVERSE
/// undone, as `ra` does), and whether the DSR carried REVERSE.
pub fn flow_key(f: &FlowDsr) -> (FlowKey, bool) {
    key_of(f.subtype, f.qual, &f.body)
}

/// [`flow_key`] of a FLOW DSR's subtype, qualifier and body bytes.
fn key_of(st: u8, q: u8, b: &[u8]) -> (FlowKey, bool) {
    let mut k = FlowKey::default();
    let rev = st & subtype::REVERSE != 0;
    let get = |at: usize, n: usize| -> &[u8] { b.get(at..at + n).unwrap_or(&[0; 16][..n]) };
    let w2 = |at: usize| -> [u8; 2] { [get(at, 2)[0], get(at, 2)[1]] };
    let put4 = |dst: &mut [u8; 16], at: usize| dst[..4].copy_from_slice(get(at, 4));
    match (st & 0x3f, q & 0x1f) {
        (subtype::CLASSIC5TUPLE, qual::IPV4) if q & qual::FRAGMENT != 0 => {
            k.kind = KeyKind::Ipv4Frag;
            put4(&mut k.a, 0);
            put4(&mut k.b, 4);
            k.proto = get(8, 1)[0];
            k.aux = u32::from(u16::from_le_bytes(w2(14)));
        }
        (subtype::CLASSIC5TUPLE, qual::IPV4) => {
            k.kind = KeyKind::Ipv4;
            put4(&mut k.a, 0);
            put4(&mut k.b, 4);
            k.proto = get(8, 1)[0];
            let tp = get(9, 1)[0];
            match k.proto {
                ICMP => {
                    let (ty, code) = (get(10, 1)[0], get(11, 1)[0]);
                    k.pa = u16::from(ty) | u16::from(code) << 8;
                    k.pb = u16::from_le_bytes(w2(12));
                    let ipid = if icmp_raw_dst(ty, code) {
                        u16::from_be_bytes(w2(14))
                    } else {
                        u16::from_le_bytes(w2(14))
                    };
                    k.aux = u32::from(ipid) | u32::from(tp) << 16;
                }
                ESP => {
                    let x = get(12, 4);
                    k.aux = u32::from_be_bytes([x[0], x[1], x[2], x[3]]);
                }
                IGMP => {
                    k.pa = u16::from(get(10, 1)[0]);
                    k.aux = u32::from(u16::from_be_bytes(w2(14)));
                }
                p => {
                    let (sp, dp) = (w2(10), w2(12));
                    if matches!(p, TCP | UDP) {
                        k.pa = u16::from_be_bytes(sp);
                        k.pb = u16::from_be_bytes(dp);
                    } else {
                        k.pa = u16::from_le_bytes(sp);
                        k.pb = u16::from_le_bytes(dp);
                    }
                    let m = w2(14);
                    if p == UDP && (k.pa == 53 || k.pb == 53) && q & qual::MASKLEN == 0 {
                        k.aux = u32::from(u16::from_le_bytes(m)) | DNS_TXID;
                    }
                }
            }
        }
        (subtype::CLASSIC5TUPLE, qual::IPV6) => {
            k.kind = if q & qual::FRAGMENT != 0 {
                KeyKind::Ipv6Frag
            } else {
                KeyKind::Ipv6
            };
            k.a.copy_from_slice(get(0, 16));
            k.b.copy_from_slice(get(16, 16));
            k.proto = get(32, 1)[0];
            if k.kind == KeyKind::Ipv6Frag {
                let x = get(36, 4);
                k.aux = u32::from_le_bytes([x[0], x[1], x[2], x[3]]);
            } else if k.proto == ESP {
                let x = get(36, 4);
                k.aux = u32::from_be_bytes([x[0], x[1], x[2], x[3]]);
            } else if k.proto == ICMPV6 {
                k.pa = u16::from(get(36, 1)[0]) | u16::from(get(37, 1)[0]) << 8;
            } else {
                k.pa = u16::from_be_bytes(w2(36));
                k.pb = u16::from_be_bytes(w2(38));
            }
        }
        (subtype::CLASSIC5TUPLE, qual::ETHER) => {
            k.kind = KeyKind::Ether;
            k.b[..6].copy_from_slice(get(0, 6));
            k.a[..6].copy_from_slice(get(6, 6));
            k.aux = u32::from(u16::from_be_bytes(w2(12)));
            k.pb = u16::from(get(14, 1)[0]);
            k.pa = u16::from(get(15, 1)[0]);
            // ra leaves layer-2 keys in stored order.
            return (k, rev);
        }
        (subtype::CLASSIC5TUPLE, qual::WLAN) => {
            k.kind = KeyKind::Wlan;
            k.b[..6].copy_from_slice(get(0, 6));
            k.a[..6].copy_from_slice(get(6, 6));
            k.a[6..12].copy_from_slice(get(12, 6));
            k.a[12..16].copy_from_slice(get(18, 4));
            k.b[6..16].copy_from_slice(get(22, 10));
            let mut ssid = [0u8; 32];
            let n = b.len().saturating_sub(18).min(32);
            ssid[..n].copy_from_slice(&b[18..18 + n]);
            k.aux = argus_core::flow::key::ssid_hash(&ssid);
            return (k, rev);
        }
        (subtype::ARP, qual::ARP) => {
            k.kind = KeyKind::Arp;
            put4(&mut k.a, 8);
            put4(&mut k.b, 12);
            let n = b.len().saturating_sub(16).min(6);
            k.b[4..4 + n].copy_from_slice(&b[16..16 + n]);
            // ARP records are turned around whole (metrics too) by the caller.
            return (k, rev);
        }
        (subtype::ARP, qual::RARP) => {
            k.kind = KeyKind::Rarp;
            k.aux = u32::from(u16::from_be_bytes(w2(6)));
            k.a[6..10].copy_from_slice(get(8, 4));
            k.b[..6].copy_from_slice(get(12, 6));
            k.a[..6].copy_from_slice(get(18, 6));
            return (k, rev);
        }
        (subtype::LAYER_3_MATRIX, qual::IPV6) => {
            k.kind = KeyKind::L3Matrix;
            k.proto = 0xff;
            k.a.copy_from_slice(get(0, 16));
            k.b.copy_from_slice(get(16, 16));
        }
        (subtype::LAYER_3_MATRIX, _) => {
            k.kind = KeyKind::L3Matrix;
            put4(&mut k.a, 0);
            put4(&mut k.b, 4);
            k.a[..4].reverse();
            k.b[..4].reverse();
        }
        _ => {}
    }
    if rev {
        std::mem::swap(&mut k.a, &mut k.b);
        if !argus_core::flow::key::is_icmp_key(&k) {
            std::mem::swap(&mut k.pa, &mut k.pb);
        }
    }
    (k, rev)
}

/// The flow key `flow_from_far` gives a record (`record`: one whole flow
/// record, header included), read from its FLOW DSR without typing the
/// others. The DSRs are walked as `Far::decode` walks them (a bad length
/// stops the walk; the last FLOW DSR wins); no FLOW DSR gives the default key.
pub fn record_key(record: &[u8]) -> FlowKey {
    let mut key = FlowKey::default();
    for (h, dsr) in record_dsrs(record) {
        if h.dtype == crate::dsr::dtype::FLOW {
            key = key_of(h.subtype, h.qual, &dsr[4..]).0;
        }
    }
    key
}

/// The DSRs of one whole flow record (header included), each with its
/// header and its bytes (its own header included), walked as `Far::decode`
/// walks them: a zero or overlong length stops the walk.
pub(crate) fn record_dsrs(record: &[u8]) -> impl Iterator<Item = (crate::dsr::DsrHeader, &[u8])> {
    let mut body = record.get(crate::header::HEADER_LEN..).unwrap_or(&[]);
    std::iter::from_fn(move || {
        if body.len() < 4 {
            return None;
        }
        let h = crate::dsr::DsrHeader::decode(body);
        let n = usize::from(h.len) * 4;
        if n == 0 || n > body.len() {
            return None;
        }
        let (dsr, rest) = body.split_at(n);
        body = rest;
        Some((h, dsr))
    })
}
