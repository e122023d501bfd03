//! The `-P` server's data plane: records encoded once, fanned out to every
//! started client whose filter passes them, through each client's bounded
//! queue. Runs on the sensor's thread; never takes the GIL.

use super::listener;
use super::queue::{ByteQueue, PushError};
use crate::sensor::{RecordPredicate, RecordSink};
use argus_core::record::FlowRecord;
use argus_format::header::rtype;
use argus_format::map::{WriteOptions, flow_from_far};
use argus_format::{Far, MarCounters, SensorWriter};
use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Turns a client's `FILTER:` text into a record predicate (the ra filter
/// compiler), or a one-line reason it is refused.
pub type FilterCompiler = Arc<dyn Fn(&str) -> Result<RecordPredicate, String> + Send + Sync>;

/// How the server listens and treats its clients.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Prefix of log lines (`argus-rs argus`, `argus-rs radium`).
    pub name: String,
    /// Addresses to listen on (`-B`; one listener each).
    pub bind: Vec<String>,
    /// `-P` (0: any free port, for tests).
    pub port: u16,
    pub max_clients: usize,
    /// A client that has not sent `START:` by then is dropped.
    pub startup_timeout: Duration,
    /// Bytes a client's queue may hold before it counts as slow.
    pub queue_bytes: usize,
    /// How long the sensor waits for room in a full queue before dropping
    /// the client: zero for live input (never stall capture); file input
    /// may wait, since nothing is lost by pacing the reading.
    pub stall: Duration,
    /// At the end, how long queued records may take to reach the clients.
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            name: "argus-rs argus".into(),
            bind: vec!["127.0.0.1".into()],
            port: super::DEFAULT_PORT,
            max_clients: super::MAX_CLIENTS,
            startup_timeout: Duration::from_secs(5),
            queue_bytes: 8 << 20,
            stall: Duration::ZERO,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// Counts of what happened to clients, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    pub accepted: u64,
    pub started: u64,
    pub refused_max_clients: u64,
    pub bad_commands: u64,
    pub never_started: u64,
    pub dropped_slow: u64,
    pub records_sent: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub accepted: AtomicU64,
    pub started: AtomicU64,
    pub refused_max_clients: AtomicU64,
    pub bad_commands: AtomicU64,
    pub never_started: AtomicU64,
    pub dropped_slow: AtomicU64,
    pub records_sent: AtomicU64,
}

/// A client that sent `START:`.
pub(crate) struct Client {
    pub id: u64,
    pub peer: String,
    pub filter: Mutex<Option<RecordPredicate>>,
    pub queue: ByteQueue,
    pub stream: TcpStream,
}

/// What the server's threads share.
pub(crate) struct Shared {
    pub cfg: ServerConfig,
    pub compiler: Option<FilterCompiler>,
    /// The settings START MARs of new clients are made from.
    pub mar: Mutex<MarCounters>,
    /// Connections being served (started or not), against the limit.
    pub sessions: AtomicUsize,
    pub clients: Mutex<Vec<Arc<Client>>>,
    pub clients_changed: Condvar,
    pub stopping: AtomicBool,
    pub next_id: AtomicU64,
    pub counters: Counters,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn now_usec() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl Shared {
    pub fn log(&self, msg: &str) {
        eprintln!("{}: {msg}", self.cfg.name);
    }

    /// A client leaves the fan-out (its writer is done).
    pub fn remove(&self, id: u64) {
        let mut clients = lock(&self.clients);
        clients.retain(|c| c.id != id);
        self.clients_changed.notify_all();
    }

    pub fn add(&self, c: Arc<Client>) {
        lock(&self.clients).push(c);
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        self.clients_changed.notify_all();
    }

    /// The START MAR a new client gets: the run's settings, the clock now.
    pub fn start_mar(&self) -> Vec<u8> {
        let mut c = lock(&self.mar).clone();
        c.now_usec = now_usec();
        c.counts.clients = lock(&self.clients).len() as u32;
        let mut out = Vec::with_capacity(128);
        argus_format::write_mar_start(&c, &mut out);
        out
    }
}

/// A view of a running server that stays with the caller when the
/// [`Server`] itself is handed to the sensor as a sink.
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
}

impl ServerHandle {
    /// Where the server listens (the real port when 0 was asked for).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Clients currently started.
    pub fn clients(&self) -> usize {
        lock(&self.shared.clients).len()
    }

    /// Wait until some client has started, at most `timeout`.
    pub fn wait_for_client(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut clients = lock(&self.shared.clients);
        while clients.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            clients = self
                .shared
                .clients_changed
                .wait_timeout(clients, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    pub fn stats(&self) -> ServerStats {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ServerStats {
            accepted: g(&c.accepted),
            started: g(&c.started),
            refused_max_clients: g(&c.refused_max_clients),
            bad_commands: g(&c.bad_commands),
            never_started: g(&c.never_started),
            dropped_slow: g(&c.dropped_slow),
            records_sent: g(&c.records_sent),
        }
    }
}

/// The record sink that serves clients.
pub struct Server {
    shared: Arc<Shared>,
    handle: ServerHandle,
    writer: SensorWriter,
    listeners: Vec<JoinHandle<()>>,
    /// Records gathered per client id since the last flush.
    pending: HashMap<u64, Vec<u8>>,
    /// Records gathered per client id since the last flush (count).
    pending_records: u64,
    /// The clients of the current batch.
    batch_clients: Vec<Arc<Client>>,
    scratch: Vec<u8>,
    ended: bool,
}

impl Server {
    /// Listen on every bind address and start accepting clients.
    /// `write` is how the sensor's records are encoded.
    pub fn start(
        cfg: ServerConfig,
        compiler: Option<FilterCompiler>,
        write: WriteOptions,
    ) -> Result<Server, String> {
        let mut sockets = Vec::new();
        for host in &cfg.bind {
            let addr = bind_addr(host, cfg.port)?;
            let l = TcpListener::bind(addr)
                .map_err(|e| format!("-P {}: cannot listen on {addr}: {e}", cfg.port))?;
            l.set_nonblocking(true)
                .map_err(|e| format!("-P {}: {addr}: {e}", cfg.port))?;
            sockets.push(l);
        }
        let addrs: Vec<SocketAddr> = sockets.iter().filter_map(|l| l.local_addr().ok()).collect();
        let shared = Arc::new(Shared {
            cfg,
            compiler,
            mar: Mutex::new(MarCounters::default()),
            sessions: AtomicUsize::new(0),
            clients: Mutex::new(Vec::new()),
            clients_changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            counters: Counters::default(),
        });
        let listeners = sockets
            .into_iter()
            .map(|l| {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || listener::accept_loop(s, l))
            })
            .collect();
        Ok(Server {
            handle: ServerHandle {
                shared: Arc::clone(&shared),
                addrs,
            },
            shared,
            writer: SensorWriter::new(write),
            listeners,
            pending: HashMap::new(),
            pending_records: 0,
            batch_clients: Vec::new(),
            scratch: Vec::new(),
            ended: false,
        })
    }

    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// The MAR settings START MARs of later clients carry.
    pub fn set_mar(&self, c: &MarCounters) {
        *lock(&self.shared.mar) = c.clone();
    }

    fn begin_batch(&mut self) {
        self.batch_clients.clear();
        self.batch_clients
            .extend(lock(&self.shared.clients).iter().cloned());
    }

    /// Queue the encoded record in `self.scratch` for every client whose
    /// filter passes `flow` (every client when no flow is given: MARs).
    fn fan_out(&mut self, flow: Option<&FlowRecord>) {
        for c in &self.batch_clients {
            if let Some(r) = flow
                && let Some(f) = lock(&c.filter).as_mut()
                && !f(r)
            {
                continue;
            }
            self.pending
                .entry(c.id)
                .or_default()
                .extend_from_slice(&self.scratch);
            self.pending_records += 1;
        }
    }

    /// Hand the gathered records to the client queues; drop clients whose
    /// queue stays full.
    fn flush(&mut self) {
        let stall = self.shared.cfg.stall;
        for c in &self.batch_clients {
            let Some(chunk) = self.pending.remove(&c.id) else {
                continue;
            };
            match c.queue.push(chunk, stall) {
                Ok(()) | Err(PushError::Closed) => {}
                Err(PushError::Full) => {
                    c.queue.close(false);
                    let _ = c.stream.shutdown(Shutdown::Both);
                    self.shared
                        .counters
                        .dropped_slow
                        .fetch_add(1, Ordering::Relaxed);
                    self.shared.log(&format!(
                        "client {} dropped: too slow ({} bytes queued, limit {})",
                        c.peer,
                        c.queue.queued_bytes(),
                        self.shared.cfg.queue_bytes
                    ));
                }
            }
        }
        self.pending.clear();
        self.shared
            .counters
            .records_sent
            .fetch_add(self.pending_records, Ordering::Relaxed);
        self.pending_records = 0;
        self.batch_clients.clear();
    }

    /// Relay records as they were read (radium): MARs to every client,
    /// flow records to those whose filter passes them.
    pub fn relay<'a>(&mut self, records: impl IntoIterator<Item = &'a [u8]>) {
        self.begin_batch();
        if self.batch_clients.is_empty() {
            return;
        }
        let any_filter = self.batch_clients.iter().any(|c| lock(&c.filter).is_some());
        for rec in records {
            self.scratch.clear();
            self.scratch.extend_from_slice(rec);
            let is_flow = rec
                .first()
                .is_some_and(|b| matches!(b & 0xf0, rtype::FAR | rtype::NETFLOW | rtype::EVENT));
            if is_flow && any_filter {
                let flow = flow_from_far(&Far::decode(rec, 0));
                self.fan_out(Some(&flow));
            } else {
                self.fan_out(None);
            }
        }
        self.flush();
    }
}

/// The socket address of `-B host` and `-P port` (IPv6 literals with or
/// without brackets).
fn bind_addr(host: &str, port: u16) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    (h, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("-B {host}: not an address to listen on"))
}

impl RecordSink for Server {
    fn begin(&mut self, c: &MarCounters) {
        self.set_mar(c);
    }

    fn records(&mut self, batch: &[FlowRecord]) {
        self.begin_batch();
        if self.batch_clients.is_empty() {
            return;
        }
        for r in batch {
            self.scratch.clear();
            self.writer.flow(r, &mut self.scratch);
            self.fan_out(Some(r));
        }
        self.flush();
    }

    fn mar(&mut self, c: &MarCounters, stop: bool) {
        {
            let mut m = lock(&self.shared.mar);
            m.next_seq = c.next_seq;
        }
        self.begin_batch();
        let mut c = c.clone();
        c.counts.clients = self.batch_clients.len() as u32;
        self.scratch.clear();
        if stop {
            self.writer.stop(&c, &mut self.scratch);
        } else {
            self.writer.status(&c, &mut self.scratch);
        }
        self.fan_out(None);
        self.pending_records = 0;
        self.flush();
    }

    fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.shared.stopping.store(true, Ordering::SeqCst);
        for l in self.listeners.drain(..) {
            let _ = l.join();
        }
        let deadline = Instant::now() + self.shared.cfg.drain_timeout;
        let mut clients = lock(&self.shared.clients);
        for c in clients.iter() {
            c.queue.close(true);
        }
        while !clients.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                for c in clients.iter() {
                    self.shared.log(&format!(
                        "client {}: closed with {} bytes undelivered (drain timeout)",
                        c.peer,
                        c.queue.queued_bytes()
                    ));
                    c.queue.close(false);
                    let _ = c.stream.shutdown(Shutdown::Both);
                }
                break;
            }
            clients = self
                .shared
                .clients_changed
                .wait_timeout(clients, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
    }
}
