//! capgen: deterministic synthetic packet captures for the benchmark.
//!
//! ```text
//! capgen mix OUT.pcap [--packets N] [--seed S] [--duration SECS] [--snaplen N]
//! capgen syn OUT.pcap [--flows N] [--seconds SECS]
//! ```
//!
//! `mix` writes a classic pcap (Ethernet, microseconds) of about N packets
//! (at least N; the last flows started are kept whole) from many concurrent
//! flows interleaved in time over DURATION seconds of packet time: TCP
//! sessions (handshake, request/response data both ways in MSS segments
//! with a growing window and delayed ACKs, FIN or RST closes or none, some
//! retransmitted and out-of-order segments, retried SYNs), refused and
//! unanswered connection attempts, DNS query/response (real DNS messages,
//! some unanswered or retried), NTP, longer UDP streams, ICMP echo, long-lived
//! TCP and UDP flows with idle gaps past Argus's timeouts, IPv6 (TCP, UDP,
//! ICMPv6) and 802.1Q VLAN tags. About 9-10 packets per flow, so 10 M
//! packets make about 1 M flows. Capture point: next to the clients.
//!
//! `syn` writes one TCP SYN per flow from N distinct (address, port) pairs
//! within SECONDS (default 10, well inside every idle timeout), so every
//! flow is still open at the end: memory per open flow.
//!
//! Everything comes from one fixed-seed RNG per flow (splitmix64), so the
//! same arguments give the same bytes. Checksums of TCP, UDP and ICMP are
//! left zero (as with NIC offload); IPv4 header checksums are right.
//! Payload bytes are zeros, except DNS messages. A JSON summary (packets,
//! flows by kind, distinct TCP/UDP 5-tuples, bytes, time span) goes to
//! standard output and to OUT.json.

use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::{cmp::Reverse, process::ExitCode};

const EPOCH_SEC: u64 = 1_700_000_000;
const SEC: u64 = 1_000_000;

// --- RNG ---------------------------------------------------------------------

/// splitmix64: tiny, fast, and good enough for traffic shapes.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }
}

// --- flows and their packet plans --------------------------------------------

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// One planned packet: time from the flow's start (microseconds), direction,
/// and the transport fields that vary.
#[derive(Clone, Copy)]
struct P {
    t: u64,
    c2s: bool,
    /// TCP flags; ICMP type for ICMP flows.
    flags: u8,
    /// Transport payload length (DNS: the whole DNS message).
    len: u16,
    seq: u32,
    ack: u32,
    /// DNS id / ICMP echo sequence number.
    aux: u16,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    TcpSession,
    TcpRefused,
    TcpUnanswered,
    TcpLong,
    Dns,
    Ntp,
    UdpStream,
    UdpLong,
    IcmpEcho,
}

const KINDS: [Kind; 9] = [
    Kind::TcpSession,
    Kind::TcpRefused,
    Kind::TcpUnanswered,
    Kind::TcpLong,
    Kind::Dns,
    Kind::Ntp,
    Kind::UdpStream,
    Kind::UdpLong,
    Kind::IcmpEcho,
];

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::TcpSession => "tcp_session",
        Kind::TcpRefused => "tcp_refused",
        Kind::TcpUnanswered => "tcp_unanswered",
        Kind::TcpLong => "tcp_long",
        Kind::Dns => "dns",
        Kind::Ntp => "ntp",
        Kind::UdpStream => "udp_stream",
        Kind::UdpLong => "udp_long",
        Kind::IcmpEcho => "icmp_echo",
    }
}

struct Flow {
    kind: Kind,
    v6: bool,
    /// 802.1Q VLAN id, 0 for untagged frames.
    vlan: u16,
    proto: u8,
    client: [u8; 16],
    server: [u8; 16],
    cport: u16,
    sport: u16,
    ipid: u16,
    start: u64,
    plan: Vec<P>,
    next: usize,
}

/// The flow mix, by share of flows.
fn pick_kind(rng: &mut Rng) -> Kind {
    let u = rng.unit();
    let table = [
        (0.36, Kind::TcpSession),
        (0.04, Kind::TcpRefused),
        (0.04, Kind::TcpUnanswered),
        (0.002, Kind::TcpLong),
        (0.40, Kind::Dns),
        (0.04, Kind::Ntp),
        (0.05, Kind::UdpStream),
        (0.003, Kind::UdpLong),
        (0.065, Kind::IcmpEcho),
    ];
    let mut acc = 0.0;
    for (p, k) in table {
        acc += p;
        if u < acc {
            return k;
        }
    }
    Kind::TcpSession
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> [u8; 16] {
    let mut x = [0u8; 16];
    x[..4].copy_from_slice(&[a, b, c, d]);
    x
}

fn v6(prefix: u16, host: u32) -> [u8; 16] {
    let mut x = [0u8; 16];
    x[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    x[4..6].copy_from_slice(&prefix.to_be_bytes());
    x[12..].copy_from_slice(&host.to_be_bytes());
    x
}

/// A client address: 65 536 hosts in 10.0.0.0/16 (v4) or 2001:db8:1::/64.
fn client_addr(rng: &mut Rng, is_v6: bool) -> [u8; 16] {
    let h = rng.below(65_536) as u32;
    if is_v6 {
        v6(1, h + 1)
    } else {
        v4(10, 0, (h >> 8) as u8, (h & 0xff) as u8)
    }
}

/// A server address, popular ones more often (index skewed by u^3).
fn server_addr(rng: &mut Rng, is_v6: bool, pool: u32) -> [u8; 16] {
    let u = rng.unit();
    let i = ((u * u * u) * pool as f64) as u32;
    if is_v6 {
        v6(0xffff, i + 1)
    } else {
        // 100.64.0.0/10 (shared address space), far from the clients.
        v4(100, 64 + ((i >> 16) & 0x3f) as u8, (i >> 8) as u8, i as u8)
    }
}

fn resolver(rng: &mut Rng, is_v6: bool) -> [u8; 16] {
    let i = rng.below(4) as u32;
    if is_v6 {
        v6(0x53, i + 1)
    } else {
        v4(10, 255, 0, 53 + i as u8)
    }
}

struct Plan<'a> {
    rng: &'a mut Rng,
    out: Vec<P>,
    t: u64,
}

impl Plan<'_> {
    fn push(&mut self, t: u64, c2s: bool, flags: u8, len: u16, seq: u32, ack: u32) {
        self.out.push(P {
            t,
            c2s,
            flags,
            len,
            seq,
            ack,
            aux: 0,
        });
    }
}

/// TCP state of one connection while planning it.
struct Tcp {
    /// Next sequence number of client and server.
    cseq: u32,
    sseq: u32,
    /// Round-trip time between the capture point (near the client) and the server.
    rtt: u64,
    mss: u32,
}

impl Tcp {
    fn handshake(pl: &mut Plan, is_v6: bool) -> Tcp {
        let rtt = pl.rng.log_uniform(300.0, 200_000.0) as u64;
        let mut tcp = Tcp {
            cseq: pl.rng.next() as u32,
            sseq: pl.rng.next() as u32,
            rtt,
            mss: if is_v6 { 1440 } else { 1460 },
        };
        let t = pl.t;
        pl.push(t, true, SYN, 0, tcp.cseq, 0);
        let mut t = t;
        if pl.rng.chance(0.01) {
            // lost SYN, retried after the initial RTO
            t += SEC;
            pl.push(t, true, SYN, 0, tcp.cseq, 0);
        }
        tcp.cseq = tcp.cseq.wrapping_add(1);
        t += rtt;
        pl.push(t, false, SYN | ACK, 0, tcp.sseq, tcp.cseq);
        tcp.sseq = tcp.sseq.wrapping_add(1);
        t += pl.rng.range(10, 80);
        pl.push(t, true, ACK, 0, tcp.cseq, tcp.sseq);
        pl.t = t;
        tcp
    }

    /// `bytes` from the client (c2s) or the server, in slow-start bursts;
    /// the receiver ACKs every second segment. Some segments are
    /// retransmitted, some pairs arrive swapped.
    fn send(&mut self, pl: &mut Plan, c2s: bool, bytes: u32) {
        let mut left = bytes;
        let mut cwnd = 10u32;
        // Segments from the server are seen when they reach the client; the
        // client's ACKs right after. The client's segments are seen at once,
        // the server's ACKs one RTT later.
        let ack_delay = if c2s { self.rtt } else { 40 };
        while left > 0 {
            let mut segs: Vec<(u32, u16)> = Vec::new();
            let mut seq = if c2s { self.cseq } else { self.sseq };
            while left > 0 && (segs.len() as u32) < cwnd {
                let n = left.min(self.mss);
                segs.push((seq, n as u16));
                seq = seq.wrapping_add(n);
                left -= n;
            }
            if segs.len() >= 2 && pl.rng.chance(0.02) {
                let i = pl.rng.below(segs.len() as u64 - 1) as usize;
                segs.swap(i, i + 1);
            }
            let (mine_ack, other_next) = if c2s {
                (self.sseq, &mut self.cseq)
            } else {
                (self.cseq, &mut self.sseq)
            };
            let mut t = pl.t;
            let nsegs = segs.len();
            for (i, &(s, n)) in segs.iter().enumerate() {
                t += 12 * n as u64 / 100 + pl.rng.range(1, 30);
                let last = i + 1 == nsegs;
                let flags = if last { ACK | PSH } else { ACK };
                pl.push(t, c2s, flags, n, s, mine_ack);
                if pl.rng.chance(0.01) {
                    // lost beyond the capture point: the same segment again
                    // after a retransmission timeout
                    let rto = self.rtt * 2 + 200_000;
                    pl.push(t + rto, c2s, flags, n, s, mine_ack);
                }
                if i % 2 == 1 || last {
                    let acked = s.wrapping_add(n as u32);
                    pl.push(t + ack_delay, !c2s, ACK, 0, mine_ack, acked);
                }
            }
            *other_next = seq;
            pl.t = t + self.rtt;
            cwnd = (cwnd * 2).min(512);
        }
    }

    fn close(&mut self, pl: &mut Plan) {
        let u = pl.rng.unit();
        let mut t = pl.t + pl.rng.exp(30_000.0) as u64;
        if u < 0.80 {
            // the server closes first, as HTTP servers mostly do
            pl.push(t, false, FIN | ACK, 0, self.sseq, self.cseq);
            self.sseq = self.sseq.wrapping_add(1);
            t += pl.rng.range(20, 200);
            pl.push(t, true, ACK, 0, self.cseq, self.sseq);
            t += pl.rng.range(50, 2000);
            pl.push(t, true, FIN | ACK, 0, self.cseq, self.sseq);
            self.cseq = self.cseq.wrapping_add(1);
            t += self.rtt;
            pl.push(t, false, ACK, 0, self.sseq, self.cseq);
        } else if u < 0.92 {
            pl.push(t, true, RST | ACK, 0, self.cseq, self.sseq);
        }
        // else: no teardown seen (the flow idles out or the capture ends)
        pl.t = t;
    }
}

/// Response size of one HTTP-like exchange: mostly small, a heavy tail.
fn response_bytes(rng: &mut Rng) -> u32 {
    let u = rng.unit();
    if u < 0.70 {
        rng.range(150, 3000) as u32
    } else if u < 0.99 {
        rng.log_uniform(3000.0, 40_000.0) as u32
    } else {
        rng.log_uniform(40_000.0, 1_000_000.0) as u32
    }
}

/// DNS query name of a flow: a label derived from the client port.
fn dns_qname(cport: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(40);
    let label_len = 3 + (cport % 17) as usize;
    q.push(label_len as u8);
    for i in 0..label_len {
        q.push(b'a' + ((cport as usize + i * 7) % 26) as u8);
    }
    for label in [&b"example"[..], &b"com"[..]] {
        q.push(label.len() as u8);
        q.extend_from_slice(label);
    }
    q.push(0);
    q
}

fn dns_len(cport: u16, answers: u16, is_v6: bool) -> u16 {
    let q = 12 + dns_qname(cport).len() as u16 + 4;
    q + answers * if is_v6 { 28 } else { 16 }
}

fn plan_flow(f: &mut Flow, rng: &mut Rng, duration: u64) {
    let mut pl = Plan {
        rng,
        out: Vec::new(),
        t: 0,
    };
    match f.kind {
        Kind::TcpSession => {
            let mut tcp = Tcp::handshake(&mut pl, f.v6);
            let rounds = 1 + (pl.rng.exp(0.4) as u32).min(30);
            for r in 0..rounds {
                pl.t += if r == 0 {
                    pl.rng.range(20, 300)
                } else {
                    pl.rng.exp(80_000.0) as u64
                };
                let req = if pl.rng.chance(0.05) {
                    pl.rng.log_uniform(2000.0, 100_000.0) as u32
                } else {
                    pl.rng.range(80, 900) as u32
                };
                tcp.send(&mut pl, true, req);
                pl.t += pl.rng.exp(5_000.0) as u64;
                let resp = response_bytes(pl.rng);
                tcp.send(&mut pl, false, resp);
            }
            tcp.close(&mut pl);
        }
        Kind::TcpRefused => {
            let rtt = pl.rng.log_uniform(300.0, 100_000.0) as u64;
            let seq = pl.rng.next() as u32;
            pl.push(0, true, SYN, 0, seq, 0);
            pl.push(rtt, false, RST | ACK, 0, 0, seq.wrapping_add(1));
        }
        Kind::TcpUnanswered => {
            let seq = pl.rng.next() as u32;
            let tries = pl.rng.range(1, 4);
            let mut t = 0;
            for i in 0..tries {
                pl.push(t, true, SYN, 0, seq, 0);
                t += SEC << i;
            }
        }
        Kind::TcpLong => {
            // interactive session: small exchanges, idle gaps, some past
            // the 60 s TCP timeout
            let mut tcp = Tcp::handshake(&mut pl, f.v6);
            let life = pl.rng.range(60, 400) * SEC;
            while pl.t < life {
                pl.t += if pl.rng.chance(0.05) {
                    pl.rng.range(61, 120) * SEC
                } else {
                    pl.rng.exp(5.0 * SEC as f64) as u64
                };
                let n = pl.rng.range(36, 200) as u32;
                tcp.send(&mut pl, true, n);
                let m = pl.rng.range(36, 1200) as u32;
                tcp.send(&mut pl, false, m);
            }
            tcp.close(&mut pl);
        }
        Kind::Dns => {
            let rtt = pl.rng.log_uniform(500.0, 80_000.0) as u64;
            let id = pl.rng.next() as u16;
            let answers = pl.rng.range(1, 4) as u16;
            let qlen = dns_len(f.cport, 0, f.v6);
            let rlen = dns_len(f.cport, answers, f.v6);
            let u = pl.rng.unit();
            let mut q = P {
                t: 0,
                c2s: true,
                flags: 0,
                len: qlen,
                seq: 0,
                ack: 0,
                aux: id,
            };
            pl.out.push(q);
            if u < 0.05 {
                // unanswered
            } else {
                let mut t = 0;
                if u < 0.10 {
                    t += SEC;
                    q.t = t;
                    pl.out.push(q);
                }
                pl.out.push(P {
                    t: t + rtt,
                    c2s: false,
                    flags: answers as u8,
                    len: rlen,
                    seq: 0,
                    ack: 0,
                    aux: id,
                });
            }
        }
        Kind::Ntp => {
            let rtt = pl.rng.log_uniform(1000.0, 100_000.0) as u64;
            pl.push(0, true, 0, 48, 0, 0);
            pl.push(rtt, false, 0, 48, 0, 0);
        }
        Kind::UdpStream => {
            // QUIC/RTP-like: packets both ways every few tens of ms
            let n = pl.rng.log_uniform(3.0, 80.0) as u64;
            let mut t = 0;
            for _ in 0..n {
                let c2s = pl.rng.chance(0.3);
                let len = if c2s {
                    pl.rng.range(40, 400)
                } else {
                    pl.rng.range(200, 1350)
                } as u16;
                pl.push(t, c2s, 0, len, 0, 0);
                t += pl.rng.exp(20_000.0) as u64 + 100;
            }
        }
        Kind::UdpLong => {
            // telemetry/syslog: one way, gaps of 2-45 s (past the 30 s IP timeout)
            let life = pl.rng.range(60, 400) * SEC;
            let mut t = 0;
            while t < life {
                let len = pl.rng.range(60, 600) as u16;
                pl.push(t, true, 0, len, 0, 0);
                t += pl.rng.range(2, 45) * SEC;
            }
        }
        Kind::IcmpEcho => {
            let rtt = pl.rng.log_uniform(300.0, 150_000.0) as u64;
            let n = pl.rng.range(1, 10) as u16;
            let lost = pl.rng.chance(0.1);
            let (req, rep) = if f.v6 { (128, 129) } else { (8, 0) };
            for s in 0..n {
                let t = s as u64 * SEC;
                pl.out.push(P {
                    t,
                    c2s: true,
                    flags: req,
                    len: 56,
                    seq: 0,
                    ack: 0,
                    aux: s + 1,
                });
                if !(lost && pl.rng.chance(0.5)) {
                    pl.out.push(P {
                        t: t + rtt,
                        c2s: false,
                        flags: rep,
                        len: 56,
                        seq: 0,
                        ack: 0,
                        aux: s + 1,
                    });
                }
            }
        }
    }
    let mut plan = pl.out;
    plan.sort_by_key(|p| p.t);
    // the capture stops at `duration` of packet time
    plan.retain(|p| f.start + p.t < duration);
    f.plan = plan;
}

fn new_flow(rng: &mut Rng, start: u64, duration: u64) -> Flow {
    let kind = pick_kind(rng);
    let is_v6 = rng.chance(0.12);
    let vlan = if rng.chance(0.10) {
        [10u16, 20, 100, 200][rng.below(4) as usize]
    } else {
        0
    };
    let client = client_addr(rng, is_v6);
    let cport = rng.range(32_768, 60_999) as u16;
    let (proto, server, sport) = match kind {
        Kind::TcpSession => {
            let p = if rng.chance(0.8) { 443 } else { 80 };
            (6, server_addr(rng, is_v6, 200_000), p)
        }
        Kind::TcpRefused | Kind::TcpUnanswered => {
            let p = [22u16, 23, 25, 445, 3389, 8080][rng.below(6) as usize];
            (6, server_addr(rng, is_v6, 200_000), p)
        }
        Kind::TcpLong => (6, server_addr(rng, is_v6, 2000), 22),
        Kind::Dns => (17, resolver(rng, is_v6), 53),
        Kind::Ntp => (17, server_addr(rng, is_v6, 50), 123),
        Kind::UdpStream => (17, server_addr(rng, is_v6, 20_000), 443),
        Kind::UdpLong => (17, server_addr(rng, is_v6, 20), 514),
        Kind::IcmpEcho => (if is_v6 { 58 } else { 1 }, server_addr(rng, is_v6, 5000), 0),
    };
    let cport = match kind {
        Kind::Ntp => 123,
        // echo: the identifier stands in the port field
        Kind::IcmpEcho => rng.next() as u16,
        _ => cport,
    };
    let mut f = Flow {
        kind,
        v6: is_v6,
        vlan,
        proto,
        client,
        server,
        cport,
        sport,
        ipid: rng.next() as u16,
        start,
        plan: Vec::new(),
        next: 0,
    };
    plan_flow(&mut f, rng, duration);
    f
}

// --- frames ------------------------------------------------------------------

static ZEROS: [u8; 65_536] = [0; 65_536];

fn mac(addr: &[u8; 16], v6: bool) -> [u8; 6] {
    let (a, b) = if v6 {
        (addr[14], addr[15])
    } else {
        (addr[2], addr[3])
    };
    [0x02, 0x00, 0x0a, 0x00, a, b]
}

const ROUTER_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];

fn ipv4_checksum(h: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in h.chunks(2) {
        sum += u16::from_be_bytes([c[0], c[1]]) as u32;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The frame of packet `i` of flow `f` into `out` (cleared first).
fn frame(f: &Flow, i: usize, out: &mut Vec<u8>) {
    let p = &f.plan[i];
    out.clear();
    let (src, dst, sport, dport) = if p.c2s {
        (&f.client, &f.server, f.cport, f.sport)
    } else {
        (&f.server, &f.client, f.sport, f.cport)
    };
    let cmac = mac(&f.client, f.v6);
    let (smac, dmac) = if p.c2s {
        (cmac, ROUTER_MAC)
    } else {
        (ROUTER_MAC, cmac)
    };
    out.extend_from_slice(&dmac);
    out.extend_from_slice(&smac);
    if f.vlan != 0 {
        out.extend_from_slice(&[0x81, 0x00]);
        out.extend_from_slice(&f.vlan.to_be_bytes());
    }
    out.extend_from_slice(if f.v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });

    let syn_opt = f.proto == 6 && p.flags & SYN != 0;
    let l4_hdr: u16 = match f.proto {
        6 => {
            if syn_opt {
                24
            } else {
                20
            }
        }
        _ => 8,
    };
    let l4_len = l4_hdr + p.len;
    let ip_start = out.len();
    if f.v6 {
        out.extend_from_slice(&[0x60, 0x00, 0x00, 0x00]);
        out.extend_from_slice(&l4_len.to_be_bytes());
        out.push(f.proto);
        out.push(if p.c2s { 64 } else { 57 });
        out.extend_from_slice(src);
        out.extend_from_slice(dst);
    } else {
        let total = 20 + l4_len;
        let id = f.ipid.wrapping_add(i as u16);
        out.extend_from_slice(&[0x45, 0x00]);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&[0x40, 0x00]);
        out.push(if p.c2s { 64 } else { 52 });
        out.push(f.proto);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&src[..4]);
        out.extend_from_slice(&dst[..4]);
        let c = ipv4_checksum(&out[ip_start..ip_start + 20]);
        out[ip_start + 10..ip_start + 12].copy_from_slice(&c.to_be_bytes());
    }
    match f.proto {
        6 => {
            out.extend_from_slice(&sport.to_be_bytes());
            out.extend_from_slice(&dport.to_be_bytes());
            out.extend_from_slice(&p.seq.to_be_bytes());
            out.extend_from_slice(&p.ack.to_be_bytes());
            out.push(((l4_hdr / 4) as u8) << 4);
            out.push(p.flags);
            let win: u16 = if p.c2s { 64_240 } else { 65_160 };
            out.extend_from_slice(&win.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            if syn_opt {
                let mss: u16 = if f.v6 { 1440 } else { 1460 };
                out.extend_from_slice(&[2, 4]);
                out.extend_from_slice(&mss.to_be_bytes());
            }
            out.extend_from_slice(&ZEROS[..p.len as usize]);
        }
        17 => {
            out.extend_from_slice(&sport.to_be_bytes());
            out.extend_from_slice(&dport.to_be_bytes());
            out.extend_from_slice(&l4_len.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            if f.kind == Kind::Dns {
                dns_message(f, p, out);
            } else if f.kind == Kind::Ntp {
                // NTP v4, client mode 3 / server mode 4
                out.push(if p.c2s { 0x23 } else { 0x24 });
                out.extend_from_slice(&ZEROS[..47]);
            } else {
                out.extend_from_slice(&ZEROS[..p.len as usize]);
            }
        }
        _ => {
            out.push(p.flags);
            out.push(0);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&f.cport.to_be_bytes());
            out.extend_from_slice(&p.aux.to_be_bytes());
            out.extend_from_slice(&ZEROS[..p.len as usize]);
        }
    }
}

fn dns_message(f: &Flow, p: &P, out: &mut Vec<u8>) {
    let answers = if p.c2s { 0 } else { p.flags as u16 };
    out.extend_from_slice(&p.aux.to_be_bytes());
    out.extend_from_slice(if p.c2s { &[0x01, 0x00] } else { &[0x81, 0x80] });
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&answers.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&dns_qname(f.cport));
    let qtype: u16 = if f.v6 { 28 } else { 1 };
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&[0, 1]);
    for a in 0..answers {
        out.extend_from_slice(&[0xc0, 0x0c]);
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
        if f.v6 {
            out.extend_from_slice(&[0, 16]);
            out.extend_from_slice(&v6(0x7777, a as u32 + 1));
        } else {
            out.extend_from_slice(&[0, 4, 198, 51, 100, a as u8 + 1]);
        }
    }
}

// --- pcap output --------------------------------------------------------------

struct PcapOut {
    w: BufWriter<File>,
    snaplen: u32,
    packets: u64,
    wire_bytes: u64,
    file_bytes: u64,
}

impl PcapOut {
    fn create(path: &str, snaplen: u32) -> std::io::Result<Self> {
        let mut w = BufWriter::with_capacity(4 << 20, File::create(path)?);
        w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        w.write_all(&2u16.to_le_bytes())?;
        w.write_all(&4u16.to_le_bytes())?;
        w.write_all(&[0; 8])?;
        w.write_all(&snaplen.to_le_bytes())?;
        w.write_all(&1u32.to_le_bytes())?; // LINKTYPE_ETHERNET
        Ok(PcapOut {
            w,
            snaplen,
            packets: 0,
            wire_bytes: 0,
            file_bytes: 24,
        })
    }

    fn packet(&mut self, ts_usec: u64, data: &[u8]) -> std::io::Result<()> {
        let incl = (data.len() as u32).min(self.snaplen);
        let ts = EPOCH_SEC * SEC + ts_usec;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&((ts / SEC) as u32).to_le_bytes());
        h[4..8].copy_from_slice(&((ts % SEC) as u32).to_le_bytes());
        h[8..12].copy_from_slice(&incl.to_le_bytes());
        h[12..16].copy_from_slice(&(data.len() as u32).to_le_bytes());
        self.w.write_all(&h)?;
        self.w.write_all(&data[..incl as usize])?;
        self.packets += 1;
        self.wire_bytes += data.len() as u64;
        self.file_bytes += 16 + incl as u64;
        Ok(())
    }
}

// --- the two captures -------------------------------------------------------

struct MixArgs {
    packets: u64,
    seed: u64,
    duration_s: u64,
    snaplen: u32,
}

fn flow_rng(seed: u64, n: u64) -> Rng {
    Rng::new(seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

fn key_hash(f: &Flow) -> u64 {
    let mut h = Rng::new(f.proto as u64);
    let mut acc = 0u64;
    for chunk in f.client.chunks(8).chain(f.server.chunks(8)) {
        acc = acc.rotate_left(17) ^ u64::from_le_bytes(chunk.try_into().unwrap());
        h.0 ^= acc;
        acc ^= h.next();
    }
    acc ^ ((f.cport as u64) << 16 | f.sport as u64) ^ (f.proto as u64) << 40
}

fn gen_mix(path: &str, a: &MixArgs) -> std::io::Result<String> {
    let duration = a.duration_s * SEC;
    // Mean packets per flow, from a sample of flows planned apart, so that
    // flow starts spread over the whole duration.
    let sample = 20_000u64;
    let mut sample_pkts = 0u64;
    for n in 0..sample {
        let mut r = flow_rng(a.seed ^ 0x5eed, n);
        let start = r.below(duration);
        sample_pkts += new_flow(&mut r, start, duration).plan.len() as u64;
    }
    let mean = sample_pkts as f64 / sample as f64;
    // 2 % early, so that N packets are planned before the duration is up
    let mean_gap = 0.98 * duration as f64 / (a.packets as f64 / mean);

    let mut out = PcapOut::create(path, a.snaplen)?;
    let mut starts = Rng::new(a.seed);
    let mut next_start = 0.0f64;
    let mut planned = 0u64;
    let mut nflows = 0u64;
    let mut by_kind = [0u64; KINDS.len()];
    let mut keys: HashSet<u64> = HashSet::new();
    let mut v6_flows = 0u64;
    let mut vlan_flows = 0u64;
    let mut slots: Vec<Option<Flow>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(u64, u64, usize)>> = BinaryHeap::new();
    let mut order = 0u64;
    let mut buf = Vec::with_capacity(70_000);
    let mut max_concurrent = 0usize;
    loop {
        let starting = planned < a.packets && (next_start as u64) < duration;
        let next_pkt = heap.peek().map(|Reverse((t, _, _))| *t);
        if starting && next_pkt.is_none_or(|t| next_start as u64 <= t) {
            let start = next_start as u64;
            next_start += starts.exp(mean_gap);
            let mut r = flow_rng(a.seed, nflows);
            let f = new_flow(&mut r, start, duration);
            nflows += 1;
            if f.plan.is_empty() {
                continue;
            }
            planned += f.plan.len() as u64;
            by_kind[KINDS.iter().position(|k| *k == f.kind).unwrap()] += 1;
            if f.proto == 6 || f.proto == 17 {
                keys.insert(key_hash(&f));
            }
            v6_flows += f.v6 as u64;
            vlan_flows += (f.vlan != 0) as u64;
            let t0 = f.start + f.plan[0].t;
            let slot = match free.pop() {
                Some(s) => {
                    slots[s] = Some(f);
                    s
                }
                None => {
                    slots.push(Some(f));
                    slots.len() - 1
                }
            };
            heap.push(Reverse((t0, order, slot)));
            order += 1;
            max_concurrent = max_concurrent.max(heap.len());
            continue;
        }
        let Some(Reverse((t, _, slot))) = heap.pop() else {
            break;
        };
        let f = slots[slot].as_mut().unwrap();
        frame(f, f.next, &mut buf);
        out.packet(t, &buf)?;
        f.next += 1;
        if f.next < f.plan.len() {
            let t1 = f.start + f.plan[f.next].t;
            heap.push(Reverse((t1, order, slot)));
            order += 1;
        } else {
            slots[slot] = None;
            free.push(slot);
        }
    }
    out.w.flush()?;
    let kinds: Vec<String> = KINDS
        .iter()
        .zip(by_kind)
        .map(|(k, n)| format!("\"{}\": {}", kind_name(*k), n))
        .collect();
    let flows: u64 = by_kind.iter().sum();
    Ok(format!(
        "{{\"kind\": \"mix\", \"seed\": {}, \"packets\": {}, \"flows\": {}, \"tcp_udp_keys\": {}, \
         \"v6_flows\": {}, \"vlan_flows\": {}, \"wire_bytes\": {}, \"file_bytes\": {}, \
         \"duration_s\": {}, \"snaplen\": {}, \"max_concurrent_flows\": {}, \"by_kind\": {{{}}}}}",
        a.seed,
        out.packets,
        flows,
        keys.len(),
        v6_flows,
        vlan_flows,
        out.wire_bytes,
        out.file_bytes,
        a.duration_s,
        a.snaplen,
        max_concurrent,
        kinds.join(", ")
    ))
}

fn gen_syn(path: &str, flows: u64, seconds: u64) -> std::io::Result<String> {
    let mut out = PcapOut::create(path, 65_535)?;
    let span = seconds * SEC;
    let mut buf = Vec::with_capacity(128);
    let mut rng = Rng::new(7);
    for i in 0..flows {
        // distinct (client, port): 40 000 ports per client address
        let host = (i / 40_000) as u32;
        let f = Flow {
            kind: Kind::TcpUnanswered,
            v6: false,
            vlan: 0,
            proto: 6,
            client: v4(10, (host >> 16) as u8, (host >> 8) as u8, host as u8),
            server: v4(100, 64, 0, 1 + (i % 8) as u8),
            cport: 20_000 + (i % 40_000) as u16,
            sport: 80,
            ipid: i as u16,
            start: 0,
            plan: vec![P {
                t: 0,
                c2s: true,
                flags: SYN,
                len: 0,
                seq: rng.next() as u32,
                ack: 0,
                aux: 0,
            }],
            next: 0,
        };
        frame(&f, 0, &mut buf);
        out.packet(i * span / flows.max(1), &buf)?;
    }
    out.w.flush()?;
    Ok(format!(
        "{{\"kind\": \"syn\", \"packets\": {}, \"flows\": {}, \"wire_bytes\": {}, \"file_bytes\": {}, \"duration_s\": {}}}",
        out.packets, flows, out.wire_bytes, out.file_bytes, seconds
    ))
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: capgen mix OUT [--packets N] [--seed S] [--duration SECS] [--snaplen N]\n       \
         capgen syn OUT [--flows N] [--seconds SECS]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return usage();
    }
    let (mode, path) = (args[0].as_str(), args[1].as_str());
    let opt = |name: &str, default: u64| -> Result<u64, String> {
        match args.iter().position(|a| a == name) {
            None => Ok(default),
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number")),
        }
    };
    let result = match mode {
        "mix" => (|| {
            let a = MixArgs {
                packets: opt("--packets", 10_000_000)?,
                seed: opt("--seed", 1)?,
                duration_s: opt("--duration", 300)?,
                snaplen: opt("--snaplen", 65_535)? as u32,
            };
            if a.packets == 0 || a.duration_s == 0 || a.snaplen < 64 {
                return Err("--packets and --duration must be > 0, --snaplen >= 64".into());
            }
            gen_mix(path, &a).map_err(|e| e.to_string())
        })(),
        "syn" => (|| {
            let flows = opt("--flows", 5_000_000)?;
            let seconds = opt("--seconds", 10)?;
            if seconds == 0 {
                return Err("--seconds must be > 0".into());
            }
            gen_syn(path, flows, seconds).map_err(|e| e.to_string())
        })(),
        _ => return usage(),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            if let Err(e) = std::fs::write(format!("{path}.json"), format!("{summary}\n")) {
                eprintln!("capgen: {path}.json: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("capgen: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
