//! Engine tests: Ethernet frames built here go through `Engine::process`, and
//! the records that come out are checked the way `ra` would show them.
//! Expected values were cross-checked against Argus 3.0.8 (`argus` + `ra -n`)
//! on the same packets.

use super::*;
use crate::options::{EngineOptions, USEC};
use crate::packet::LinkType;
use crate::record::{Cause, FlowRecord};
use crate::render::{corrected, daddr, dir, flags, ports, proto, saddr, state};
use crate::test_packets::{Lcg, arp, eth, icmp, ipv4_full, tcp, udp};

const T0: i64 = 1_700_000_000_000_000;
const SEC: i64 = USEC;
const MS: i64 = 1_000;

const IP_A: [u8; 4] = [10, 0, 0, 1];
const IP_B: [u8; 4] = [10, 0, 0, 2];
const IP_C: [u8; 4] = [10, 0, 0, 9];
const IP_D: [u8; 4] = [172, 16, 5, 5];

const TH_FIN: u8 = 0x01;
const TH_SYN: u8 = 0x02;
const TH_RST: u8 = 0x04;
const TH_PSH: u8 = 0x08;
const TH_ACK: u8 = 0x10;

// ---------------------------------------------------------------- builders

fn mac(ip: [u8; 4]) -> [u8; 6] {
    [0x02, 0x00, ip[0], ip[1], ip[2], ip[3]]
}

/// Ethernet + IPv4 frame from `src` to `dst`, MACs derived from the addresses.
fn eth_ip(proto: u8, src: [u8; 4], dst: [u8; 4], l4: &[u8]) -> Vec<u8> {
    eth(
        mac(dst),
        mac(src),
        0x0800,
        &ipv4_full(proto, src, dst, &[], 0x1234, 0, l4),
    )
}

fn eth_udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    eth_ip(17, src, dst, &udp(sport, dport, payload))
}

#[allow(clippy::too_many_arguments)]
fn eth_tcp(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let win: u16 = if flags & TH_RST != 0 { 0 } else { 65535 };
    let t = tcp(sport, dport, seq, ack, flags, win, &[], payload);
    eth_ip(6, src, dst, &t)
}

fn eth_arp(op: u16, sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let dst = if op == 1 { [0xff; 6] } else { tha };
    eth(dst, sha, 0x0806, &arp(op, sha, spa, tha, tpa))
}

/// A DNS-like payload starting with the transaction id.
fn dns(txid: u16) -> Vec<u8> {
    let mut v = txid.to_be_bytes().to_vec();
    v.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    v
}

// ---------------------------------------------------------------- harness

/// An engine plus what was fed to it.
///
/// With `ARGUS_RS_TEST_PCAPS=<dir>` in the environment, every frame fed is
/// also written to `<dir>/<test name>.pcap` (one file per link type in
/// use), to run the real `argus` over the same packets.
struct Run {
    engine: Engine,
    pkts: u64,
    bytes: u64,
    dump: Option<(std::path::PathBuf, u32, Vec<u8>)>,
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some((path, _, buf)) = &self.dump {
            std::fs::write(path, buf).expect("test pcap");
        }
    }
}

impl Run {
    fn new() -> Self {
        Self::with(EngineOptions::default())
    }

    fn with(opts: EngineOptions) -> Self {
        Run {
            engine: Engine::new(opts),
            pkts: 0,
            bytes: 0,
            dump: None,
        }
    }

    fn dump(&mut self, ts_usec: i64, linktype: LinkType, frame: &[u8]) {
        let Some(dir) = std::env::var_os("ARGUS_RS_TEST_PCAPS") else {
            return;
        };
        if self.dump.is_none() {
            let name = std::thread::current()
                .name()
                .unwrap_or("test")
                .replace("::", "-");
            // pcap file header: magic, version 2.4, zone, sigfigs, snaplen, link type.
            let mut head = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
            head.extend_from_slice(&2u16.to_le_bytes());
            head.extend_from_slice(&4u16.to_le_bytes());
            for w in [0u32, 0, 65535, linktype.0] {
                head.extend_from_slice(&w.to_le_bytes());
            }
            let path = std::path::Path::new(&dir).join(format!("{name}.pcap"));
            self.dump = Some((path, linktype.0, head));
        }
        let Some((_, _, buf)) = self.dump.as_mut() else {
            return;
        };
        let len = frame.len() as u32;
        for w in [
            (ts_usec / 1_000_000) as u32,
            (ts_usec % 1_000_000) as u32,
            len,
            len,
        ] {
            buf.extend_from_slice(&w.to_le_bytes());
        }
        buf.extend_from_slice(frame);
    }

    fn feed(&mut self, ts_usec: i64, frame: &[u8]) {
        self.feed_lt(ts_usec, LinkType::ETHERNET, frame);
    }

    fn feed_lt(&mut self, ts_usec: i64, linktype: LinkType, frame: &[u8]) {
        self.dump(ts_usec, linktype, frame);
        let pkt = RawPacket {
            ts_usec,
            wire_len: frame.len() as u32,
            linktype,
            data: frame,
        };
        self.engine.process(&pkt).expect("supported link type");
        self.pkts += 1;
        self.bytes += frame.len() as u64;
    }

    fn finish(mut self) -> Vec<FlowRecord> {
        self.engine.finish();
        let mut v = Vec::new();
        self.engine.take_records(&mut v, usize::MAX);
        assert_eq!(self.engine.pending_records(), 0);
        v
    }
}

fn records_of<'a>(recs: &'a [FlowRecord], pr: &str, src: &str) -> Vec<&'a FlowRecord> {
    recs.iter()
        .filter(|r| proto(r) == pr && saddr(r) == src)
        .collect()
}

fn one<'a>(recs: &'a [FlowRecord], pr: &str, src: &str) -> &'a FlowRecord {
    let v = records_of(recs, pr, src);
    assert_eq!(v.len(), 1, "{pr} from {src}: {recs:#?}");
    v[0]
}

fn port_strings(r: &FlowRecord) -> (String, String) {
    let (s, d) = ports(r);
    (s.unwrap_or_default(), d.unwrap_or_default())
}

// ---------------------------------------------------------------- TCP

/// Handshake, 100 bytes up, 200 bytes down, FIN both ways: client 10.0.0.9:40000
/// (the larger address, so the table's canonical order is not the flow's).
fn tcp_conversation() -> Vec<(i64, Vec<u8>)> {
    let (c, s) = (IP_C, IP_B);
    let up = |seq, ack, flags, p: &[u8]| eth_tcp(c, 40000, s, 80, seq, ack, flags, p);
    let down = |seq, ack, flags, p: &[u8]| eth_tcp(s, 80, c, 40000, seq, ack, flags, p);
    let frames = vec![
        up(1000, 0, TH_SYN, &[]),
        down(5000, 1001, TH_SYN | TH_ACK, &[]),
        up(1001, 5001, TH_ACK, &[]),
        up(1001, 5001, TH_PSH | TH_ACK, &[b'G'; 100]),
        down(5001, 1101, TH_PSH | TH_ACK, &[b'H'; 200]),
        up(1101, 5201, TH_ACK, &[]),
        up(1101, 5201, TH_FIN | TH_ACK, &[]),
        down(5201, 1102, TH_FIN | TH_ACK, &[]),
        up(1102, 5202, TH_ACK, &[]),
    ];
    frames
        .into_iter()
        .enumerate()
        .map(|(i, f)| (T0 + i as i64 * 10 * MS, f))
        .collect()
}

#[test]
fn tcp_connection_is_one_record_from_the_syn_sender() {
    let mut run = Run::new();
    for (t, f) in tcp_conversation() {
        run.feed(t, &f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = corrected(&recs[0]);
    assert!(
        matches!(r, std::borrow::Cow::Borrowed(_)),
        "no reversal for a SYN-initiated flow"
    );
    assert_eq!(proto(&r), "tcp");
    assert_eq!(saddr(&r), "10.0.0.9");
    assert_eq!(daddr(&r), "10.0.0.2");
    assert_eq!(port_strings(&r), ("40000".into(), "80".into()));
    assert_eq!((r.src.pkts, r.dst.pkts), (6, 3));
    // Bytes are wire lengths: 54-byte headers, plus 100 up and 200 down.
    assert_eq!((r.src.bytes, r.dst.bytes), (424, 362));
    assert_eq!((r.src.appbytes, r.dst.appbytes), (100, 200));
    assert_eq!(state(&r), "FIN");
    assert_eq!(dir(&r), " ->");
    assert_eq!(r.cause, Cause::Start);
    assert_eq!(r.src.start, T0);
    assert_eq!(r.dst.last, T0 + 70 * MS);
    assert_eq!(r.src.last, T0 + 80 * MS);
    assert_eq!(r.synack_usec, 10_000);
    assert_eq!(r.ackdat_usec, 10_000);
    let st = r.tcp_status.expect("tcp status");
    use tcp::{CON_ESTABLISHED, FIN, FIN_ACK, SAW_SYN, SAW_SYN_SENT};
    let want = SAW_SYN | SAW_SYN_SENT | CON_ESTABLISHED | FIN | FIN_ACK;
    assert_eq!(st & want, want);
    assert_eq!(r.src.tcp_flags, TH_SYN | TH_ACK | TH_PSH | TH_FIN);
    assert_eq!(r.dst.tcp_flags, TH_SYN | TH_ACK | TH_PSH | TH_FIN);
    assert_eq!(r.seq, 1);
    assert_eq!(flags(&r).chars().nth(1), Some('e'));
}

#[test]
fn tcp_flow_seen_from_the_syn_ack_is_shown_from_the_client() {
    // ra reverses a record whose first packet was the server's SYN-ACK.
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    run.feed(
        T0,
        &eth_tcp(s, 80, c, 40000, 5000, 1001, TH_SYN | TH_ACK, &[]),
    );
    run.feed(
        T0 + 10 * MS,
        &eth_tcp(c, 40000, s, 80, 1001, 5001, TH_ACK, &[]),
    );
    run.feed(
        T0 + 20 * MS,
        &eth_tcp(c, 40000, s, 80, 1001, 5001, TH_PSH | TH_ACK, &[b'G'; 100]),
    );
    run.feed(
        T0 + 30 * MS,
        &eth_tcp(s, 80, c, 40000, 5001, 1101, TH_PSH | TH_ACK, &[b'H'; 200]),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        saddr(&recs[0]),
        "10.0.0.2",
        "as recorded: the SYN-ACK sender"
    );
    let r = corrected(&recs[0]);
    assert_eq!(saddr(&r), "10.0.0.9");
    assert_eq!(port_strings(&r), ("40000".into(), "80".into()));
    assert_eq!((r.src.pkts, r.dst.pkts), (2, 2));
    assert_eq!((r.src.bytes, r.dst.bytes), (208, 308));
}

#[test]
fn tcp_lone_syn_ack_is_accepted() {
    let mut run = Run::new();
    run.feed(
        T0,
        &eth_tcp(IP_B, 80, IP_C, 40000, 5000, 1001, TH_SYN | TH_ACK, &[]),
    );
    let recs = run.finish();
    let r = corrected(&recs[0]);
    assert_eq!(saddr(&r), "10.0.0.2");
    assert_eq!(state(&r), "ACC");
    assert_eq!((r.src.pkts, r.dst.pkts), (1, 0));
}

#[test]
fn tcp_reset_then_syn_retransmission_stays_one_flow() {
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    run.feed(T0, &eth_tcp(c, 40000, s, 80, 1000, 0, TH_SYN, &[]));
    run.feed(
        T0 + 10 * MS,
        &eth_tcp(s, 80, c, 40000, 0, 1001, TH_RST | TH_ACK, &[]),
    );
    run.feed(
        T0 + 20 * MS,
        &eth_tcp(c, 40000, s, 80, 1000, 0, TH_SYN, &[]),
    );
    run.feed(
        T0 + 30 * MS,
        &eth_tcp(s, 80, c, 40000, 5000, 1001, TH_SYN | TH_ACK, &[]),
    );
    run.feed(
        T0 + 40 * MS,
        &eth_tcp(c, 40000, s, 80, 1001, 5001, TH_ACK, &[]),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = corrected(&recs[0]);
    assert_eq!(saddr(&r), "10.0.0.9");
    assert_eq!((r.src.pkts, r.dst.pkts), (3, 2));
    assert_eq!((r.src.bytes, r.dst.bytes), (162, 108));
    assert_eq!(state(&r), "RST");
    assert_eq!(flags(&r).chars().nth(3), Some('s'), "SYN retransmitted");
}

#[test]
fn tcp_first_packet_reset_then_new_syn_restarts_the_flow() {
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    run.feed(T0, &eth_tcp(s, 80, c, 40000, 0, 1001, TH_RST | TH_ACK, &[]));
    run.feed(
        T0 + 10 * MS,
        &eth_tcp(c, 40000, s, 80, 7000, 0, TH_SYN, &[]),
    );
    run.feed(
        T0 + 20 * MS,
        &eth_tcp(s, 80, c, 40000, 9000, 7001, TH_SYN | TH_ACK, &[]),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let (first, second) = (&recs[0], &recs[1]);
    assert_eq!(first.cause, Cause::Stop);
    assert_eq!(first.pkts(), 1);
    assert_eq!(state(first), "RST");
    assert_eq!(second.cause, Cause::Start);
    assert_eq!(
        saddr(second),
        "10.0.0.9",
        "the new SYN's sender is the source"
    );
    assert_eq!((second.src.pkts, second.dst.pkts), (1, 1));
    assert_eq!(second.seq, first.seq, "the same flow, restarted");
    assert_eq!(state(second), "ACC");
}

// ---------------------------------------------------------------- timing

#[test]
fn status_interval_splits_a_long_flow() {
    let mut run = Run::new();
    let f = eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]);
    for i in 0..12 {
        run.feed(T0 + i * SEC, &f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 3, "{recs:#?}");
    let pkts: Vec<u64> = recs.iter().map(|r| r.src.pkts).collect();
    assert_eq!(pkts, [5, 5, 2]);
    let causes: Vec<Cause> = recs.iter().map(|r| r.cause).collect();
    assert_eq!(causes, [Cause::Start, Cause::Status, Cause::Status]);
    let spans: Vec<(i64, i64)> = recs
        .iter()
        .map(|r| ((r.src.start - T0) / SEC, (r.src.last - T0) / SEC))
        .collect();
    assert_eq!(spans, [(0, 4), (5, 9), (10, 11)]);
    assert!(recs.iter().all(|r| r.seq == recs[0].seq && r.seq != 0));
    let states: Vec<String> = recs.iter().map(state).collect();
    assert_eq!(states, ["INT", "REQ", "REQ"]);
    assert!(recs.iter().all(|r| r.src.bytes == r.src.pkts * 52));
    assert!(recs.iter().all(|r| r.dst.pkts == 0 && dir(r) == " ->"));
}

#[test]
fn idle_flow_times_out_and_comes_back_as_a_new_flow() {
    let mut run = Run::new();
    let a = eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]);
    let other = eth_udp(IP_C, 7000, IP_B, 7001, &[b'y'; 10]);
    run.feed(T0, &a);
    for i in 1..=40 {
        run.feed(T0 + i * SEC, &other);
    }
    run.feed(T0 + 40 * SEC + 500 * MS, &a);
    let recs = run.finish();
    let firsts = records_of(&recs, "udp", "10.0.0.1");
    assert_eq!(firsts.len(), 2, "{recs:#?}");
    assert_eq!(firsts[0].src.start, T0);
    assert_eq!(firsts[0].cause, Cause::Start);
    assert_eq!(firsts[1].src.start, T0 + 40 * SEC + 500 * MS);
    assert_eq!(
        firsts[1].cause,
        Cause::Start,
        "a new flow, not a status report"
    );
    assert_ne!(firsts[1].seq, firsts[0].seq);
    assert!(firsts.iter().all(|r| r.src.pkts == 1));
    let others = records_of(&recs, "udp", "10.0.0.9");
    assert_eq!(others.len(), 8);
    assert_eq!(others.iter().map(|r| r.src.pkts).sum::<u64>(), 40);
    // Sequence numbers are handed out in order of first report.
    assert!(firsts[0].seq < others[0].seq && others[0].seq < firsts[1].seq);
}

#[test]
fn idle_flow_revived_before_timeout_keeps_its_sequence_number() {
    let mut run = Run::new();
    let a = eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]);
    let other = eth_udp(IP_C, 7000, IP_B, 7001, &[b'y'; 10]);
    run.feed(T0, &a);
    for i in 1..=20 {
        run.feed(T0 + i * SEC, &other);
    }
    run.feed(T0 + 20 * SEC + 500 * MS, &a);
    let recs = run.finish();
    let firsts = records_of(&recs, "udp", "10.0.0.1");
    assert_eq!(firsts.len(), 2, "{recs:#?}");
    assert_eq!(firsts[1].seq, firsts[0].seq);
    assert_eq!(firsts[1].cause, Cause::Status);
    assert_eq!(state(firsts[1]), "REQ");
}

// ---------------------------------------------------------------- UDP keys

#[test]
fn dns_transactions_on_the_same_ports_are_separate_flows() {
    let mut run = Run::new();
    run.feed(T0, &eth_udp(IP_A, 33000, IP_B, 53, &dns(0x1111)));
    run.feed(T0 + 10 * MS, &eth_udp(IP_B, 53, IP_A, 33000, &dns(0x1111)));
    run.feed(T0 + 20 * MS, &eth_udp(IP_A, 33000, IP_B, 53, &dns(0x2222)));
    run.feed(T0 + 30 * MS, &eth_udp(IP_B, 53, IP_A, 33000, &dns(0x2222)));
    let recs = run.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    for r in &recs {
        assert_eq!(saddr(r), "10.0.0.1");
        assert_eq!(port_strings(r), ("33000".into(), "53".into()));
        assert_eq!((r.src.pkts, r.dst.pkts), (1, 1));
        assert_eq!(dir(r), "<->");
        assert_eq!(state(r), "CON");
    }
    assert_ne!(recs[0].seq, recs[1].seq);
    let starts: Vec<i64> = recs.iter().map(|r| r.src.start - T0).collect();
    assert!(starts.contains(&0) && starts.contains(&(20 * MS)));
}

#[test]
fn same_ports_without_dns_are_one_flow() {
    let mut run = Run::new();
    run.feed(T0, &eth_udp(IP_A, 33000, IP_B, 5353, &dns(0x1111)));
    run.feed(
        T0 + 10 * MS,
        &eth_udp(IP_A, 33000, IP_B, 5353, &dns(0x2222)),
    );
    run.feed(
        T0 + 20 * MS,
        &eth_udp(IP_B, 5353, IP_A, 33000, &dns(0x3333)),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!((recs[0].src.pkts, recs[0].dst.pkts), (2, 1));
}

#[test]
fn unidirectional_option_splits_a_two_way_exchange() {
    let opts = EngineOptions {
        unidirectional: true,
        ..EngineOptions::default()
    };
    let mut run = Run::with(opts);
    run.feed(T0, &eth_udp(IP_A, 4000, IP_B, 9000, &[1; 8]));
    run.feed(T0 + 10 * MS, &eth_udp(IP_B, 9000, IP_A, 4000, &[2; 8]));
    run.feed(T0 + 20 * MS, &eth_udp(IP_A, 4000, IP_B, 9000, &[3; 8]));
    let recs = run.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let ab = one(&recs, "udp", "10.0.0.1");
    let ba = one(&recs, "udp", "10.0.0.2");
    assert_eq!((ab.src.pkts, ab.dst.pkts), (2, 0));
    assert_eq!((ba.src.pkts, ba.dst.pkts), (1, 0));
    assert_eq!(port_strings(ba), ("9000".into(), "4000".into()));
    assert_eq!(dir(ab), " ->");

    // The default (bidirectional) model joins them.
    let mut run = Run::new();
    run.feed(T0, &eth_udp(IP_A, 4000, IP_B, 9000, &[1; 8]));
    run.feed(T0 + 10 * MS, &eth_udp(IP_B, 9000, IP_A, 4000, &[2; 8]));
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(dir(&recs[0]), "<->");
}

// ---------------------------------------------------------------- ICMP

fn echo(src: [u8; 4], dst: [u8; 4], ty: u8) -> Vec<u8> {
    eth_ip(
        1,
        src,
        dst,
        &icmp(ty, 0, [0x01, 0x00, 0x00, 0x07], &[b'p'; 16]),
    )
}

#[test]
fn icmp_echo_request_and_reply_are_one_flow() {
    let mut run = Run::new();
    run.feed(T0, &echo(IP_A, IP_B, 8));
    run.feed(T0 + MS, &echo(IP_B, IP_A, 0));
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = corrected(&recs[0]);
    assert_eq!(proto(&r), "icmp");
    assert_eq!(
        (saddr(&r).as_str(), daddr(&r).as_str()),
        ("10.0.0.1", "10.0.0.2")
    );
    assert_eq!((r.src.pkts, r.dst.pkts), (1, 1));
    assert_eq!((r.src.bytes, r.dst.bytes), (58, 58));
    assert_eq!(dir(&r), "<->");
    assert_eq!(state(&r), "ECO");
    assert_eq!(port_strings(&r), ("0x0008".into(), "0x0001".into()));
}

#[test]
fn icmp_echo_with_other_sequence_is_another_flow() {
    let mut run = Run::new();
    run.feed(T0, &echo(IP_A, IP_B, 8));
    let other = eth_ip(
        1,
        IP_A,
        IP_B,
        &icmp(8, 0, [0x01, 0x00, 0x00, 0x08], &[0; 16]),
    );
    run.feed(T0 + MS, &other);
    assert_eq!(run.finish().len(), 2);
}

#[test]
fn icmp_reply_only_flow_is_shown_toward_the_requester() {
    let mut run = Run::new();
    run.feed(T0, &echo(IP_B, IP_A, 0));
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    let r = corrected(&recs[0]);
    // ra: "10.0.0.1.0x0000 <- 10.0.0.2.0x0001  0 1  0 58"
    assert_eq!(
        (saddr(&r).as_str(), daddr(&r).as_str()),
        ("10.0.0.1", "10.0.0.2")
    );
    assert_eq!((r.src.pkts, r.dst.pkts), (0, 1));
    assert_eq!((r.src.bytes, r.dst.bytes), (0, 58));
    assert_eq!(dir(&r), "<- ");
}

#[test]
fn icmp_reply_only_flow_state_is_ecr() {
    let mut run = Run::new();
    run.feed(T0, &echo(IP_B, IP_A, 0));
    let recs = run.finish();
    let r = corrected(&recs[0]);
    assert_eq!(state(&r), "ECR");
    assert_eq!(port_strings(&r), ("0x0000".into(), "0x0001".into()));
}

#[test]
fn icmp_port_unreachable_marks_the_udp_flow() {
    let mut run = Run::new();
    let datagram = ipv4_full(
        17,
        IP_A,
        IP_B,
        &[],
        0x1234,
        0,
        &udp(5000, 6000, &[b'x'; 10]),
    );
    run.feed(T0, &eth(mac(IP_B), mac(IP_A), 0x0800, &datagram));
    let unreach = eth_ip(1, IP_B, IP_A, &icmp(3, 3, [0; 4], &datagram[..28]));
    run.feed(T0 + MS, &unreach);
    let recs = run.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let u = one(&recs, "udp", "10.0.0.1");
    assert_eq!(flags(u).chars().nth(2), Some('U'), "flags {:?}", flags(u));
    assert_eq!(u.icmp_event, Some((3, 3)));
    assert_eq!(
        (u.src.pkts, u.dst.pkts),
        (1, 0),
        "the ICMP packet is not counted here"
    );
    let i = one(&recs, "icmp", "10.0.0.2");
    assert_eq!(daddr(i), "10.0.0.1");
    assert_eq!(state(i), "URP");
    assert_eq!((i.src.pkts, i.src.bytes), (1, 70));
    assert_eq!(port_strings(i), ("0x0303".into(), "0x7017".into()));
    assert_eq!(flags(i).chars().nth(2), Some(' '));
}

#[test]
fn icmp_unreachable_for_unknown_flow_marks_nothing() {
    let mut run = Run::new();
    run.feed(T0, &eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]));
    let other = ipv4_full(17, IP_A, IP_B, &[], 1, 0, &udp(5001, 6000, &[b'x'; 10]));
    run.feed(
        T0 + MS,
        &eth_ip(1, IP_B, IP_A, &icmp(3, 3, [0; 4], &other[..28])),
    );
    let recs = run.finish();
    let u = one(&recs, "udp", "10.0.0.1");
    assert_eq!(u.icmp_event, None);
    assert_eq!(flags(u).chars().nth(2), Some(' '));
}

// ---------------------------------------------------------------- ARP

#[test]
fn arp_request_and_reply_are_one_flow_asker_who_asked() {
    let mut run = Run::new();
    run.feed(T0, &eth_arp(1, mac(IP_A), IP_A, [0; 6], IP_B));
    run.feed(T0 + MS, &eth_arp(2, mac(IP_B), IP_B, mac(IP_A), IP_A));
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = corrected(&recs[0]);
    assert_eq!(proto(&r), "arp");
    assert_eq!(saddr(&r), "10.0.0.1");
    assert_eq!(dir(&r), "who");
    assert_eq!(daddr(&r), "10.0.0.2");
    assert_eq!((r.src.pkts, r.dst.pkts), (1, 1));
    assert_eq!((r.src.bytes, r.dst.bytes), (42, 42));
    assert_eq!(state(&r), "CON");
}

#[test]
fn arp_asker_with_the_larger_address_is_still_the_source() {
    // ra: "arp 10.0.0.9 who 10.0.0.2  1 1  42 42 CON"
    let mut run = Run::new();
    run.feed(T0, &eth_arp(1, mac(IP_C), IP_C, [0; 6], IP_B));
    run.feed(T0 + MS, &eth_arp(2, mac(IP_B), IP_B, mac(IP_C), IP_C));
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = corrected(&recs[0]);
    assert_eq!(
        (saddr(&r).as_str(), daddr(&r).as_str()),
        ("10.0.0.9", "10.0.0.2")
    );
    assert_eq!((r.src.pkts, r.dst.pkts), (1, 1));
}

#[test]
fn arp_reply_first_still_shows_the_asker() {
    let mut run = Run::new();
    run.feed(T0, &eth_arp(2, mac(IP_B), IP_B, mac(IP_C), IP_C));
    let recs = run.finish();
    let r = corrected(&recs[0]);
    assert_eq!(
        (saddr(&r).as_str(), daddr(&r).as_str()),
        ("10.0.0.9", "10.0.0.2")
    );
    assert_eq!((r.src.pkts, r.dst.pkts), (0, 1));
    assert_eq!((r.src.bytes, r.dst.bytes), (0, 42));
    assert_eq!(state(&r), "RSP");
}

// ---------------------------------------------------------------- fragments

/// A 3008-byte UDP datagram (5000 -> 6000) cut into three IPv4 fragments.
fn fragments() -> [Vec<u8>; 3] {
    let l4 = udp(5000, 6000, &[b'f'; 3000]);
    let frag = |part: &[u8], field: u16| {
        eth(
            mac(IP_B),
            mac(IP_A),
            0x0800,
            &ipv4_full(17, IP_A, IP_B, &[], 0x4242, field, part),
        )
    };
    [
        frag(&l4[..1480], 0x2000),
        frag(&l4[1480..2960], 0x2000 | 185),
        frag(&l4[2960..], 370),
    ]
}

#[test]
fn ipv4_fragments_count_in_their_udp_flow() {
    let mut run = Run::new();
    let fr = fragments();
    for (i, f) in fr.iter().enumerate() {
        run.feed(T0 + i as i64 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(proto(r), "udp");
    assert_eq!(port_strings(r), ("5000".into(), "6000".into()));
    assert_eq!((r.src.pkts, r.dst.pkts), (3, 0));
    assert_eq!(r.src.bytes, 1514 + 1514 + 82);
    assert_eq!(flags(r).chars().nth(6), Some('F'), "flags {:?}", flags(r));
    assert_eq!(r.src.last, T0 + 2 * MS);
}

#[test]
fn ipv4_fragments_before_their_first_fragment_are_adopted() {
    let mut run = Run::new();
    let fr = fragments();
    for (i, f) in fr.iter().rev().enumerate() {
        run.feed(T0 + i as i64 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(proto(r), "udp");
    assert_eq!((r.src.pkts, r.dst.pkts), (3, 0));
    assert_eq!(r.src.bytes, 3110);
    assert_eq!(flags(r).chars().nth(6), Some('F'));
    assert_eq!(r.src.start, T0);
}

#[test]
fn orphan_fragments_are_a_flow_of_their_own() {
    let mut run = Run::new();
    let fr = fragments();
    run.feed(T0, &fr[1]);
    run.feed(T0 + MS, &fr[2]);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].pkts(), 2);
    assert_eq!(flags(&recs[0]).chars().nth(6), Some('F'));
    assert_eq!(saddr(&recs[0]), "10.0.0.1");
}

/// Argus 3.0.8.2 on ip6_fragments.pcap: the later IPv6 fragments of an
/// mDNS datagram (id bytes 00 2c 53 23) from fe80::21f:f3ff:fecd:f617 to
/// ff02::fb are a fragment flow of their own (key qualifier FRAGMENT, ra
/// flags it 'f' from its fragment object) whose ports ra prints as 11264 ->
/// 9043; IPv6 records carry no IP id.
#[test]
fn later_ipv6_fragments_are_a_fragment_flow_keyed_by_their_id() {
    let src: [u8; 16] = [
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x1f, 0xf3, 0xff, 0xfe, 0xcd, 0xf6, 0x17,
    ];
    let mut dst = [0u8; 16];
    dst[..2].copy_from_slice(&[0xff, 0x02]);
    dst[15] = 0xfb;
    let l4 = udp(5353, 5353, &[b'm'; 40]);
    let frag = |offlg: u16, part: &[u8]| {
        let mut h = vec![17, 0];
        h.extend_from_slice(&offlg.to_be_bytes());
        h.extend_from_slice(&[0x00, 0x2c, 0x53, 0x23]);
        h.extend_from_slice(part);
        eth(
            [0x33, 0x33, 0, 0, 0, 0xfb],
            [0x00, 0x1f, 0xf3, 0xcd, 0xf6, 0x17],
            0x86dd,
            &crate::test_packets::ipv6(44, src, dst, &h),
        )
    };
    let mut run = Run::new();
    run.feed(T0, &frag(1, &l4[..24]));
    run.feed(T0 + MS, &frag(24, &l4[24..]));
    let recs = run.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let later = recs
        .iter()
        .find(|r| r.key.kind == KeyKind::Ipv6Frag)
        .expect("a fragment flow");
    assert_eq!(later.key.aux, 0x002c_5323);
    assert_eq!(port_strings(later), ("11264".into(), "9043".into()));
    assert_eq!((later.src.pkts, later.dst.pkts), (1, 0));
    let first = recs
        .iter()
        .find(|r| r.key.kind == KeyKind::Ipv6)
        .expect("udp");
    assert_eq!(port_strings(first), ("5353".into(), "5353".into()));
    assert!(recs.iter().all(|r| r.src.ip_id == 0 && r.dst.ip_id == 0));
}

/// Argus 3.0.8.2 on frag-1.pcap: a later fragment of an ICMPv6 datagram
/// (id bytes 00 00 00 01) is shown with the id's last bytes as ICMPv6 type 1,
/// code 0, state URNR.
#[test]
fn later_icmpv6_fragment_shows_its_id_bytes_as_type_and_code() {
    let src = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    let mut dst = src;
    dst[15] = 1;
    let mut h = vec![58, 0];
    h.extend_from_slice(&1448u16.to_be_bytes());
    h.extend_from_slice(&[0, 0, 0, 1]);
    h.extend_from_slice(&[0; 40]);
    let frame = eth(
        mac(IP_B),
        mac(IP_A),
        0x86dd,
        &crate::test_packets::ipv6(44, src, dst, &h),
    );
    let mut run = Run::new();
    run.feed(T0, &frame);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].key.kind, KeyKind::Ipv6Frag);
    assert_eq!(port_strings(&recs[0]), ("1".into(), "0".into()));
    assert_eq!(state(&recs[0]), "URNR");
}

/// window-scale-range.pcap: a SYN with window scale 255. Argus keeps the
/// shift as sent (no cap at 14) and ra scales the last window by it modulo
/// 32: 65535 << 31 in 32 bits = 2147483648.
#[test]
fn window_scale_above_14_is_kept_as_argus_keeps_it() {
    let seg = |src, sport, dst, dport, seq, ack, flags, win, opts: &[u8], data: &[u8]| {
        eth_ip(
            6,
            src,
            dst,
            &tcp(sport, dport, seq, ack, flags, win, opts, data),
        )
    };
    let mut run = Run::new();
    run.feed(
        T0,
        &seg(
            IP_A,
            40000,
            IP_B,
            80,
            1000,
            0,
            TH_SYN,
            8192,
            &[2, 4, 5, 0xb4, 3, 3, 255],
            &[],
        ),
    );
    run.feed(
        T0 + 100 * MS,
        &seg(
            IP_B,
            80,
            IP_A,
            40000,
            5000,
            1001,
            TH_SYN | TH_ACK,
            8192,
            &[2, 4, 5, 0xb4, 3, 3, 7],
            &[],
        ),
    );
    run.feed(
        T0 + 200 * MS,
        &seg(IP_A, 40000, IP_B, 80, 1001, 5001, TH_ACK, 512, &[], &[]),
    );
    run.feed(
        T0 + 300 * MS,
        &seg(
            IP_A,
            40000,
            IP_B,
            80,
            1001,
            5001,
            TH_PSH | TH_ACK,
            65535,
            &[],
            b"hello",
        ),
    );
    run.feed(
        T0 + 400 * MS,
        &seg(IP_B, 80, IP_A, 40000, 5001, 1006, TH_ACK, 65535, &[], &[]),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(r.src.win_raw, Some((65535, 255)));
    assert_eq!(r.src.win, Some(2_147_483_648));
    assert_eq!(r.dst.win_raw, Some((65535, 7)));
    assert_eq!(r.dst.win, Some(65535 << 7));
}

// ---------------------------------------------------------------- accounting

#[test]
fn skipped_frames_are_counted_but_make_no_flow() {
    let mut run = Run::new();
    run.feed_lt(T0, LinkType::NULL, &[2u8, 0]); // loopback header cut short
    run.feed(T0, &eth_udp(IP_A, 1, IP_B, 2, &[]));
    let stats = run.engine.stats();
    assert_eq!(stats.packets, 2);
    assert_eq!(stats.packets_flowed, 1);
    assert_eq!(stats.packets_skipped, 1);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
}

/// The Ethernet frame's IPv4 datagram behind a BSD loopback (NULL) header.
fn null_frame(eth_frame: &[u8]) -> Vec<u8> {
    let mut v = 2u32.to_le_bytes().to_vec();
    v.extend_from_slice(&eth_frame[14..]);
    v
}

#[test]
fn null_link_bytes_exclude_the_family_header() {
    let mut run = Run::new();
    let f = null_frame(&eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]));
    run.feed_lt(T0, LinkType::NULL, &f);
    run.feed_lt(T0 + MS, LinkType::NULL, &f);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    // ra: "10.0.0.1.5000 -> 10.0.0.2.6000  2 0  76 0" (38 bytes per datagram).
    assert_eq!(recs[0].src.bytes, 2 * (f.len() as u64 - 4));
    assert_eq!(saddr(&recs[0]), "10.0.0.1");
}

#[test]
fn null_link_tcp_payload_is_counted_in_full() {
    let opts = EngineOptions {
        appbytes: true,
        ..EngineOptions::default()
    };
    let mut run = Run::with(opts);
    for (t, f) in tcp_conversation() {
        run.feed_lt(t, LinkType::NULL, &null_frame(&f));
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!((r.src.bytes, r.dst.bytes), (424 - 6 * 14, 362 - 3 * 14));
    let st = r.tcp_status.expect("tcp");
    assert_eq!(st & (tcp::FIN_ACK | tcp::OUTOFORDER), tcp::FIN_ACK);
    assert_eq!((r.src.appbytes, r.dst.appbytes), (100, 200));
}

#[test]
fn unsupported_link_type_is_an_error() {
    let mut e = Engine::new(EngineOptions::default());
    let f = eth_udp(IP_A, 1, IP_B, 2, &[]);
    let pkt = RawPacket {
        ts_usec: T0,
        wire_len: f.len() as u32,
        linktype: LinkType(192),
        data: &f,
    };
    assert_eq!(
        e.process(&pkt),
        Err(DecodeError::UnsupportedLinkType(LinkType(192)))
    );
    e.finish();
    assert_eq!(e.pending_records(), 0);
}

/// A mixed capture over 20 s: every packet fed ends up in exactly one record.
#[test]
fn packets_and_bytes_are_conserved_across_records() {
    let mut run = Run::new();
    let mut t = T0;
    let mut step = |ms: i64| {
        t += ms * MS;
        t
    };
    for round in 0..4i64 {
        for (_, f) in tcp_conversation() {
            let ts = step(3);
            run.feed(ts, &f);
        }
        let ts = step(900);
        run.feed(
            ts,
            &eth_udp(IP_A, 5000, IP_B, 6000, &vec![b'x'; 10 + round as usize]),
        );
        let ts = step(10);
        run.feed(ts, &eth_udp(IP_B, 6000, IP_A, 5000, &[b'y'; 30]));
        let ts = step(10);
        run.feed(ts, &echo(IP_A, IP_B, 8));
        let ts = step(1);
        run.feed(ts, &echo(IP_B, IP_A, 0));
        let ts = step(5);
        run.feed(ts, &eth_udp(IP_A, 33000, IP_B, 53, &dns(round as u16)));
        let ts = step(5);
        run.feed(ts, &eth_arp(1, mac(IP_C), IP_C, [0; 6], IP_B));
        for f in fragments() {
            let ts = step(1);
            run.feed(ts, &f);
        }
        let ts = step(2);
        run.feed(
            ts,
            &eth(mac(IP_D), mac(IP_C), 40, &[0x42, 0x42, 3, 0, 0, 0, 0, 0]),
        );
        let ts = step(4000);
        run.feed(ts, &eth(mac(IP_D), mac(IP_C), 0x88cc, &[0; 40]));
    }
    let (pkts, bytes) = (run.pkts, run.bytes);
    let stats_before = run.engine.stats();
    assert_eq!(stats_before.packets, pkts);
    assert_eq!(stats_before.bytes, bytes);
    assert_eq!(stats_before.packets_flowed, pkts);
    let recs = run.finish();
    assert!(recs.len() > 10, "{}", recs.len());
    assert_eq!(recs.iter().map(FlowRecord::pkts).sum::<u64>(), pkts);
    assert_eq!(recs.iter().map(FlowRecord::bytes).sum::<u64>(), bytes);
    assert!(recs.iter().all(|r| r.pkts() > 0 && r.seq != 0));
}

#[test]
fn records_are_not_lost_when_taken_in_small_batches() {
    let mut e = Engine::new(EngineOptions::default());
    let f = eth_udp(IP_A, 5000, IP_B, 6000, &[b'x'; 10]);
    for i in 0..30 {
        let pkt = RawPacket {
            ts_usec: T0 + i * SEC,
            wire_len: f.len() as u32,
            linktype: LinkType::ETHERNET,
            data: &f,
        };
        e.process(&pkt).unwrap();
    }
    e.finish();
    let mut v = Vec::new();
    while e.pending_records() > 0 {
        let before = v.len();
        e.take_records(&mut v, 2);
        assert!(v.len() - before <= 2);
    }
    assert_eq!(v.len(), 6);
    assert_eq!(v.iter().map(FlowRecord::pkts).sum::<u64>(), 30);
    assert_eq!(e.open_flows(), 0);
}

#[test]
fn shutdown_marks_records_shutdown() {
    let mut e = Engine::new(EngineOptions::default());
    let f = eth_udp(IP_A, 5000, IP_B, 6000, &[]);
    let pkt = RawPacket {
        ts_usec: T0,
        wire_len: f.len() as u32,
        linktype: LinkType::ETHERNET,
        data: &f,
    };
    e.process(&pkt).unwrap();
    e.shutdown();
    let mut v = Vec::new();
    e.take_records(&mut v, usize::MAX);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].cause, Cause::Shutdown);
}

// ---------------------------------------------------------------- robustness

/// Mutated, truncated and shuffled frames of every kind through one engine,
/// with time jumping back and forth: no panic, and conservation still holds.
#[test]
fn engine_survives_mangled_traffic() {
    let mut frames: Vec<Vec<u8>> = tcp_conversation().into_iter().map(|(_, f)| f).collect();
    frames.extend(fragments());
    frames.push(echo(IP_A, IP_B, 8));
    frames.push(echo(IP_B, IP_A, 0));
    frames.push(eth_arp(1, mac(IP_C), IP_C, [0; 6], IP_B));
    frames.push(eth_udp(IP_A, 33000, IP_B, 53, &dns(7)));
    let datagram = ipv4_full(17, IP_A, IP_B, &[], 1, 0, &udp(5000, 6000, &[0; 10]));
    frames.push(eth_ip(1, IP_B, IP_A, &icmp(3, 3, [0; 4], &datagram[..28])));
    let mut rng = Lcg(42);
    for opts in [
        EngineOptions::default(),
        EngineOptions {
            unidirectional: true,
            status_interval_usec: SEC,
            ..EngineOptions::default()
        },
    ] {
        let mut run = Run::with(opts);
        let mut t = T0;
        for _ in 0..20_000 {
            let mut f = frames[rng.below(frames.len() as u64) as usize].clone();
            for _ in 0..rng.below(3) {
                let at = rng.below(f.len() as u64) as usize;
                f[at] = rng.next() as u8;
            }
            if rng.below(8) == 0 {
                f.truncate(rng.below(f.len() as u64 + 1) as usize);
            }
            t += match rng.below(10) {
                0 => -(rng.below(3 * SEC as u64) as i64),
                1 => rng.below(70 * SEC as u64) as i64,
                _ => rng.below(50 * MS as u64) as i64,
            };
            run.feed(t, &f);
        }
        let stats = run.engine.stats();
        let flowed = stats.packets_flowed;
        let flowed_bytes = stats.bytes_flowed;
        assert_eq!(stats.packets, run.pkts);
        let recs = run.finish();
        assert_eq!(recs.iter().map(FlowRecord::pkts).sum::<u64>(), flowed);
        assert_eq!(
            recs.iter().map(FlowRecord::bytes).sum::<u64>(),
            flowed_bytes
        );
        for r in &recs {
            let _ = (state(r), dir(r), flags(r), proto(r), saddr(r), daddr(r));
            let _ = corrected(r);
        }
    }
}

fn rtp_payload(seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 0x08];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&1000u32.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xd5; 20]);
    p
}

fn udp_proto_names(payloads: &[Vec<u8>], sport: u16, dport: u16) -> Vec<String> {
    let mut run = Run::new();
    for (i, p) in payloads.iter().enumerate() {
        run.feed(
            T0 + i as i64 * 20 * MS,
            &eth_udp(IP_A, sport, IP_B, dport, p),
        );
    }
    run.finish().iter().map(crate::render::proto).collect()
}

#[test]
fn rtp_stream_is_labelled_rtp_from_five_packets() {
    let five: Vec<_> = (1..=5).map(|s| rtp_payload(s, 7)).collect();
    assert_eq!(udp_proto_names(&five, 30000, 40392), ["rtp"]);
    assert_eq!(udp_proto_names(&five[..4], 30000, 40392), ["udp"]);
    // Well-known and AFS ports are never RTP.
    assert_eq!(udp_proto_names(&five, 30000, 1000), ["udp"]);
    assert_eq!(udp_proto_names(&five, 7005, 40392), ["udp"]);
}

#[test]
fn rtp_label_is_withdrawn_when_the_ssrc_changes() {
    let mut p: Vec<_> = (1..=5).map(|s| rtp_payload(s, 7)).collect();
    p[3] = rtp_payload(4, 8);
    assert_eq!(udp_proto_names(&p, 30000, 40392), ["udp"]);
}

#[test]
fn only_the_first_packet_can_make_a_flow_rtp() {
    let mut p: Vec<_> = (1..=6).map(|s| rtp_payload(s, 7)).collect();
    p[0] = b"STUN binding request".to_vec();
    assert_eq!(udp_proto_names(&p, 30000, 40392), ["udp"]);
}

#[test]
fn rtcp_sender_report_is_labelled_rtcp_at_once() {
    // SR (pt 200), length 6 words.
    let mut sr = vec![0x80, 200, 0, 6];
    sr.extend_from_slice(&[0; 24]);
    assert_eq!(udp_proto_names(&[sr], 30001, 40393), ["rtcp"]);
}

// ---------------------------------------------------------------- application bytes (-A)

fn app_bytes(r: &FlowRecord) -> (u64, u64) {
    (r.src.appbytes, r.dst.appbytes)
}

#[test]
fn arp_application_bytes_are_the_frame_less_the_arp_body() {
    // ra -A: "arp 10.0.0.1 who 10.0.0.2 ... sappbytes 14 dappbytes 32":
    // 42 - 28 for the request, 60 - 28 for the padded reply.
    let mut run = Run::new();
    run.feed(T0, &eth_arp(1, mac(IP_A), IP_A, [0; 6], IP_B));
    let mut reply = eth_arp(2, mac(IP_B), IP_B, mac(IP_A), IP_A);
    reply.resize(60, 0);
    run.feed(T0 + MS, &reply);
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(app_bytes(&recs[0]), (14, 32));
}

#[test]
fn icmp_echo_application_bytes_are_the_whole_message() {
    let mut run = Run::new();
    run.feed(T0, &echo(IP_A, IP_B, 8));
    run.feed(T0 + MS, &echo(IP_B, IP_A, 0));
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    // 8-byte ICMP header + 16 bytes of data each way.
    assert_eq!(app_bytes(&recs[0]), (24, 24));
}

#[test]
fn icmp_error_application_bytes_are_the_quoted_datagram_payload() {
    // Argus maps the error onto the quoted flow by building that flow's key,
    // which leaves its length at the quoted IP length less the quoted IP
    // header: 18 (UDP header + 10 bytes) although only 8 of them are quoted.
    let mut run = Run::new();
    let datagram = ipv4_full(
        17,
        IP_A,
        IP_B,
        &[],
        0x1234,
        0,
        &udp(5000, 6000, &[b'x'; 10]),
    );
    run.feed(T0, &eth(mac(IP_B), mac(IP_A), 0x0800, &datagram));
    let unreach = eth_ip(1, IP_B, IP_A, &icmp(3, 3, [0; 4], &datagram[..28]));
    run.feed(T0 + MS, &unreach);
    let recs = run.finish();
    assert_eq!(app_bytes(one(&recs, "udp", "10.0.0.1")), (10, 0));
    assert_eq!(app_bytes(one(&recs, "icmp", "10.0.0.2")), (18, 0));
}

#[test]
fn tcp_in_listen_after_a_reset_counts_the_tcp_header() {
    // A connection first seen by a reset sits in LISTEN, where Argus does
    // not step over the TCP header of the segments that follow.
    let mut run = Run::new();
    run.feed(T0, &eth_tcp(IP_A, 4000, IP_B, 80, 100, 0, TH_RST, &[]));
    run.feed(
        T0 + MS,
        &eth_tcp(IP_A, 4000, IP_B, 80, 100, 7, TH_ACK, &[b'd'; 10]),
    );
    run.feed(
        T0 + 2 * MS,
        &eth_tcp(IP_B, 80, IP_A, 4000, 7, 110, TH_ACK, &[b'e'; 5]),
    );
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(app_bytes(&recs[0]), (30, 25));
}

#[test]
fn tcp_application_bytes_are_the_segment_payload() {
    let mut run = Run::new();
    for (t, f) in tcp_conversation() {
        run.feed(t, &f);
    }
    let recs = run.finish();
    assert_eq!(app_bytes(&recs[0]), (100, 200));
}

#[test]
fn later_ipv4_fragments_bring_no_application_bytes_to_their_flow() {
    let mut run = Run::new();
    for (i, f) in fragments().iter().enumerate() {
        run.feed(T0 + i as i64 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    // Only the first fragment's UDP payload: 1480 - 8.
    assert_eq!(app_bytes(&recs[0]), (1472, 0));
}

#[test]
fn orphan_fragments_count_their_ip_payload() {
    let mut run = Run::new();
    let fr = fragments();
    run.feed(T0, &fr[1]);
    run.feed(T0 + MS, &fr[2]);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(app_bytes(&recs[0]), (1480 + 48, 0));
}

#[test]
fn rtp_packets_after_the_first_lose_their_rtp_header() {
    let mut run = Run::new();
    for s in 1..=5u16 {
        run.feed(
            T0 + i64::from(s) * 20 * MS,
            &eth_udp(IP_A, 30000, IP_B, 40392, &rtp_payload(s, 7)),
        );
    }
    let recs = run.finish();
    assert_eq!(proto(&recs[0]), "rtp");
    // 32-byte payloads: the first whole, then 32 - 12 each.
    assert_eq!(app_bytes(&recs[0]), (32 + 4 * 20, 0));
}

#[test]
fn ipv6_application_bytes_follow_the_frame_not_the_payload_length() {
    let a6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let b6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    let mut f = eth(
        [0x33, 0x33, 0, 0, 0, 2],
        mac(IP_A),
        0x86dd,
        &crate::test_packets::ipv6(17, a6, b6, &udp(5000, 6000, &[b'x'; 2])),
    );
    // Four bytes of link trailer behind the datagram.
    f.extend_from_slice(&[0; 4]);
    let mut run = Run::new();
    run.feed(T0, &f);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(app_bytes(&recs[0]), (6, 0));
}

#[test]
fn layer2_frames_count_whole_as_application_bytes() {
    // An 802.3 frame with an LLC header (STP-like): the whole frame.
    let mut llc = vec![0x42, 0x42, 0x03];
    llc.extend_from_slice(&[0; 35]);
    let mut f = eth(
        [0x01, 0x80, 0xc2, 0, 0, 0],
        mac(IP_A),
        llc.len() as u16,
        &llc,
    );
    f.resize(60, 0);
    let mut run = Run::new();
    run.feed(T0, &f);
    let recs = run.finish();
    assert_eq!(recs.len(), 1);
    assert_eq!(app_bytes(&recs[0]), (60, 0));
}

// ---------------------------------------------------------------- TCP loss (sloss/dloss)

/// Ethernet + IPv4 + TCP with a chosen IP identification.
#[allow(clippy::too_many_arguments)]
fn eth_tcp_id(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    ipid: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let t = tcp(sport, dport, seq, ack, flags, 65535, &[], payload);
    eth(
        mac(dst),
        mac(src),
        0x0800,
        &ipv4_full(6, src, dst, &[], ipid, 0, &t),
    )
}

#[test]
fn retransmitted_data_is_counted_with_the_connection_state() {
    // ra: "sloss 1 dloss 0", flags " e s": ra shows the count only where
    // the TCP object's state is not 0, so the record carries the state.
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    let frames = [
        eth_tcp(c, 40000, s, 80, 1000, 0, TH_SYN, &[]),
        eth_tcp(s, 80, c, 40000, 5000, 1001, TH_SYN | TH_ACK, &[]),
        eth_tcp(c, 40000, s, 80, 1001, 5001, TH_ACK, &[]),
        eth_tcp(c, 40000, s, 80, 1001, 5001, TH_PSH | TH_ACK, &[b'a'; 100]),
        eth_tcp(s, 80, c, 40000, 5001, 1101, TH_ACK, &[]),
        eth_tcp(c, 40000, s, 80, 1001, 5001, TH_PSH | TH_ACK, &[b'a'; 100]),
    ];
    for (i, f) in frames.iter().enumerate() {
        run.feed(T0 + i as i64 * 10 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!((r.src.retrans, r.dst.retrans), (1, 0));
    assert_eq!(r.tcp_state, tcp::TcpState::Established as u8);
    assert_eq!(flags(r).chars().nth(3), Some('s'));
}

#[test]
fn ip_ids_are_compared_as_argus_keeps_them_byte_swapped() {
    // Argus keeps the IPv4 id unconverted, so on a little-endian host
    // 0x0001 -> 0x0500 (an increase) reads as 0x0100 -> 0x0005, a small
    // decrease: the in-sequence segment is taken as out of order (ra " e i").
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    let frames = [
        eth_tcp_id(c, 40000, s, 80, 0x0100, 1000, 0, TH_SYN, &[]),
        eth_tcp_id(s, 80, c, 40000, 0x0900, 5000, 1001, TH_SYN | TH_ACK, &[]),
        eth_tcp_id(c, 40000, s, 80, 0x0101, 1001, 5001, TH_ACK, &[]),
        eth_tcp_id(c, 40000, s, 80, 0x0001, 1001, 5001, TH_ACK, &[b'a'; 10]),
        eth_tcp_id(s, 80, c, 40000, 0x0901, 5001, 1011, TH_ACK, &[]),
        eth_tcp_id(c, 40000, s, 80, 0x0500, 1011, 5001, TH_ACK, &[b'b'; 10]),
    ];
    for (i, f) in frames.iter().enumerate() {
        run.feed(T0 + i as i64 * 10 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    let st = r.tcp_status.expect("tcp");
    assert_eq!(st & tcp::OUTOFORDER, tcp::SRC_OUTOFORDER);
    assert_eq!((r.src.retrans, r.dst.retrans), (0, 0));
    assert_eq!(flags(r).chars().nth(3), Some('i'));
}

#[test]
fn acknowledgements_never_take_more_than_the_window_holds() {
    // The SYN-ACK comes first; the client's first ACK then "acknowledges"
    // backwards from the ack the SYN-ACK implied. Argus's unsigned window
    // arithmetic keeps the server's window at 0 there, so its first data is
    // no retransmission; only the late SYN counts (ra turns the record
    // around: "e d tcp 10.0.0.9 -> 10.0.0.2 ... sloss 1 dloss 0 CLO").
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    let frames = [
        eth_tcp(
            s,
            80,
            c,
            40000,
            3_185_309_716,
            3_810_442_575,
            TH_SYN | TH_ACK,
            &[],
        ),
        eth_tcp(c, 40000, s, 80, 3_810_442_574, 0, TH_SYN, &[]),
        eth_tcp(c, 40000, s, 80, 3_810_442_575, 3_185_309_717, TH_ACK, &[]),
        eth_tcp(s, 80, c, 40000, 3_185_309_717, 3_810_442_590, TH_ACK, &[]),
        eth_tcp(
            s,
            80,
            c,
            40000,
            3_185_309_717,
            3_810_442_590,
            TH_PSH | TH_ACK,
            &[b'h'; 88],
        ),
    ];
    for (i, f) in frames.iter().enumerate() {
        run.feed(T0 + i as i64 * 10 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(saddr(r), "10.0.0.2");
    assert_eq!((r.src.retrans, r.dst.retrans), (0, 1));
}

#[test]
fn missing_data_leaves_a_sequence_gap_in_the_record() {
    // 100 bytes, then a segment 100 bytes further on: ra computes the gap
    // from the TCP object's seq, seqbase and bytes and shows " e g".
    let (c, s) = (IP_C, IP_B);
    let mut run = Run::new();
    let frames = [
        eth_tcp(c, 40000, s, 80, 1000, 0, TH_SYN, &[]),
        eth_tcp(s, 80, c, 40000, 5000, 1001, TH_SYN | TH_ACK, &[]),
        eth_tcp(c, 40000, s, 80, 1001, 5001, TH_ACK, &[]),
        eth_tcp(c, 40000, s, 80, 1001, 5001, TH_PSH | TH_ACK, &[b'a'; 100]),
        eth_tcp(c, 40000, s, 80, 1201, 5001, TH_PSH | TH_ACK, &[b'c'; 100]),
        eth_tcp(s, 80, c, 40000, 5001, 1101, TH_ACK, &[]),
    ];
    for (i, f) in frames.iter().enumerate() {
        run.feed(T0 + i as i64 * 10 * MS, f);
    }
    let recs = run.finish();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(r.src.retrans, 0);
    let base = r.src.tcp_base.expect("seqbase");
    let t = r.src.tcp_seq;
    assert_eq!((base, t.seq, t.bytes), (1000, 1301, 200));
    // ra: gap = seq - seqbase - bytes - 1 when that is positive.
    assert_eq!(t.seq - base - t.bytes - 1, 100);
    assert_eq!(t.ack, 5000);
}
