//! Remote access (Argus 3 protocol, reference §4): the `-P` server that
//! streams records to `ra -S` clients, and the client side that reads a
//! remote sensor's stream.
//!
//! * [`Server`] is a record sink: the sensor (or radium) hands it records;
//!   it encodes them once and fans them out to every started client whose
//!   filter passes them, each through a bounded queue ([`queue`]) drained by
//!   that client's own thread, so a slow client is dropped, never waited on
//!   (beyond an optional stall limit for file input).
//! * [`listener`] accepts connections and runs the command exchange
//!   (`FILTER:`, `START:`, `DONE:`, ...; [`command`]).
//! * [`client`] connects to a server and returns an
//!   [`ArgusFileReader`](crate::argus_file::ArgusFileReader) over the stream.

pub mod client;
pub mod command;
mod listener;
pub mod queue;
mod server;

pub use client::{RemoteSource, connect};
pub use server::{FilterCompiler, Server, ServerConfig, ServerHandle, ServerStats};

/// The conventional Argus port (ra's default for `-S host`).
pub const DEFAULT_PORT: u16 = 561;
/// argus's `ARGUS_MAXLISTEN`: clients served at once.
pub const MAX_CLIENTS: usize = 10;
/// The 4-byte MAR header sent to a client over the limit: ERROR | MAXLISTENEXCD.
pub const MAX_LISTEN_EXCEEDED: [u8; 4] = [0x83, 0x82, 0x00, 0x01];
