//! capwalk: the bare walk over a capture, the benchmark's limit.
//!
//! ```text
//! capwalk [--decode] FILE...
//! ```
//!
//! Reads every packet with the engine's own reader (`argus_capture::CaptureReader`)
//! and touches its bytes; `--decode` also runs the packet decoder
//! (`argus_core::decode::decode`) on each, without any flow table. Prints one
//! JSON line: packets, wire bytes, decoded packets.

use std::process::ExitCode;

use argus_capture::CaptureReader;
use argus_core::decode::{Decoded, decode};

fn main() -> ExitCode {
    let mut do_decode = false;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--decode" {
            do_decode = true;
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: capwalk [--decode] FILE...");
        return ExitCode::from(2);
    }
    let (mut packets, mut bytes, mut decoded, mut check) = (0u64, 0u64, 0u64, 0u64);
    let mut d = Decoded::default();
    for path in &files {
        let mut r = match CaptureReader::open(path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("capwalk: {e}");
                return ExitCode::FAILURE;
            }
        };
        loop {
            match r.next_packet() {
                Ok(Some(p)) => {
                    packets += 1;
                    bytes += p.wire_len as u64;
                    check = check.wrapping_add(p.data.first().copied().unwrap_or(0) as u64);
                    if do_decode && decode(&p, &mut d).is_ok() {
                        decoded += d.is_ip() as u64;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    eprintln!("capwalk: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    println!(
        "{{\"packets\": {packets}, \"bytes\": {bytes}, \"decoded_ip\": {decoded}, \"check\": {check}}}"
    );
    ExitCode::SUCCESS
}
