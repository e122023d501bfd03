//! `strip_dsrs(records, keep)`: flow records without the DSRs `rastrip`
//! removes (argus_format::strip), as an Arrow binary array for `ArgusWriter`.

use std::sync::Arc;

use crate::binary::binary_values;
use argus_format::strip::strip_record;
use arrow_array::BinaryArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyArray;
use pyo3_arrow::input::AnyArray;

/// Each record of `records` (binary, one Argus record each) keeping only the
/// DSRs whose Argus DSR index bit is set in `keep`; nulls stay null.
#[pyfunction]
pub fn strip_dsrs(py: Python<'_>, records: AnyArray, keep: u32) -> PyResult<PyArray> {
    let chunks = records.into_chunked_array()?.into_inner().0;
    let out = py.detach(|| -> Result<BinaryArray, String> {
        let mut all: Vec<Option<Vec<u8>>> = Vec::new();
        for c in &chunks {
            let values = binary_values(c.as_ref())
                .ok_or_else(|| format!("records must be binary, not {}", c.data_type()))?;
            all.extend(values.map(|v| v.map(|b| strip_record(b, keep))));
        }
        Ok(all.iter().map(|v| v.as_deref()).collect())
    });
    Ok(PyArray::from_array_ref(Arc::new(
        out.map_err(PyValueError::new_err)?,
    )))
}
