//! `scan_argus`: Arrow record batches over Argus 3 record files (`ra -r`).
//!
//! Each flow record is mapped back to a FlowRecord for the columns; its
//! bytes go, unchanged, into the `record` column, so that writing the rows
//! again gives the same file. MARs are not flows and are skipped.

use crate::batch::{Shown, records_to_batch, shown_of};
use crate::scan::poisoned;
use argus_capture::argus_file::{ArgusFileReader, RawRecord};
use argus_core::record::FlowRecord;
use argus_format::Far;
use argus_format::map::flow_from_far;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatch;
use std::sync::Mutex;

/// Records read between checks for Ctrl-C.
const SIGNAL_CHECK_RECORDS: usize = 1 << 15;

struct Files {
    paths: Vec<String>,
    next: usize,
    reader: Option<ArgusFileReader>,
    errors: Vec<String>,
    files_read: usize,
    records: u64,
    mars: u64,
}

impl Files {
    /// The next record of any input; `None` once every input is done.
    fn next_record(&mut self) -> Option<RawRecord> {
        loop {
            if self.reader.is_none() {
                if self.next >= self.paths.len() {
                    return None;
                }
                let path = &self.paths[self.next];
                self.next += 1;
                match ArgusFileReader::open(path) {
                    Ok(r) => {
                        self.files_read += 1;
                        self.reader = Some(r);
                    }
                    Err(e) => {
                        self.errors.push(e);
                        continue;
                    }
                }
            }
            let reader = self.reader.as_mut()?;
            match reader.next_record() {
                Ok(Some(rec)) => return Some(rec),
                Ok(None) => self.reader = None,
                Err(e) => {
                    self.errors.push(e);
                    self.reader = None;
                }
            }
        }
    }
}

#[pyclass(module = "argus_rs._core")]
pub struct ArgusBatches {
    files: Mutex<Files>,
    batch_rows: usize,
}

#[pyfunction]
#[pyo3(signature = (paths, batch_rows=65536))]
pub fn scan_argus(paths: Vec<String>, batch_rows: usize) -> ArgusBatches {
    ArgusBatches {
        files: Mutex::new(Files {
            paths,
            next: 0,
            reader: None,
            errors: Vec::new(),
            files_read: 0,
            records: 0,
            mars: 0,
        }),
        batch_rows: batch_rows.max(1),
    }
}

#[pymethods]
impl ArgusBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyRecordBatch>> {
        let want = self.batch_rows;
        let mut records: Vec<FlowRecord> = Vec::new();
        let mut far: Vec<Vec<u8>> = Vec::new();
        let mut shown: Vec<Shown> = Vec::new();
        loop {
            let end = py.detach(|| -> Result<bool, ()> {
                let mut files = self.files.lock().map_err(|_| ())?;
                for _ in 0..SIGNAL_CHECK_RECORDS {
                    if records.len() >= want {
                        return Ok(false);
                    }
                    let Some(rec) = files.next_record() else {
                        return Ok(true);
                    };
                    if !rec.is_flow() {
                        files.mars += 1;
                        continue;
                    }
                    let f = Far::decode(&rec.bytes, rec.offset as usize);
                    records.push(flow_from_far(&f));
                    shown.push(shown_of(&f));
                    far.push(rec.bytes);
                    files.records += 1;
                }
                Ok(false)
            });
            let end = end.map_err(|_| poisoned())?;
            py.check_signals()?;
            if end || records.len() >= want {
                break;
            }
        }
        if records.is_empty() {
            return Ok(None);
        }
        let batch = py.detach(|| records_to_batch(&records, &far, |i| shown[i]));
        Ok(Some(PyRecordBatch::new(batch)))
    }

    /// One-line errors met so far (file and byte offset); reading goes on
    /// with the next file.
    #[getter]
    fn errors(&self) -> PyResult<Vec<String>> {
        Ok(self.files.lock().map_err(|_| poisoned())?.errors.clone())
    }

    #[getter]
    fn stats(&self) -> PyResult<std::collections::HashMap<&'static str, u64>> {
        let f = self.files.lock().map_err(|_| poisoned())?;
        Ok([
            ("files", f.files_read as u64),
            ("records", f.records),
            ("management_records", f.mars),
        ]
        .into_iter()
        .collect())
    }
}
