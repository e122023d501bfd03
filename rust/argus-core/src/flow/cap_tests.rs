//! The open-flow cap (`max_flows` / `max_flow_memory`): flows beyond it are
//! reported early (cause TIMEOUT) and forgotten, never dropped: every packet
//! and byte still lands in exactly one record.

use super::*;
use crate::options::{EngineOptions, USEC};
use crate::packet::LinkType;
use crate::test_packets::{eth, ipv4_full, tcp, udp};

const T0: i64 = 1_700_000_000_000_000;

fn frame(proto: u8, a: u8, b: u8, l4: &[u8]) -> Vec<u8> {
    let (src, dst) = ([10, 0, 0, a], [10, 0, 1, b]);
    eth(
        [2, 0, 10, 0, 1, b],
        [2, 0, 10, 0, 0, a],
        0x0800,
        &ipv4_full(proto, src, dst, &[], 7, 0, l4),
    )
}

fn syn(a: u8, port: u16) -> Vec<u8> {
    frame(6, a, 1, &tcp(port, 80, 1000, 0, 0x02, 65535, &[], &[]))
}

fn dgram(a: u8, port: u16, len: usize) -> Vec<u8> {
    frame(17, a, 2, &udp(port, 5000, &vec![0; len]))
}

/// Feed `frames` (time, bytes); returns the records and the engine's stats.
fn run(opts: EngineOptions, frames: &[(i64, Vec<u8>)]) -> (Vec<FlowRecord>, EngineStats) {
    let mut e = Engine::new(opts);
    let mut out = Vec::new();
    for (ts, f) in frames {
        let pkt = RawPacket {
            ts_usec: *ts,
            wire_len: f.len() as u32,
            linktype: LinkType::ETHERNET,
            data: f,
        };
        e.process(&pkt).expect("ethernet");
        assert!(e.cap == 0 || e.open_flows() <= e.cap);
    }
    e.finish();
    e.take_records(&mut out, usize::MAX);
    (out, e.stats())
}

fn capped(n: usize) -> EngineOptions {
    EngineOptions {
        max_flows: n,
        ..EngineOptions::default()
    }
}

#[test]
fn flows_beyond_the_cap_are_reported_oldest_first() {
    // 10 SYNs of 10 flows, 1 ms apart, cap 4: the first 6 are pushed out.
    let frames: Vec<_> = (0..10u16)
        .map(|i| (T0 + i64::from(i) * 1000, syn(1, 1000 + i)))
        .collect();
    let (recs, st) = run(capped(4), &frames);
    assert_eq!(st.flows_evicted, 6);
    assert_eq!(recs.len(), 10);
    let early: Vec<u16> = recs
        .iter()
        .filter(|r| r.cause == Cause::Timeout)
        .map(|r| r.key.pa)
        .collect();
    assert_eq!(early, (1000..1006).collect::<Vec<_>>());
    assert!(recs[6..].iter().all(|r| r.cause == Cause::Start));
}

#[test]
fn the_flow_idle_longest_goes_first() {
    // Flow 1 started first but keeps talking; flow 2 went quiet: it goes.
    let frames = vec![
        (T0, dgram(1, 1, 10)),
        (T0 + 1000, dgram(2, 2, 10)),
        (T0 + 2000, dgram(1, 1, 10)),
        (T0 + 3000, dgram(3, 3, 10)),
    ];
    let (recs, st) = run(capped(2), &frames);
    assert_eq!(st.flows_evicted, 1);
    let gone = recs
        .iter()
        .find(|r| r.cause == Cause::Timeout)
        .expect("one");
    assert_eq!(gone.key.pa, 2);
}

#[test]
fn packets_and_bytes_are_conserved_under_the_cap() {
    // 2 000 packets over 300 UDP flows with returning flows, cap 50.
    let mut frames = Vec::new();
    let mut x: u32 = 12345;
    for i in 0..2000i64 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let flow = (x >> 8) % 300;
        let len = 20 + (x >> 20) as usize % 200;
        frames.push((T0 + i * 3000, dgram((flow % 7) as u8, flow as u16, len)));
    }
    let total: u64 = frames.iter().map(|(_, f)| f.len() as u64).sum();
    let (free, st0) = run(EngineOptions::default(), &frames);
    let (recs, st) = run(capped(50), &frames);
    assert_eq!(st0.flows_evicted, 0);
    assert!(st.flows_evicted > 100, "{st:?}");
    assert!(recs.len() > free.len());
    assert_eq!(recs.iter().map(FlowRecord::pkts).sum::<u64>(), 2000);
    assert_eq!(recs.iter().map(FlowRecord::bytes).sum::<u64>(), total);
    assert_eq!(st.records, recs.len() as u64);
}

#[test]
fn a_memory_cap_is_a_flow_count() {
    let opts = EngineOptions {
        max_flow_memory: FLOW_BYTES * 3,
        ..EngineOptions::default()
    };
    assert_eq!(flow_cap(&opts), 3);
    let both = EngineOptions {
        max_flows: 2,
        ..opts.clone()
    };
    assert_eq!(flow_cap(&both), 2);
    assert_eq!(flow_cap(&EngineOptions::default()), 0);
    let frames: Vec<_> = (0..5u16)
        .map(|i| (T0 + i64::from(i) * USEC, syn(2, 2000 + i)))
        .collect();
    let (_, st) = run(opts, &frames);
    assert_eq!(st.flows_evicted, 2);
}
