//! Byte-exact round trips: our records (write → parse → write), files real
//! argus wrote and files real `ra -w` rewrote (parse → write), and the
//! FlowRecord view (write → parse → FlowRecord → write).

mod common;

use argus_core::options::EngineOptions;
use argus_format::map::flow_from_far;
use argus_format::{Record, WriteOptions, parse_stream, write_flow_with};
use common::*;
use std::path::PathBuf;
use std::process::Command;

const SAMPLE: &[&str] = &[
    "basic/5-pings.pcap",
    "basic/arp-who-has.pcap",
    "basic/dhcp.pcap",
    "basic/DnsPackets.pcap",
    "basic/igmp-many-groups.pcap",
    "basic/smtp.pcap",
    "encap/eve-flow-vlan__input.pcap",
    "encap/mpls-basic.pcap",
    "frag/fragmented-1.pcap",
    "ipv6/icmp6.pcap",
    "ipv6/ipv6.pcap",
    "tcp/syn.pcap",
    "tcp/window-scale-range.pcap",
];

fn sample() -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    SAMPLE
        .iter()
        .map(|s| dir.join(s))
        .filter(|p| p.exists())
        .collect()
}

/// parse → encode must give back the input, record by record.
fn assert_reencodes(data: &[u8], what: &str) -> usize {
    let mut again = Vec::new();
    let mut n = 0;
    for r in parse_stream(data) {
        let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
        r.encode(&mut again);
        n += 1;
    }
    assert_eq!(again.len(), data.len(), "{what}: length");
    assert!(again == data, "{what}: bytes differ");
    n
}

#[test]
fn our_files_round_trip() {
    // Every option that adds a DSR, so each layout is exercised.
    let opts = EngineOptions {
        appbytes: true,
        jitter: true,
        mac: true,
        packet_size: true,
        ..EngineOptions::default()
    };
    for w in [WriteOptions::default(), WriteOptions::from_engine(&opts)] {
        for pcap in sample() {
            let recs = our_records(&pcap, &opts);
            let data = our_stream(&recs, &w);
            let what = pcap.display().to_string();
            let n = assert_reencodes(&data, &what);
            assert_eq!(n, recs.len() + 2, "{what}: record count");
            // The FlowRecord view keeps everything the writer puts in a file.
            for rec in parse_stream(&data) {
                if let Ok(Record::Flow(f)) = rec {
                    let mut first = Vec::new();
                    f.encode(&mut first);
                    let mut second = Vec::new();
                    write_flow_with(&flow_from_far(&f), &w, &mut second);
                    // The TCP_INIT window is stream state, not record content.
                    if first != second {
                        let r = flow_from_far(&f);
                        assert!(r.tcp_init, "{what}: FlowRecord view loses data: {r:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn real_argus_files_round_trip() {
    if let Some(why) = oracle_missing() {
        println!("skipped: {why}");
        return;
    }
    let tmp = scratch("real-rt");
    let mut files = 0;
    for pcap in sample() {
        for (i, extra) in [&[][..], &["-A", "-J", "-m", "-Z", "-U", "32"][..]]
            .iter()
            .enumerate()
        {
            let out = tmp.join(format!("{}.{i}.argus", files));
            let Some(f) = real_argus(&pcap, &out, extra) else {
                continue;
            };
            let data = std::fs::read(&f).unwrap();
            assert_reencodes(&data, &format!("{} {extra:?}", pcap.display()));
            // The same file gzipped, as ra also accepts it.
            let gz = Command::new("gzip").arg("-kf").arg(&f).status();
            if gz.is_ok_and(|s| s.success()) {
                let z = std::fs::read(f.with_extension("argus.gz")).unwrap();
                let un = argus_format::compress::decompress(&z).unwrap();
                assert!(un.as_ref() == data.as_slice(), "gzip of {}", f.display());
            }
            // ra -w rewrites records in the clients' encoding (AGR, relative times).
            let rw = tmp.join(format!("{}.{i}.ra", files));
            let st = Command::new(RA)
                .arg("-r")
                .arg(&f)
                .arg("-w")
                .arg(&rw)
                .output()
                .unwrap();
            assert!(st.status.success());
            let data = std::fs::read(&rw).unwrap();
            assert_reencodes(&data, &format!("ra -w of {} {extra:?}", pcap.display()));
            files += 1;
        }
    }
    println!("{files} real argus files and their ra -w copies re-encode byte for byte");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn damage_is_reported_with_its_offset() {
    let Some(pcap) = sample()
        .into_iter()
        .find(|p| p.ends_with("basic/smtp.pcap"))
    else {
        return;
    };
    let recs = our_records(&pcap, &EngineOptions::default());
    let data = our_stream(&recs, &WriteOptions::default());
    // Cut inside the third record: the error points at that record's start.
    let mut offsets = Vec::new();
    let mut it = parse_stream(&data);
    for _ in 0..3 {
        offsets.push(it.offset());
        it.next().unwrap().unwrap();
    }
    let third = offsets[2];
    let cut = &data[..third + 10];
    let err = parse_stream(cut).find_map(Result::err).expect("an error");
    assert_eq!(err.offset, third);
    // A zero-length DSR inside a record: the record is kept as ra keeps it,
    // with the damage's offset, and reading goes on with the next record.
    let mut bad = data.clone();
    let dsr_at = offsets[1] + 4;
    bad[dsr_at + 3] = 0;
    let results: Vec<Record> = parse_stream(&bad).map(Result::unwrap).collect();
    let Record::Flow(f) = &results[1] else {
        panic!("not a flow record")
    };
    assert_eq!(f.damage.as_ref().map(|e| e.offset), Some(dsr_at));
    assert!(f.dsrs.is_empty());
    assert_eq!(results.len(), recs.len() + 2);
    assert_reencodes(&bad, "damaged");
    // Not an argus stream at all.
    let e = parse_stream(b"\xd4\xc3\xb2\xa1 not argus")
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(e.offset, 0);
}
