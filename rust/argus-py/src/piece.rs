//! `rewrite_piece(record, times, src, dst)`: a flow record with new
//! per-direction times and counters (argus_format::piece), for the pieces
//! `rasplit -M time` writes when it cuts a record at a bin edge.

use argus_format::dsr::metric::Counts;
use argus_format::dsr::time::Times;
use argus_format::piece::rewrite_piece as rewrite;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// `times` = (src start, src end, dst start, dst end) in µs (0 = none);
/// `src`/`dst` = (pkts, bytes, appbytes).
#[pyfunction]
pub fn rewrite_piece<'py>(
    py: Python<'py>,
    record: &[u8],
    times: (i64, i64, i64, i64),
    src: (u64, u64, u64),
    dst: (u64, u64, u64),
) -> Bound<'py, PyBytes> {
    let t = Times {
        src_start: times.0,
        src_end: times.1,
        dst_start: times.2,
        dst_end: times.3,
    };
    let c = |(pkts, bytes, appbytes): (u64, u64, u64)| Counts {
        pkts,
        bytes,
        appbytes,
    };
    PyBytes::new(py, &rewrite(record, &t, c(src), c(dst)))
}
