//! `run_radium`: the record relay (reference §4.4). Remote sources (`-S`,
//! reconnected when lost) and record files (`-r`) are merged and relayed,
//! unchanged, to `-w` files (each with its own filter) and to the `-P`
//! server's clients; upstream MARs pass through. Runs with the GIL released
//! except for signal checks.

use crate::remote_in::{Item, forward, spawn_sources};
use crate::remote_out::{serve_settings, wait_for_client};
use argus_capture::argus_file::ArgusFileReader;
use argus_capture::remote::Server;
use argus_capture::sensor::{RecordPredicate, RecordSink};
use argus_format::header::rtype;
use argus_format::map::flow_from_far;
use argus_format::{Far, MarCounters, write_mar_start, write_mar_stop};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, SyncSender};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const WAIT_SLICE: Duration = Duration::from_millis(200);
/// Records relayed to the server per hand-over.
const RELAY_BATCH: usize = 1024;

fn now_usec() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

struct FileOut {
    name: String,
    out: BufWriter<std::fs::File>,
    filter: Option<RecordPredicate>,
}

/// What a radium run did.
#[pyclass(module = "argus_rs._core", get_all)]
pub struct RadiumRun {
    pub errors: Vec<String>,
    pub stats: HashMap<&'static str, u64>,
    pub interrupted: bool,
}

fn read_files(paths: Vec<String>, tx: SyncSender<Item>, stop: Arc<AtomicBool>) {
    for p in paths {
        match ArgusFileReader::open(&p) {
            Ok(mut r) => {
                if !forward(&mut r, &tx, &stop) {
                    return;
                }
            }
            Err(e) => {
                if tx.send(Item::Error(e)).is_err() {
                    return;
                }
            }
        }
    }
}

fn take(
    item: Item,
    batch: &mut Vec<Vec<u8>>,
    errors: &mut Vec<String>,
    counts: &mut (u64, u64, u64),
) {
    match item {
        Item::Record(r) => {
            if r.is_flow() {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
            batch.push(r.bytes);
        }
        Item::Error(e) => errors.push(e),
        Item::Connected => counts.2 += 1,
    }
}

fn predicate(f: &Bound<'_, PyAny>) -> PyResult<RecordPredicate> {
    let compiled = f.cast::<crate::filter::RecordFilter>().map_err(|_| {
        PyValueError::new_err("an output filter must be a RecordFilter (argus_rs.filter.compile)")
    })?;
    let node = compiled.get().node.clone();
    Ok(Box::new(move |r| node.matches(r)))
}

/// Relay `sources` (-S) and `files` (-r) to `outputs` ((file, filter)
/// pairs, appended to) and the server of `serve` (as for `run_sensor`).
/// `filter` is sent to each source as `FILTER:`; `persistent` reconnects
/// lost sources every 5 s (radium's default).
#[pyfunction]
#[pyo3(signature = (sources, files, outputs, serve=None, filter=None, persistent=true, monitor_id=0, connect_timeout=10.0))]
#[allow(clippy::too_many_arguments)]
pub fn run_radium(
    py: Python<'_>,
    sources: Vec<String>,
    files: Vec<String>,
    outputs: Vec<(String, Option<Bound<'_, PyAny>>)>,
    serve: Option<&Bound<'_, PyDict>>,
    filter: Option<String>,
    persistent: bool,
    monitor_id: u32,
    connect_timeout: f64,
) -> PyResult<RadiumRun> {
    if !(connect_timeout.is_finite() && connect_timeout > 0.0) {
        return Err(PyValueError::new_err(
            "connect_timeout: expected a positive number",
        ));
    }
    let started = now_usec();
    let mar = MarCounters {
        start_usec: started,
        now_usec: started,
        srcid: monitor_id,
        ..MarCounters::default()
    };
    let mut outs = Vec::new();
    for (target, f) in outputs {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&target)
            .map_err(|e| PyOSError::new_err(format!("{target}: cannot open for writing: {e}")))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut start = Vec::new();
        write_mar_start(&mar, &mut start);
        out.write_all(&start)
            .map_err(|e| PyOSError::new_err(format!("{target}: write failed: {e}")))?;
        outs.push(FileOut {
            name: target,
            out,
            filter: f.as_ref().map(predicate).transpose()?,
        });
    }
    let mut server = None;
    if let Some(d) = serve {
        let s = serve_settings(d)?;
        let srv = py
            .detach(|| Server::start(s.cfg, s.compiler, Default::default()))
            .map_err(PyOSError::new_err)?;
        srv.set_mar(&mar);
        let handle = srv.handle();
        server = Some((srv, handle));
        if let (Some(wait), Some((_, h))) = (s.wait_for_client, server.as_ref()) {
            wait_for_client(py, h, wait)?;
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let rx = spawn_sources(
        &sources,
        filter,
        Duration::from_secs_f64(connect_timeout),
        persistent,
        &stop,
    )?;
    // the file reader joins the same channel: spawn_sources gave us only the
    // receiving end, so files get a channel of their own, forwarded below
    let (ftx, frx) = std::sync::mpsc::sync_channel::<Item>(1 << 12);
    // receivers are not Sync: the loop's GIL-free closure takes them through a lock
    let (rx, frx) = (std::sync::Mutex::new(rx), std::sync::Mutex::new(frx));
    {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || read_files(files, ftx, stop));
    }
    let mut errors = Vec::new();
    // (flow records, MARs, connections made)
    let mut counts = (0u64, 0u64, 0u64);
    let mut interrupted = false;
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(RELAY_BATCH);
    let (mut files_done, mut remote_done) = (false, false);
    while !(files_done && remote_done) {
        let step = py.detach(|| -> Result<(), String> {
            batch.clear();
            let rx = rx.lock().map_err(|_| "radium state poisoned".to_string())?;
            let frx = frx
                .lock()
                .map_err(|_| "radium state poisoned".to_string())?;
            while !files_done && batch.len() < RELAY_BATCH {
                match frx.try_recv() {
                    Ok(i) => take(i, &mut batch, &mut errors, &mut counts),
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(_) => files_done = true,
                }
            }
            if !remote_done && batch.len() < RELAY_BATCH {
                let wait = if files_done {
                    WAIT_SLICE
                } else {
                    Duration::from_millis(1)
                };
                match rx.recv_timeout(wait) {
                    Ok(i) => {
                        take(i, &mut batch, &mut errors, &mut counts);
                        while batch.len() < RELAY_BATCH {
                            match rx.try_recv() {
                                Ok(i) => take(i, &mut batch, &mut errors, &mut counts),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => remote_done = true,
                }
            }
            for o in outs.iter_mut() {
                for b in &batch {
                    let flow = b.first().is_some_and(|t| {
                        matches!(t & 0xf0, rtype::FAR | rtype::NETFLOW | rtype::EVENT)
                    });
                    if flow
                        && let Some(f) = o.filter.as_mut()
                        && !f(&flow_from_far(&Far::decode(b, 0)))
                    {
                        continue;
                    }
                    // a source's own START MAR is not repeated into files
                    if !flow && b.get(1).is_some_and(|c| c & 0xf0 == 0x10) {
                        continue;
                    }
                    o.out
                        .write_all(b)
                        .map_err(|e| format!("{}: write failed: {e}", o.name))?;
                }
            }
            if let Some((s, _)) = server.as_mut() {
                s.relay(batch.iter().map(|b| b.as_slice()));
            }
            Ok(())
        });
        if let Err(e) = step {
            errors.push(e);
            break;
        }
        if py.check_signals().is_err() {
            interrupted = true;
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let end = now_usec();
    let stop_mar = MarCounters {
        now_usec: end,
        ..mar.clone()
    };
    let mut server_stats = HashMap::new();
    py.detach(|| {
        for o in outs.iter_mut() {
            let mut b = Vec::new();
            write_mar_stop(&stop_mar, &mut b);
            if let Err(e) = o.out.write_all(&b).and_then(|_| o.out.flush()) {
                errors.push(format!("{}: write failed: {e}", o.name));
            }
        }
        if let Some((mut s, h)) = server.take() {
            s.mar(&stop_mar, true);
            s.end();
            server_stats = crate::remote_out::stats(&h);
        }
    });
    let mut stats: HashMap<&'static str, u64> = [
        ("records", counts.0),
        ("management_records", counts.1),
        ("connects", counts.2),
    ]
    .into_iter()
    .collect();
    stats.extend(server_stats);
    Ok(RadiumRun {
        errors,
        stats,
        interrupted,
    })
}
