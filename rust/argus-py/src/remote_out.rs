//! The sensor's `-P` server from Python: settings from a dict, client
//! filters compiled by a Python callable (the ra filter front end, called
//! once per `FILTER:` command, never per record), and for file input the
//! wait for the first client.

use crate::filter::RecordFilter;
use argus_capture::remote::{FilterCompiler, Server, ServerConfig, ServerHandle};
use argus_capture::sensor::{RecordPredicate, Sensor};
use argus_format::WriteOptions;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long Python waits with the GIL released before it runs signal handlers.
const WAIT_SLICE: Duration = Duration::from_millis(200);

fn secs(v: &Bound<'_, PyAny>, key: &str) -> PyResult<Option<Duration>> {
    if v.is_none() {
        return Ok(None);
    }
    let s: f64 = v
        .extract()
        .map_err(|_| PyValueError::new_err(format!("serve {key}: expected seconds")))?;
    if s.is_nan() || s < 0.0 {
        return Err(PyValueError::new_err(format!(
            "serve {key}: expected a non-negative number of seconds, got {s}"
        )));
    }
    Ok(Some(if s.is_finite() {
        Duration::from_secs_f64(s)
    } else {
        Duration::MAX
    }))
}

/// The server settings of a `serve` dict: port, bind (list of addresses),
/// name, max_clients, queue_bytes, stall, startup_timeout, drain_timeout
/// (seconds), compiler (callable: text -> RecordFilter, raises ValueError),
/// wait_for_client (seconds, inf = until one comes; absent = no wait).
pub struct Serve {
    pub cfg: ServerConfig,
    pub compiler: Option<FilterCompiler>,
    pub wait_for_client: Option<Duration>,
}

pub fn serve_settings(d: &Bound<'_, PyDict>) -> PyResult<Serve> {
    let mut cfg = ServerConfig::default();
    let mut compiler = None;
    let mut wait = None;
    for (k, v) in d.iter() {
        let key: String = k.extract()?;
        let num = |what: &str| -> PyResult<u64> {
            v.extract::<u64>()
                .map_err(|_| PyValueError::new_err(format!("serve {key}: expected {what}")))
        };
        match key.as_str() {
            "port" => {
                cfg.port = u16::try_from(num("a port number")?)
                    .map_err(|_| PyValueError::new_err("serve port: expected 0 to 65535"))?
            }
            "bind" => cfg.bind = v.extract()?,
            "name" => cfg.name = v.extract()?,
            "max_clients" => cfg.max_clients = num("a count")? as usize,
            "queue_bytes" => cfg.queue_bytes = num("a byte count")? as usize,
            "stall" => cfg.stall = secs(&v, &key)?.unwrap_or_default(),
            "startup_timeout" => cfg.startup_timeout = secs(&v, &key)?.unwrap_or_default(),
            "drain_timeout" => cfg.drain_timeout = secs(&v, &key)?.unwrap_or_default(),
            "wait_for_client" => wait = secs(&v, &key)?,
            "compiler" => {
                if !v.is_none() {
                    compiler = Some(python_compiler(v.unbind()));
                }
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "serve: unknown setting {key:?}"
                )));
            }
        }
    }
    if cfg.bind.is_empty() {
        cfg.bind = vec!["127.0.0.1".into()];
    }
    Ok(Serve {
        cfg,
        compiler,
        wait_for_client: wait,
    })
}

/// A client's filter compiled by Python: `compile(text)` must return a
/// RecordFilter; its evaluation is then Rust only.
fn python_compiler(f: Py<PyAny>) -> FilterCompiler {
    Arc::new(move |text: &str| -> Result<RecordPredicate, String> {
        Python::attach(|py| {
            let out = f.bind(py).call1((text,)).map_err(|e| {
                e.value(py)
                    .str()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|_| "bad filter".into())
            })?;
            let compiled = out
                .cast::<RecordFilter>()
                .map_err(|_| "the filter compiler returned no RecordFilter".to_string())?;
            let node = compiled.get().node.clone();
            Ok(
                Box::new(move |r: &argus_core::record::FlowRecord| node.matches(r))
                    as RecordPredicate,
            )
        })
    })
}

/// Start the server, make it a sink of `sensor` and, when asked, wait for
/// the first client (Ctrl-C raises KeyboardInterrupt).
pub fn attach(
    py: Python<'_>,
    sensor: &mut Sensor,
    serve: &Bound<'_, PyDict>,
    write: WriteOptions,
) -> PyResult<ServerHandle> {
    let s = serve_settings(serve)?;
    let name = s.cfg.name.clone();
    let server = py
        .detach(|| Server::start(s.cfg, s.compiler, write))
        .map_err(PyOSError::new_err)?;
    let handle = server.handle();
    sensor.add_sink(Box::new(server));
    if let Some(wait) = s.wait_for_client {
        let addrs: Vec<String> = handle.local_addrs().iter().map(|a| a.to_string()).collect();
        eprintln!("{name}: waiting for a client on {}", addrs.join(", "));
        wait_for_client(py, &handle, wait)?;
    }
    Ok(handle)
}

/// Wait until a client has started or `wait` is over.
pub fn wait_for_client(py: Python<'_>, handle: &ServerHandle, wait: Duration) -> PyResult<bool> {
    let deadline = Instant::now().checked_add(wait);
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(WAIT_SLICE),
            None => WAIT_SLICE,
        };
        if py.detach(|| handle.wait_for_client(slice)) {
            return Ok(true);
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}

/// The server's counters, for the run's stats.
pub fn stats(handle: &ServerHandle) -> HashMap<&'static str, u64> {
    let s = handle.stats();
    [
        ("clients_accepted", s.accepted),
        ("clients_started", s.started),
        ("clients_refused_max", s.refused_max_clients),
        ("clients_bad_command", s.bad_commands),
        ("clients_never_started", s.never_started),
        ("clients_dropped_slow", s.dropped_slow),
        ("client_records_sent", s.records_sent),
    ]
    .into_iter()
    .collect()
}
