//! `scan_pcap`: an iterator of Arrow record batches over capture files.

use crate::batch::{records_to_batch, shown_of};
use crate::options::engine_options;
use argus_capture::{Fill, Pipeline};
use argus_core::record::FlowRecord;
use argus_format::WriteOptions;
use argus_format::map::far_from_flow;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyRecordBatch;
use std::collections::HashMap;
use std::sync::Mutex;

/// Packets processed between checks for Ctrl-C.
const SIGNAL_CHECK_PACKETS: usize = 1 << 16;

#[pyclass(module = "argus_rs._core")]
pub struct FlowBatches {
    pipeline: Mutex<Pipeline>,
    batch_rows: usize,
    /// How the `record` column is encoded: as the sensor writes records,
    /// but with the TCP_INIT window argus leaves stale (the columns and the
    /// record must say the same).
    write: WriteOptions,
    done: Mutex<bool>,
}

#[pyfunction]
#[pyo3(signature = (paths, options=None, batch_rows=65536, bpf=None, bpf_optimize=true, threads=1, ordered=false))]
pub fn scan_pcap(
    paths: Vec<String>,
    options: Option<&Bound<'_, PyDict>>,
    batch_rows: usize,
    bpf: Option<String>,
    bpf_optimize: bool,
    threads: usize,
    ordered: bool,
) -> PyResult<FlowBatches> {
    let threads = crate::argus_out::check_threads(threads)?;
    let opts = engine_options(options)?;
    let mut write = crate::options::write_options(&opts, options)?;
    write.init_window = true;
    Ok(FlowBatches {
        write,
        pipeline: Mutex::new(
            crate::argus_out::pipeline(paths, opts, bpf, bpf_optimize)?
                .with_threads(threads, ordered),
        ),
        batch_rows: batch_rows.max(1),
        done: Mutex::new(false),
    })
}

#[pymethods]
impl FlowBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyRecordBatch>> {
        if *self.done.lock().map_err(|_| poisoned())? {
            return Ok(None);
        }
        let want = self.batch_rows;
        let mut records: Vec<FlowRecord> = Vec::new();
        loop {
            // The engine runs without the GIL; between slices of packets we
            // take it back briefly so that Ctrl-C interrupts a long read.
            let fill = py.detach(|| {
                let mut p = self.pipeline.lock().map_err(|_| ())?;
                let f = p.fill(want, SIGNAL_CHECK_PACKETS);
                if f != Fill::Budget {
                    p.take_records(&mut records, want);
                }
                Ok(f)
            });
            let fill = fill.map_err(|_: ()| poisoned())?;
            py.check_signals()?;
            match fill {
                Fill::Budget => continue,
                Fill::Ready => break,
                Fill::Done => {
                    if records.is_empty() {
                        *self.done.lock().map_err(|_| poisoned())? = true;
                        return Ok(None);
                    }
                    break;
                }
            }
        }
        let batch = py.detach(|| {
            // Columns come from the engine's records (the record's DSRs
            // store some values at lower precision, e.g. jitter as f32).
            let mut shown = Vec::with_capacity(records.len());
            let far: Vec<Vec<u8>> = records
                .iter()
                .map(|r| {
                    let f = far_from_flow(r, &self.write);
                    shown.push(shown_of(&f));
                    let mut b = Vec::new();
                    f.encode(&mut b);
                    b
                })
                .collect();
            records_to_batch(&records, &far, |i| shown[i])
        });
        Ok(Some(PyRecordBatch::new(batch)))
    }

    /// One-line errors met so far; reading goes on with the next file.
    #[getter]
    fn errors(&self) -> PyResult<Vec<String>> {
        Ok(self
            .pipeline
            .lock()
            .map_err(|_| poisoned())?
            .errors()
            .to_vec())
    }

    #[getter]
    fn stats(&self) -> PyResult<HashMap<&'static str, u64>> {
        let p = self.pipeline.lock().map_err(|_| poisoned())?;
        Ok(pipeline_stats(&p))
    }
}

pub(crate) fn poisoned() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("flow reader state was poisoned by an earlier panic")
}

/// The counters a run reports: files, packets, bytes (wire), packets_decoded,
/// bytes_decoded, packets_skipped, records, flows, flows_evicted.
pub(crate) fn pipeline_stats(p: &Pipeline) -> HashMap<&'static str, u64> {
    let s = p.stats();
    [
        ("files", p.files_read() as u64),
        ("packets", s.packets),
        ("bytes", s.bytes),
        ("packets_decoded", s.packets_flowed),
        ("bytes_decoded", s.bytes_flowed),
        ("packets_skipped", s.packets_skipped),
        ("records", s.records),
        ("flows", s.flows),
        ("flows_evicted", s.flows_evicted),
    ]
    .into_iter()
    .collect()
}
