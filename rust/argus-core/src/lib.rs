//! argus-core: the Argus 3 flow engine without I/O or Python.
//!
//! Data flows one way: [`packet::RawPacket`] → [`decode`] → [`flow`] table →
//! [`record::FlowRecord`]s handed to a sink chosen by the caller.

pub mod decode;
pub mod filter;
pub mod flow;
pub mod options;
pub mod packet;
pub mod record;
pub mod render;
#[cfg(test)]
mod test_packets;
