//! The flow table sharded across threads gives the records of one engine:
//! as multisets (sequence numbers aside, which must still name the same
//! flows one-to-one), and exactly, in the deterministic `ordered` order,
//! for every thread count. Over the corpus and over synthetic captures
//! built to cross shards (ICMP errors, fragments, DNS, timeouts).

mod common;

use std::collections::HashMap;
use std::path::Path;

use argus_capture::Pipeline;
use argus_core::options::{EngineOptions, FlowKeyBits, USEC};
use argus_core::record::FlowRecord;
use common::{corpus_dir, corpus_files, pcap_header, pcap_record};

fn run(paths: &[String], opts: &EngineOptions, threads: usize, ordered: bool) -> Vec<FlowRecord> {
    let mut p = Pipeline::new(paths.to_vec(), opts.clone());
    if threads != 1 || ordered {
        p = p.with_threads(threads, ordered);
    }
    let mut out = Vec::new();
    loop {
        let fill = p.fill(1000, 10_000);
        p.take_records(&mut out, usize::MAX);
        if fill == argus_capture::Fill::Done {
            p.take_records(&mut out, usize::MAX);
            break;
        }
    }
    let st = p.stats();
    assert_eq!(st.records as usize, out.len(), "records counted");
    out
}

/// Records as text without their sequence number, sorted, each with it.
fn unsequenced(recs: &[FlowRecord]) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = recs
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let seq = std::mem::take(&mut r.seq);
            (format!("{r:?}"), seq)
        })
        .collect();
    v.sort();
    v
}

/// Same records as one engine's, and sequence numbers that map one-to-one.
fn assert_same_set(name: &str, one: &[FlowRecord], many: &[FlowRecord]) {
    assert_eq!(one.len(), many.len(), "{name}: record count");
    let a = unsequenced(one);
    let b = unsequenced(many);
    let mut fwd: HashMap<u32, u32> = HashMap::new();
    let mut back: HashMap<u32, u32> = HashMap::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.0, y.0, "{name}: record {i} differs");
        // Identical records of different flows could pair either way; the
        // map is checked where the text is unique.
        let unique = (i == 0 || a[i - 1].0 != x.0) && a.get(i + 1).is_none_or(|n| n.0 != x.0);
        if unique {
            assert_eq!(*fwd.entry(x.1).or_insert(y.1), y.1, "{name}: seq {}", x.1);
            assert_eq!(*back.entry(y.1).or_insert(x.1), x.1, "{name}: seq {}", y.1);
        }
    }
}

/// Records (sequence numbers aside) in one list and not the other, counted
/// once per side; packets and bytes summed over all records must agree.
fn differing(one: &[FlowRecord], many: &[FlowRecord]) -> usize {
    let total = |v: &[FlowRecord]| {
        v.iter()
            .fold((0u64, 0u64), |(p, b), r| (p + r.pkts(), b + r.bytes()))
    };
    assert_eq!(total(one), total(many), "packets and bytes are conserved");
    let mut count: HashMap<String, i64> = HashMap::new();
    for (s, _) in unsequenced(one) {
        *count.entry(s).or_default() += 1;
    }
    for (s, _) in unsequenced(many) {
        *count.entry(s).or_default() -= 1;
    }
    count
        .values()
        .map(|c| c.unsigned_abs() as usize)
        .sum::<usize>()
        / 2
}

/// Exact: the same records (as multisets, with sequence numbers that name
/// the same flows) for 2 and 3 threads, and the same ordered records for
/// 1, 2 and 4 threads.
fn check(name: &str, paths: &[String], opts: &EngineOptions) {
    let one = run(paths, opts, 1, false);
    for threads in [2, 3] {
        let many = run(paths, opts, threads, false);
        assert_same_set(&format!("{name} x{threads}"), &one, &many);
    }
    let ordered_one = run(paths, opts, 1, true);
    assert_same_set(&format!("{name} ordered"), &one, &ordered_one);
    for threads in [2, 4] {
        let ordered = run(paths, opts, threads, true);
        assert!(
            ordered == ordered_one,
            "{name}: ordered records with {threads} threads differ from one thread's"
        );
    }
}

/// Where the documented difference can show (a status sweep that one
/// engine makes over all flows when a due flow's packet arrives is made
/// per shard): at most `max_per_mille` of the records differ, and packets
/// and bytes are conserved. Returns the differing records (2 threads).
fn check_close(name: &str, paths: &[String], opts: &EngineOptions, max_per_mille: usize) -> usize {
    let one = run(paths, opts, 1, false);
    let ordered_one = run(paths, opts, 1, true);
    assert_eq!(
        differing(&one, &ordered_one),
        0,
        "{name}: ordered, one thread"
    );
    let mut seen = 0;
    for threads in [2, 3] {
        let many = run(paths, opts, threads, false);
        let ordered = run(paths, opts, threads, true);
        let n = differing(&one, &many);
        eprintln!("{name} x{threads}: {n} of {} records differ", one.len());
        assert!(
            n * 1000 <= one.len() * max_per_mille,
            "{name} x{threads}: {n} records differ"
        );
        assert_eq!(differing(&many, &ordered), 0, "{name} x{threads}: ordered");
        if threads == 2 {
            seen = n;
        }
    }
    seen
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn corpus_file_by_file() {
    let Some(dir) = corpus_dir() else { return };
    let opts = EngineOptions::default();
    for f in corpus_files(&dir) {
        if BACKWARDS_CLOCK.iter().any(|b| s(&f).ends_with(b)) {
            check_close(&s(&f), &[s(&f)], &opts, 400);
        } else {
            check(&s(&f), &[s(&f)], &opts);
        }
    }
}

/// Captures whose clock runs backwards: after a step back the one engine
/// (as argus) only requeues a due flow that flows queued later stand before;
/// a shard's own status queue may not hold them, so the shard reports it
/// (docs/compat.md).
const BACKWARDS_CLOCK: &[&str] = &[
    "apps/ipsec_isakmp_esp.pcap",
    "basic/example2.pcap",
    "basic/real.pcap",
    "encap/MplsPackets.pcap",
    "encap/mpls-basic.pcap",
    "encap/vxlan-encapsulated-http.pcap",
    "encap/vxlan.pcap",
    "format/alexa-app.pcapng",
    "format/nanosecs.pcap",
    "format/tcp.pcap",
    "format/tftp.pcap",
    "format/vntag.pcap",
    "ipv6/ipv6-http-atomic-frag.pcap",
    "linktypes/isup_load_generator.pcap",
    "linktypes/microsecs_big_endian.pcap",
    "linktypes/null_loopback.pcap",
    "long/agora-sd-rtn.pcap",
    "long/avast.pcap",
    "malformed/babel_update_oobr.pcap",
    "malformed/bgp_vpn_rt-oobr.pcap",
    "malformed/fuzz-2006-09-29-28586.pcap",
    "malformed/gre-heapoverflow-2.pcap",
    "malformed/isakmp-rfc3948-oobr.pcap",
    "malformed/l2tp-avp-overflow.pcap",
    "malformed/nfs-attr-oobr.pcap",
    "malformed/tls_DER-incomplete-header.pcap",
    "malformed/unsupported-link-type-dbus.pcap",
    "pcapng/gopacket-le/test016.pcapng",
    "pcapng/of13_ericsson.pcapng",
    "pcapng/pcapng-example.pcapng",
    "scans/echo-connections.pcap",
    "scans/vnc-scanner.pcap",
    "tcp/mptcp-v0.pcap",
];

#[test]
fn corpus_in_one_table_with_options() {
    let Some(dir) = corpus_dir() else { return };
    let all: Vec<String> = corpus_files(&dir).iter().map(|p| s(p)).collect();
    // One table across every file: time jumps back and forth between files,
    // where shards may report due flows the one engine only requeues.
    check_close("all", &all, &EngineOptions::default(), 10);
    let variants: Vec<(&str, EngineOptions)> = vec![
        (
            "short timers",
            EngineOptions {
                status_interval_usec: USEC,
                tcp_timeout_usec: 3 * USEC,
                ip_timeout_usec: 2 * USEC,
                icmp_timeout_usec: USEC,
                frag_timeout_usec: USEC,
                ..EngineOptions::default()
            },
        ),
        (
            "unidirectional",
            EngineOptions {
                unidirectional: true,
                ..EngineOptions::default()
            },
        ),
        (
            "layer 3 matrix",
            EngineOptions {
                flow_key: FlowKeyBits::LAYER_3_MATRIX,
                ..EngineOptions::default()
            },
        ),
        (
            "metrics",
            EngineOptions {
                jitter: true,
                mac: true,
                appbytes: true,
                packet_size: true,
                user_data_len: 32,
                start_records: true,
                ..EngineOptions::default()
            },
        ),
    ];
    // The layer-3 matrix merges ports, so it makes fewer records (4 788)
    // while the clock steps back as often: with three shards 55 of them
    // differ (11.5 per 1000). Packets and bytes are still conserved.
    for (name, opts) in variants {
        check_close(name, &all, &opts, 20);
    }
}

// ---- synthetic captures -------------------------------------------------

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn csum(b: &[u8]) -> u16 {
    let mut s = 0u32;
    for c in b.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// Ethernet + IPv4 header (+ `l4`); `frag` = (id, offset in 8-byte units, more).
fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, frag: (u16, u16, bool), l4: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00];
    let total = (20 + l4.len()) as u16;
    let ff = (frag.1 & 0x1fff) | if frag.2 { 0x2000 } else { 0 };
    let mut ip = vec![0x45, 0];
    ip.extend(total.to_be_bytes());
    ip.extend(frag.0.to_be_bytes());
    ip.extend(ff.to_be_bytes());
    ip.extend([64, proto, 0, 0]);
    ip.extend(src);
    ip.extend(dst);
    let c = csum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend(ip);
    f.extend(l4);
    f
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend(sport.to_be_bytes());
    u.extend(dport.to_be_bytes());
    u.extend(((8 + payload.len()) as u16).to_be_bytes());
    u.extend([0, 0]);
    u.extend(payload);
    u
}

fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend(sport.to_be_bytes());
    t.extend(dport.to_be_bytes());
    t.extend(seq.to_be_bytes());
    t.extend(ack.to_be_bytes());
    t.extend([0x50, flags, 0x20, 0x00, 0, 0, 0, 0]);
    t.extend(payload);
    t
}

fn icmp_unreach(code: u8, quoted_ip_and_l4: &[u8]) -> Vec<u8> {
    let mut m = vec![3, code, 0, 0, 0, 0, 0, 0];
    m.extend(quoted_ip_and_l4);
    let c = csum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// A busy capture over few hosts (so flows meet in both shards): TCP
/// conversations, DNS transactions, UDP with ICMP port unreachables from a
/// router, fragmented UDP (later fragments sometimes first), pings, with
/// pauses that let flows time out and come back.
fn synthetic(seed: u64, packets: usize) -> Vec<u8> {
    generate(seed, packets, 12, 1)
}

/// `hosts` clients talk to `hosts` servers; time runs `pace` times faster.
fn generate(seed: u64, packets: usize, hosts: u64, pace: u64) -> Vec<u8> {
    let mut rng = Lcg(seed);
    let mut f = pcap_header(false, false, 65535, 1);
    let mut t: u64 = 1_700_000_000 * 1_000_000;
    let host = |i: u64| {
        [
            10,
            (i / 40_000) as u8,
            (i / 200 % 200) as u8,
            (i % 200) as u8 + 1,
        ]
    };
    let router = [192, 168, 255, 1];
    let mut tcp_seq = 1000u32;
    let mut n = 0;
    while n < packets {
        // Mostly short steps; now and then a long pause (timeouts).
        t += match rng.below(100) {
            0 => 40_000_000,
            1..=3 => 3_000_000 + rng.below(2_000_000),
            _ => rng.below(150_000),
        } / pace;
        let a = host(rng.below(hosts));
        let b = host(rng.below(hosts) + hosts);
        let sp = 1024 + rng.below(8) as u16;
        let mut frames: Vec<Vec<u8>> = Vec::new();
        match rng.below(9) {
            0 | 1 => {
                let flags = [0x02, 0x12, 0x10, 0x18, 0x11, 0x04][rng.below(6) as usize];
                let (x, y, p, q) = if rng.below(2) == 0 {
                    (a, b, sp, 80)
                } else {
                    (b, a, 80, sp)
                };
                tcp_seq = tcp_seq.wrapping_add(rng.below(3000) as u32);
                let pl = vec![7u8; rng.below(300) as usize];
                frames.push(ipv4(
                    x,
                    y,
                    6,
                    (0, 0, false),
                    &tcp(p, q, tcp_seq, 1, flags, &pl),
                ));
            }
            2 => {
                let txid = rng.below(4) as u8;
                let (x, y, p, q) = if rng.below(2) == 0 {
                    (a, b, sp, 53)
                } else {
                    (b, a, 53, sp)
                };
                frames.push(ipv4(x, y, 17, (0, 0, false), &udp(p, q, &[0, txid, 1, 0])));
            }
            3 | 4 => {
                frames.push(ipv4(a, b, 17, (0, 0, false), &udp(sp, 9000, &[1; 40])));
            }
            5 => {
                // The router tells a that b's port is closed, quoting a's datagram.
                let quoted = ipv4(a, b, 17, (0, 0, false), &udp(sp, 9000, &[1; 8]));
                frames.push(ipv4(
                    router,
                    a,
                    1,
                    (0, 0, false),
                    &icmp_unreach(3, &quoted[14..14 + 28]),
                ));
            }
            6 => {
                // b itself answers port unreachable.
                let quoted = ipv4(a, b, 17, (0, 0, false), &udp(sp, 9000, &[1; 8]));
                frames.push(ipv4(
                    b,
                    a,
                    1,
                    (0, 0, false),
                    &icmp_unreach(3, &quoted[14..14 + 28]),
                ));
            }
            7 => {
                let id = rng.below(50) as u16 + 1;
                let l4 = udp(sp, 7000, &[3; 40]);
                let first = ipv4(a, b, 17, (id, 0, true), &l4[..24]);
                let rest = ipv4(a, b, 17, (id, 3, false), &l4[24..]);
                if rng.below(3) == 0 {
                    frames.push(rest);
                    frames.push(first);
                } else {
                    frames.push(first);
                    frames.push(rest);
                }
            }
            _ => {
                let id = rng.below(3) as u16;
                let (x, y, ty) = if rng.below(2) == 0 {
                    (a, b, 8)
                } else {
                    (b, a, 0)
                };
                let mut m = vec![ty, 0, 0, 0];
                m.extend(id.to_be_bytes());
                m.extend(1u16.to_be_bytes());
                let c = csum(&m);
                m[2..4].copy_from_slice(&c.to_be_bytes());
                frames.push(ipv4(x, y, 1, (0, 0, false), &m));
            }
        }
        for fr in frames {
            // Now and then a stamp slightly in the past.
            let ts = if rng.below(50) == 0 {
                t - rng.below(300_000)
            } else {
                t
            };
            let len = fr.len() as u32;
            f.extend(pcap_record(
                false,
                (ts / 1_000_000) as u32,
                (ts % 1_000_000) as u32,
                &fr,
                len,
            ));
            n += 1;
        }
    }
    f
}

fn write_temp(name: &str, bytes: &[u8]) -> String {
    let p = std::env::temp_dir().join(format!("argus-rs-sharded-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    s(&p)
}

#[test]
fn synthetic_captures() {
    let short = EngineOptions {
        status_interval_usec: USEC,
        ip_timeout_usec: 2 * USEC,
        icmp_timeout_usec: USEC,
        frag_timeout_usec: USEC,
        tcp_timeout_usec: 3 * USEC,
        ..EngineOptions::default()
    };
    let uni = EngineOptions {
        unidirectional: true,
        ..EngineOptions::default()
    };
    let mut differ = 0;
    for seed in 1..=4u64 {
        let path = write_temp(&format!("{seed}.pcap"), &synthetic(seed, 30_000));
        let paths = [path.clone()];
        differ += check_close(
            &format!("seed {seed}"),
            &paths,
            &EngineOptions::default(),
            1,
        );
        differ += check_close(&format!("seed {seed} short timers"), &paths, &short, 1);
        differ += check_close(&format!("seed {seed} unidirectional"), &paths, &uni, 1);
        std::fs::remove_file(&path).ok();
    }
    eprintln!("synthetic: {differ} records differ in all");
}

#[test]
fn icmp_errors_reach_their_flow_in_another_shard() {
    let path = write_temp("icmp.pcap", &synthetic(9, 5_000));
    let recs = run(
        std::slice::from_ref(&path),
        &EngineOptions::default(),
        4,
        false,
    );
    std::fs::remove_file(&path).ok();
    assert!(
        recs.iter()
            .any(|r| r.icmp_event.is_some() && r.key.proto == 17),
        "some UDP flow carries its ICMP error"
    );
}

/// Not a test: writes a large synthetic capture for rough timing of
/// `threads` (`ARGUS_RS_BIG_PCAP=/tmp/big.pcap ARGUS_RS_BIG_PACKETS=3000000
/// cargo test --release -p argus-capture --test sharded -- --ignored write_big`).
#[test]
#[ignore]
fn write_big_capture() {
    let Ok(path) = std::env::var("ARGUS_RS_BIG_PCAP") else {
        return;
    };
    let packets = std::env::var("ARGUS_RS_BIG_PACKETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000_000);
    std::fs::write(&path, generate(42, packets, 3000, 200)).unwrap();
}

/// [`shard::fast_route`] (no decode) names the shard [`shard::route`] names
/// after a full decode, on every frame it takes, for every option that
/// changes keys; and it takes most frames of ordinary traffic.
#[test]
fn fast_route_agrees_with_the_decoded_route() {
    use argus_capture::CaptureReader;
    use argus_core::decode::{self, Decoded};
    use argus_core::flow::shard;
    let mut files: Vec<String> = corpus_dir()
        .map(|d| corpus_files(&d).iter().map(|p| s(p)).collect())
        .unwrap_or_default();
    let synth = write_temp("route.pcap", &synthetic(5, 20_000));
    files.push(synth.clone());
    let variants = [
        EngineOptions::default(),
        EngineOptions {
            unidirectional: true,
            ..EngineOptions::default()
        },
        EngineOptions {
            flow_key: FlowKeyBits::LAYER_3_MATRIX,
            ..EngineOptions::default()
        },
    ];
    let (mut taken, mut all) = (0usize, 0usize);
    let mut d = Decoded::default();
    for f in &files {
        let Ok(mut r) = CaptureReader::open(f) else {
            continue;
        };
        let mut i = 0usize;
        while let Ok(Some(pkt)) = r.next_packet() {
            i += 1;
            let res = decode::decode(&pkt, &mut d);
            for opts in &variants {
                for n in [2, 3] {
                    let Some(fast) = shard::fast_route(&pkt, opts, n) else {
                        continue;
                    };
                    let full = if res.is_ok() {
                        shard::route(&d, opts, n)
                    } else {
                        (0, None)
                    };
                    assert_eq!((fast, None), full, "{f}: frame {i}, {n} shards");
                }
            }
            all += 1;
            taken += usize::from(shard::fast_route(&pkt, &variants[0], 2).is_some());
        }
    }
    std::fs::remove_file(&synth).ok();
    eprintln!("fast route: {taken} of {all} frames");
    assert!(taken * 2 > all, "fast route took {taken} of {all} frames");
}

/// A Write into a shared buffer, for a sensor output.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// With two threads the sensor writes the FARs its shards encoded: the
/// same bytes (TCP_INIT windows from the records before them included) as
/// its writer encoding the same records in the same order itself.
#[test]
fn records_encoded_by_the_shards_are_the_writers_bytes() {
    use argus_capture::sensor::{Output, Sensor, SensorConfig};
    use argus_format::SensorWriter;
    use argus_format::map::WriteOptions;
    use argus_format::mar::{MarCounters, write_mar_start};
    let path = write_temp("encoded.pcap", &synthetic(7, 20_000));
    let mut paths = vec![path.clone()];
    if let Some(dir) = corpus_dir() {
        paths.extend(corpus_files(&dir).iter().take(40).map(|p| s(p)));
    }
    let opts = EngineOptions::default();
    let write = WriteOptions::from_engine(&opts);
    let mut expected = Vec::new();
    let mut writer = SensorWriter::new(write.clone());
    for r in run(&paths, &opts, 2, false) {
        writer.flow(&r, &mut expected);
    }
    let sink = Shared::default();
    let out = Output::to_sink("out", Box::new(sink.clone()), None);
    let cfg = SensorConfig {
        write,
        srcid: 0,
        mar_interval: std::time::Duration::ZERO,
        status_interval_sec: 5,
    };
    let pipeline = Pipeline::new(paths, opts).with_threads(2, false);
    Sensor::start(pipeline, vec![out], cfg)
        .and_then(Sensor::finish)
        .unwrap();
    std::fs::remove_file(&path).ok();
    let got = sink.0.lock().unwrap().clone();
    let mut mar = Vec::new();
    write_mar_start(&MarCounters::default(), &mut mar);
    assert!(got.len() > expected.len() + mar.len(), "records written");
    assert!(
        got[mar.len()..mar.len() + expected.len()] == expected[..],
        "encoded by the shards differs from the writer's bytes"
    );
}

/// Records (all fields, sequence numbers included, in output order) and
/// errors of a sharded run, the shards walking the mapped files or fed by
/// the reading thread.
fn run_fed_or_walking(
    paths: &[String],
    opts: &EngineOptions,
    threads: usize,
    ordered: bool,
    walk: bool,
) -> (Vec<String>, Vec<String>) {
    let mut p = Pipeline::new(paths.to_vec(), opts.clone())
        .with_threads(threads, ordered)
        .with_mapped_walk(walk);
    let mut out = Vec::new();
    while p.fill(1000, 10_000) != argus_capture::Fill::Done {
        p.take_records(&mut out, usize::MAX);
    }
    take_all(&mut p, &mut out);
    let st = p.stats();
    assert_eq!(
        st.records as usize,
        out.len(),
        "{paths:?} walk {walk}: records counted"
    );
    let recs = out.iter().map(|r| format!("{r:?}")).collect();
    (recs, p.errors().to_vec())
}

fn assert_walk_same(
    name: &str,
    paths: &[String],
    opts: &EngineOptions,
    threads: usize,
    ordered: bool,
) {
    let fed = run_fed_or_walking(paths, opts, threads, ordered, false);
    let walked = run_fed_or_walking(paths, opts, threads, ordered, true);
    assert_eq!(fed.1, walked.1, "{name}: errors");
    assert_eq!(fed.0.len(), walked.0.len(), "{name}: record count");
    for (i, (a, b)) in fed.0.iter().zip(&walked.0).enumerate() {
        assert_eq!(a, b, "{name}: record {i}");
    }
}

/// Shards that walk the mapped capture themselves make the records of
/// shards fed by a reading thread, in the same order with the same
/// sequence numbers: every corpus file (those that cannot be mapped, e.g.
/// pcapng or gzip, are read as before), all files in one table, ordered.
#[test]
fn walking_shards_equal_fed_shards_on_the_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let opts = EngineOptions::default();
    let files: Vec<String> = corpus_files(&dir).iter().map(|f| s(f)).collect();
    for f in &files {
        assert_walk_same(f, std::slice::from_ref(f), &opts, 2, false);
    }
    // one table over the plain pcap files (every input must map to walk)
    let plain: Vec<String> = files
        .iter()
        .filter(|f| argus_capture::mapped::MappedPcap::open(f).is_some())
        .cloned()
        .collect();
    assert!(plain.len() > 100, "most corpus files are plain pcap");
    assert_walk_same("corpus, one table, 3 threads", &plain, &opts, 3, false);
    assert_walk_same("corpus, one table, ordered", &plain, &opts, 2, true);
}

/// Same on synthetic captures that cross shards (ICMP errors, fragments,
/// timeouts), with short timers, 2 and 4 shards; and a truncated file:
/// the walk stops at the bad record with the reader's error.
#[test]
fn walking_shards_equal_fed_shards_on_synthetic_captures() {
    let short = EngineOptions {
        status_interval_usec: USEC,
        ip_timeout_usec: 2 * USEC,
        icmp_timeout_usec: USEC,
        frag_timeout_usec: USEC,
        tcp_timeout_usec: 3 * USEC,
        ..EngineOptions::default()
    };
    let bytes = synthetic(5, 30_000);
    let path = write_temp("walk.pcap", &bytes);
    let cut = write_temp("walk-cut.pcap", &bytes[..bytes.len() / 2]);
    let both = [path.clone(), cut.clone()];
    for threads in [2, 4] {
        assert_walk_same(
            "synthetic",
            std::slice::from_ref(&path),
            &short,
            threads,
            false,
        );
        assert_walk_same(
            "synthetic ordered",
            std::slice::from_ref(&path),
            &short,
            threads,
            true,
        );
    }
    let (_, errors) = run_fed_or_walking(std::slice::from_ref(&cut), &short, 2, false, true);
    assert_eq!(
        errors.len(),
        1,
        "the truncated record is reported once: {errors:?}"
    );
    assert_walk_same("truncated then whole", &both, &short, 2, false);
    std::fs::remove_file(&path).ok();
    std::fs::remove_file(&cut).ok();
}

/// A shutdown while the shards walk: every flow comes out (cause
/// SHUTDOWN), nothing hangs, the counters match the records.
#[test]
fn walking_shards_shut_down() {
    let path = write_temp("walk-stop.pcap", &synthetic(6, 100_000));
    let mut p = Pipeline::new(vec![path.clone()], EngineOptions::default()).with_threads(2, false);
    let mut out = Vec::new();
    p.fill(usize::MAX, 5_000);
    p.shutdown();
    while p.fill(1000, 10_000) != argus_capture::Fill::Done {
        p.take_records(&mut out, usize::MAX);
    }
    take_all(&mut p, &mut out);
    std::fs::remove_file(&path).ok();
    assert_eq!(p.stats().records as usize, out.len());
    assert!(
        out.iter()
            .any(|r| format!("{:?}", r.cause).contains("Shutdown"))
    );
    assert!(p.stats().packets < 100_000, "stopped early");
}

/// Every pending record (a take into an empty vector hands over one
/// shard's chunk at a time).
fn take_all(p: &mut Pipeline, out: &mut Vec<FlowRecord>) {
    loop {
        let had = out.len();
        p.take_records(out, usize::MAX);
        if out.len() == had {
            return;
        }
    }
}
