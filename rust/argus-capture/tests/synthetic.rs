//! Captures built byte by byte, for the cases the corpus lacks or where the
//! exact expected values must be known: byte orders, time stamp units,
//! several interfaces and sections, and every kind of damage.

mod common;

use std::io::{self, Read, Write};

use argus_capture::{CaptureError, CaptureFormat, CaptureReader};
use argus_core::packet::LinkType;
use common::*;

fn open_bytes(bytes: &[u8]) -> CaptureReader {
    CaptureReader::from_read("mem".into(), Box::new(io::Cursor::new(bytes.to_vec()))).unwrap()
}

fn open_err(bytes: &[u8]) -> CaptureError {
    read_bytes(bytes).expect_err("opened")
}

/// Readers move between threads (e.g. behind a Python object).
#[test]
fn reader_is_send() {
    fn send<T: Send>() {}
    send::<CaptureReader>();
    send::<CaptureError>();
}

#[test]
fn error_display() {
    let e = CaptureError {
        file: "x.pcap".into(),
        offset: 40,
        message: "bad".into(),
    };
    assert_eq!(e.to_string(), "x.pcap: byte offset 40: bad");
    let _: &dyn std::error::Error = &e;
}

#[test]
fn pcap_big_endian_nanoseconds() {
    let a = payload(60, 1);
    let b = payload(20, 2);
    let mut f = pcap_header(true, true, 65535, 1);
    f.extend(pcap_record(true, 1_700_000_000, 123_456_789, &a, 60));
    f.extend(pcap_record(true, 1_700_000_001, 999_999_999, &b, 1514));
    let reader = open_bytes(&f);
    assert_eq!(
        reader.format(),
        CaptureFormat::Pcap {
            nanosecond: true,
            big_endian: true
        }
    );
    assert_eq!(reader.linktype(), Some(LinkType::ETHERNET));
    assert_eq!(reader.byte_offset(), 24);
    let o = drain(reader);
    assert!(o.error.is_none());
    assert_eq!(
        o.packets,
        [
            Pkt {
                ts_usec: 1_700_000_000_123_456,
                wire_len: 60,
                linktype: LinkType::ETHERNET,
                data: a
            },
            // Nanoseconds are truncated, not rounded.
            Pkt {
                ts_usec: 1_700_000_001_999_999,
                wire_len: 1514,
                linktype: LinkType::ETHERNET,
                data: b
            },
        ]
    );
    assert_eq!(o.end_offset, f.len() as u64);
}

#[test]
fn pcap_little_endian_microseconds_and_raw_linktype() {
    let a = payload(40, 3);
    let mut f = pcap_header(false, false, 0, 101); // snaplen 0 = unlimited
    f.extend(pcap_record(false, 10, 999_999, &a, 40));
    let reader = open_bytes(&f);
    assert_eq!(
        reader.format(),
        CaptureFormat::Pcap {
            nanosecond: false,
            big_endian: false
        }
    );
    let o = drain(reader);
    assert_eq!(o.packets[0].ts_usec, 10_999_999);
    assert_eq!(o.packets[0].linktype, LinkType::RAW);
}

#[test]
fn wire_len_never_below_caplen() {
    let a = payload(100, 4);
    let mut f = pcap_header(false, false, 65535, 1);
    f.extend(pcap_record(false, 1, 0, &a, 60)); // orig 60 < caplen 100
    let o = read_bytes(&f).unwrap();
    assert_eq!((o.packets[0].data.len(), o.packets[0].wire_len), (100, 100));
}

#[test]
fn caplen_above_snaplen_is_cut_like_libpcap() {
    let a = payload(100, 5);
    let b = payload(10, 6);
    let mut f = pcap_header(false, false, 64, 1);
    f.extend(pcap_record(false, 1, 0, &a, 1500));
    f.extend(pcap_record(false, 2, 0, &b, 10));
    let o = read_bytes(&f).unwrap();
    assert_eq!(o.packets[0].data, &a[..64]);
    assert_eq!(o.packets[0].wire_len, 1500);
    assert_eq!(o.packets[1].data, b); // and the next record is found
}

#[test]
fn pcap_version_2_3_swapped_lengths() {
    let a = payload(60, 7);
    let mut f = pcap_header(false, false, 65535, 1);
    f[6] = 3; // version 2.3
    // Old field order: len (100) before caplen (60).
    let mut w = W::new(false);
    w.u32(5).u32(0).u32(100).u32(60).bytes(&a);
    f.extend(w.buf);
    f.extend(pcap_record(false, 6, 0, &a, 80)); // today's order, also 2.3
    let o = read_bytes(&f).unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!((o.packets[0].data.len(), o.packets[0].wire_len), (60, 100));
    assert_eq!((o.packets[1].data.len(), o.packets[1].wire_len), (60, 80));
}

#[test]
fn kuznetsov_modified_pcap() {
    let a = payload(30, 8);
    let mut f = pcap_header(false, false, 65535, 1);
    f[..4].copy_from_slice(&0xA1B2_CD34u32.to_le_bytes());
    let mut w = W::new(false);
    w.u32(7)
        .u32(1)
        .u32(30)
        .u32(30)
        .u32(2)
        .u16(0x0800)
        .bytes(&[0, 0])
        .bytes(&a);
    f.extend(w.buf);
    let o = read_bytes(&f).unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.packets[0].data, a);
    assert_eq!(o.packets[0].ts_usec, 7_000_001);
}

#[test]
fn oversized_caplen_is_corruption() {
    let mut f = pcap_header(false, false, 65535, 1);
    f.extend(pcap_record(false, 1, 0, &payload(10, 0), 10));
    let bad_at = f.len() as u64;
    let mut w = W::new(false);
    w.u32(2).u32(0).u32(262_145).u32(262_145).bytes(&[0; 64]);
    f.extend(w.buf);
    let o = read_bytes(&f).unwrap();
    assert_eq!(o.packets.len(), 1);
    let e = o.error.unwrap();
    assert_eq!(e.offset, bad_at);
    assert!(
        e.message
            .contains("invalid packet capture length 262145, bigger than maximum of 262144"),
        "{e}"
    );
}

/// D-Bus (231) may have packets up to 128 MiB in libpcap; one of 1 MiB
/// needs the parse buffer to grow.
#[test]
fn big_packet_grows_the_buffer() {
    let big = payload(1 << 20, 9);
    let mut f = pcap_header(false, false, 0, 231);
    f.extend(pcap_record(false, 1, 0, &payload(10, 0), 10));
    f.extend(pcap_record(false, 2, 0, &big, 1 << 20));
    f.extend(pcap_record(false, 3, 0, &payload(10, 1), 10));
    let o = read_bytes(&f).unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.packets.len(), 3);
    assert_eq!(o.packets[1].data, big);

    // pcapng: a 2 MiB block of an unknown type is skipped.
    let mut g = ng_shb(false);
    g.extend(ng_idb(false, 1, 0, None, None));
    g.extend(ng_block(false, 0x0000_0BEE, &vec![7u8; 2 << 20]));
    g.extend(ng_epb(false, 0, 42, &payload(50, 2), 50));
    let o = read_bytes(&g).unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.packets.len(), 1);
    assert_eq!(o.packets[0].ts_usec, 42);
}

#[test]
fn truncated_trailing_pcap_record() {
    let recs: Vec<Vec<u8>> = (0..3).map(|i| payload(50 + i, i as u8)).collect();
    let mut f = pcap_header(false, false, 65535, 1);
    for (i, r) in recs.iter().enumerate() {
        f.extend(pcap_record(false, 100 + i as u32, 0, r, r.len() as u32));
    }
    let third_at = (24 + 16 + 50 + 16 + 51) as u64;

    // Cut inside the third record's data.
    let o = read_bytes(&f[..f.len() - 10]).unwrap();
    assert_eq!(o.packets.len(), 2);
    assert_eq!(o.packets[1].data, recs[1]);
    let e = o.error.unwrap();
    assert_eq!(e.offset, third_at);
    assert_eq!(
        e.message,
        "truncated packet record (52 captured bytes announced, 42 present)"
    );
    assert_eq!(o.end_offset, third_at);

    // Cut inside the third record's header.
    let o = read_bytes(&f[..third_at as usize + 5]).unwrap();
    assert_eq!(o.packets.len(), 2);
    let e = o.error.unwrap();
    assert_eq!(
        (e.offset, e.message.as_str()),
        (third_at, "truncated packet record header (5 of 16 bytes)")
    );

    // Cut exactly between records: a clean end.
    let o = read_bytes(&f[..third_at as usize]).unwrap();
    assert_eq!((o.packets.len(), o.error), (2, None));
}

#[test]
fn bad_starts() {
    assert!(open_err(&[]).message.contains("empty"));
    assert!(open_err(&[0xd4, 0xc3, 0xb2]).message.contains("too short"));
    let e = open_err(&pcap_header(false, false, 65535, 1)[..20]);
    assert_eq!(e.message, "truncated pcap file header (20 of 24 bytes)");
    let e = open_err(b"GET / HTTP/1.1\r\n");
    assert_eq!(
        (e.offset, e.message.as_str()),
        (0, "unknown file format (magic 0x47455420)")
    );
    let e = open_err(&ng_shb(false)[..20]);
    assert!(e.message.contains("truncated section header block"), "{e}");
    // A header alone is a capture with no packets.
    let o = read_bytes(&pcap_header(false, false, 65535, 1)).unwrap();
    assert_eq!((o.packets.len(), o.error), (0, None));
    let o = read_bytes(&ng_shb(true)).unwrap();
    assert_eq!((o.packets.len(), o.error), (0, None));
}

/// Two interfaces with different link types and time stamp units, an
/// obsolete packet block, a simple packet block, then a second section in
/// the other byte order with its own interface table.
#[test]
fn pcapng_sections_interfaces_and_units() {
    let (p1, p2, p3, p4, p5) = (
        payload(60, 1),
        payload(28, 2),
        payload(33, 3),
        payload(45, 4),
        payload(70, 5),
    );
    let mut f = ng_shb(false);
    f.extend(ng_idb(false, 1, 65535, Some(9), None)); // Ethernet, ns
    f.extend(ng_idb(false, 101, 65535, None, Some(1000))); // raw IP, us, +1000 s
    f.extend(ng_epb(false, 0, 1_700_000_000_123_456_789, &p1, 60));
    f.extend(ng_epb(false, 1, 5_000_001, &p2, 28));
    f.extend(ng_opb(false, 1, 7_000_000, &p3, 40));
    f.extend(ng_spb(false, &p4, 45)); // interface 0, no time stamp
    f.extend(ng_shb(true));
    f.extend(ng_idb(true, 113, 0, Some(0x8A), None)); // SLL, 2^-10 s
    f.extend(ng_epb(true, 0, 3 * 1024 + 512, &p5, 70));
    let bad_at = f.len() as u64;
    f.extend(ng_epb(true, 1, 0, &p1, 60)); // interface 1 does not exist here

    let mut reader = open_bytes(&f);
    assert_eq!(reader.format(), CaptureFormat::PcapNg);
    assert_eq!(reader.linktype(), None); // no interface read yet
    let mut got = Vec::new();
    let error = loop {
        match reader.next_packet() {
            Ok(Some(p)) => {
                got.push(Pkt {
                    ts_usec: p.ts_usec,
                    wire_len: p.wire_len,
                    linktype: p.linktype,
                    data: p.data.to_vec(),
                });
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
        if got.len() == 1 {
            assert_eq!(reader.linktype(), Some(LinkType::ETHERNET));
        }
    };
    assert_eq!(reader.linktype(), Some(LinkType::LINUX_SLL));
    assert_eq!(
        got,
        [
            Pkt {
                ts_usec: 1_700_000_000_123_456,
                wire_len: 60,
                linktype: LinkType::ETHERNET,
                data: p1
            },
            Pkt {
                ts_usec: 1_005_000_001,
                wire_len: 28,
                linktype: LinkType::RAW,
                data: p2
            },
            Pkt {
                ts_usec: 1_007_000_000,
                wire_len: 40,
                linktype: LinkType::RAW,
                data: p3
            },
            Pkt {
                ts_usec: 1_007_000_000,
                wire_len: 45,
                linktype: LinkType::ETHERNET,
                data: p4
            },
            Pkt {
                ts_usec: 3_500_000,
                wire_len: 70,
                linktype: LinkType::LINUX_SLL,
                data: p5
            },
        ]
    );
    let e = error.unwrap();
    assert_eq!(e.offset, bad_at);
    assert!(e.message.contains("interface 1"), "{e}");
    assert_eq!(reader.byte_offset(), bad_at);
    assert!(reader.next_packet().unwrap().is_none());
}

#[test]
fn pcapng_epb_options_are_not_data() {
    let p = payload(13, 9);
    let mut body = W::new(false);
    body.u32(0).u32(0).u32(1).u32(13).u32(13).bytes(&p).pad4();
    body.u16(1).u16(5).bytes(b"hello").pad4().u16(0).u16(0); // opt_comment
    let mut f = ng_shb(false);
    f.extend(ng_idb(false, 1, 0, None, None));
    f.extend(ng_block(false, 6, &body.buf));
    let o = read_bytes(&f).unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.packets[0].data, p);
}

#[test]
fn pcapng_damage() {
    let good = |f: &mut Vec<u8>| {
        f.extend(ng_idb(false, 1, 100, None, None));
        f.extend(ng_epb(false, 0, 1, &payload(20, 0), 20));
    };
    let case = |tail: Vec<u8>| {
        let mut f = ng_shb(false);
        good(&mut f);
        let at = f.len() as u64;
        f.extend(tail);
        let o = read_bytes(&f).unwrap();
        assert_eq!(o.packets.len(), 1);
        let e = o.error.expect("no error");
        assert_eq!(e.offset, at, "{e}");
        e.message
    };
    let epb = ng_epb(false, 0, 2, &payload(20, 1), 20);

    let m = case(epb[..epb.len() - 3].to_vec());
    assert_eq!(m, "truncated enhanced packet block (49 of 52 bytes)");
    let m = case(epb[..6].to_vec());
    assert_eq!(m, "truncated block header (6 of 8 bytes)");

    let mut bad = epb.clone();
    bad[4] = 47; // length not a multiple of 4
    assert!(case(bad).contains("not a multiple of 4"));
    let mut bad = epb.clone();
    bad[4] = 8;
    assert!(case(bad).contains("length of 8 < 12"));
    let mut bad = epb.clone();
    let n = bad.len();
    bad[n - 4] = 56;
    assert!(case(bad).contains("don't match"));
    let mut w = W::new(false);
    w.u32(6).u32(100 << 20).u32(0);
    assert!(case(w.buf).contains("enhanced packet block length 104857600 > maximum"));
    // caplen beyond the block.
    let mut bad = epb.clone();
    bad[20] = 200;
    assert!(case(bad).contains("malformed enhanced packet block"));
    // caplen beyond the interface's snap length (libpcap refuses too).
    let big = ng_epb(false, 0, 3, &payload(120, 2), 120);
    assert!(case(big).contains("invalid packet capture length 120, bigger than snaplen of 100"));
    // Packet before any interface of its section.
    let mut tail = ng_shb(false);
    tail.extend(ng_epb(false, 0, 3, &payload(10, 2), 10));
    let o = read_bytes(&[ng_shb(false), tail].concat()).unwrap();
    assert!(o.error.unwrap().message.contains("interface 0"));
    // Bad if_tsresol.
    assert!(case(ng_idb(false, 1, 0, Some(20), None)).contains("10^-20 is too high"));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_detected_by_content_even_one_byte_at_a_time() {
    let mut f = ng_shb(true);
    f.extend(ng_idb(true, 1, 0, Some(9), None));
    for i in 0..50u64 {
        f.extend(ng_epb(
            true,
            0,
            i * 1_000_000_000 + 999,
            &payload(64 + i as usize, i as u8),
            1500,
        ));
    }
    let plain = drain(open_bytes(&f));
    assert_eq!(plain.packets.len(), 50);
    assert_eq!(plain.packets[49].ts_usec, 49_000_000);

    let gz = gzip(&f);
    let reader = CaptureReader::from_read(
        "gz".into(),
        Box::new(Trickle {
            data: gz.clone(),
            pos: 0,
            step: 1,
        }),
    )
    .unwrap();
    assert!(reader.is_gzip());
    let piped = drain(reader);
    assert_eq!(piped.packets, plain.packets);
    assert_eq!(piped.end_offset, f.len() as u64);

    // Several gzip members, as `cat a.gz b.gz` makes.
    let half = f.len() / 2;
    let two = [gzip(&f[..half]), gzip(&f[half..])].concat();
    assert_eq!(read_bytes(&two).unwrap().packets, plain.packets);

    // A cut gzip stream: the packets before the cut, then an error.
    let o = read_bytes(&gz[..gz.len() * 2 / 3]).unwrap();
    assert!(!o.packets.is_empty() && o.packets.len() < 50);
    assert_eq!(o.packets[..], plain.packets[..o.packets.len()]);
    assert!(o.error.is_some());
}

/// A read failure mid-file ends reading with that failure's text, at the
/// offset of the block being read.
#[test]
fn read_errors_are_reported() {
    struct Failing {
        data: Vec<u8>,
        pos: usize,
    }
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos >= self.data.len() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.data.len() - self.pos).min(100);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let mut f = pcap_header(false, false, 65535, 1);
    for i in 0..5 {
        f.extend(pcap_record(false, i, 0, &payload(84, i as u8), 84));
    }
    let cut = 24 + 3 * 100 + 50; // inside the fourth record
    let r = CaptureReader::from_read(
        "f".into(),
        Box::new(Failing {
            data: f[..cut].to_vec(),
            pos: 0,
        }),
    )
    .unwrap();
    let o = drain(r);
    assert_eq!(o.packets.len(), 3);
    let e = o.error.unwrap();
    assert_eq!((e.offset, e.message.as_str()), (24 + 300, "disk on fire"));
}
