//! Compressed argus files made by the real tools (`gzip`, `bzip2`, `xz`,
//! `zstd`) from a real argus file: each decodes to the original bytes, in
//! memory and streaming, concatenated members included; truncated or
//! corrupted ones are errors naming the format, never panics.
//!
//! A tool that is not installed skips its format (`make setup-system`
//! installs them all); with no real argus, a file of our own writer is used.

mod common;

use argus_core::options::EngineOptions;
use argus_format::compress::{Compression, decompress, decompress_reader, detect};
use argus_format::{WriteOptions, parse_stream};
use common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TOOLS: [(&str, Compression); 4] = [
    ("gzip", Compression::Gzip),
    ("bzip2", Compression::Bzip2),
    ("xz", Compression::Xz),
    ("zstd", Compression::Zstd),
];

/// An argus file: real argus's output for a capture (1.4 MB of records, so
/// more than one bzip2 block), else our writer's.
fn argus_file(tmp: &Path) -> Vec<u8> {
    let pcap = corpus_dir()
        .map(|d| d.join("basic/real.pcap"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/demo.pcap"));
    if oracle_missing().is_none()
        && let Some(f) = real_argus(&pcap, &tmp.join("real.argus"), &[])
    {
        let data = std::fs::read(f).unwrap();
        if data.len() > 1000 {
            return data;
        }
    }
    println!("real argus not usable: the file is our writer's");
    let recs = our_records(&pcap, &EngineOptions::default());
    our_stream(&recs, &WriteOptions::default())
}

/// `tool args` with `input` on stdin; its stdout, or None if it is missing.
fn run(tool: &str, args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success(), "{tool} {args:?} failed");
    Some(out.stdout)
}

fn stream_all(data: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    decompress_reader(std::io::Cursor::new(data))?.read_to_end(&mut out)?;
    Ok(out)
}

fn check_decodes(name: &str, z: &[u8], want: &[u8]) {
    let un = decompress(z).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(un.as_ref() == want, "{name}: in memory, wrong bytes");
    let un = stream_all(z.to_vec()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(un == want, "{name}: streaming, wrong bytes");
}

#[test]
fn real_tools_output_decodes_to_the_argus_file() {
    let tmp = scratch("compressed");
    let data = argus_file(&tmp);
    assert!(parse_stream(&data).count() > 1, "an argus stream");
    let (a, b) = data.split_at(data.len() / 3);
    for (tool, c) in TOOLS {
        let Some(z) = run(tool, &["-c"], &data) else {
            println!("skipped {tool}: not installed");
            continue;
        };
        assert_eq!(detect(&z), c, "{tool}");
        check_decodes(tool, &z, &data);
        // The strongest level too (xz -9 has a 64 MiB dictionary).
        let z9 = run(tool, &["-c", "-9"], &data).unwrap();
        check_decodes(&format!("{tool} -9"), &z9, &data);
        // `cat a.gz b.gz`: members one after the other, as `tool -dc` reads them.
        let mut cat = run(tool, &["-c"], a).unwrap();
        cat.extend(run(tool, &["-c"], b).unwrap());
        check_decodes(&format!("{tool} concatenated"), &cat, &data);
        assert_eq!(
            run(tool, &["-dc"], &cat).unwrap(),
            data,
            "{tool} -dc agrees"
        );
        // Truncated: an error naming the format, with the end of input.
        for cut in [z.len() / 2, z.len() - 1] {
            let e = decompress(&z[..cut]).unwrap_err();
            println!("{tool} cut at {cut}/{}: {e}", z.len());
            assert!(
                e.starts_with(c.name()) && e.contains("unexpected end"),
                "{e}"
            );
        }
        // Corrupted in the middle: an error naming the format.
        let mut bad = z.clone();
        let mid = bad.len() / 2;
        for x in &mut bad[mid..mid + 4] {
            *x ^= 0xff;
        }
        let e = decompress(&bad).unwrap_err();
        println!("{tool} corrupted at {mid}: {e}");
        assert!(e.starts_with(c.name()) && !e.contains('\n'), "{e}");
    }
}

#[test]
fn zstd_frames_with_and_without_checksums_and_sizes() {
    let tmp = scratch("compressed-zstd");
    let data = argus_file(&tmp);
    let variants: &[&[&str]] = &[
        &["-c", "--no-check"],
        &["-c", "--check"],
        &["-c", "--no-content-size"],
        &["-c", "-19", "--long=27"],
        &["-c", "-B4096", "-T2"],
    ];
    for args in variants {
        let Some(z) = run("zstd", args, &data) else {
            println!("skipped: zstd not installed");
            return;
        };
        check_decodes(&format!("zstd {args:?}"), &z, &data);
    }
}

#[test]
fn xz_and_bzip2_variants() {
    let tmp = scratch("compressed-xz");
    let data = argus_file(&tmp);
    let variants: &[(&str, &[&str])] = &[
        ("xz", &["-c", "--check=none"]),
        ("xz", &["-c", "--check=crc32"]),
        ("xz", &["-c", "--check=sha256"]),
        ("xz", &["-c", "--block-size=4096"]),
        ("xz", &["-c", "-T2", "--block-size=8192"]),
        ("bzip2", &["-c", "-1"]),
    ];
    for (tool, args) in variants {
        let Some(z) = run(tool, args, &data) else {
            println!("skipped: {tool} not installed");
            continue;
        };
        check_decodes(&format!("{tool} {args:?}"), &z, &data);
    }
}

/// A file on disk read through `decompress_reader`, as a client would.
#[test]
fn a_compressed_file_streams_from_disk() {
    let tmp = scratch("compressed-file");
    let data = argus_file(&tmp);
    let path: PathBuf = tmp.join("x.argus");
    std::fs::write(&path, &data).unwrap();
    let Some(z) = run("xz", &["-c"], &data) else {
        println!("skipped: xz not installed");
        return;
    };
    std::fs::write(path.with_extension("argus.xz"), &z).unwrap();
    let f = std::fs::File::open(path.with_extension("argus.xz")).unwrap();
    let mut out = Vec::new();
    decompress_reader(f).unwrap().read_to_end(&mut out).unwrap();
    assert!(out == data);
    let f = std::fs::File::open(&path).unwrap();
    let mut out = Vec::new();
    decompress_reader(f).unwrap().read_to_end(&mut out).unwrap();
    assert!(out == data, "plain file passed through");
}
