//! `scan_remote`: Arrow record batches from remote sensors (`ra -S`).
//!
//! One thread per source connects ([`argus_capture::remote::connect`]) and
//! reads records into a bounded channel; Python takes batches with the GIL
//! released. A batch is handed over when full, or as soon as the stream
//! pauses, so a live stream prints as it comes. With `persistent` a lost
//! or refused source is tried again every 5 s (radium, RA_RELIABLE_CONNECT).

use crate::batch::{records_to_batch, shown_of};
use argus_capture::argus_file::{ArgusFileReader, RawRecord};
use argus_capture::remote::{RemoteSource, connect};
use argus_format::Far;
use argus_format::map::flow_from_far;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Records in flight between the reading threads and Python.
const CHANNEL: usize = 1 << 14;
/// How long Python waits before it runs signal handlers again.
const WAIT_SLICE: Duration = Duration::from_millis(100);
/// A partly filled batch is handed over once the stream pauses this long.
const PAUSE: Duration = Duration::from_millis(100);
/// Retry period of a persistent source (ra's RA_RELIABLE_CONNECT: 5 s).
const RETRY: Duration = Duration::from_secs(5);

pub enum Item {
    Record(RawRecord),
    Error(String),
    Connected,
}

/// Send `reader`'s records into `tx` until the stream ends or fails (the
/// error is sent too). False when reading must end: the receiver is gone or
/// `stop` is set.
pub fn forward(reader: &mut ArgusFileReader, tx: &SyncSender<Item>, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        match reader.next_record() {
            Ok(Some(r)) => {
                if tx.send(Item::Record(r)).is_err() {
                    return false;
                }
            }
            Ok(None) => return true,
            Err(e) => {
                let _ = tx.send(Item::Error(e));
                return true;
            }
        }
    }
}

/// Read `src` into `tx` until it ends (or, persistent, until `stop`).
pub fn read_source(
    src: RemoteSource,
    filter: Option<String>,
    timeout: Duration,
    persistent: bool,
    tx: SyncSender<Item>,
    stop: Arc<AtomicBool>,
) {
    loop {
        match connect(&src, filter.as_deref(), timeout) {
            Ok(mut reader) => {
                if tx.send(Item::Connected).is_err() {
                    return;
                }
                if !forward(&mut reader, &tx, &stop) {
                    return;
                }
            }
            Err(e) => {
                if tx.send(Item::Error(e)).is_err() {
                    return;
                }
            }
        }
        if !persistent {
            return;
        }
        let until = Instant::now() + RETRY;
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Start a reading thread per source; the receiving end.
pub fn spawn_sources(
    sources: &[String],
    filter: Option<String>,
    timeout: Duration,
    persistent: bool,
    stop: &Arc<AtomicBool>,
) -> PyResult<Receiver<Item>> {
    let parsed = sources
        .iter()
        .map(|s| RemoteSource::parse(s).map_err(PyValueError::new_err))
        .collect::<PyResult<Vec<_>>>()?;
    let (tx, rx) = sync_channel(CHANNEL);
    for src in parsed {
        let (tx, f, stop) = (tx.clone(), filter.clone(), Arc::clone(stop));
        std::thread::spawn(move || read_source(src, f, timeout, persistent, tx, stop));
    }
    Ok(rx)
}

struct State {
    rx: Receiver<Item>,
    errors: Vec<String>,
    records: u64,
    mars: u64,
    connected: u64,
    done: bool,
}

#[pyclass(module = "argus_rs._core")]
pub struct RemoteBatches {
    state: Mutex<State>,
    batch_rows: usize,
    stop: Arc<AtomicBool>,
}

/// Read the records of remote sensors (`-S host[:port]`, several merged).
/// `filter` is sent to each server as `FILTER:` (ra sends `man or (...)`).
#[pyfunction]
#[pyo3(signature = (sources, filter=None, batch_rows=65536, connect_timeout=10.0, persistent=false))]
pub fn scan_remote(
    sources: Vec<String>,
    filter: Option<String>,
    batch_rows: usize,
    connect_timeout: f64,
    persistent: bool,
) -> PyResult<RemoteBatches> {
    if !(connect_timeout.is_finite() && connect_timeout > 0.0) {
        return Err(PyValueError::new_err(format!(
            "connect_timeout: expected a positive number of seconds, got {connect_timeout}"
        )));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let rx = spawn_sources(
        &sources,
        filter,
        Duration::from_secs_f64(connect_timeout),
        persistent,
        &stop,
    )?;
    Ok(RemoteBatches {
        state: Mutex::new(State {
            rx,
            errors: Vec::new(),
            records: 0,
            mars: 0,
            connected: 0,
            done: false,
        }),
        batch_rows: batch_rows.max(1),
        stop,
    })
}

fn poisoned() -> PyErr {
    crate::scan::poisoned()
}

#[pymethods]
impl RemoteBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyRecordBatch>> {
        let want = self.batch_rows;
        let mut far: Vec<Vec<u8>> = Vec::new();
        loop {
            let handed = py.detach(|| -> Result<bool, ()> {
                let mut st = self.state.lock().map_err(|_| ())?;
                if st.done {
                    return Ok(true);
                }
                let started = Instant::now();
                while far.len() < want && started.elapsed() < WAIT_SLICE {
                    let wait = if far.is_empty() { WAIT_SLICE } else { PAUSE };
                    match st.rx.recv_timeout(wait) {
                        Ok(Item::Record(r)) => {
                            if r.is_flow() {
                                st.records += 1;
                                far.push(r.bytes);
                            } else {
                                st.mars += 1;
                            }
                        }
                        Ok(Item::Error(e)) => st.errors.push(e),
                        Ok(Item::Connected) => st.connected += 1,
                        Err(RecvTimeoutError::Timeout) => {
                            if !far.is_empty() {
                                return Ok(true);
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => {
                            st.done = true;
                            return Ok(true);
                        }
                    }
                }
                Ok(!far.is_empty())
            });
            let handed = handed.map_err(|_| poisoned())?;
            if let Err(e) = py.check_signals() {
                self.stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
            if handed {
                break;
            }
        }
        if far.is_empty() {
            return Ok(None);
        }
        let batch = py.detach(|| {
            let mut records = Vec::with_capacity(far.len());
            let mut shown = Vec::with_capacity(far.len());
            for b in &far {
                let f = Far::decode(b, 0);
                records.push(flow_from_far(&f));
                shown.push(shown_of(&f));
            }
            records_to_batch(&records, &far, |i| shown[i])
        });
        Ok(Some(PyRecordBatch::new(batch)))
    }

    /// Stop reading (the sources' threads end at their next record).
    fn close(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// One-line errors met so far (source and reason).
    #[getter]
    fn errors(&self) -> PyResult<Vec<String>> {
        Ok(self.state.lock().map_err(|_| poisoned())?.errors.clone())
    }

    #[getter]
    fn stats(&self) -> PyResult<HashMap<&'static str, u64>> {
        let st = self.state.lock().map_err(|_| poisoned())?;
        Ok([
            ("sources_connected", st.connected),
            ("records", st.records),
            ("management_records", st.mars),
        ]
        .into_iter()
        .collect())
    }
}

impl Drop for RemoteBatches {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
