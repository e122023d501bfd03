//! `LiveSensor`: live capture -> flow engine -> Arrow record batches, for
//! `argus_rs.Sensor`.
//!
//! Capture threads (one per interface) feed the engine, which runs on a
//! thread of its own and puts record batches into a BOUNDED queue. When
//! Python does not take them fast enough the engine drops whole batches and
//! counts them, so memory stays bounded and capture never stalls. Python
//! waits for batches with the GIL released, waking every 200 ms to run
//! signal handlers.

use crate::batch::{records_to_batch, shown_of};
use crate::options::engine_options;
use argus_capture::{LiveCapture, LiveOptions, Pipeline};
use argus_core::record::FlowRecord;
use argus_format::WriteOptions;
use argus_format::map::far_from_flow;
use arrow_array::RecordBatch;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyRecordBatch;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long Python waits for a batch before it looks at signals again.
const PY_WAIT: Duration = Duration::from_millis(200);

/// Packets the engine takes between looks at the queue and the stop flag.
const ENGINE_BUDGET: usize = 1 << 14;

enum Item {
    Batch(RecordBatch),
    Error(String),
}

type Stats = HashMap<&'static str, u64>;

/// Build the Arrow batch of `records` as `read_pcap` makes it.
fn to_batch(records: &[FlowRecord], write: &WriteOptions) -> RecordBatch {
    let mut shown = Vec::with_capacity(records.len());
    let far: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            let f = far_from_flow(r, write);
            shown.push(shown_of(&f));
            let mut b = Vec::new();
            f.encode(&mut b);
            b
        })
        .collect();
    records_to_batch(records, &far, |i| shown[i])
}

/// The engine thread's loop.
struct Engine {
    pipeline: Pipeline,
    write: WriteOptions,
    batch_rows: usize,
    tx: SyncSender<Item>,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<Stats>>,
    dropped_batches: u64,
    dropped_records: u64,
}

impl Engine {
    fn run(mut self) {
        let mut records = Vec::new();
        while !self.stop.load(Ordering::Relaxed) && !self.pipeline_done() {
            self.pipeline.fill(self.batch_rows, ENGINE_BUDGET);
            self.errors();
            records.clear();
            self.pipeline.take_records(&mut records, self.batch_rows);
            if !records.is_empty() {
                let n = records.len() as u64;
                match self
                    .tx
                    .try_send(Item::Batch(to_batch(&records, &self.write)))
                {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        self.dropped_batches += 1;
                        self.dropped_records += n;
                    }
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
            self.publish();
        }
        // close(): what the interfaces delivered, then every open flow
        // (cause SHUTDOWN); these batches wait for room rather than drop.
        self.pipeline.shutdown();
        self.errors();
        loop {
            records.clear();
            self.pipeline.take_records(&mut records, self.batch_rows);
            if records.is_empty() {
                break;
            }
            if self
                .tx
                .send(Item::Batch(to_batch(&records, &self.write)))
                .is_err()
            {
                break;
            }
        }
        self.publish();
    }

    fn pipeline_done(&mut self) -> bool {
        self.pipeline.fill(usize::MAX, 0) == argus_capture::Fill::Done
    }

    fn errors(&mut self) {
        // errors are few (a failed interface); each is sent once
        let n = self.stats.lock().map(|s| s["errors"]).unwrap_or(0) as usize;
        for e in self.pipeline.errors().iter().skip(n) {
            let _ = self.tx.send(Item::Error(e.clone()));
        }
    }

    fn publish(&self) {
        let st = self.pipeline.stats();
        let cap = self.pipeline.capture_stats().unwrap_or_default();
        if let Ok(mut s) = self.stats.lock() {
            s.insert("packets", st.packets);
            s.insert("bytes", st.bytes);
            s.insert("records", st.records);
            s.insert("flows", st.flows);
            s.insert("open_flows", self.pipeline.open_flows() as u64);
            s.insert("captured", cap.received);
            s.insert("kernel_dropped", cap.dropped);
            s.insert("interface_dropped", cap.if_dropped);
            s.insert("dropped_batches", self.dropped_batches);
            s.insert("dropped_records", self.dropped_records);
            s.insert("errors", self.pipeline.errors().len() as u64);
        }
    }
}

#[pyclass(module = "argus_rs._core")]
pub struct LiveSensor {
    rx: Mutex<Receiver<Item>>,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<Stats>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    interfaces: Vec<String>,
}

fn capture_options(d: Option<&Bound<'_, PyDict>>) -> PyResult<LiveOptions> {
    let mut o = LiveOptions::default();
    let Some(d) = d else { return Ok(o) };
    for (k, v) in d.iter() {
        let name: String = k.extract()?;
        let bad =
            |what: &str| PyValueError::new_err(format!("capture option {name}: expected {what}"));
        match name.as_str() {
            "promisc" => o.promisc = v.extract().map_err(|_| bad("true/false"))?,
            "immediate" => o.immediate = v.extract().map_err(|_| bad("true/false"))?,
            "snaplen" => o.snaplen = v.extract().map_err(|_| bad("a byte count"))?,
            "buffer_size" => o.buffer_size = v.extract().map_err(|_| bad("a byte count"))?,
            "queue_batches" => o.queue_batches = v.extract().map_err(|_| bad("a count"))?,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown capture option {name:?}"
                )));
            }
        }
    }
    if o.snaplen < 1 {
        return Err(PyValueError::new_err(format!(
            "capture option snaplen: expected a positive byte count, got {}",
            o.snaplen
        )));
    }
    Ok(o)
}

/// Open live interfaces into a pipeline (errors name the interface).
pub fn live_pipeline(
    interfaces: &[String],
    opts: argus_core::options::EngineOptions,
    capture: Option<&Bound<'_, PyDict>>,
    bpf: Option<String>,
    optimize: bool,
) -> PyResult<Pipeline> {
    let mut lo = capture_options(capture)?;
    lo.filter = bpf;
    lo.optimize = optimize;
    let cap = LiveCapture::open(interfaces, &lo).map_err(PyOSError::new_err)?;
    Ok(Pipeline::live(cap, opts))
}

#[pymethods]
impl LiveSensor {
    #[new]
    #[pyo3(signature = (interfaces, options=None, capture=None, bpf=None, bpf_optimize=true, batch_rows=4096, queue_batches=16))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        interfaces: Vec<String>,
        options: Option<&Bound<'_, PyDict>>,
        capture: Option<&Bound<'_, PyDict>>,
        bpf: Option<String>,
        bpf_optimize: bool,
        batch_rows: usize,
        queue_batches: usize,
    ) -> PyResult<Self> {
        if batch_rows == 0 || queue_batches == 0 {
            return Err(PyValueError::new_err(
                "batch_rows and queue_batches must be at least 1",
            ));
        }
        let opts = engine_options(options)?;
        let mut write = crate::options::write_options(&opts, options)?;
        write.init_window = true;
        let pipeline = live_pipeline(&interfaces, opts, capture, bpf, bpf_optimize)?;
        let names = pipeline
            .capture()
            .map(|c| c.interfaces().iter().map(|i| i.name.clone()).collect())
            .unwrap_or_default();
        let (tx, rx) = sync_channel(queue_batches);
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(Stats::from([("errors", 0)])));
        let engine = Engine {
            pipeline,
            write,
            batch_rows,
            tx,
            stop: stop.clone(),
            stats: stats.clone(),
            dropped_batches: 0,
            dropped_records: 0,
        };
        engine.publish();
        let thread = py
            .detach(|| {
                std::thread::Builder::new()
                    .name("argus-rs sensor".into())
                    .spawn(move || engine.run())
            })
            .map_err(|e| PyOSError::new_err(format!("cannot start the sensor thread: {e}")))?;
        Ok(LiveSensor {
            rx: Mutex::new(rx),
            stop,
            stats,
            thread: Mutex::new(Some(thread)),
            interfaces: names,
        })
    }

    /// The next batch of records, or None when the sensor has stopped and
    /// everything was taken. Raises OSError for a capture error.
    #[pyo3(signature = (timeout=None))]
    fn next_batch(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<PyRecordBatch>> {
        let limit =
            timeout.map(|t| std::time::Instant::now() + Duration::from_secs_f64(t.max(0.0)));
        loop {
            let wait = match limit {
                Some(l) => l
                    .saturating_duration_since(std::time::Instant::now())
                    .min(PY_WAIT),
                None => PY_WAIT,
            };
            let got = py.detach(|| {
                let rx = self.rx.lock().map_err(|_| ())?;
                Ok::<_, ()>(rx.recv_timeout(wait))
            });
            match got.map_err(|_| crate::scan::poisoned())? {
                Ok(Item::Batch(b)) => return Ok(Some(PyRecordBatch::new(b))),
                Ok(Item::Error(e)) => return Err(PyOSError::new_err(e)),
                Err(RecvTimeoutError::Disconnected) => {
                    self.join(py);
                    return Ok(None);
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            py.check_signals()?;
            if limit.is_some_and(|l| std::time::Instant::now() >= l) {
                return Err(pyo3::exceptions::PyTimeoutError::new_err(
                    "no records within the timeout",
                ));
            }
        }
    }

    /// Stop capturing: the engine flushes every open flow (cause SHUTDOWN);
    /// the batches that follow are the last.
    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    #[getter]
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    #[getter]
    fn interfaces(&self) -> Vec<String> {
        self.interfaces.clone()
    }

    #[getter]
    fn stats(&self) -> PyResult<Stats> {
        Ok(self
            .stats
            .lock()
            .map_err(|_| crate::scan::poisoned())?
            .clone())
    }
}

impl LiveSensor {
    fn join(&self, py: Python<'_>) {
        if let Ok(mut g) = self.thread.lock()
            && let Some(t) = g.take()
        {
            py.detach(|| {
                let _ = t.join();
            });
        }
    }
}

impl Drop for LiveSensor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
