//! argus-format: the Argus 3 binary record format, as argus and ra 3.0.8.2
//! (x86) write and read it — reference §3 (`argus3-reference.md`).
//!
//! Layers, bottom up:
//! * [`header`], [`mar`], [`dsr`]: byte layouts, each DSR type in its own
//!   module, with exact round trips (unknown bytes are kept, never dropped);
//! * [`far`]: a flow record = header + DSRs;
//! * [`map`]: what argus puts in those DSRs for a [`argus_core::record::FlowRecord`],
//!   and back;
//! * [`writer`] / [`reader`]: the entry points, on byte buffers only (no I/O).

pub mod compress;
pub mod dsr;
mod error;
pub mod far;
pub mod header;
pub mod map;
pub mod mar;
pub mod piece;
pub mod reader;
pub mod strip;
mod wire;
pub mod writer;

pub use error::{ErrorKind, FormatError};
pub use far::Far;
pub use map::WriteOptions;
pub use mar::{
    Mar, MarCounters, SensorCounts, SrcIdKind, write_mar_start, write_mar_status, write_mar_stop,
};
pub use reader::{Record, Records, parse_stream};
pub use writer::{SensorWriter, write_flow, write_flow_with};
