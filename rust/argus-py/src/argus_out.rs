//! Writing Argus 3 record streams: the offline sensor (`argus -r ... -w`)
//! and `write_argus` (records of a DataFrame, as `ra -w` writes them).

use crate::binary::binary_values;
use crate::options::engine_options;
use crate::scan::poisoned;
use argus_capture::sensor::{Output, RecordPredicate, Sensor, SensorConfig};
use argus_capture::{PacketFilter, Pipeline};
use argus_format::{MarCounters, write_mar_start};
use arrow_array::Array;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyChunkedArray;
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::sync::Mutex;
use std::time::Duration;

/// Packets processed between checks for Ctrl-C.
const SIGNAL_CHECK_PACKETS: usize = 1 << 16;

/// Capture files into the engine, through the BPF input filter if one is given.
pub fn pipeline(
    paths: Vec<String>,
    opts: argus_core::options::EngineOptions,
    bpf: Option<String>,
    optimize: bool,
) -> PyResult<Pipeline> {
    let p = Pipeline::new(paths, opts);
    Ok(match bpf {
        None => p,
        Some(expr) => p.with_filter(
            PacketFilter::with_optimizer(&expr, optimize).map_err(PyValueError::new_err)?,
        ),
    })
}

/// The most flow table shards (worker threads) a run may ask for.
pub const MAX_THREADS: usize = 64;

/// `threads` as given from Python: 1 (one engine) up to [`MAX_THREADS`].
pub fn check_threads(threads: usize) -> PyResult<usize> {
    if (1..=MAX_THREADS).contains(&threads) {
        Ok(threads)
    } else {
        Err(PyValueError::new_err(format!(
            "threads: expected 1 to {MAX_THREADS}, got {threads}"
        )))
    }
}

/// What `run_sensor` did, for the CLI's report.
#[pyclass(module = "argus_rs._core", get_all)]
pub struct SensorRun {
    /// One-line errors (inputs that could not be read, write failures).
    pub errors: Vec<String>,
    /// Records written, per output, in the order given.
    pub records_written: Vec<u64>,
    pub stats: HashMap<&'static str, u64>,
    /// True when Ctrl-C ended the run (flows were flushed as SHUTDOWN).
    pub interrupted: bool,
}

/// Run the sensor: capture files, or live `interfaces` (with `capture`
/// settings: promisc, snaplen, buffer_size, immediate, queue_batches) ->
/// Argus 3 streams. Live, each step returns within about 0.1 s even when
/// no packet comes, so Python's signal handlers run.
///
/// `outputs` are `(target, filter)` pairs: a file (appended to) or `-`;
/// `filter` an optional record predicate object with a `matches_record`
/// capability (a compiled ra filter). `on_open`, when given, is called once
/// inputs and outputs are open (privilege drop, chroot, daemon readiness);
/// [`crate::reopen::request_reopen`] makes the loop reopen output files.
#[pyfunction]
#[pyo3(signature = (paths, outputs, options=None, bpf=None, bpf_optimize=true, threads=1, interfaces=None, capture=None, on_open=None, serve=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_sensor(
    py: Python<'_>,
    paths: Vec<String>,
    outputs: Vec<(String, Option<Bound<'_, PyAny>>)>,
    options: Option<&Bound<'_, PyDict>>,
    bpf: Option<String>,
    bpf_optimize: bool,
    threads: usize,
    interfaces: Option<Vec<String>>,
    capture: Option<&Bound<'_, PyDict>>,
    on_open: Option<Bound<'_, PyAny>>,
    serve: Option<&Bound<'_, PyDict>>,
) -> PyResult<SensorRun> {
    let threads = check_threads(threads)?;
    let opts = engine_options(options)?;
    let pipeline = match interfaces {
        Some(names) => {
            crate::live::live_pipeline(&names, opts.clone(), capture, bpf, bpf_optimize)?
        }
        None => pipeline(paths, opts.clone(), bpf, bpf_optimize)?.with_threads(threads, false),
    };
    let mut outs = Vec::with_capacity(outputs.len());
    for (target, filter) in outputs {
        let pred: Option<RecordPredicate> = match filter {
            None => None,
            Some(f) => Some(output_filter(&f)?),
        };
        outs.push(Output::open(&target, pred).map_err(PyOSError::new_err)?);
    }
    let cfg = SensorConfig {
        write: crate::options::write_options(&opts, options)?,
        srcid: opts.monitor_id,
        mar_interval: Duration::from_micros(opts.mar_interval_usec.max(0) as u64),
        status_interval_sec: (opts.status_interval_usec / 1_000_000).clamp(0, 0xffff) as u16,
    };
    let write = cfg.write.clone();
    let mut sensor = Sensor::start(pipeline, outs, cfg).map_err(PyOSError::new_err)?;
    // -P: the server is one more sink of the sensor (and may wait for a client)
    let server = match serve {
        Some(d) => Some(crate::remote_out::attach(py, &mut sensor, d, write)?),
        None => None,
    };
    // inputs and outputs are open: now the caller may drop privileges, chroot, detach
    if let Some(cb) = on_open {
        cb.call0()?;
    }
    let mut reopen_seen = crate::reopen::generation();
    let sensor = Mutex::new(Some(sensor));
    let mut interrupted = false;
    let mut write_error: Option<String> = None;
    loop {
        let step = py.detach(|| -> Result<bool, String> {
            let mut g = sensor
                .lock()
                .map_err(|_| "sensor state poisoned".to_string())?;
            match g.as_mut() {
                Some(s) => s.step(SIGNAL_CHECK_PACKETS),
                None => Ok(true),
            }
        });
        match step {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                write_error = Some(e);
                break;
            }
        }
        if py.check_signals().is_err() {
            interrupted = true;
            break;
        }
        if crate::reopen::generation() != reopen_seen {
            reopen_seen = crate::reopen::generation();
            let reopened = py.detach(|| -> Result<(), String> {
                let mut g = sensor
                    .lock()
                    .map_err(|_| "sensor state poisoned".to_string())?;
                g.as_mut().map_or(Ok(()), |s| s.reopen_outputs())
            });
            if let Err(e) = reopened {
                write_error = Some(e);
                break;
            }
        }
    }
    let s = sensor
        .lock()
        .map_err(|_| poisoned())?
        .take()
        .ok_or_else(poisoned)?;
    let end = py.detach(|| {
        if interrupted {
            s.interrupt()
        } else {
            s.finish()
        }
    });
    let (report, pipeline) = match (end, write_error) {
        (Ok(v), None) => v,
        (Ok(_), Some(e)) | (Err(e), _) => return Err(PyOSError::new_err(e)),
    };
    Ok(SensorRun {
        errors: pipeline.errors().to_vec(),
        records_written: report.records_written,
        stats: {
            let mut stats = crate::scan::pipeline_stats(&pipeline);
            if let Some(h) = &server {
                stats.extend(crate::remote_out::stats(h));
            }
            stats
        },
        interrupted,
    })
}

/// Writes records (FAR bytes) to one Argus 3 stream, batch by batch.
#[pyclass(module = "argus_rs._core")]
pub struct ArgusWriter {
    out: Mutex<Option<BufWriter<std::fs::File>>>,
    path: String,
}

#[pymethods]
impl ArgusWriter {
    /// Open `path` (truncated, or appended to with `append`) and write the
    /// START MAR. Its times are given (the records' first and last times,
    /// not the clock), so that the same records always make the same file.
    #[new]
    #[pyo3(signature = (path, start_usec, end_usec, append=false))]
    fn new(path: String, start_usec: i64, end_usec: i64, append: bool) -> PyResult<Self> {
        let f = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&path)
            .map_err(|e| PyOSError::new_err(format!("{path}: cannot open for writing: {e}")))?;
        let mut out = BufWriter::with_capacity(1 << 16, f);
        let mut mar = Vec::new();
        write_mar_start(
            &MarCounters {
                start_usec,
                now_usec: end_usec,
                ..MarCounters::default()
            },
            &mut mar,
        );
        out.write_all(&mar)
            .map_err(|e| PyOSError::new_err(format!("{path}: write failed: {e}")))?;
        Ok(ArgusWriter {
            out: Mutex::new(Some(out)),
            path,
        })
    }

    /// Append the records of a Binary array of FAR bytes (a `record` column).
    fn write(&self, py: Python<'_>, records: PyChunkedArray) -> PyResult<u64> {
        let (chunks, _field) = records.into_inner();
        let path = &self.path;
        py.detach(|| -> PyResult<u64> {
            let mut g = self.out.lock().map_err(|_| poisoned())?;
            let out = g
                .as_mut()
                .ok_or_else(|| PyValueError::new_err(format!("{path}: writer is closed")))?;
            let mut put = |b: &[u8]| -> PyResult<()> {
                check_record(b).map_err(|e| PyValueError::new_err(format!("{path}: {e}")))?;
                out.write_all(b)
                    .map_err(|e| PyOSError::new_err(format!("{path}: write failed: {e}")))
            };
            let mut n = 0;
            for array in &chunks {
                let values = binary_values(array.as_ref()).ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "{path}: the record column must be binary, not {}",
                        array.data_type()
                    ))
                })?;
                for b in values.flatten() {
                    put(b)?;
                    n += 1;
                }
            }
            Ok(n as u64)
        })
    }

    fn close(&self) -> PyResult<()> {
        let mut g = self.out.lock().map_err(|_| poisoned())?;
        if let Some(mut out) = g.take() {
            out.flush()
                .map_err(|e| PyOSError::new_err(format!("{}: write failed: {e}", self.path)))?;
        }
        Ok(())
    }
}

/// A value of the record column must be one whole Argus 3 flow record.
fn check_record(b: &[u8]) -> Result<(), String> {
    use argus_format::header::{HEADER_LEN, RecordHeader, VERSION, rtype};
    if b.len() < HEADER_LEN {
        return Err(format!(
            "record of {} bytes is not an Argus record",
            b.len()
        ));
    }
    let h = RecordHeader::decode(b);
    let flow = matches!(h.rtype(), rtype::FAR | rtype::NETFLOW | rtype::EVENT);
    if h.version() != VERSION || !flow || h.len_bytes() != b.len() {
        return Err(format!(
            "value is not an Argus 3 flow record (type 0x{:02x}, {} bytes, header says {})",
            b[0],
            b.len(),
            h.len_bytes()
        ));
    }
    Ok(())
}

/// The record predicate of a compiled ra filter (`argus_rs.filter.compile`).
fn output_filter(f: &Bound<'_, PyAny>) -> PyResult<RecordPredicate> {
    let compiled = f.cast::<crate::filter::RecordFilter>().map_err(|_| {
        PyValueError::new_err("an output filter must be a RecordFilter (argus_rs.filter.compile)")
    })?;
    let node = compiled.get().node.clone();
    Ok(Box::new(move |r| node.matches(r)))
}
