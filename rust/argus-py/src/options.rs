//! Engine options from the Python dict (already validated and named by
//! `argus_rs.options`); a wrong key or type is a ValueError, never a panic.

use argus_core::options::{EngineOptions, FlowKeyBits, USEC};
use argus_format::{SrcIdKind, WriteOptions};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn secs(v: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let s: f64 = v
        .extract()
        .map_err(|_| PyValueError::new_err(format!("option {name}: expected seconds")))?;
    if !s.is_finite() || s < 0.0 {
        return Err(PyValueError::new_err(format!(
            "option {name}: expected a non-negative number of seconds, got {s}"
        )));
    }
    Ok((s * USEC as f64).round() as i64)
}

pub fn engine_options(d: Option<&Bound<'_, PyDict>>) -> PyResult<EngineOptions> {
    let mut o = EngineOptions::default();
    let Some(d) = d else { return Ok(o) };
    for (k, v) in d.iter() {
        let name: String = k.extract()?;
        let flag = || -> PyResult<bool> {
            v.extract::<bool>()
                .map_err(|_| PyValueError::new_err(format!("option {name}: expected true/false")))
        };
        match name.as_str() {
            "status_interval" => o.status_interval_usec = secs(&v, &name)?,
            "mar_interval" => o.mar_interval_usec = secs(&v, &name)?,
            "tcp_timeout" => o.tcp_timeout_usec = secs(&v, &name)?,
            "ip_timeout" => o.ip_timeout_usec = secs(&v, &name)?,
            "icmp_timeout" => o.icmp_timeout_usec = secs(&v, &name)?,
            "igmp_timeout" => o.igmp_timeout_usec = secs(&v, &name)?,
            "frag_timeout" => o.frag_timeout_usec = secs(&v, &name)?,
            "arp_timeout" => o.arp_timeout_usec = secs(&v, &name)?,
            "other_timeout" => o.other_timeout_usec = secs(&v, &name)?,
            "appbytes" => o.appbytes = flag()?,
            "jitter" => o.jitter = flag()?,
            "mac" => o.mac = flag()?,
            "packet_size" => o.packet_size = flag()?,
            "start_records" => o.start_records = flag()?,
            "unidirectional" => o.unidirectional = flag()?,
            "tcp_perf" => o.tcp_perf = flag()?,
            "bidirectional_timestamps" => o.bidirectional_timestamps = flag()?,
            "track_duplicates" => o.track_duplicates = flag()?,
            "max_flows" => {
                o.max_flows = v.extract().map_err(|_| {
                    PyValueError::new_err("option max_flows: expected a number of flows")
                })?
            }
            "max_flow_memory" => {
                o.max_flow_memory = v.extract().map_err(|_| {
                    PyValueError::new_err("option max_flow_memory: expected a byte count")
                })?
            }
            "user_data_len" => {
                o.user_data_len = v.extract().map_err(|_| {
                    PyValueError::new_err("option user_data_len: expected a byte count")
                })?
            }
            "monitor_id" => {
                o.monitor_id = v.extract().map_err(|_| {
                    PyValueError::new_err("option monitor_id: expected a 32-bit number")
                })?
            }
            "flow_key" => {
                let words: Vec<String> = v.extract().map_err(|_| {
                    PyValueError::new_err("option flow_key: expected a list of names")
                })?;
                let mut bits = 0;
                for w in words {
                    bits |= FlowKeyBits::from_name(&w)
                        .ok_or_else(|| {
                            PyValueError::new_err(format!("option flow_key: unknown key {w:?}"))
                        })?
                        .0;
                }
                o.flow_key = FlowKeyBits(bits);
            }
            // read by srcid_kind(): not an engine setting
            "monitor_id_kind" => {}
            _ => return Err(PyValueError::new_err(format!("unknown option {name:?}"))),
        }
    }
    Ok(o)
}

/// How the monitor id was given (`monitor_id_kind`: int, ipv4, string), as
/// records and MARs label it; no id at all is "none".
pub fn srcid_kind(d: Option<&Bound<'_, PyDict>>) -> PyResult<SrcIdKind> {
    let Some(v) = d
        .map(|d| d.get_item("monitor_id_kind"))
        .transpose()?
        .flatten()
    else {
        return Ok(SrcIdKind::None);
    };
    let name: String = v.extract()?;
    Ok(match name.as_str() {
        "int" => SrcIdKind::Int,
        "ipv4" => SrcIdKind::Ipv4,
        "string" => SrcIdKind::Str,
        _ => {
            return Err(PyValueError::new_err(format!(
                "option monitor_id_kind: unknown kind {name:?} (int, ipv4, string)"
            )));
        }
    })
}

/// How records are written for engine options `o` and the id kind in `d`.
pub fn write_options(o: &EngineOptions, d: Option<&Bound<'_, PyDict>>) -> PyResult<WriteOptions> {
    let mut w = WriteOptions::from_engine(o);
    w.srcid_kind = srcid_kind(d)?;
    Ok(w)
}
