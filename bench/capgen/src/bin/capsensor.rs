//! capsensor: the offline sensor without Python, for profiling the engine.
//!
//! ```text
//! capsensor [--threads N] [--no-walk] [--out OUT] FILE...
//! ```
//!
//! `--no-walk`: with threads, feed the shards from a reading thread even
//! when they could walk the mapped files themselves (for comparison).
//!
//! Runs what `argus-rs argus -X -r FILE... -w /dev/null` runs in Rust (the
//! capture pipeline with default options, the Argus writer into a sink that
//! drops the bytes, or into OUT), so that callgrind and perf see only the
//! engine. Prints one JSON line: packets, records, bytes written.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use argus_capture::Pipeline;
use argus_capture::sensor::{Output, Sensor, SensorConfig};
use argus_core::options::EngineOptions;
use argus_format::map::WriteOptions;

/// A sink that counts what is written and drops it (as /dev/null, without
/// the syscalls) or passes it on to a file.
struct Counting(Arc<AtomicU64>, Option<BufWriter<File>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        match self.1.as_mut() {
            Some(f) => f.write_all(buf).map(|()| buf.len()),
            None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.1.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    let mut threads = 1usize;
    let mut out_path = None;
    let mut walk = true;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "--out" => out_path = args.next(),
            "--no-walk" => walk = false,
            _ => files.push(a),
        }
    }
    if files.is_empty() || threads == 0 {
        eprintln!("usage: capsensor [--threads N] [--no-walk] [--out OUT] FILE...");
        return ExitCode::from(2);
    }
    let file = match out_path.as_deref().map(File::create).transpose() {
        Ok(f) => f.map(|f| BufWriter::with_capacity(1 << 20, f)),
        Err(e) => {
            eprintln!("capsensor: {}: {e}", out_path.unwrap_or_default());
            return ExitCode::FAILURE;
        }
    };
    let opts = EngineOptions::default();
    let pipeline = Pipeline::new(files, opts.clone())
        .with_threads(threads, false)
        .with_mapped_walk(walk);
    let written = Arc::new(AtomicU64::new(0));
    let out = Output::to_sink("out", Box::new(Counting(written.clone(), file)), None);
    let cfg = SensorConfig {
        write: WriteOptions::from_engine(&opts),
        srcid: 0,
        mar_interval: Duration::from_secs(60),
        status_interval_sec: 5,
    };
    match Sensor::start(pipeline, vec![out], cfg).and_then(Sensor::finish) {
        Ok((report, pipeline)) => {
            for e in pipeline.errors() {
                eprintln!("capsensor: {e}");
            }
            println!(
                "{{\"packets\": {}, \"records\": {}, \"bytes_written\": {}}}",
                pipeline.stats().packets,
                report.records_written.iter().sum::<u64>(),
                written.load(Ordering::Relaxed)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("capsensor: {e}");
            ExitCode::FAILURE
        }
    }
}
