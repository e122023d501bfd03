use super::*;
use crate::flow::key::KeyKind;
use crate::record::{Cause, FlowRecord};

fn kw(name: &str) -> Node {
    Node::Prim(Prim::Keyword {
        kw: Keyword::from_name(name).unwrap(),
        dir: Dir::Default,
    })
}

fn v4(a: [u8; 4], b: [u8; 4], proto: u8, pa: u16, pb: u16) -> FlowRecord {
    let mut r = FlowRecord::default();
    r.key.kind = KeyKind::Ipv4;
    r.key.proto = proto;
    r.key.a[..4].copy_from_slice(&a);
    r.key.b[..4].copy_from_slice(&b);
    r.key.pa = pa;
    r.key.pb = pb;
    r.src.pkts = 3;
    r.src.bytes = 300;
    r.src.has_ip = true;
    r.stime = 1_000_000;
    r.ltime = 2_000_000;
    r
}

#[test]
fn protocol_keywords_and_connectives() {
    let r = v4([10, 0, 0, 1], [10, 0, 0, 2], 17, 5000, 53);
    assert!(kw("udp").matches(&r));
    assert!(!kw("tcp").matches(&r));
    assert!(kw("ip").matches(&r) && kw("ipv4").matches(&r) && !kw("ipv6").matches(&r));
    let n = Node::Or(
        Box::new(kw("tcp")),
        Box::new(Node::Not(Box::new(kw("icmp")))),
    );
    assert!(n.matches(&r));
    assert!(kw("far").matches(&r) && !kw("man").matches(&r));
}

#[test]
fn numeric_attributes_are_src_or_dst_unless_qualified() {
    let mut r = v4([10, 0, 0, 1], [10, 0, 0, 2], 17, 5000, 53);
    r.dst.pkts = 1;
    r.dst.bytes = 900;
    let bytes = |dir, op, v| {
        Node::Prim(Prim::Cmp {
            field: Field::Bytes,
            dir,
            op,
            value: Value::Int(v),
        })
    };
    assert!(bytes(Dir::Default, Op::Gt, 600).matches(&r));
    assert!(!bytes(Dir::Src, Op::Gt, 600).matches(&r));
    assert!(bytes(Dir::Dst, Op::Gt, 600).matches(&r));
    assert!(!bytes(Dir::And, Op::Gt, 600).matches(&r));
    assert!(bytes(Dir::And, Op::Lt, 1000).matches(&r));
}

#[test]
fn missing_data_fails_comparisons_but_passes_their_negations() {
    let r = v4([10, 0, 0, 1], [10, 0, 0, 2], 17, 5000, 53);
    let cmp = |field, op| {
        Node::Prim(Prim::Cmp {
            field,
            dir: Dir::Default,
            op,
            value: Value::Int(1),
        })
    };
    // no behaviour DSR in sensor records
    assert!(!cmp(Field::Nstroke, Op::Eq).matches(&r));
    assert!(cmp(Field::Nstroke, Op::Lt).matches(&r));
    // ra gives every record with packets an aggregation count of 1
    assert!(cmp(Field::Trans, Op::Eq).matches(&r));
    // masked tests on a missing object hold: a UDP flow has no TCP options
    assert!(kw("mss").matches(&r));
    // ... but only where ra's test is not gated by the protocol
    assert!(!kw("syn").matches(&r));
}

#[test]
fn hosts_and_nets() {
    let r = v4([10, 0, 0, 1], [192, 168, 1, 2], 6, 1234, 80);
    let host = |dir, a: [u8; 4], m: [u8; 4]| {
        Node::Prim(Prim::address(AddrProto::Default, dir, Family::Ipv4, &a, &m).unwrap())
    };
    assert!(host(Dir::Default, [10, 0, 0, 1], [255; 4]).matches(&r));
    assert!(host(Dir::Src, [10, 0, 0, 1], [255; 4]).matches(&r));
    assert!(!host(Dir::Dst, [10, 0, 0, 1], [255; 4]).matches(&r));
    assert!(host(Dir::Dst, [192, 168, 0, 0], [255, 255, 0, 0]).matches(&r));
    assert!(!host(Dir::And, [192, 168, 0, 0], [255, 255, 0, 0]).matches(&r));
    let mut a6 = FlowRecord::default();
    a6.key.kind = KeyKind::Ipv6;
    a6.key.a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    let mut m = [0u8; 16];
    m[..4].copy_from_slice(&[255; 4]);
    let net6 = Node::Prim(
        Prim::address(
            AddrProto::Default,
            Dir::Default,
            Family::Ipv6,
            &a6.key.a,
            &m,
        )
        .unwrap(),
    );
    assert!(net6.matches(&a6));
    assert!(!net6.matches(&r));
}

#[test]
fn causes_are_bit_tests() {
    let mut r = v4([10, 0, 0, 1], [10, 0, 0, 2], 17, 5000, 53);
    r.cause = Cause::Stop;
    assert!(kw("start").matches(&r) && kw("status").matches(&r) && kw("stop").matches(&r));
    r.cause = Cause::Start;
    assert!(kw("start").matches(&r) && !kw("status").matches(&r));
}

#[test]
fn float_comparisons_round_to_six_decimals() {
    let mut r = v4([10, 0, 0, 1], [10, 0, 0, 2], 17, 5000, 53);
    r.ltime = r.stime + 10_000;
    let dur = |op, f| {
        Node::Prim(Prim::Cmp {
            field: Field::Dur,
            dir: Dir::Default,
            op,
            value: Value::Float(f),
        })
    };
    assert!(dur(Op::Eq, 0.01).matches(&r));
    assert!(!dur(Op::Gt, 0.01).matches(&r));
    assert!(dur(Op::Ge, 0.01).matches(&r));
    r.ltime = r.stime;
    // ra's zero rule: +0 < +0 holds
    assert!(dur(Op::Lt, 0.0).matches(&r));
}
