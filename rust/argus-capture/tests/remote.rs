//! The `-P` server and the `-S` client against each other over loopback:
//! the exchange, per-client filters, the client limit, bad filters, slow
//! clients.

use argus_capture::remote::{self, RemoteSource, Server, ServerConfig};
use argus_capture::sensor::{RecordPredicate, RecordSink};
use argus_core::record::FlowRecord;
use argus_format::MarCounters;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

fn flows(n: u32) -> Vec<FlowRecord> {
    (0..n)
        .map(|i| FlowRecord {
            seq: i,
            stime: 1_000_000 + i64::from(i),
            ltime: 2_000_000 + i64::from(i),
            ..FlowRecord::default()
        })
        .collect()
}

/// Filters for tests: "odd" passes odd sequence numbers; "bad" is refused.
fn compiler() -> remote::FilterCompiler {
    Arc::new(|text: &str| -> Result<RecordPredicate, String> {
        match text {
            "odd" => Ok(Box::new(|r: &FlowRecord| r.seq % 2 == 1)),
            "all" => Ok(Box::new(|_: &FlowRecord| true)),
            _ => Err(format!("syntax error in {text:?}")),
        }
    })
}

fn server(cfg: ServerConfig) -> (Server, RemoteSource) {
    let cfg = ServerConfig {
        port: 0,
        name: "test".into(),
        ..cfg
    };
    let mut s = Server::start(cfg, Some(compiler()), Default::default()).unwrap();
    s.begin(&MarCounters::default());
    let port = s.handle().local_addrs()[0].port();
    (
        s,
        RemoteSource {
            host: "127.0.0.1".into(),
            port,
        },
    )
}

/// (flow records, MARs) read to the end of the stream.
fn drain(mut r: argus_capture::argus_file::ArgusFileReader) -> (Vec<Vec<u8>>, usize) {
    let (mut f, mut m) = (Vec::new(), 0);
    while let Some(rec) = r.next_record().unwrap() {
        if rec.is_flow() {
            f.push(rec.bytes);
        } else {
            m += 1;
        }
    }
    (f, m)
}

const T: Duration = Duration::from_secs(5);

#[test]
fn records_reach_each_client_through_its_filter() {
    let (mut s, src) = server(ServerConfig::default());
    let all = remote::connect(&src, None, T).unwrap();
    let odd = remote::connect(&src, Some("odd"), T).unwrap();
    let h = s.handle();
    for _ in 0..50 {
        if h.clients() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(h.clients(), 2);
    s.records(&flows(10));
    s.mar(&MarCounters::default(), true);
    s.end();
    let (f, m) = drain(all);
    assert_eq!((f.len(), m), (10, 2)); // START + STOP MARs
    let (f, m) = drain(odd);
    assert_eq!((f.len(), m), (5, 2));
    assert_eq!(h.stats().started, 2);
}

#[test]
fn bad_filter_gets_er_and_server_serves_the_next() {
    let (mut s, src) = server(ServerConfig::default());
    let e = remote::connect(&src, Some("bad"), T).err().unwrap();
    assert!(
        e.contains("refused the filter") && e.contains("(ER)"),
        "{e}"
    );
    let ok = remote::connect(&src, Some("all"), T).unwrap();
    assert!(s.handle().wait_for_client(T));
    s.records(&flows(3));
    s.mar(&MarCounters::default(), true);
    s.end();
    assert_eq!(drain(ok).0.len(), 3);
    assert_eq!(s.handle().stats().bad_commands, 1);
}

#[test]
fn eleventh_client_is_refused() {
    let (mut s, src) = server(ServerConfig::default());
    let ten: Vec<_> = (0..10)
        .map(|_| remote::connect(&src, None, T).unwrap())
        .collect();
    let e = remote::connect(&src, None, T).err().unwrap();
    assert!(e.contains("too many clients"), "{e}");
    // the raw answer is the 4-byte ERROR|MAXLISTENEXCD MAR header
    let mut raw = TcpStream::connect(("127.0.0.1", src.port)).unwrap();
    let mut b = Vec::new();
    raw.read_to_end(&mut b).unwrap();
    assert_eq!(b, remote::MAX_LISTEN_EXCEEDED);
    s.mar(&MarCounters::default(), true);
    s.end();
    for r in ten {
        assert_eq!(drain(r).1, 2);
    }
    assert_eq!(s.handle().stats().refused_max_clients, 2);
}

#[test]
fn slow_client_is_dropped_and_others_continue() {
    let (mut s, src) = server(ServerConfig {
        queue_bytes: 64 << 10,
        stall: Duration::from_millis(200),
        ..ServerConfig::default()
    });
    // a client that starts and never reads
    let mut slow = TcpStream::connect(("127.0.0.1", src.port)).unwrap();
    let mut mar = [0u8; 128];
    slow.read_exact(&mut mar).unwrap();
    slow.write_all(b"START: ").unwrap();
    let fast = remote::connect(&src, None, T).unwrap();
    let reader = std::thread::spawn(move || drain(fast));
    let h = s.handle();
    for _ in 0..50 {
        if h.clients() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let batch = flows(1000);
    for _ in 0..200 {
        s.records(&batch);
    }
    s.mar(&MarCounters::default(), true);
    s.end();
    let (f, m) = reader.join().unwrap();
    assert_eq!((f.len(), m), (200_000, 2));
    assert_eq!(h.stats().dropped_slow, 1);
    drop(slow);
}

#[test]
fn client_that_never_starts_is_dropped() {
    let (mut s, src) = server(ServerConfig {
        startup_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    });
    let mut c = TcpStream::connect(("127.0.0.1", src.port)).unwrap();
    let mut b = Vec::new();
    c.read_to_end(&mut b).unwrap(); // START MAR, then closed
    assert_eq!(b.len(), 128);
    assert_eq!(s.handle().stats().never_started, 1);
    s.end();
}

#[test]
fn unreachable_server_is_one_line_naming_it() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let src = RemoteSource {
        host: "127.0.0.1".into(),
        port,
    };
    let e = remote::connect(&src, None, T).err().unwrap();
    assert!(
        e.starts_with(&format!("127.0.0.1:{port}: cannot connect")),
        "{e}"
    );
    assert!(!e.contains('\n'));
}
