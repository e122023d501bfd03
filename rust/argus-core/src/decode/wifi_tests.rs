//! 802.11, radiotap, Prism, AVS and SLIP frames built byte by byte: what
//! Argus 3.0.8.2 would key them on and count.

use super::Wlan;
use crate::decode::{DecodeError, Decoded, Family, decode, encaps};
use crate::flow::Engine;
use crate::flow::key::{KeyKind, Orient, packet_key};
use crate::options::EngineOptions;
use crate::packet::{LinkType, RawPacket};
use crate::test_packets::{Lcg, ipv4_full, ipv6, udp};

const DA: [u8; 6] = [0x02, 0, 0, 0, 0, 0xda];
const SA: [u8; 6] = [0x02, 0, 0, 0, 0, 0x5a];
const BSSID: [u8; 6] = [0x02, 0, 0, 0, 0, 0xb5];
const IP_A: [u8; 4] = [10, 0, 0, 1];
const IP_B: [u8; 4] = [10, 0, 0, 2];

fn dec_wire(lt: u32, data: &[u8], wire_len: u32) -> Result<Decoded, DecodeError> {
    let mut d = Decoded::default();
    let pkt = RawPacket {
        ts_usec: 1_700_000_000_000_000,
        wire_len,
        linktype: LinkType(lt),
        data,
    };
    decode(&pkt, &mut d).map(|()| d)
}

fn dec(lt: u32, data: &[u8]) -> Decoded {
    dec_wire(lt, data, data.len() as u32).unwrap_or_else(|e| panic!("{lt}: {e:?}"))
}

/// An 802.11 header: frame control (type, subtype, flags byte), duration,
/// three addresses, sequence control; a fourth address when both DS bits
/// are set, a QoS control word for QoS data subtypes.
fn wifi_hdr(ty: u8, subtype: u8, flags: u8) -> Vec<u8> {
    let mut v = vec![(subtype << 4) | (ty << 2), flags, 0, 0];
    v.extend_from_slice(&DA);
    v.extend_from_slice(&SA);
    v.extend_from_slice(&BSSID);
    v.extend_from_slice(&[0x10, 0]);
    if flags & 3 == 3 {
        v.extend_from_slice(&[0; 6]);
    }
    if ty == 2 && subtype & 8 != 0 {
        v.extend_from_slice(&[0, 0]);
    }
    v
}

fn snap(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xaa, 0xaa, 0x03, 0, 0, 0];
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn udp4() -> Vec<u8> {
    ipv4_full(17, IP_A, IP_B, &[], 1, 0, &udp(1234, 80, b"hello!"))
}

fn data_frame(subtype: u8, flags: u8) -> Vec<u8> {
    let mut f = wifi_hdr(2, subtype, flags);
    f.extend_from_slice(&snap(0x0800, &udp4()));
    f
}

/// A radiotap header of `len` bytes with the given present word(s) and fields.
fn radiotap(present: &[u32], fields: &[u8]) -> Vec<u8> {
    let len = 4 + 4 * present.len() + fields.len();
    let mut v = vec![0, 0];
    v.extend_from_slice(&(len as u16).to_le_bytes());
    for p in present {
        v.extend_from_slice(&p.to_le_bytes());
    }
    v.extend_from_slice(fields);
    v
}

fn assert_udp(d: &Decoded) {
    assert_eq!(d.family, Family::Ipv4);
    assert_eq!(&d.src[..4], &IP_A);
    assert_eq!(&d.dst[..4], &IP_B);
    assert_eq!((d.sport, d.dport), (1234, 80));
    assert!(d.wlan.is_none());
    // Argus keeps no MAC addresses from 802.11 headers.
    assert!(!d.has_mac);
}

#[test]
fn data_frames_open_llc_snap_to_ip() {
    for (subtype, flags) in [(0, 0x01), (0, 0x02), (8, 0x01), (0, 0x03), (8, 0x03)] {
        let f = data_frame(subtype, flags);
        let d = dec(105, &f);
        assert_udp(&d);
        assert_eq!(d.encaps, encaps::IEEE802_11 | encaps::LLC);
        // The whole frame is counted, 802.11 header included.
        assert_eq!(d.counted_len, f.len() as u32);
        assert_eq!(d.link_kept as usize, f.len() - udp4().len() - 8);
    }
}

#[test]
fn ipv6_behind_snap() {
    let mut f = wifi_hdr(2, 0, 0x01);
    let mut s = [0u8; 16];
    s[15] = 1;
    let mut t = [0u8; 16];
    t[15] = 2;
    f.extend_from_slice(&snap(0x86dd, &ipv6(17, s, t, &udp(5353, 5353, b"x"))));
    let d = dec(105, &f);
    assert_eq!(d.family, Family::Ipv6);
    assert_eq!((d.sport, d.dport), (5353, 5353));
}

fn wlan_of(d: &Decoded) -> Wlan {
    assert_eq!(d.family, Family::Ether);
    d.wlan.unwrap_or_else(|| panic!("no wlan key: {d:?}"))
}

#[test]
fn management_control_null_and_protected_frames_are_wlan_flows() {
    let protected = {
        let mut f = data_frame(0, 0x41);
        f.truncate(40);
        f
    };
    for f in [
        wifi_hdr(0, 0xb, 0),    // authentication
        wifi_hdr(1, 0xb, 0),    // RTS (addresses past its 16 bytes are read on)
        wifi_hdr(2, 4, 0x01),   // null data
        wifi_hdr(2, 0xc, 0x01), // QoS null
        protected,
    ] {
        let d = dec(105, &f);
        let w = wlan_of(&d);
        assert_eq!((w.da, w.sa, w.bssid), (DA, SA, BSSID), "{f:02x?}");
        assert_eq!(w.ssid, [0; 32]);
        assert_eq!(d.encaps & encaps::IEEE802_11, encaps::IEEE802_11);
        assert!(!d.has_mac);
    }
}

#[test]
fn wlan_keys_are_one_direction_each() {
    let d = dec(105, &wifi_hdr(0, 0xb, 0));
    let (k, orient) = packet_key(&d, &EngineOptions::default()).unwrap_or_else(|| panic!("no key"));
    assert_eq!(k.kind, KeyKind::Wlan);
    assert_eq!(orient, Orient::AsIs);
    assert_eq!(&k.a[..6], &SA);
    assert_eq!(&k.b[..6], &DA);
    assert_eq!(&k.a[6..12], &BSSID);
}

fn beacon(elements: &[u8]) -> Vec<u8> {
    let mut f = wifi_hdr(0, 8, 0);
    f.extend_from_slice(&[0; 8]); // timestamp
    f.extend_from_slice(&[0x64, 0]); // beacon interval
    f.extend_from_slice(&[0x01, 0x04]); // capabilities
    f.extend_from_slice(elements);
    f
}

#[test]
fn beacon_ssid_is_part_of_the_key() {
    let mut el = vec![0, 4];
    el.extend_from_slice(b"home");
    el.extend_from_slice(&[1, 2, 0x82, 0x84, 3, 1, 6, 5, 4, 0, 1, 0, 0]);
    // A vendor element: Argus's walk stops there.
    let mut ended = el.clone();
    ended.extend_from_slice(&[221, 1, 0]);
    let w = wlan_of(&dec(105, &beacon(&ended)));
    assert_eq!(&w.ssid[..5], b"home\0");
    // A walk that runs off the end of the frame reads on into zeros: an empty SSID.
    assert_eq!(wlan_of(&dec(105, &beacon(&el))).ssid, [0; 32]);

    // An element Argus does not know ends the walk before the SSID.
    let mut el2 = vec![7, 2, b'U', b'S', 0, 4];
    el2.extend_from_slice(b"home");
    assert_eq!(wlan_of(&dec(105, &beacon(&el2))).ssid, [0; 32]);

    // An SSID longer than 32 bytes is not taken; one cut by the capture neither.
    let mut long = vec![0, 33];
    long.extend_from_slice(&[b'x'; 33]);
    assert_eq!(wlan_of(&dec(105, &beacon(&long))).ssid, [0; 32]);
    let cut = beacon(&[0, 8, b'a', b'b']);
    assert_eq!(wlan_of(&dec(105, &cut)).ssid, [0; 32]);

    // Different SSIDs, different flows.
    let mut other = vec![0, 4];
    other.extend_from_slice(b"work");
    other.extend_from_slice(&[221, 1, 0]);
    let el = ended;
    let opts = EngineOptions::default();
    let ka = packet_key(&dec(105, &beacon(&el)), &opts).map(|k| k.0);
    let kb = packet_key(&dec(105, &beacon(&other)), &opts).map(|k| k.0);
    assert!(ka.is_some() && ka != kb);
}

#[test]
fn probe_request_ssid_follows_the_header() {
    let mut f = wifi_hdr(0, 4, 0);
    f.extend_from_slice(&[0, 3]);
    f.extend_from_slice(b"abc");
    f.extend_from_slice(&[0xdd, 0]);
    assert_eq!(&wlan_of(&dec(105, &f)).ssid[..4], b"abc\0");
}

#[test]
fn snap_to_an_unopened_ethertype_keys_the_payload_bytes() {
    // EAPOL: Argus's network layer does not take it and keys the bytes
    // behind the SNAP header as an 802.11 header.
    let mut f = wifi_hdr(2, 0, 0x01);
    let mut body = vec![0x01, 0x03, 0x00, 0x5f];
    body.extend((0u8..40).collect::<Vec<_>>());
    f.extend_from_slice(&snap(0x888e, &body));
    let w = wlan_of(&dec(105, &f));
    assert_eq!(w.da, [0, 1, 2, 3, 4, 5]);
    assert_eq!(w.sa, [6, 7, 8, 9, 10, 11]);
}

#[test]
fn other_llc_keys_from_three_bytes_into_the_header() {
    let mut f = wifi_hdr(2, 0, 0x01);
    f.extend_from_slice(&[0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
    let w = wlan_of(&dec(105, &f));
    assert_eq!(w.da, f[7..13]);
    assert_eq!(d_encaps(&f), encaps::IEEE802_11 | encaps::LLC);
}

fn d_encaps(f: &[u8]) -> u32 {
    dec(105, f).encaps
}

#[test]
fn radiotap_length_is_skipped_and_not_counted() {
    let rt = radiotap(&[0x0000_000e], &[0x10, 0x02, 0x6c, 0x09, 0xa0, 0x00, 0, 0]);
    let mut f = rt.clone();
    f.extend_from_slice(&data_frame(0, 0x01));
    let d = dec(127, &f);
    assert_udp(&d);
    assert_eq!(d.counted_len, (f.len() - rt.len()) as u32);
}

#[test]
fn radiotap_datapad_pads_the_80211_header() {
    // TSFT then flags with DATAPAD; one present word, so the fields start at 8.
    let mut fields = vec![0u8; 8];
    fields.push(0x20);
    fields.extend_from_slice(&[0, 0, 0]);
    let rt = radiotap(&[0x0000_0003], &fields);
    // A QoS data frame: a 26-byte header, padded to 28.
    let mut f = rt.clone();
    f.extend_from_slice(&wifi_hdr(2, 8, 0x01));
    let mut unpadded = f.clone();
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&snap(0x0800, &udp4()));
    assert_udp(&dec(127, &f));
    unpadded.extend_from_slice(&snap(0x0800, &udp4()));
    assert!(dec(127, &unpadded).wlan.is_some());
}

#[test]
fn radiotap_fields_align_from_the_end_of_the_bitmaps() {
    // Two present words: the fields start at 12, TSFT occupies 12..20 as
    // Argus aligns it (not 16..24), so the flags byte is the one at 20.
    let mut fields = vec![0u8; 8];
    fields.push(0x20);
    fields.extend_from_slice(&[0, 0, 0]);
    let rt = radiotap(&[0x8000_0003, 0], &fields);
    let mut f = rt.clone();
    f.extend_from_slice(&wifi_hdr(2, 8, 0x01));
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&snap(0x0800, &udp4()));
    assert_udp(&dec(127, &f));
}

#[test]
fn radiotap_extended_bitmaps_and_bad_lengths() {
    let mut f = radiotap(&[0x8000_0000, 0x0000_0000], &[]);
    f.extend_from_slice(&data_frame(0, 0x01));
    assert_udp(&dec(127, &f));
    // A bitmap chain running past the header, a header under 8 bytes or
    // longer than the capture: the packet is dropped.
    let mut bad = radiotap(&[0x8000_0000], &[]);
    bad.extend_from_slice(&data_frame(0, 0x01));
    assert_eq!(
        dec_wire(127, &bad, 100).unwrap_err(),
        DecodeError::Truncated
    );
    let mut short = vec![0, 0, 4, 0];
    short.extend_from_slice(&data_frame(0, 0x01));
    assert!(dec_wire(127, &short, 100).is_err());
    assert!(dec_wire(127, &[0, 0, 200, 0, 0, 0, 0, 0], 300).is_err());
}

#[test]
fn prism_and_avs_headers_are_stepped_over_and_counted() {
    let mut prism = vec![0u8; 144];
    prism.extend_from_slice(&data_frame(0, 0x01));
    let d = dec(119, &prism);
    assert_udp(&d);
    assert_eq!(d.counted_len, prism.len() as u32);
    assert_eq!(d.link_kept, 144 + 24);
    assert!(dec_wire(119, &[0; 100], 100).is_err());

    let mut avs = vec![0u8; 64];
    avs[4..8].copy_from_slice(&64u32.to_be_bytes());
    avs.extend_from_slice(&data_frame(0, 0x01));
    let d = dec(163, &avs);
    assert_udp(&d);
    assert_eq!(d.counted_len, avs.len() as u32);
    let mut bad = avs.clone();
    bad[4..8].copy_from_slice(&4u32.to_be_bytes());
    assert!(dec_wire(163, &bad, bad.len() as u32).is_err());
}

#[test]
fn slip_skips_sixteen_bytes_and_counts_the_rest() {
    for lt in [8, 15] {
        let mut f = vec![0u8; 16];
        f.extend_from_slice(&udp4());
        let d = dec(lt, &f);
        assert_udp(&d);
        assert_eq!(d.encaps, encaps::SLIP);
        assert_eq!(d.counted_len, (f.len() - 16) as u32);
    }
    let mut s = [0u8; 16];
    s[0] = 0x20;
    let mut f = vec![0u8; 16];
    f.extend_from_slice(&ipv6(17, s, s, &udp(1, 2, b"")));
    assert_eq!(dec(8, &f).family, Family::Ipv6);
    assert!(dec_wire(8, &[0; 16], 16).is_err());
}

#[test]
fn short_and_random_frames_never_panic() {
    let base = {
        let mut f = radiotap(&[0x0000_0003], &[0; 12]);
        f.extend_from_slice(&beacon(&[0, 2, b'h', b'i', 5, 4, 0, 1, 0, 0]));
        f
    };
    let mut rng = Lcg(7);
    let mut engine = Engine::new(EngineOptions::default());
    for lt in [8u32, 105, 119, 127, 163] {
        for cut in 0..base.len() {
            let _ = dec_wire(lt, &base[..cut], 300);
        }
        for _ in 0..2000 {
            let n = rng.below(200) as usize;
            let mut f: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            if lt == 127 && f.len() >= 4 {
                f[2] = (rng.below(40)) as u8;
                f[3] = 0;
            }
            let wire = n as u32 + rng.below(3) as u32;
            let _ = dec_wire(lt, &f, wire);
            // And through the flow engine (keys, records).
            let _ = engine.process(&RawPacket {
                ts_usec: 1_700_000_000_000_000 + i64::from(wire),
                wire_len: wire,
                linktype: LinkType(lt),
                data: &f,
            });
        }
    }
    engine.finish();
}

#[test]
fn slip_icmpv6_cut_inside_its_header_is_no_flow() {
    // malformed/icmp6_nodeinfo_oobr.pcap: 5 of the 8 ICMPv6 header bytes.
    let mut s = [0u8; 16];
    s[0] = 0x20;
    let mut f = vec![0u8; 16];
    f.extend_from_slice(&ipv6(58, s, s, &[0x8c, 0, 4, 2, 8, 0, 0, 0]));
    let whole = dec(8, &f);
    assert!(whole.icmp.is_some() && !whole.no_flow);
    let cut = dec_wire(8, &f[..f.len() - 3], f.len() as u32).unwrap_or_default();
    assert!(cut.no_flow);
    assert!(packet_key(&cut, &EngineOptions::default()).is_none());
}
