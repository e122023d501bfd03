//! Shared helpers: corpus location, our records for a capture, real argus
//! and real ra as the oracle.

#![allow(dead_code)]

use argus_capture::{Fill, Pipeline};
use argus_core::options::EngineOptions;
use argus_core::record::FlowRecord;
use argus_format::{MarCounters, SensorCounts, SensorWriter, WriteOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const RA: &str = "/usr/bin/ra";
pub const ARGUS: &str = "/usr/sbin/argus";

/// The ra fields compared (the brief's list).
pub const FIELDS: &[&str] = &[
    "stime",
    "ltime",
    "flgs",
    "proto",
    "saddr",
    "sport",
    "dir",
    "daddr",
    "dport",
    "spkts",
    "dpkts",
    "sbytes",
    "dbytes",
    "sappbytes",
    "dappbytes",
    "state",
    "sttl",
    "dttl",
    "stos",
    "dtos",
    "swin",
    "dwin",
    "cause",
    "seq",
];

pub fn corpus_dir() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let d = here.join("../../../shared/pcaps");
    d.is_dir().then_some(d)
}

/// Why the real tools cannot be used, if they cannot.
pub fn oracle_missing() -> Option<String> {
    for t in [RA, ARGUS] {
        if !Path::new(t).exists() {
            return Some(format!("{t} is not installed"));
        }
    }
    None
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("argus-format-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Our engine's records for one capture.
pub fn our_records(pcap: &Path, opts: &EngineOptions) -> Vec<FlowRecord> {
    let mut p = Pipeline::new(vec![pcap.to_string_lossy().into_owned()], opts.clone());
    let mut out = Vec::new();
    loop {
        let f = p.fill(4096, 100_000);
        p.take_records(&mut out, usize::MAX);
        if f == Fill::Done {
            break;
        }
    }
    out
}

/// A whole stream: START MAR, the records, STOP MAR.
pub fn our_stream(recs: &[FlowRecord], w: &WriteOptions) -> Vec<u8> {
    let t0 = recs.iter().map(|r| r.stime).min().unwrap_or(0);
    let t1 = recs.iter().map(|r| r.ltime).max().unwrap_or(0);
    let c = MarCounters {
        start_usec: t0,
        now_usec: t0,
        report_interval_sec: 5,
        mar_interval_sec: 60,
        ..MarCounters::default()
    };
    let mut out = Vec::new();
    let mut sw = SensorWriter::new(w.clone());
    sw.start(&c, &mut out);
    for r in recs {
        sw.flow(r, &mut out);
    }
    let stop = MarCounters {
        now_usec: t1,
        counts: SensorCounts {
            records: recs.len() as u32,
            ..c.counts
        },
        next_seq: recs.iter().map(|r| r.seq).max().unwrap_or(0),
        ..c
    };
    sw.stop(&stop, &mut out);
    out
}

/// Run real argus on a capture; the output file, or None if it fails.
pub fn real_argus(pcap: &Path, out: &Path, extra: &[&str]) -> Option<PathBuf> {
    let _ = std::fs::remove_file(out);
    let st = Command::new(ARGUS)
        .arg("-X")
        .args(extra)
        .arg("-r")
        .arg(pcap)
        .arg("-w")
        .arg(out)
        .output()
        .ok()?;
    (st.status.success() && out.exists()).then(|| out.to_path_buf())
}

/// ra's lines for an argus file (header dropped), sorted; None if ra fails.
pub fn ra_lines(file: &Path) -> Option<Vec<String>> {
    let out = Command::new(RA)
        .args(["-X", "-n", "-u", "-p", "6", "-c", ",", "-r"])
        .arg(file)
        .arg("-s")
        .args(FIELDS)
        .output()
        .ok()?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::trim).collect::<Vec<_>>().join(","))
        .collect();
    v.sort();
    Some(v)
}

/// Lines only in `a`, and only in `b` (multiset difference; both sorted).
pub fn diff(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_a.push(x.clone());
                i += 1;
            }
            (Some(_), Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (Some(x), None) => {
                only_a.push(x.clone());
                i += 1;
            }
            (None, Some(y)) => {
                only_b.push(y.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    (only_a, only_b)
}

/// Captures listed in docs/compat-captures.txt (our engine differs there anyway).
pub fn known_engine_deviations() -> Vec<String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(here.join("../../docs/compat-captures.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}
