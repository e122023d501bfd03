//! `scan_argus`: Arrow record batches over Argus 3 record files (`ra -r`).
//!
//! Each flow record is mapped back to a FlowRecord for the columns; its
//! bytes go, unchanged, into the `record` column, so that writing the rows
//! again gives the same file. MARs are not flows and are skipped.
//!
//! The files are read on a worker thread that builds the next batch while
//! Python works on the last one. An ra filter given to `scan_argus` is
//! tested there, on the record as read, before any column is built; only
//! the projected columns are built for the records that pass.

use crate::batch::{BatchBuilder, Projection, shown_of};
use crate::filter::{RecordFilter, far_matches, is_flow, key_decides};
use crate::scan::poisoned;
use argus_capture::argus_file::ArgusFileReader;
use argus_core::filter::{KeyProbe, Node};
use argus_format::Far;
use argus_format::map::flow_from_far;
use argus_format::strip::{DsrMask, strip_record};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long `__next__` waits for the worker between checks for Ctrl-C.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Batches built ahead of the one Python holds.
const AHEAD: usize = 1;

/// What the worker has seen so far (read by `stats` and `errors`).
#[derive(Default)]
struct Counters {
    errors: Vec<String>,
    files_read: usize,
    /// Flow records read (whether or not the filter passed them).
    records: u64,
    /// Flow records the filter did not pass (no row made).
    filtered_out: u64,
    mars: u64,
}

/// The reading side: files in turn, each record a slice of its read-ahead buffer.
struct Reader {
    paths: Vec<String>,
    next: usize,
    file: Option<ArgusFileReader>,
    counters: Arc<Mutex<Counters>>,
}

impl Reader {
    /// The next record of any input (its byte offset and bytes); `None`
    /// once every input is done. Open and read errors are noted and the
    /// next file is read.
    fn next_record(&mut self) -> Option<(u64, &[u8])> {
        loop {
            if self.file.is_none() {
                let path = self.paths.get(self.next)?;
                self.next += 1;
                match ArgusFileReader::open(path) {
                    Ok(r) => {
                        self.note(|c| c.files_read += 1);
                        self.file = Some(r);
                    }
                    Err(e) => {
                        self.note(|c| c.errors.push(e));
                        continue;
                    }
                }
            }
            let file = self.file.as_mut()?;
            match file.next_record_ref() {
                // (looked up again: the borrow checker cannot yet return a borrow taken in a loop)
                Ok(Some(_)) => return self.file.as_ref()?.last_record(),
                Ok(None) => self.file = None,
                Err(e) => {
                    self.note(|c| c.errors.push(e));
                    self.file = None;
                }
            }
        }
    }

    fn note(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.counters.lock() {
            f(&mut c)
        }
    }
}

/// The worker: read, test, build, send, until the inputs end, the receiver
/// is gone or `cancel` is set.
#[allow(clippy::too_many_arguments)] // the reading options, as scan_argus takes them
fn work(
    mut reader: Reader,
    rows: usize,
    projection: Projection,
    filter: Option<Node>,
    offsets: bool,
    keep_dsrs: Option<DsrMask>,
    cancel: Arc<AtomicBool>,
    tx: SyncSender<RecordBatch>,
) {
    let mut builder = BatchBuilder::new(rows, &projection);
    // ra's `offset` field: each row's byte offset in its file (an extra last column)
    let mut at: Option<Vec<u64>> = offsets.then(Vec::new);
    let mut probe = KeyProbe::new();
    let (mut records, mut filtered_out, mut mars) = (0u64, 0u64, 0u64);
    let publish = |reader: &Reader, records: &mut u64, filtered: &mut u64, mars: &mut u64| {
        reader.note(|c| {
            c.records += std::mem::take(records);
            c.filtered_out += std::mem::take(filtered);
            c.mars += std::mem::take(mars);
        })
    };
    while let Some((offset, bytes)) = reader.next_record() {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        if !is_flow(bytes) {
            mars += 1;
            continue;
        }
        records += 1;
        // ra -M dsrs=: the record as read loses its other DSRs before the filter sees it
        let stripped = keep_dsrs.map(|keep| strip_record(bytes, keep));
        let bytes = stripped.as_deref().unwrap_or(bytes);
        // the flow key alone settles most filters: no record is typed for those
        let decided = filter
            .as_ref()
            .map(|node| key_decides(node, &mut probe, bytes));
        if decided == Some(Some(false)) {
            filtered_out += 1;
            continue;
        }
        let undecided = decided == Some(None);
        if projection.needs_decode() || undecided {
            let far = Far::decode_values(bytes, offset as usize);
            let mut r = flow_from_far(&far);
            if let Some(node) = filter.as_ref().filter(|_| undecided)
                && !far_matches(node, &far, &mut r)
            {
                filtered_out += 1;
                continue;
            }
            builder.push(&r, bytes, shown_of(&far));
        } else {
            builder.push_record(bytes);
        }
        if let Some(at) = at.as_mut() {
            at.push(offset);
        }
        if builder.len() >= rows {
            publish(&reader, &mut records, &mut filtered_out, &mut mars);
            let full = std::mem::replace(&mut builder, BatchBuilder::new(rows, &projection));
            if tx.send(with_offsets(full.finish(), at.as_mut())).is_err() {
                return;
            }
        }
    }
    publish(&reader, &mut records, &mut filtered_out, &mut mars);
    if builder.len() > 0 {
        let _ = tx.send(with_offsets(builder.finish(), at.as_mut()));
    }
}

/// `batch` with the offsets taken so far as its last column, `_offset`.
fn with_offsets(batch: RecordBatch, at: Option<&mut Vec<u64>>) -> RecordBatch {
    let Some(at) = at else {
        return batch;
    };
    let column: ArrayRef = Arc::new(UInt64Array::from(std::mem::take(at)));
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("_offset", DataType::UInt64, false));
    let mut columns = batch.columns().to_vec();
    columns.push(column);
    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
        .unwrap_or_else(|e| panic!("offset column does not fit its batch: {e}"))
}

#[pyclass(module = "argus_rs._core")]
pub struct ArgusBatches {
    batches: Mutex<Receiver<RecordBatch>>,
    counters: Arc<Mutex<Counters>>,
    cancel: Arc<AtomicBool>,
}

impl Drop for ArgusBatches {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

#[pyfunction]
#[pyo3(signature = (paths, batch_rows=65536, columns=None, filter=None, offsets=false, keep_dsrs=None))]
pub fn scan_argus(
    paths: Vec<String>,
    batch_rows: usize,
    columns: Option<Vec<String>>,
    filter: Option<PyRef<'_, RecordFilter>>,
    offsets: bool,
    keep_dsrs: Option<DsrMask>,
) -> PyResult<ArgusBatches> {
    let projection = match columns {
        None => Projection::all(),
        Some(names) => Projection::of(&names).map_err(PyValueError::new_err)?,
    };
    let node = filter.map(|f| f.node.clone());
    let counters = Arc::new(Mutex::new(Counters::default()));
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = sync_channel(AHEAD);
    let reader = Reader {
        paths,
        next: 0,
        file: None,
        counters: counters.clone(),
    };
    let rows = batch_rows.max(1);
    let stop = cancel.clone();
    std::thread::Builder::new()
        .name("argus-read".into())
        .spawn(move || work(reader, rows, projection, node, offsets, keep_dsrs, stop, tx))
        .map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "cannot start the reader thread: {e}"
            ))
        })?;
    Ok(ArgusBatches {
        batches: Mutex::new(rx),
        counters,
        cancel,
    })
}

#[pymethods]
impl ArgusBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyRecordBatch>> {
        loop {
            let got = py.detach(|| {
                let rx = self.batches.lock().map_err(|_| ())?;
                Ok(rx.recv_timeout(SIGNAL_CHECK))
            });
            match got.map_err(|_: ()| poisoned())? {
                Ok(batch) => return Ok(Some(PyRecordBatch::new(batch))),
                Err(RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }

    /// One-line errors met so far (file and byte offset); reading goes on
    /// with the next file.
    #[getter]
    fn errors(&self) -> PyResult<Vec<String>> {
        Ok(self.counters.lock().map_err(|_| poisoned())?.errors.clone())
    }

    #[getter]
    fn stats(&self) -> PyResult<HashMap<&'static str, u64>> {
        let c = self.counters.lock().map_err(|_| poisoned())?;
        Ok([
            ("files", c.files_read as u64),
            ("records", c.records),
            ("filtered_out", c.filtered_out),
            ("management_records", c.mars),
        ]
        .into_iter()
        .collect())
    }
}
