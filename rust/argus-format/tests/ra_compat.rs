//! Files we write, read by the real `ra` 3.0.8.2, print the same flows as
//! files the real `argus` writes for the same capture.

mod common;

use argus_core::options::EngineOptions;
use argus_format::WriteOptions;
use common::*;
use std::path::Path;

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
        } else {
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
        "{} captures identical through real ra, {} differ, {} without oracle output",
        same.len(),
        differ.len(),
        no_oracle.len()
    );
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(differ.is_empty(), "differ: {differ:?}");
}
