//! The reader against the shared corpus of real captures: packet counts as
//! listed in SOURCES.md (capinfos, or tcpdump where capinfos failed), first
//! time stamps and link types as libpcap reports them, and where and why the
//! damaged files stop.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use argus_capture::{CaptureFormat, CaptureReader};
use argus_core::packet::LinkType;
use common::{Outcome, Trickle, corpus_dir, corpus_files, drain};

fn open(dir: &Path, rel: &str) -> CaptureReader {
    let path = dir.join(rel);
    CaptureReader::open(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn read(dir: &Path, rel: &str) -> Outcome {
    drain(open(dir, rel))
}

/// SOURCES.md rows: file -> packet count. "n/a (tcpdump read N)" counts N.
fn sources_counts(dir: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | origin | license | format | link type | packets | ...
        if cols.len() < 8 || !cols[1].contains('/') || cols[1].starts_with("github.com") {
            continue;
        }
        let packets = cols[6];
        let n = match packets.strip_prefix("n/a (tcpdump read ") {
            Some(rest) => rest.trim_end_matches(')').parse(),
            None => packets.parse(),
        };
        if let Ok(n) = n {
            counts.insert(cols[1].to_string(), n);
        }
    }
    counts
}

/// Every corpus file yields exactly the packet count SOURCES.md gives.
///
/// Those counts are capinfos' (Wireshark), or tcpdump's where capinfos could
/// not read the file. tcpdump itself reads fewer packets from the pcapng
/// files whose interfaces differ in link type or snap length (libpcap stops
/// with an error at the second interface), and cannot read .gz files as
/// packaged in Debian; we read all of those, as capinfos does.
#[test]
fn every_corpus_file_matches_sources_md() {
    let Some(dir) = corpus_dir() else { return };
    let expected = sources_counts(&dir);
    assert!(
        expected.len() > 250,
        "SOURCES.md parsed badly: {} rows",
        expected.len()
    );
    let files = corpus_files(&dir);
    assert_eq!(
        files.len(),
        expected.len(),
        "files on disk vs rows in SOURCES.md"
    );
    let mut total = 0;
    for path in files {
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let want = *expected
            .get(&rel)
            .unwrap_or_else(|| panic!("{rel} not in SOURCES.md"));
        let got = match CaptureReader::open(path.to_str().unwrap()) {
            Ok(r) => drain(r).packets.len(),
            Err(_) => 0,
        };
        assert_eq!(got, want, "{rel}");
        total += got;
    }
    assert!(total > 200_000, "only {total} packets in the whole corpus?");
}

struct Expect {
    file: &'static str,
    count: usize,
    first_ts_usec: i64,
    linktype: u32,
    format: CaptureFormat,
}

const PCAP_LE_US: CaptureFormat = CaptureFormat::Pcap {
    nanosecond: false,
    big_endian: false,
};
const PCAP_BE_US: CaptureFormat = CaptureFormat::Pcap {
    nanosecond: false,
    big_endian: true,
};
const PCAP_LE_NS: CaptureFormat = CaptureFormat::Pcap {
    nanosecond: true,
    big_endian: false,
};
const PCAP_BE_NS: CaptureFormat = CaptureFormat::Pcap {
    nanosecond: true,
    big_endian: true,
};
const NG: CaptureFormat = CaptureFormat::PcapNg;

/// First time stamps are those `tcpdump -tt` prints (libpcap 1.10.3), except
/// that tcpdump prints seconds modulo 2^32 where noted.
const REPRESENTATIVE: &[Expect] = &[
    Expect {
        file: "basic/real.pcap",
        count: 62781,
        first_ts_usec: 1_353_690_039_425_111,
        linktype: 1,
        format: PCAP_LE_US,
    },
    Expect {
        file: "basic/irc-dcc-send.pcapng",
        count: 1184,
        first_ts_usec: 1_753_735_709_964_970,
        linktype: 1,
        format: NG,
    },
    Expect {
        file: "format/nanosecs.pcap",
        count: 2,
        first_ts_usec: 1_000_002,
        linktype: 1,
        format: PCAP_LE_NS,
    },
    Expect {
        file: "format/nanosecs_big_endian.pcap",
        count: 10,
        first_ts_usec: 1_766_361_926_167_647,
        linktype: 1,
        format: PCAP_BE_NS,
    },
    Expect {
        file: "format/tcp-handshake-nano.pcap",
        count: 3,
        first_ts_usec: 1_418_145_369_924_505,
        linktype: 113,
        format: PCAP_LE_NS,
    },
    Expect {
        file: "format/bigendian.pcap",
        count: 2,
        first_ts_usec: 1_335_958_313_152_630,
        linktype: 1,
        format: PCAP_BE_US,
    },
    Expect {
        file: "format/alexa-app.pcapng",
        count: 3435,
        first_ts_usec: 1_490_976_022_526_783,
        linktype: 1,
        format: PCAP_BE_US,
    },
    Expect {
        file: "format/openvpn.pcap",
        count: 706,
        first_ts_usec: 62_262_978,
        linktype: 1,
        format: NG,
    },
    Expect {
        file: "linktypes/microsecs_big_endian.pcap",
        count: 13,
        first_ts_usec: 1_474_059_824_864_984,
        linktype: 253,
        format: PCAP_BE_US,
    },
    Expect {
        file: "linktypes/vsock-1.pcapng",
        count: 10,
        first_ts_usec: 1_499_949_071_261_679,
        linktype: 271,
        format: NG,
    },
    Expect {
        file: "pcapng/pcapng-multi-interface.pcapng",
        count: 6,
        first_ts_usec: 1_767_663_089_500_330,
        linktype: 1,
        format: NG,
    },
    Expect {
        file: "pcapng/quic-33.pcapng",
        count: 992,
        first_ts_usec: 1_607_938_456_563_491,
        linktype: 1,
        format: NG,
    },
    // if_tsresol = 0x88: units of 2^-8 s.
    Expect {
        file: "pcapng/gopacket-le/test902.pcapng",
        count: 1,
        first_ts_usec: 1_519_128_000_195_312,
        linktype: 1,
        format: NG,
    },
    // The writer put seconds in the high word; libpcap divides the 64-bit
    // count by 10^6 like us (tcpdump prints 1177611630.539464).
    Expect {
        file: "pcapng/dhcp_big_endian.pcapng",
        count: 4,
        first_ts_usec: 4_734_231_571_822_539_464,
        linktype: 1,
        format: NG,
    },
    // After 2106 (tcpdump prints 28315904.000000).
    Expect {
        file: "pcapng/time_2107.pcapng",
        count: 1,
        first_ts_usec: 4_323_283_200_000_000,
        linktype: 1,
        format: NG,
    },
    // Link-type field 0x30000084: FCS-length bits above LINKTYPE 132.
    Expect {
        file: "malformed/juniper_es_oobr.pcap",
        count: 1,
        first_ts_usec: 808_466_480_999_999,
        linktype: 132,
        format: PCAP_LE_US,
    },
];

#[test]
fn representative_files_count_time_linktype() {
    let Some(dir) = corpus_dir() else { return };
    for e in REPRESENTATIVE {
        let reader = open(&dir, e.file);
        assert_eq!(reader.format(), e.format, "{}", e.file);
        assert!(!reader.is_gzip(), "{}", e.file);
        let o = drain(reader);
        assert!(o.error.is_none(), "{}: {:?}", e.file, o.error);
        assert_eq!(o.packets.len(), e.count, "{}", e.file);
        let first = &o.packets[0];
        assert_eq!(first.ts_usec, e.first_ts_usec, "{}", e.file);
        assert_eq!(first.linktype, LinkType(e.linktype), "{}", e.file);
        for p in &o.packets {
            assert!(p.data.len() as u64 <= u64::from(p.wire_len), "{}", e.file);
        }
    }
}

/// A clean file is read to its last byte; `byte_offset` says so.
#[test]
fn byte_offset_reaches_file_size() {
    let Some(dir) = corpus_dir() else { return };
    for rel in [
        "basic/real.pcap",
        "basic/irc-dcc-send.pcapng",
        "pcapng/gopacket-be/test100.pcapng",
    ] {
        let size = std::fs::metadata(dir.join(rel)).unwrap().len();
        let mut reader = open(&dir, rel);
        let start = reader.byte_offset();
        assert!(start == 24 || start == 0, "{rel}: starts at {start}");
        let mut last = start;
        while let Some(_p) = reader.next_packet().unwrap() {
            let now = reader.byte_offset();
            assert!(now > last, "{rel}: offset did not advance");
            last = now;
        }
        assert_eq!(reader.byte_offset(), size, "{rel}");
    }
}

#[test]
fn pcapng_per_interface_linktypes() {
    let Some(dir) = corpus_dir() else { return };
    let tally = |rel: &str| {
        let mut t = BTreeMap::new();
        for p in read(&dir, rel).packets {
            *t.entry(p.linktype.0).or_insert(0) += 1;
        }
        t
    };
    // Counts per link type from the files' IDBs and EPBs.
    assert_eq!(
        tally("pcapng/many_interfaces-1.pcapng"),
        BTreeMap::from([(0, 2), (1, 62)])
    );
    assert_eq!(
        tally("pcapng/pcapng-example.pcapng"),
        BTreeMap::from([(1, 59), (113, 100)])
    );
    assert_eq!(
        tally("pcapng/gopacket-le/test006.pcapng"),
        BTreeMap::from([(0, 1), (1, 4)])
    );
    // Big-endian, several sections, simple packet blocks.
    assert_eq!(
        tally("pcapng/gopacket-be/test100.pcapng"),
        BTreeMap::from([(0, 1), (1, 4)])
    );
}

/// Two interfaces, if_tsresol 9 and 6: every time stamp as tcpdump prints it.
#[test]
fn pcapng_mixed_resolutions() {
    let Some(dir) = corpus_dir() else { return };
    let ts: Vec<i64> = read(&dir, "pcapng/pcapng-multi-interface.pcapng")
        .packets
        .iter()
        .map(|p| p.ts_usec)
        .collect();
    assert_eq!(
        ts,
        [
            1_767_663_089_500_330,
            1_767_663_089_514_291,
            1_767_663_437_111_897,
            1_767_663_437_126_460,
            1_767_663_437_128_303,
            1_767_663_437_140_942,
        ]
    );
}

/// Simple packet blocks carry no time stamp: they get the previous packet's.
#[test]
fn simple_packet_blocks_reuse_previous_time() {
    let Some(dir) = corpus_dir() else { return };
    let o = read(&dir, "pcapng/gopacket-le/test016.pcapng"); // SPB, EPB, SPB, EPB
    let ts: Vec<i64> = o.packets.iter().map(|p| p.ts_usec).collect();
    assert_eq!(
        ts,
        [
            0,
            1_340_954_905_298_858,
            1_340_954_905_298_858,
            1_340_954_905_300_858
        ]
    );
    let o = read(&dir, "pcapng/gopacket-le/test010.pcapng"); // SPBs only
    assert_eq!(o.packets.len(), 4);
    assert!(o.packets.iter().all(|p| p.ts_usec == 0));
    assert_eq!(o.packets[0].data.len(), 314);
}

#[test]
fn gzip_file_and_gzip_through_a_pipe() {
    let Some(dir) = corpus_dir() else { return };
    let rel = "format/tls-fragmented-handshake.pcap.gz";
    let reader = open(&dir, rel);
    assert!(reader.is_gzip());
    assert_eq!(reader.format(), PCAP_LE_US);
    let whole = drain(reader);
    assert!(whole.error.is_none());
    assert_eq!(whole.packets.len(), 416);
    assert_eq!(whole.packets[0].ts_usec, 1_426_117_218_064_063);
    // Offsets count decompressed bytes.
    let mut plain = Vec::new();
    let gz = std::fs::read(dir.join(rel)).unwrap();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(whole.end_offset, plain.len() as u64);
    assert_eq!(plain.len(), 374_521);

    // Same bytes, 7 at a time, as from a pipe.
    let trickle = Trickle {
        data: gz,
        pos: 0,
        step: 7,
    };
    let piped = drain(CaptureReader::from_read("pipe".into(), Box::new(trickle)).unwrap());
    assert_eq!(piped.packets, whole.packets);
}

#[test]
fn plain_file_through_a_pipe_is_the_same() {
    let Some(dir) = corpus_dir() else { return };
    for rel in ["basic/irc-dcc-send.pcapng", "format/ps_vue.pcap"] {
        let whole = read(&dir, rel);
        let data = std::fs::read(dir.join(rel)).unwrap();
        let trickle = Trickle {
            data,
            pos: 0,
            step: 1000,
        };
        let piped = drain(CaptureReader::from_read("pipe".into(), Box::new(trickle)).unwrap());
        assert_eq!(piped.packets, whole.packets, "{rel}");
        assert!(piped.error.is_none());
    }
}

/// Damaged files: the good packets first, then an error naming the byte
/// offset of the bad record, as libpcap (tcpdump) reports them.
#[test]
fn damaged_files_stop_at_the_right_record() {
    let Some(dir) = corpus_dir() else { return };
    let cases: &[(&str, usize, u64, &str)] = &[
        (
            "malformed/10.7.29.101_49898-178.63.41.150_25.pcap",
            18,
            3695,
            "invalid packet capture length 3925868813",
        ),
        (
            "malformed/tls_DER-incomplete-header.pcap",
            6,
            5035,
            "invalid packet capture length 4325376",
        ),
        (
            "malformed/fuzz.pcap",
            1,
            228,
            "invalid packet capture length 1409179648",
        ),
        (
            "malformed/test_damaged.pcap",
            1,
            114,
            "truncated packet record",
        ),
        (
            "malformed/fuzz-2021-10-13.pcap",
            1,
            237,
            "truncated packet record header",
        ),
        (
            "malformed/gopacket-le/test901.pcapng",
            1,
            480,
            "major version number 2",
        ),
    ];
    for &(rel, count, offset, msg) in cases {
        let o = read(&dir, rel);
        assert_eq!(o.packets.len(), count, "{rel}");
        let e = o.error.unwrap_or_else(|| panic!("{rel}: no error"));
        assert_eq!(e.offset, offset, "{rel}: {e}");
        assert!(e.message.contains(msg), "{rel}: {e}");
        assert!(e.to_string().starts_with(&format!(
            "{}: byte offset {offset}: ",
            dir.join(rel).display()
        )));
        assert_eq!(o.end_offset, offset, "{rel}");
    }
    // The legacy pcap ones: the error offset is right after the packets read.
    let o = read(&dir, "malformed/10.7.29.101_49898-178.63.41.150_25.pcap");
    let consumed: u64 = 24
        + o.packets
            .iter()
            .map(|p| 16 + p.data.len() as u64)
            .sum::<u64>();
    assert_eq!(consumed, 3695);
}

#[test]
fn files_rejected_at_open() {
    let Some(dir) = corpus_dir() else { return };
    let cases = [
        (
            "malformed/test_without_pcap_header.pcap",
            "unknown file format (magic 0x00000000)",
        ),
        (
            "malformed/pcap-invalid-version-1.pcap",
            "archaic pcap savefile format",
        ),
        (
            "malformed/pcapng-invalid-vers-1.pcapng",
            "unsupported pcapng savefile version 0.1",
        ),
        (
            "malformed/pcapng-invalid-vers-2.pcapng",
            "unsupported pcapng savefile version 1.1",
        ),
        ("malformed/shb-option-too-long.pcapng", "don't match"),
        (
            "malformed/linktype-reserved-field-not-zero.pcap",
            "reserved bits",
        ),
        ("SOURCES.md", "unknown file format (magic 0x23205368)"),
    ];
    for (rel, msg) in cases {
        let path = dir.join(rel);
        let e = CaptureReader::open(path.to_str().unwrap())
            .err()
            .unwrap_or_else(|| panic!("{rel} opened"));
        assert_eq!(e.offset, 0, "{rel}");
        assert!(e.message.contains(msg), "{rel}: {e}");
    }
    let missing = dir.join("no/such/file.pcap");
    let e = CaptureReader::open(missing.to_str().unwrap())
        .err()
        .unwrap();
    assert_eq!((e.offset, e.file.as_str()), (0, missing.to_str().unwrap()));
    assert!(e.message.contains("No such file"), "{e}");
    let e = CaptureReader::open(dir.to_str().unwrap()).err().unwrap();
    assert!(e.message.contains("directory"), "{e}");
}

/// libpcap quirks kept: a caplen above the file's snap length is cut to it,
/// and pre-2.3 files have their length fields the other way round.
#[test]
fn libpcap_length_quirks() {
    let Some(dir) = corpus_dir() else { return };
    // Snap length 61, record caplen 74.
    let o = read(&dir, "malformed/icmp6_nodeinfo_oobr.pcap");
    assert_eq!((o.packets[0].data.len(), o.packets[0].wire_len), (61, 74));
    // Version 2.0: tcpdump reports caplen 197, len 524501.
    let o = read(&dir, "malformed/fuzz-2021-10-13.pcap");
    assert_eq!(
        (o.packets[0].data.len(), o.packets[0].wire_len),
        (197, 524_501)
    );
    assert_eq!(o.packets[0].linktype, LinkType::NULL); // field 0x40000000
}
