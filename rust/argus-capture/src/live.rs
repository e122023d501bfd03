//! Live capture (`argus -i IFACE ...`): one libpcap handle and one thread per
//! interface, all feeding one flow engine through a bounded [`Feed`].
//!
//! Each thread reads with a short libpcap timeout so that it notices a stop
//! request and sends what it holds even when the interface is quiet; it also
//! samples the kernel's counters (`pcap_stats`: received, dropped for lack
//! of buffer space, dropped by the interface) for the MARs and the log line.

use crate::feed::{BATCH_PACKETS, Feed, FeedSender, Msg, PacketBatch, Poll};
use argus_core::packet::{LinkType, RawPacket};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// libpcap read timeout: how long a quiet interface keeps its thread waiting.
const READ_TIMEOUT_MS: i32 = 50;
/// How often each thread samples pcap_stats.
const STATS_EVERY: Duration = Duration::from_millis(500);

/// How the interfaces are opened.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Promiscuous mode (argus's default; `-p` turns it off).
    pub promisc: bool,
    /// Bytes captured per packet.
    pub snaplen: i32,
    /// Kernel buffer size in bytes (None: libpcap's default).
    pub buffer_size: Option<i32>,
    /// Deliver packets as they arrive rather than when the buffer fills.
    pub immediate: bool,
    /// BPF input filter, compiled by libpcap and run in the kernel.
    pub filter: Option<String>,
    pub optimize: bool,
    /// Batches of packets the engine may lag behind the capture threads.
    pub queue_batches: usize,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            promisc: true,
            snaplen: 96,
            buffer_size: None,
            immediate: true,
            filter: None,
            optimize: true,
            queue_batches: 256,
        }
    }
}

/// The kernel's packet counters of one interface (pcap_stats), since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    pub received: u64,
    /// Dropped because the capture buffer was full.
    pub dropped: u64,
    /// Dropped by the interface or its driver.
    pub if_dropped: u64,
}

impl CaptureStats {
    fn add(&mut self, o: &CaptureStats) {
        self.received += o.received;
        self.dropped += o.dropped;
        self.if_dropped += o.if_dropped;
    }
}

/// One opened interface.
pub struct Interface {
    pub name: String,
    pub linktype: LinkType,
    /// The first IPv4 network of the interface (address & mask, mask), host order.
    pub localnet: Option<(u32, u32)>,
    stats: Arc<Mutex<CaptureStats>>,
}

impl Interface {
    pub fn stats(&self) -> CaptureStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }
}

/// Packets from live interfaces.
pub struct LiveCapture {
    interfaces: Vec<Interface>,
    pub(crate) feed: Feed,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Wake the threads out of libpcap's wait: on Linux (TPACKET_V3) a
    /// read timeout does not end a wait on a quiet interface.
    breaks: Vec<pcap::BreakLoop>,
    /// The counters as of the last [`LiveCapture::period`].
    reported: CaptureStats,
}

/// The interfaces a name stands for: `all` is every interface that is up,
/// except loopback and libpcap's pseudo-device `any` (as argus takes it).
fn expand(name: &str) -> Result<Vec<String>, String> {
    if name != "all" {
        return Ok(vec![name.to_string()]);
    }
    let devices = pcap::Device::list().map_err(|e| format!("-i all: {e}"))?;
    let names: Vec<String> = devices
        .into_iter()
        .filter(|d| d.flags.is_up() && !d.flags.is_loopback() && d.name != "any")
        .map(|d| d.name)
        .collect();
    if names.is_empty() {
        return Err("-i all: no interface is up".into());
    }
    Ok(names)
}

/// The interface argus captures on when none is named: libpcap's first.
pub fn default_interface() -> Result<String, String> {
    match pcap::Device::lookup() {
        Ok(Some(d)) => Ok(d.name),
        Ok(None) => Err("no interface to capture on (give -i IFACE)".into()),
        Err(e) => Err(format!("no interface to capture on: {e}")),
    }
}

fn localnet_of(name: &str) -> Option<(u32, u32)> {
    let dev = pcap::Device::list()
        .ok()?
        .into_iter()
        .find(|d| d.name == name)?;
    dev.addresses
        .iter()
        .find_map(|a| match (a.addr, a.netmask) {
            (IpAddr::V4(addr), Some(IpAddr::V4(mask))) => {
                let m = u32::from(mask);
                Some((u32::from(addr) & m, m))
            }
            _ => None,
        })
}

fn open_one(name: &str, o: &LiveOptions) -> Result<pcap::Capture<pcap::Active>, String> {
    let mut c = pcap::Capture::from_device(name)
        .map_err(|e| format!("{name}: {e}"))?
        .promisc(o.promisc)
        .snaplen(o.snaplen)
        .immediate_mode(o.immediate)
        .timeout(READ_TIMEOUT_MS);
    if let Some(b) = o.buffer_size {
        c = c.buffer_size(b);
    }
    let mut cap = c.open().map_err(|e| format!("{name}: {e}"))?;
    if let Some(expr) = o.filter.as_deref() {
        cap.filter(expr, o.optimize)
            .map_err(|e| format!("{name}: input filter: {e}"))?;
    }
    Ok(cap)
}

impl LiveCapture {
    /// Open every interface (all or nothing: an error names the interface)
    /// and start capturing.
    pub fn open(names: &[String], o: &LiveOptions) -> Result<LiveCapture, String> {
        let mut all = Vec::new();
        for n in names {
            for e in expand(n)? {
                if !all.contains(&e) {
                    all.push(e);
                }
            }
        }
        if all.is_empty() {
            all.push(default_interface()?);
        }
        let mut caps = Vec::with_capacity(all.len());
        for name in &all {
            let cap = open_one(name, o)?;
            let dlt = cap.get_datalink().0;
            let lt = LinkType(dlt as u32);
            if dlt < 0 || !lt.is_supported() {
                return Err(format!("{name}: unsupported link type {}", lt.name()));
            }
            caps.push((name.clone(), lt, cap));
        }
        let (feed, tx) = Feed::new(caps.len(), o.queue_batches);
        let stop = Arc::new(AtomicBool::new(false));
        let mut lc = LiveCapture {
            interfaces: Vec::new(),
            feed,
            stop: stop.clone(),
            threads: Vec::new(),
            breaks: Vec::new(),
            reported: CaptureStats::default(),
        };
        for (name, linktype, mut cap) in caps {
            lc.breaks.push(cap.breakloop_handle());
            let stats = Arc::new(Mutex::new(CaptureStats::default()));
            let t = Reader {
                name: name.clone(),
                linktype,
                cap,
                tx: tx.clone(),
                stop: stop.clone(),
                stats: stats.clone(),
            };
            let h = thread::Builder::new()
                .name(format!("capture {name}"))
                .spawn(move || t.run())
                .map_err(|e| format!("{name}: cannot start a capture thread: {e}"))?;
            lc.threads.push(h);
            lc.interfaces.push(Interface {
                localnet: localnet_of(&name),
                name,
                linktype,
                stats,
            });
        }
        Ok(lc)
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The kernel's counters summed over the interfaces.
    pub fn stats(&self) -> CaptureStats {
        let mut s = CaptureStats::default();
        for i in &self.interfaces {
            s.add(&i.stats());
        }
        s
    }

    /// The counters since the last call (a MAR period), and the log line
    /// argus-rs writes for it: per interface, packets the kernel received
    /// and dropped (buffer full) and the interface dropped, since the start.
    pub fn period(&mut self) -> (CaptureStats, String) {
        let now = self.stats();
        let delta = CaptureStats {
            received: now.received - self.reported.received.min(now.received),
            dropped: now.dropped - self.reported.dropped.min(now.dropped),
            if_dropped: now.if_dropped - self.reported.if_dropped.min(now.if_dropped),
        };
        self.reported = now;
        let parts: Vec<String> = self
            .interfaces
            .iter()
            .map(|i| {
                let s = i.stats();
                format!(
                    "{}: {} packets received, {} dropped by the kernel, {} dropped by the interface",
                    i.name, s.received, s.dropped, s.if_dropped
                )
            })
            .collect();
        (delta, format!("argus-rs: capture {}", parts.join("; ")))
    }

    /// Ask the threads to stop; they send what they hold, then end.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        for b in &self.breaks {
            b.breakloop();
        }
    }

    pub(crate) fn poll(&mut self, wait: Duration) -> Poll {
        self.feed.poll(wait)
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop();
        // Unblock threads waiting on a full channel, then wait for them.
        while !matches!(self.feed.poll(Duration::from_millis(200)), Poll::Ended) {}
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One interface's capture thread.
struct Reader {
    name: String,
    linktype: LinkType,
    cap: pcap::Capture<pcap::Active>,
    tx: FeedSender,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<CaptureStats>>,
}

impl Reader {
    fn run(mut self) {
        let mut batch = PacketBatch::default();
        let mut stats_at = Instant::now();
        let mut failed = None;
        let linktype = self.linktype;
        while !self.stop.load(Ordering::Relaxed) {
            // Every packet the kernel has ready (up to a batch), then the batch
            // goes at once: a packet never waits for the next one.
            let got = self.cap.dispatch(Some(BATCH_PACKETS), |p| {
                let ts = &p.header.ts;
                batch.push(&RawPacket {
                    ts_usec: ts.tv_sec * 1_000_000 + ts.tv_usec,
                    wire_len: p.header.len,
                    linktype,
                    data: p.data,
                });
            });
            match got {
                Ok(_) | Err(pcap::Error::TimeoutExpired) => {}
                // pcap_breakloop (stop()) makes the wait end with an error
                Err(_) if self.stop.load(Ordering::Relaxed) => break,
                Err(e) => {
                    failed = Some(format!("{}: capture failed: {e}", self.name));
                    break;
                }
            }
            if !batch.is_empty() && !self.tx.send(Msg::Batch(std::mem::take(&mut batch))) {
                return;
            }
            if stats_at.elapsed() >= STATS_EVERY {
                self.sample_stats();
                stats_at = Instant::now();
            }
        }
        self.sample_stats();
        if !batch.is_empty() {
            self.tx.send(Msg::Batch(batch));
        }
        if let Some(e) = failed {
            self.tx.send(Msg::Failed(e));
        }
        self.tx.send(Msg::Ended);
    }

    fn sample_stats(&mut self) {
        if let Ok(s) = self.cap.stats()
            && let Ok(mut g) = self.stats.lock()
        {
            // libpcap's counters are 32-bit and wrap: keep 64-bit totals.
            let widen = |old: u64, new: u32| old + u64::from(new.wrapping_sub(old as u32));
            g.received = widen(g.received, s.received);
            g.dropped = widen(g.dropped, s.dropped);
            g.if_dropped = widen(g.if_dropped, s.if_dropped);
        }
    }
}
