//! SIGHUP's "reopen your outputs", from a Python signal handler to the
//! running sensor loop.
//!
//! The handler (installed by the CLI) calls [`request_reopen`]; the loop of
//! `run_sensor` compares [`generation`] with what it last saw after each
//! step and reopens its output files when it moved. A counter rather than a
//! flag: two requests between checks reopen once, none is lost.

use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Ask every running sensor to close and reopen its output files.
#[pyfunction]
pub fn request_reopen() {
    REQUESTS.fetch_add(1, Ordering::SeqCst);
}

/// How many reopen requests were made so far.
pub fn generation() -> u64 {
    REQUESTS.load(Ordering::SeqCst)
}
