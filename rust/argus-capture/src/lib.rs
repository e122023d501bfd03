//! argus-capture: offline capture reading for argus-rs.
//!
//! [`CaptureReader`] turns a legacy pcap or pcapng file (or stdin), gzip
//! compressed or not, into [`argus_core::packet::RawPacket`]s. Parsing of the
//! container formats is pcap-parser's; this crate adds streaming, error
//! reporting with byte offsets, time stamp normalisation to microseconds and
//! libpcap's sanity checks, so that files are accepted and rejected where the
//! libpcap-based reference Argus accepts and rejects them.
//!
//! [`PacketFilter`] is the sensor's BPF input filter (libpcap's compiler and
//! interpreter); [`Pipeline::with_filter`] applies it before the flow engine.
//!
//! Whether a packet's link type can be decoded is for the consumer to decide
//! (`LinkType::is_supported`).
//!
//! [`LiveCapture`] reads live interfaces through libpcap ([`Pipeline::live`]).

pub mod argus_file;
mod bpf;
mod error;
mod feed;
pub mod file_sink;
mod gzip;
mod legacy;
mod limits;
pub mod live;
pub mod mapped;
mod pcapng;
mod pipeline;
mod reader;
pub mod remote;
pub mod sensor;
pub mod sharded;
mod source;
mod walk;

pub use bpf::PacketFilter;
pub use error::CaptureError;
pub use live::{CaptureStats, LiveCapture, LiveOptions};
pub use pipeline::{Fill, Pipeline};
pub use reader::{CaptureFormat, CaptureReader};
pub use sharded::ShardedEngine;
