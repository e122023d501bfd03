//! Fuzz-style robustness: truncated and mutated captures must never make the
//! reader panic, and what it yields from a truncated file must be exactly the
//! packets that lie wholly before the cut.

mod common;

use std::io::Write;

use common::*;

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn synthetic_pcap() -> Vec<u8> {
    let mut f = pcap_header(true, true, 200, 1);
    for i in 0..12u32 {
        f.extend(pcap_record(
            true,
            1000 + i,
            i * 7919,
            &payload(20 + 17 * i as usize, i as u8),
            300,
        ));
    }
    f
}

fn synthetic_pcapng() -> Vec<u8> {
    let mut f = ng_shb(false);
    f.extend(ng_idb(false, 1, 0, Some(9), None));
    f.extend(ng_idb(false, 101, 512, Some(0x86), Some(-5)));
    for i in 0..6u64 {
        f.extend(ng_epb(
            false,
            (i % 2) as u32,
            i * 123_456_789,
            &payload(30 + i as usize, i as u8),
            90,
        ));
    }
    f.extend(ng_opb(false, 1, 99, &payload(17, 1), 17));
    f.extend(ng_spb(false, &payload(21, 2), 21));
    f.extend(ng_block(false, 0x0BAD_F00D, &payload(40, 3)));
    f.extend(ng_shb(true));
    f.extend(ng_idb(true, 113, 0, None, Some(7)));
    f.extend(ng_epb(true, 0, 1, &payload(44, 4), 44));
    f
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn samples() -> Vec<(String, Vec<u8>)> {
    let mut s = vec![
        ("synthetic pcap".to_string(), synthetic_pcap()),
        ("synthetic pcapng".to_string(), synthetic_pcapng()),
        ("synthetic pcapng.gz".to_string(), gzip(&synthetic_pcapng())),
    ];
    if let Some(dir) = corpus_dir() {
        for rel in [
            "pcapng/gopacket-be/test100.pcapng",
            "pcapng/pcapng-multi-interface.pcapng",
            "format/nanosecs_big_endian.pcap",
            "malformed/fuzz-2021-10-13.pcap",
            "basic/5-pings.pcap",
        ] {
            s.push((rel.to_string(), std::fs::read(dir.join(rel)).unwrap()));
        }
    }
    s
}

/// What holds for any input: captured bytes never exceed the wire length, an
/// error leaves the reader at the offset it reports, and (for uncompressed
/// input) nothing is read past the end.
fn check_invariants(name: &str, o: &Outcome, plain_len: Option<usize>) {
    for p in &o.packets {
        assert!(p.data.len() as u64 <= u64::from(p.wire_len), "{name}");
    }
    if let Some(e) = &o.error {
        assert_eq!(e.offset, o.end_offset, "{name}: {e}");
        assert!(!e.message.is_empty(), "{name}");
    }
    if let Some(len) = plain_len {
        assert!(o.end_offset <= len as u64, "{name}");
    }
}

fn plain_len(name: &str, len: usize) -> Option<usize> {
    (!name.ends_with(".gz")).then_some(len)
}

#[test]
fn truncations_yield_a_prefix_and_never_panic() {
    for (name, bytes) in samples() {
        let full = read_bytes(&bytes).unwrap();
        assert!(!full.packets.is_empty(), "{name}");
        // Every cut for small inputs, a spread of cuts for larger ones.
        let step = (bytes.len() / 1500).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let Ok(o) = read_bytes(&bytes[..cut]) else {
                continue;
            };
            check_invariants(&name, &o, plain_len(&name, cut));
            let n = o.packets.len();
            assert!(n <= full.packets.len(), "{name} cut at {cut}");
            assert_eq!(o.packets[..], full.packets[..n], "{name} cut at {cut}");
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes = [0usize; 3]; // open error, read error, clean
    for (name, bytes) in samples() {
        let rounds: usize = std::env::var("FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        for _ in 0..rounds {
            let mut m = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                // Headers and lengths matter most: aim at the start half the time.
                let at = if rng.below(2) == 0 {
                    rng.below(m.len().min(64))
                } else {
                    rng.below(m.len())
                };
                m[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xFF,
                    2 => m[at] ^ (1 << rng.below(8)),
                    _ => rng.next() as u8,
                };
            }
            if rng.below(5) == 0 {
                m.truncate(rng.below(m.len() + 1));
            }
            match read_bytes(&m) {
                Err(e) => {
                    assert_eq!(e.offset, 0, "{name}");
                    outcomes[0] += 1;
                }
                Ok(o) => {
                    check_invariants(&name, &o, plain_len(&name, m.len()));
                    outcomes[if o.error.is_some() { 1 } else { 2 }] += 1;
                }
            }
        }
    }
    // The mutations did reach every outcome.
    assert!(outcomes.iter().all(|&n| n > 50), "{outcomes:?}");
}

#[test]
fn garbage_after_a_valid_header_never_panics() {
    let mut rng = Rng(42);
    for header in [
        pcap_header(false, false, 65535, 1),
        pcap_header(true, true, 0, 231),
        ng_shb(false),
        ng_shb(true),
    ] {
        for _ in 0..300 {
            let mut f = header.clone();
            if header.len() > 24 {
                // Give pcapng an interface so packet blocks can be reached.
                f.extend(ng_idb(header[8] == 0x1A, 1, 0, None, None));
            }
            let n = rng.below(400);
            f.extend((0..n).map(|_| rng.next() as u8));
            let o = read_bytes(&f).unwrap();
            check_invariants("garbage", &o, Some(f.len()));
        }
    }
}
