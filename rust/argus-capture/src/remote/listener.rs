//! Accepting clients and the command exchange before `START:`
//! (reference §4.1): the client limit, a fresh START MAR, `FILTER:` compiled
//! per client (`OK`, or `ER` and the connection closed), the start-up
//! timeout. A started client is then fed by its own writer loop.

use super::MAX_LISTEN_EXCEEDED;
use super::command::{Command, parse_commands};
use super::queue::ByteQueue;
use super::server::{Client, Shared};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How often the accept loop looks for the end of the run.
const POLL: Duration = Duration::from_millis(50);

pub(crate) fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || session(s, stream, peer));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                std::thread::sleep(POLL)
            }
            Err(e) => {
                shared.log(&format!("accept failed: {e}"));
                std::thread::sleep(POLL);
            }
        }
    }
}

/// Counts a connection against the limit for as long as it lives.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

fn session(shared: Arc<Shared>, mut stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let taken = shared.sessions.fetch_add(1, Ordering::SeqCst);
    let _slot = Slot(Arc::clone(&shared));
    if taken >= shared.cfg.max_clients {
        shared
            .counters
            .refused_max_clients
            .fetch_add(1, Ordering::Relaxed);
        shared.log(&format!(
            "refused connect from {peer}: too many clients (max {})",
            shared.cfg.max_clients
        ));
        let _ = stream.write_all(&MAX_LISTEN_EXCEEDED);
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    shared.counters.accepted.fetch_add(1, Ordering::Relaxed);
    shared.log(&format!("connect from {peer}"));
    if stream.write_all(&shared.start_mar()).is_err() {
        return;
    }
    let Some(filter) = handshake(&shared, &mut stream, peer) else {
        let _ = stream.shutdown(Shutdown::Both);
        return;
    };
    serve(shared, stream, peer, filter);
}

/// Read commands until `START:`; the client's filter, or `None` when the
/// client is to be closed (done, bad command, timed out, gone).
fn handshake(
    shared: &Shared,
    stream: &mut TcpStream,
    peer: SocketAddr,
) -> Option<Option<crate::sensor::RecordPredicate>> {
    let deadline = Instant::now() + shared.cfg.startup_timeout;
    let mut filter = None;
    let mut buf = vec![0u8; 4096];
    loop {
        let now = Instant::now();
        if now >= deadline || shared.stopping.load(Ordering::SeqCst) {
            shared
                .counters
                .never_started
                .fetch_add(1, Ordering::Relaxed);
            shared.log(&format!("client {peer} never started: timed out"));
            return None;
        }
        let _ = stream.set_read_timeout(Some((deadline - now).min(Duration::from_millis(200))));
        let n = match stream.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        for cmd in parse_commands(&buf[..n]) {
            match cmd {
                Command::Start => return Some(filter),
                Command::Done => return None,
                Command::Ignored(_) => {}
                Command::Filter(text) => match compile(shared, &text) {
                    Ok(f) => {
                        filter = f;
                        if stream.write_all(b"OK").is_err() {
                            return None;
                        }
                    }
                    Err(e) => {
                        refuse(shared, stream, peer, &format!("bad filter {text:?}: {e}"));
                        return None;
                    }
                },
                Command::Unknown(text) => {
                    refuse(shared, stream, peer, &format!("unknown command {text:?}"));
                    return None;
                }
            }
        }
    }
}

fn compile(shared: &Shared, text: &str) -> Result<Option<crate::sensor::RecordPredicate>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match &shared.compiler {
        Some(c) => c(text).map(Some),
        None => Err("this server takes no filters".into()),
    }
}

fn refuse(shared: &Shared, stream: &mut TcpStream, peer: SocketAddr, why: &str) {
    shared.counters.bad_commands.fetch_add(1, Ordering::Relaxed);
    shared.log(&format!("client {peer}: {why}: closed"));
    let _ = stream.write_all(b"ER");
}

/// Stream to a started client until the run ends or it goes away.
fn serve(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    peer: SocketAddr,
    filter: Option<crate::sensor::RecordPredicate>,
) {
    let _ = stream.set_read_timeout(None);
    let (Ok(reader), Ok(closer)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    let client = Arc::new(Client {
        id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        peer: peer.to_string(),
        filter: std::sync::Mutex::new(filter),
        queue: ByteQueue::new(shared.cfg.queue_bytes),
        stream: closer,
    });
    shared.add(Arc::clone(&client));
    let watcher = {
        let c = Arc::clone(&client);
        std::thread::spawn(move || watch(c, reader))
    };
    while let Some(chunk) = client.queue.pop() {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    client.queue.close(false);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
    shared.remove(client.id);
    let _ = watcher.join();
}

/// After `START:` a client only says `DONE:` or closes; either ends it.
fn watch(client: Arc<Client>, mut reader: TcpStream) {
    let mut buf = [0u8; 512];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if parse_commands(&buf[..n]).contains(&Command::Done) {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if !client.queue.is_closed() {
        client.queue.close(false);
        let _ = client.stream.shutdown(Shutdown::Both);
    }
}
