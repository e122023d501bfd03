//! Prints what the reader makes of every corpus file (run with --nocapture
//! --ignored); a tool for comparing with tcpdump, not a check.

mod common;

use argus_capture::CaptureReader;
use common::{corpus_dir, drain};

#[test]
#[ignore]
fn corpus_report() {
    let Some(dir) = corpus_dir() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "SOURCES.md" {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let rel = f.strip_prefix(&dir).unwrap().display().to_string();
        match CaptureReader::open(f.to_str().unwrap()) {
            Err(e) => println!("{rel} | open error: {}", e.message),
            Ok(r) => {
                let o = drain(r);
                let first = o.packets.first().map(|p| (p.ts_usec, p.linktype.0));
                println!(
                    "{rel} | {} | first {:?} | {}",
                    o.packets.len(),
                    first,
                    o.error
                        .map(|e| format!("error at {}: {}", e.offset, e.message))
                        .unwrap_or_default()
                );
            }
        }
    }
}
