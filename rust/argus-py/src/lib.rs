//! The `argus_rs._core` extension: a thin layer that runs the Rust engine
//! with the GIL released and hands records to Python as Arrow batches.

mod agr_record;
mod argus_in;
mod argus_out;
mod batch;
mod binary;
mod cluster;
mod filter;
mod live;
mod options;
mod piece;
mod ra_fields;
mod radium;
mod remote_in;
mod remote_out;
mod reopen;
mod scan;
mod strip;

use pyo3::prelude::*;

pyo3::create_exception!(
    _core,
    ArgusReadError,
    pyo3::exceptions::PyException,
    "A capture could not be read (bad file, unsupported link type, corrupt data)."
);

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ArgusReadError", m.py().get_type::<ArgusReadError>())?;
    m.add_class::<scan::FlowBatches>()?;
    m.add_function(wrap_pyfunction!(scan::scan_pcap, m)?)?;
    m.add_class::<argus_in::ArgusBatches>()?;
    m.add_function(wrap_pyfunction!(argus_in::scan_argus, m)?)?;
    m.add_class::<argus_out::ArgusWriter>()?;
    m.add_class::<argus_out::SensorRun>()?;
    m.add_function(wrap_pyfunction!(argus_out::run_sensor, m)?)?;
    m.add_class::<remote_in::RemoteBatches>()?;
    m.add_function(wrap_pyfunction!(remote_in::scan_remote, m)?)?;
    m.add_class::<radium::RadiumRun>()?;
    m.add_function(wrap_pyfunction!(radium::run_radium, m)?)?;
    m.add_class::<live::LiveSensor>()?;
    m.add_function(wrap_pyfunction!(batch::record_schema, m)?)?;
    m.add_class::<filter::RecordFilter>()?;
    m.add_function(wrap_pyfunction!(filter::compile_filter, m)?)?;
    m.add_function(wrap_pyfunction!(ra_fields::ra_format_fixed, m)?)?;
    m.add_function(wrap_pyfunction!(ra_fields::ra_extra, m)?)?;
    m.add_function(wrap_pyfunction!(ra_fields::ra_user_text, m)?)?;
    m.add_function(wrap_pyfunction!(ra_fields::ra_format_time, m)?)?;
    m.add_function(wrap_pyfunction!(ra_fields::ra_join_lines, m)?)?;
    m.add_function(wrap_pyfunction!(strip::strip_dsrs, m)?)?;
    m.add_function(wrap_pyfunction!(agr_record::aggregate_records, m)?)?;
    m.add_class::<cluster::ClusterMerger>()?;
    m.add_function(wrap_pyfunction!(piece::rewrite_piece, m)?)?;
    m.add_function(wrap_pyfunction!(reopen::request_reopen, m)?)?;
    Ok(())
}
