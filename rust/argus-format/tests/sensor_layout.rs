//! DSR layouts the sensor writes, checked against the bytes real argus
//! 3.0.8.2 wrote for the corpus (see each test), from records the engine
//! makes of the same packets.

use argus_core::flow::key::KeyKind;
use argus_core::record::FlowRecord;
use argus_format::dsr::Dsr;
use argus_format::dsr::flow::qual;
use argus_format::dsr::network::subtype as net;
use argus_format::map::far_from_flow;
use argus_format::{Far, WriteOptions};

fn far(r: &FlowRecord) -> Far {
    far_from_flow(r, &WriteOptions::default())
}

fn network(f: &Far) -> Option<(u8, usize)> {
    f.dsrs.iter().find_map(|d| match d {
        Dsr::Network(n) => Some((n.subtype, d.to_bytes().len())),
        _ => None,
    })
}

fn flow(f: &Far) -> (u8, u8, Vec<u8>) {
    f.dsrs
        .iter()
        .find_map(|d| match d {
            Dsr::Flow(k) => Some((k.subtype, k.qual, d.to_bytes()[4..].to_vec())),
            _ => None,
        })
        .expect("flow DSR")
}

/// Every flow record real argus writes carries a NETWORK DSR: layer-2,
/// unanswered ARP and RARP flows an empty one (`30 00 00 01`).
#[test]
fn layer2_arp_and_rarp_flows_carry_an_empty_network_dsr() {
    for kind in [KeyKind::Ether, KeyKind::Arp, KeyKind::Rarp] {
        let mut r = FlowRecord::default();
        r.key.kind = kind;
        r.src.pkts = 1;
        assert_eq!(network(&far(&r)), Some((net::EMPTY, 4)), "{kind:?}");
    }
}

/// rarp_req_reply.pcapng: the reply from 00:0c:29:c5:f6:9b handing out
/// 10.1.1.100 to 00:0c:29:34:0b:de is written `0001 0800 06 04 0003
/// 0a010164 000c29c5f69b 000c29340bde` (op "request", tpa, sender, target).
#[test]
fn rarp_reply_key_holds_sender_target_and_the_address_handed_out() {
    let asker = [0x00, 0x0c, 0x29, 0x34, 0x0b, 0xde];
    let answerer = [0x00, 0x0c, 0x29, 0xc5, 0xf6, 0x9b];
    let mut r = FlowRecord::default();
    r.key.kind = KeyKind::Rarp;
    r.key.aux = 4;
    r.key.a[..6].copy_from_slice(&asker);
    r.key.a[6..10].copy_from_slice(&[10, 1, 1, 100]);
    r.key.b[..6].copy_from_slice(&answerer);
    r.src.pkts = 1;
    let (_, q, body) = flow(&far(&r));
    assert_eq!(q, qual::RARP);
    let mut want = vec![0, 1, 8, 0, 6, 4, 0, 3, 10, 1, 1, 100];
    want.extend_from_slice(&answerer);
    want.extend_from_slice(&asker);
    assert_eq!(body[..24], want[..]);
}

/// ip6_fragments.pcap: a later-fragment flow's key has the FRAGMENT
/// qualifier and the fragment id (bytes 00 2c 53 23) stored swapped
/// (`23 53 2c 00`), and the record a fragment object (ra flags 'f').
#[test]
fn ipv6_fragment_flow_key_and_fragment_object() {
    let mut r = FlowRecord::default();
    r.key.kind = KeyKind::Ipv6Frag;
    r.key.proto = 17;
    r.key.aux = 0x002c_5323;
    r.key.a[0] = 0xfe;
    r.key.b[0] = 0xff;
    r.src.pkts = 1;
    let f = far(&r);
    let (_, q, body) = flow(&f);
    assert_eq!(q, qual::IPV6 | qual::FRAGMENT);
    assert_eq!(body[32..40], [17, 0, 0, 0, 0x23, 0x53, 0x2c, 0x00]);
    assert_eq!(network(&f).map(|n| n.0), Some(net::FRAG));
}
