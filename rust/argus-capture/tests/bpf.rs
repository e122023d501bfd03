//! The BPF input filter against the real tools: what passes must be exactly
//! what `tcpdump -r FILE FILTER` lets through (same packets, same order), on
//! captures of several link types, and a filtered pipeline must make the
//! flows real `argus -r FILE - FILTER` makes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use argus_capture::{CaptureReader, Fill, PacketFilter, Pipeline};
use argus_core::options::EngineOptions;
use argus_core::record::FlowRecord;
use argus_core::render;
use common::{Pkt, corpus_dir, drain};

const TCPDUMP: &str = "/usr/bin/tcpdump";
const ARGUS: &str = "/usr/sbin/argus";
const RA: &str = "/usr/bin/ra";

/// The corpus, when it and the named tools are there (else the test says
/// why it is skipped).
fn setup(tools: &[&str]) -> Option<PathBuf> {
    let dir = corpus_dir()?;
    for t in tools {
        if !Path::new(t).exists() {
            eprintln!("skipping: {t} is not installed");
            return None;
        }
    }
    Some(dir)
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("argus-capture-bpf-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// What tcpdump lets through: the packets it writes with `-w`, read back,
/// or its error message (without the `tcpdump: ` prefix).
fn tcpdump_filtered(
    file: &Path,
    expr: &str,
    optimize: bool,
    tmp: &Path,
) -> Result<Vec<Pkt>, String> {
    let out = tmp.join("tcpdump.pcap");
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new(TCPDUMP);
    if !optimize {
        cmd.arg("-O");
    }
    let res = cmd
        .arg("-r")
        .arg(file)
        .arg("-w")
        .arg(&out)
        .arg(expr)
        .output()
        .expect("run tcpdump");
    if !res.status.success() {
        let err = String::from_utf8_lossy(&res.stderr);
        let line = err
            .lines()
            .rfind(|l| l.starts_with("tcpdump: "))
            .unwrap_or("");
        return Err(line.trim_start_matches("tcpdump: ").to_string());
    }
    let reader = CaptureReader::open(out.to_str().unwrap()).expect("tcpdump's output");
    let outcome = drain(reader);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    Ok(outcome.packets)
}

/// `tcpdump -r FILE -nn FILTER | wc -l`, counting only the lines that start
/// a packet (with `-tt`, a time stamp): some printers (CDP, for one) add
/// continuation lines, which a plain `wc -l` would count too.
fn tcpdump_lines(file: &Path, expr: &str) -> usize {
    let res = Command::new(TCPDUMP)
        .args(["-nn", "-tt", "-r"])
        .arg(file)
        .arg(expr)
        .output()
        .expect("run tcpdump");
    let starts_packet = |l: &str| {
        let stamp = l.split(' ').next().unwrap_or("");
        stamp.split_once('.').is_some_and(|(s, us)| {
            !s.is_empty()
                && us.len() == 6
                && (s.to_owned() + us).bytes().all(|b| b.is_ascii_digit())
        })
    };
    String::from_utf8_lossy(&res.stdout)
        .lines()
        .filter(|l| starts_packet(l))
        .count()
}

/// What our filter lets through, or its error.
fn ours(file: &Path, filter: &mut PacketFilter) -> Result<Vec<Pkt>, String> {
    let mut reader = CaptureReader::open(file.to_str().unwrap()).expect("open");
    let mut kept = Vec::new();
    while let Some(p) = reader.next_packet().expect("read") {
        if filter.matches(p.linktype.0, p.data, p.wire_len)? {
            kept.push(Pkt {
                ts_usec: p.ts_usec,
                wire_len: p.wire_len,
                linktype: p.linktype,
                data: p.data.to_vec(),
            });
        }
    }
    Ok(kept)
}

/// Captures (link types Ethernet, raw IP, Linux SLL, SLL2, BSD loopback,
/// Ethernet with snaplen 96, pcapng) and an address present in each.
const CAPTURES: &[(&str, &str)] = &[
    ("basic/example2.pcap", "173.192.82.194"),
    ("basic/wikipedia.pcap", "141.142.220.50"),
    ("linktypes/raw_ip.pcap", "2001:618:1:8000::5"),
    ("linktypes/KakaoTalk_chat.pcap", "10.188.1.1"),
    ("linktypes/linux_dlt_sll2.pcap", "192.0.2.1"),
    ("linktypes/rdp.pcap", "192.168.2.142"),
    ("format/tcp.pcap", "66.35.250.204"),
    ("pcapng/quic-33.pcapng", "::1"),
    ("encap/mixed-vlan-mpls.pcap", "10.0.0.15"),
];

const FILTERS: &[&str] = &[
    "tcp",
    "udp and port 53",
    "host {}",
    "not arp",
    "greater 200",
    "less 100",
    "len >= 1000",
    "vlan",
    "vlan and host {}",
    "ip6",
    "tcp[tcpflags] & tcp-syn != 0",
    "ether host 00:11:22:33:44:55",
];

#[test]
fn filters_pass_what_tcpdump_passes() {
    let Some(dir) = setup(&[TCPDUMP]) else { return };
    let tmp = scratch("tcpdump");
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let mut compared = 0;
    for (name, host) in CAPTURES {
        let file = dir.join(name);
        let mut row = Vec::new();
        for template in FILTERS {
            let expr = template.replace("{}", host);
            for optimize in [true, false] {
                let mut filter = PacketFilter::with_optimizer(&expr, optimize)
                    .unwrap_or_else(|e| panic!("{expr}: {e}"));
                let got = ours(&file, &mut filter);
                let want = tcpdump_filtered(&file, &expr, optimize, &tmp);
                match (&got, &want) {
                    (Ok(g), Ok(w)) => {
                        assert_eq!(g.len(), w.len(), "{name} `{expr}` -O={}", !optimize);
                        assert!(g == w, "{name} `{expr}`: not the same packets as tcpdump");
                        if optimize {
                            // The brief's oracle too: one line per packet.
                            assert_eq!(g.len(), tcpdump_lines(&file, &expr), "{name} `{expr}`");
                            row.push(format!("{expr}={}", g.len()));
                            *totals.entry(template).or_default() += g.len();
                        }
                    }
                    (Err(g), Err(w)) => {
                        assert!(
                            g.ends_with(w.as_str()),
                            "{name} `{expr}`: ours {g:?}, tcpdump {w:?}"
                        );
                        assert!(g.contains(&format!("\"{expr}\"")), "{g}");
                        if optimize {
                            row.push(format!("{expr}=error"));
                        }
                    }
                    _ => panic!("{name} `{expr}`: ours {got:?}, tcpdump {want:?}"),
                }
                compared += 1;
            }
        }
        eprintln!("{name}: {}", row.join(", "));
    }
    eprintln!("{compared} comparisons; packets passed over all captures: {totals:?}");
    // Not vacuous: every filter except the made-up MAC passed packets somewhere.
    for template in FILTERS.iter().filter(|f| !f.starts_with("ether host")) {
        assert!(
            totals.get(template).copied().unwrap_or(0) > 0,
            "{template} never matched"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn length_primitives_see_the_wire_length() {
    // format/tcp.pcap was captured with snaplen 96: no captured slice is
    // longer than 200 bytes, but some packets were.
    let Some(dir) = setup(&[TCPDUMP]) else { return };
    let file = dir.join("format/tcp.pcap");
    let tmp = scratch("wirelen");
    let all = drain(CaptureReader::open(file.to_str().unwrap()).unwrap()).packets;
    assert!(all.iter().all(|p| p.data.len() <= 96));
    for expr in ["greater 200", "len > 500", "less 100"] {
        let mut f = PacketFilter::new(expr).unwrap();
        let got = ours(&file, &mut f).unwrap();
        let want = tcpdump_filtered(&file, expr, true, &tmp).unwrap();
        assert!(
            got == want,
            "{expr}: {} vs tcpdump {}",
            got.len(),
            want.len()
        );
        let by_wire = all.iter().filter(|p| match expr {
            "greater 200" => p.wire_len >= 200,
            "len > 500" => p.wire_len > 500,
            _ => p.wire_len <= 100,
        });
        assert_eq!(got.len(), by_wire.count(), "{expr}");
    }
    let big = ours(&file, &mut PacketFilter::new("greater 200").unwrap()).unwrap();
    assert!(
        !big.is_empty(),
        "the capture has packets longer than 200 bytes on the wire"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn wire_length_of_a_synthetic_frame() {
    // 60 captured bytes of a 1514-byte Ethernet/IPv4/TCP frame.
    let mut frame = vec![0u8; 60];
    frame[12] = 0x08; // ethertype IPv4
    frame[14] = 0x45;
    frame[23] = 6; // TCP
    let mut f = PacketFilter::new("tcp and greater 1000").unwrap();
    assert!(f.matches(1, &frame, 1514).unwrap());
    assert!(!f.matches(1, &frame, 60).unwrap());
    let mut f = PacketFilter::new("len = 1514").unwrap();
    assert!(f.matches(1, &frame, 1514).unwrap());
    let mut f = PacketFilter::new("less 100").unwrap();
    assert!(!f.matches(1, &frame, 1514).unwrap());
    // A load past the captured bytes rejects the packet (libpcap's
    // interpreter checks against the captured length, not the wire length).
    let mut f = PacketFilter::new("tcp[100] = 0").unwrap();
    assert!(!f.matches(1, &frame, 1514).unwrap());
    // Nothing captured at all.
    let mut f = PacketFilter::new("greater 10").unwrap();
    assert!(f.matches(1, &[], 1514).unwrap());
    assert!(
        !PacketFilter::new("tcp")
            .unwrap()
            .matches(1, &[], 1514)
            .unwrap()
    );
}

#[test]
fn bad_expressions_give_libpcaps_message() {
    let tcpdump = Path::new(TCPDUMP).exists();
    let dir = corpus_dir();
    for expr in [
        "tcp and port x",
        "tcp and",
        "host 1.2.3.4.5",
        "ether host 1:2:3",
        "frobnicate",
        "port 99999",
        "(tcp",
    ] {
        let err = PacketFilter::new(expr).expect_err(expr);
        assert!(
            err.starts_with(&format!("bad filter \"{expr}\": ")),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err:?}");
        assert!(
            err.len() > format!("bad filter \"{expr}\": ").len(),
            "{err}"
        );
        eprintln!("{err}");
        if let (true, Some(dir)) = (tcpdump, &dir) {
            let tmp = scratch("bad");
            let file = dir.join("basic/wikipedia.pcap");
            let want = tcpdump_filtered(&file, expr, true, &tmp).expect_err(expr);
            assert!(err.ends_with(&want), "ours {err:?}, tcpdump {want:?}");
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let err = PacketFilter::new("tcp\0udp").expect_err("NUL");
    assert!(err.starts_with("bad filter \"tcp\\0udp\": "), "{err}");
    // An empty expression is libpcap's "accept everything".
    let mut all = PacketFilter::new("").unwrap();
    assert!(all.matches(1, &[0u8; 14], 14).unwrap());
    assert!(all.matches(101, &[0x45], 20).unwrap());
}

#[test]
fn link_type_errors_are_reported_once_per_link_type() {
    let mut f = PacketFilter::new("ether host 00:11:22:33:44:55").unwrap();
    let ip = [
        0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    let e1 = f
        .matches(101, &ip, 20)
        .expect_err("no Ethernet header on raw IP");
    assert!(e1.contains("RAW (101)"), "{e1}");
    assert!(e1.contains("ethernet addresses supported only on"), "{e1}");
    assert_eq!(f.compile_for(101).unwrap_err(), e1);
    // Ethernet still works, and SLL has its own program.
    assert!(!f.matches(1, &[0u8; 60], 60).unwrap());
    assert!(f.compile_for(113).is_err());
    assert!(f.compile_for(1).is_ok());
    assert_eq!(f.expression(), "ether host 00:11:22:33:44:55");
    assert!(f.optimizer());
    // An unknown link type.
    let mut f = PacketFilter::new("tcp").unwrap();
    let e = f.compile_for(65000).unwrap_err();
    assert!(e.contains("LINKTYPE 65000"), "{e}");
}

fn run(pipeline: &mut Pipeline) -> Vec<FlowRecord> {
    let mut out = Vec::new();
    loop {
        let fill = pipeline.fill(4096, 10_000);
        pipeline.take_records(&mut out, usize::MAX);
        if fill == Fill::Done {
            return out;
        }
    }
}

#[test]
fn pipeline_skips_files_the_filter_cannot_apply_to() {
    let Some(dir) = corpus_dir() else { return };
    let raw = dir.join("linktypes/raw_ip.pcap");
    let eth = dir.join("basic/wikipedia.pcap");
    let paths = vec![
        raw.to_str().unwrap().to_string(),
        eth.to_str().unwrap().to_string(),
    ];
    let filter = PacketFilter::new("ether src 00:00:00:00:00:00 or tcp").unwrap();
    let mut p = Pipeline::new(paths, EngineOptions::default()).with_filter(filter);
    assert!(p.filter().is_some());
    let recs = run(&mut p);
    assert_eq!(p.errors().len(), 1, "{:?}", p.errors());
    let e = &p.errors()[0];
    assert!(e.starts_with(raw.to_str().unwrap()), "{e}");
    assert!(
        e.contains("RAW (101)") && e.contains("ethernet addresses"),
        "{e}"
    );
    assert!(!e.contains('\n'));
    assert_eq!(p.files_read(), 1);
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| render::proto(r) == "tcp"));
}

#[test]
fn pipeline_stops_a_file_at_an_interface_the_filter_cannot_apply_to() {
    // Ethernet interface first, then Linux SLL packets: the filter compiles
    // at opening, and fails at the first SLL packet.
    let Some(dir) = corpus_dir() else { return };
    let file = dir.join("pcapng/pcapng-example.pcapng");
    let name = file.to_str().unwrap().to_string();
    let first_sll = drain(CaptureReader::open(&name).unwrap())
        .packets
        .iter()
        .position(|p| p.linktype.0 == 113)
        .expect("an SLL packet");
    assert!(first_sll > 0);
    let filter = PacketFilter::new("ether src 00:00:00:00:00:00 or ip").unwrap();
    let mut p = Pipeline::new(vec![name.clone()], EngineOptions::default()).with_filter(filter);
    run(&mut p);
    assert_eq!(p.errors().len(), 1, "{:?}", p.errors());
    let e = &p.errors()[0];
    assert!(e.starts_with(&format!("{name}: byte offset ")), "{e}");
    assert!(e.contains("LINUX_SLL (113)"), "{e}");
    assert_eq!(p.files_read(), 1);
    // The Ethernet packets before it went through the filter (only IPv4).
    let ip_before = drain(CaptureReader::open(&name).unwrap()).packets[..first_sll]
        .iter()
        .filter(|p| p.data.get(12..14) == Some(&[0x08, 0x00][..]))
        .count() as u64;
    assert!(ip_before > 0);
    assert_eq!(p.stats().packets, ip_before);
    eprintln!("{e}");
}

/// `proto saddr sport daddr dport spkts dpkts` as `ra -n -c ,` prints them.
fn render_line(r: &FlowRecord) -> String {
    let r = render::corrected(r);
    let (sport, dport) = render::ports(&r);
    let line = format!(
        "{},{},{},{},{},{},{}",
        render::proto(&r),
        render::saddr(&r),
        sport.unwrap_or_default(),
        render::daddr(&r),
        dport.unwrap_or_default(),
        r.src.pkts,
        r.dst.pkts
    );
    canonical(&line)
}

/// A line with its endpoints in a fixed order (and the packet counts
/// swapped with them): which side ra shows as the source depends on its
/// reading-time direction correction, which is not what is tested here.
fn canonical(line: &str) -> String {
    let f: Vec<&str> = line.split(',').collect();
    let (proto, s, d, spkts, dpkts) = (f[0], (f[1], f[2]), (f[3], f[4]), f[5], f[6]);
    if s <= d {
        line.to_string()
    } else {
        [proto, d.0, d.1, s.0, s.1, dpkts, spkts].join(",")
    }
}

/// Real argus with the filter, then ra: the lines, sorted (MARs dropped).
fn real_argus_lines(file: &Path, expr: &str, tmp: &Path) -> Vec<String> {
    let out = tmp.join("out.argus");
    let _ = std::fs::remove_file(&out); // argus appends
    let st = Command::new(ARGUS)
        .arg("-X")
        .arg("-r")
        .arg(file)
        .arg("-w")
        .arg(&out)
        .arg("-")
        .arg(expr)
        .status()
        .expect("run argus");
    assert!(st.success(), "argus failed on {}", file.display());
    let res = Command::new(RA)
        .args(["-n", "-c", ",", "-r"])
        .arg(&out)
        .args([
            "-s", "proto", "saddr", "sport", "daddr", "dport", "spkts", "dpkts",
        ])
        .output()
        .expect("run ra");
    let mut lines: Vec<String> = String::from_utf8_lossy(&res.stdout)
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty() && !l.starts_with("man,"))
        .map(|l| canonical(&l.split(',').map(str::trim).collect::<Vec<_>>().join(",")))
        .collect();
    lines.sort();
    lines
}

#[test]
fn filtered_pipeline_makes_the_flows_real_argus_makes() {
    let Some(dir) = setup(&[TCPDUMP, ARGUS, RA]) else {
        return;
    };
    let tmp = scratch("argus");
    for (name, expr, proto) in [
        ("basic/smtp.pcap", "tcp", "tcp"),
        ("basic/wikipedia.pcap", "tcp", "tcp"),
        ("basic/example2.pcap", "tcp", "tcp"),
        ("linktypes/KakaoTalk_chat.pcap", "tcp", "tcp"),
        ("basic/wikipedia.pcap", "udp and port 53", "udp"),
    ] {
        let file = dir.join(name);
        let mut p = Pipeline::new(
            vec![file.to_str().unwrap().to_string()],
            EngineOptions::default(),
        )
        .with_filter(PacketFilter::new(expr).unwrap());
        let recs = run(&mut p);
        assert!(p.errors().is_empty(), "{:?}", p.errors());
        assert!(!recs.is_empty(), "{name}: no flows");
        assert!(
            recs.iter().all(|r| render::proto(r) == proto),
            "{name}: not only {proto}"
        );

        // The engine saw exactly the packets tcpdump passes, no more: the
        // rejected ones are not counted as read.
        let passed = tcpdump_filtered(&file, expr, true, &tmp).unwrap().len() as u64;
        assert_eq!(p.stats().packets, passed, "{name}");
        let in_flows: u64 = recs.iter().map(FlowRecord::pkts).sum();

        let mut mine: Vec<String> = recs.iter().map(render_line).collect();
        mine.sort();
        let real = real_argus_lines(&file, expr, &tmp);
        let real_pkts: u64 = real
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                f[5].parse::<u64>().unwrap() + f[6].parse::<u64>().unwrap()
            })
            .sum();
        eprintln!(
            "{name} `{expr}`: {} records / {in_flows} packets (argus {} / {real_pkts}), {passed} passed",
            mine.len(),
            real.len()
        );
        assert_eq!(mine, real, "{name} `{expr}`");
        assert_eq!(in_flows, real_pkts);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn filter_and_pipeline_are_send() {
    // The Python binding keeps a Pipeline behind a Mutex in a pyclass.
    fn send<T: Send>() {}
    send::<PacketFilter>();
    send::<Pipeline>();
}
