//! Files we write, read by the real `ra` 3.0.8.2, print the same flows as
//! files the real `argus` writes for the same capture.

mod common;

use argus_core::options::EngineOptions;
use argus_format::WriteOptions;
use common::*;
use std::path::Path;

/// Why some captures still differ through ra: the engine's FlowRecord holds a
/// different value for these fields than real argus (not a format matter).
/// Those fields are left out of the comparison for those captures only;
/// everything else must still be identical.
const IPV6_TOS: &str = "IPv6 sTos/dTos: argus 3.0.8.2 takes them from flow-label bits \
    ((ntohs(ip6_flow >> 16) >> 4) & 0xff of the LE-read word), the engine from the traffic class";
const TCP_ORDER: &str =
    "TCP out-of-order status bits (flgs 'i'/'r') differ in the engine's TCP model";
const WSCALE: &str = "FlowRecord keeps only the scaled window (shift capped at 14); argus shifts by the \
    raw option value (ra shows win << winshift)";

const V6FRAG: &str = "the engine keys IPv6 non-first fragments as ordinary IPv6 flows and \
    FlowRecord does not say a flow is made of fragments (argus writes its fragment object: flgs 'f')";
const V6AH: &str = "the engine does not record the AH encapsulation of IPv6 packets (flgs '*')";

const KNOWN: &[(&str, &[&str], &str)] = &[
    ("ipv6/AH-IPcomp-IPv6.pcap", &["flgs"], V6AH),
    ("ipv6/ipv6_ah_modes.pcap", &["flgs"], V6AH),
    ("ipv6/ip6_fragments.pcap", &["flgs"], V6FRAG),
    ("ipv6/ipv6-fragmented-dns.pcap", &["flgs"], V6FRAG),
    (
        "ipv6/dns_fragmented.pcap",
        &["flgs", "stos", "dtos"],
        V6FRAG,
    ),
    ("ipv6/frag-1.pcap", &["flgs", "stos", "dtos"], V6FRAG),
    (
        "ipv6/ipv6_opt_fragments.pcap",
        &["flgs", "stos", "dtos"],
        V6FRAG,
    ),
    ("basic/dns-edns-ecs.pcap", &["stos", "dtos"], IPV6_TOS),
    ("basic/gateway_or_not.pcap", &["stos", "dtos"], IPV6_TOS),
    ("ipv6/dhcpv6-mud.pcap", &["stos", "dtos"], IPV6_TOS),
    ("ipv6/icmp6-nd-options.pcap", &["stos", "dtos"], IPV6_TOS),
    ("ipv6/ipv6.pcap", &["stos", "dtos"], IPV6_TOS),
    (
        "ipv6/pim-packet-assortment.pcap",
        &["stos", "dtos"],
        IPV6_TOS,
    ),
    ("ipv6/tcp_ipv6_ecn.pcap", &["stos", "dtos"], IPV6_TOS),
    ("basic/example2.pcap", &["flgs"], TCP_ORDER),
    ("basic/ipv4.pcap", &["flgs"], TCP_ORDER),
    ("basic/smtp.pcap", &["flgs"], TCP_ORDER),
    ("basic/var-services-std-ports.pcap", &["flgs"], TCP_ORDER),
    ("tcp/window-scale-range.pcap", &["swin"], WSCALE),
];

/// Lines with the given fields blanked.
fn masked(lines: &[String], fields: &[&str]) -> Vec<String> {
    let idx: Vec<usize> = fields
        .iter()
        .filter_map(|f| FIELDS.iter().position(|x| x == f))
        .collect();
    let mut v: Vec<String> = lines
        .iter()
        .map(|l| {
            l.split(',')
                .enumerate()
                .map(|(i, c)| if idx.contains(&i) { "" } else { c })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    v.sort();
    v
}

fn captures(dir: &Path) -> Vec<String> {
    let skip = known_engine_deviations();
    let mut v = Vec::new();
    for sub in ["basic", "tcp", "ipv6"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = format!("{sub}/{}", e.file_name().to_string_lossy());
            if (name.ends_with(".pcap") || name.ends_with(".pcapng")) && !skip.contains(&name) {
                v.push(name);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn real_ra_prints_our_files_as_real_argus_files() {
    if let Some(why) = oracle_missing() {
        println!("skipped: {why}");
        return;
    }
    let Some(dir) = corpus_dir() else {
        println!("skipped: no shared/pcaps corpus");
        return;
    };
    let tmp = scratch("ra-compat");
    let opts = EngineOptions::default();
    let w = WriteOptions::from_engine(&opts);
    let (mut same, mut differ, mut no_oracle) = (Vec::new(), Vec::new(), Vec::new());
    let mut same_but = Vec::new();
    for rel in captures(&dir) {
        let pcap = dir.join(&rel);
        let stem = rel.replace('/', "_");
        let Some(real) = real_argus(&pcap, &tmp.join(format!("{stem}.real")), &[]) else {
            no_oracle.push(rel);
            continue;
        };
        let Some(theirs) = ra_lines(&real) else {
            no_oracle.push(rel);
            continue;
        };
        let ours_file = tmp.join(format!("{stem}.ours"));
        std::fs::write(&ours_file, our_stream(&our_records(&pcap, &opts), &w)).unwrap();
        let ours = ra_lines(&ours_file).unwrap_or_else(|| panic!("{rel}: ra rejects our file"));
        let (only_ours, only_theirs) = diff(&ours, &theirs);
        if only_ours.is_empty() && only_theirs.is_empty() {
            same.push(rel);
            continue;
        }
        let known = KNOWN.iter().find(|k| k.0 == rel);
        if let Some((_, fields, why)) = known {
            let (a, b) = diff(&masked(&ours, fields), &masked(&theirs, fields));
            if a.is_empty() && b.is_empty() {
                println!("KNOWN {rel}: identical but for {fields:?} ({why})");
                same_but.push(rel);
                continue;
            }
        }
        {
            println!("DIFF {rel}");
            for l in only_ours.iter().take(4) {
                println!("   ours   {l}");
            }
            for l in only_theirs.iter().take(4) {
                println!("   theirs {l}");
            }
            differ.push(rel);
        }
    }
    println!(
        "{} captures identical through real ra, {} identical but for known engine fields, \
         {} differ, {} without oracle output",
        same.len(),
        same_but.len(),
        differ.len(),
        no_oracle.len()
    );
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(differ.is_empty(), "differ: {differ:?}");
}
