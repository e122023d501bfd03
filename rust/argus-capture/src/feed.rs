//! Packets handed from reader threads to the flow engine's thread.
//!
//! A blocking source (a live interface, a pipe on stdin) must not block the
//! sensor loop: the sensor writes STATUS MARs and expires idle flows by the
//! wall clock, and returns to Python several times a second so that signal
//! handlers run. So such sources are read on threads of their own, which
//! copy packets into [`PacketBatch`]es and send them over a bounded channel
//! (memory stays bounded: a full channel makes the reader wait, and a live
//! capture's kernel buffer then drops, which pcap's counters report).

use crate::CaptureReader;
use argus_core::packet::{LinkType, RawPacket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Packets per batch at most.
pub(crate) const BATCH_PACKETS: usize = 256;

/// One packet of a batch: where its bytes are in the batch's buffer.
struct Item {
    start: usize,
    len: usize,
    ts_usec: i64,
    wire_len: u32,
    linktype: LinkType,
}

/// Packets copied out of a reader, in arrival order.
#[derive(Default)]
pub(crate) struct PacketBatch {
    data: Vec<u8>,
    items: Vec<Item>,
}

impl PacketBatch {
    pub(crate) fn push(&mut self, p: &RawPacket<'_>) {
        let start = self.data.len();
        self.data.extend_from_slice(p.data);
        self.items.push(Item {
            start,
            len: p.data.len(),
            ts_usec: p.ts_usec,
            wire_len: p.wire_len,
            linktype: p.linktype,
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn packets(&self) -> impl Iterator<Item = RawPacket<'_>> {
        self.items.iter().map(|it| RawPacket {
            ts_usec: it.ts_usec,
            wire_len: it.wire_len,
            linktype: it.linktype,
            data: &self.data[it.start..it.start + it.len],
        })
    }
}

/// What a reader thread sends.
pub(crate) enum Msg {
    Batch(PacketBatch),
    /// A one-line error; the thread ends after sending it.
    Failed(String),
    /// The thread is done (after its last batch).
    Ended,
}

/// The sending side, one per reader thread.
#[derive(Clone)]
pub(crate) struct FeedSender {
    tx: SyncSender<Msg>,
    /// Batches sent and not yet received: when none are, the engine waits
    /// for packets, so even one packet is worth sending at once.
    queued: Arc<AtomicUsize>,
}

impl FeedSender {
    /// Whether the engine is waiting (nothing queued for it).
    pub(crate) fn engine_idle(&self) -> bool {
        self.queued.load(Ordering::Relaxed) == 0
    }

    /// Send, waiting while the channel is full. False when the engine side
    /// is gone (the thread should end).
    pub(crate) fn send(&self, m: Msg) -> bool {
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(m).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// What [`Feed::poll`] found.
pub(crate) enum Poll {
    Batch(PacketBatch),
    /// Nothing arrived in the time given.
    Idle,
    /// Every reader thread has ended.
    Ended,
}

/// The receiving side: batches of every reader thread, in arrival order.
pub(crate) struct Feed {
    rx: Receiver<Msg>,
    queued: Arc<AtomicUsize>,
    /// Reader threads that have not sent [`Msg::Ended`] yet.
    running: usize,
    errors: Vec<String>,
}

impl Feed {
    /// A feed for `senders` reader threads, holding at most `bound` batches.
    pub(crate) fn new(senders: usize, bound: usize) -> (Feed, FeedSender) {
        let (tx, rx) = sync_channel(bound.max(1));
        let queued = Arc::new(AtomicUsize::new(0));
        (
            Feed {
                rx,
                queued: queued.clone(),
                running: senders,
                errors: Vec::new(),
            },
            FeedSender { tx, queued },
        )
    }

    /// The next batch, waiting at most `wait`.
    pub(crate) fn poll(&mut self, wait: Duration) -> Poll {
        loop {
            if self.running == 0 {
                return Poll::Ended;
            }
            let m = match self.rx.recv_timeout(wait) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => return Poll::Idle,
                Err(RecvTimeoutError::Disconnected) => {
                    self.running = 0;
                    return Poll::Ended;
                }
            };
            self.queued.fetch_sub(1, Ordering::Relaxed);
            match m {
                Msg::Batch(b) => return Poll::Batch(b),
                Msg::Failed(e) => self.errors.push(e),
                Msg::Ended => self.running -= 1,
            }
        }
    }

    /// Errors the reader threads reported since the last call.
    pub(crate) fn take_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.errors)
    }
}

/// Read a capture (a pipe, a FIFO) on a thread of its own.
///
/// Packets are sent one by one while the engine waits for them and in
/// batches while it is busy, so a slow input is seen packet by packet and a
/// fast one costs little. Whatever is held back goes out before the thread
/// reads more input: a read on a pipe may block for as long as the writer
/// pauses, and packets already read must reach the flow table meanwhile
/// (their records, the timeouts they move the clock past).
pub(crate) fn read_in_thread(mut reader: CaptureReader) -> Feed {
    let (feed, tx) = Feed::new(1, 64);
    let name = format!("read {}", reader.name());
    let held = Arc::new(Mutex::new(PacketBatch::default()));
    let send_held = {
        let (held, tx) = (held.clone(), tx.clone());
        // false when the engine side is gone
        move || -> bool {
            match held.lock().map(|mut b| std::mem::take(&mut *b)) {
                Ok(b) if b.is_empty() => true,
                Ok(b) => tx.send(Msg::Batch(b)),
                Err(_) => false,
            }
        }
    };
    let on_read = send_held.clone();
    reader.on_read(Box::new(move || {
        on_read();
    }));
    let spawned = thread::Builder::new().name(name).spawn(move || {
        loop {
            match reader.next_packet() {
                Ok(Some(p)) => {
                    let full = match held.lock() {
                        Ok(mut b) => {
                            b.push(&p);
                            b.len() >= BATCH_PACKETS || tx.engine_idle()
                        }
                        Err(_) => return,
                    };
                    if full && !send_held() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    send_held();
                    tx.send(Msg::Failed(e.to_string()));
                    break;
                }
            }
        }
        send_held();
        tx.send(Msg::Ended);
    });
    let mut feed = feed;
    if let Err(e) = spawned {
        feed.errors
            .push(format!("cannot start a reader thread: {e}"));
        feed.running = 0;
    }
    feed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Read};
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::time::Instant;

    /// A pipe whose writer pauses: `read` blocks until the test sends more.
    struct Pipe {
        rx: Receiver<Vec<u8>>,
        rest: Vec<u8>,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.rest.is_empty() {
                match self.rx.recv() {
                    Ok(chunk) => self.rest = chunk,
                    Err(_) => return Ok(0),
                }
            }
            let n = buf.len().min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest.drain(..n);
            Ok(n)
        }
    }

    fn pcap_header() -> Vec<u8> {
        let mut h = Vec::new();
        for v in [0xa1b2_c3d4u32.to_le_bytes().to_vec(), vec![2, 0, 4, 0]] {
            h.extend(v);
        }
        h.extend([0u8; 8]); // thiszone, sigfigs
        h.extend(65535u32.to_le_bytes());
        h.extend(1u32.to_le_bytes()); // Ethernet
        h
    }

    fn record(sec: u32) -> Vec<u8> {
        let mut r = Vec::new();
        for v in [sec, 0, 60, 60] {
            r.extend(v.to_le_bytes());
        }
        r.extend([0u8; 60]);
        r
    }

    #[test]
    fn packets_read_before_a_pause_in_the_input_reach_the_engine() {
        let (tx, rx): (Sender<Vec<u8>>, _) = channel();
        // a header and ten packets, then a writer that pauses
        tx.send(pcap_header()).unwrap();
        tx.send((0..10).flat_map(record).collect()).unwrap();
        let reader = CaptureReader::from_read(
            "-".into(),
            Box::new(Pipe {
                rx,
                rest: Vec::new(),
            }),
        )
        .unwrap();
        // the engine is busy (not polling) while the reader thread takes the
        // ten packets: it batches them up, then waits for more input
        let mut feed = read_in_thread(reader);
        thread::sleep(Duration::from_millis(200));
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = 0;
        while got < 10 && Instant::now() < deadline {
            if let Poll::Batch(b) = feed.poll(Duration::from_millis(50)) {
                got += b.len();
            }
        }
        assert_eq!(got, 10, "packets held back while the input paused");
        drop(tx);
        while !matches!(feed.poll(Duration::from_secs(5)), Poll::Ended) {}
    }
}
