//! Compressed inputs. `ra` recognises compressed files by their magic bytes
//! and pipes them through the matching decompressor (reference §3.1); the
//! same detection here, decoded in process by pure-Rust decoders (no C
//! library, no system package needed to build):
//!
//! | format | magic | decoder |
//! |---|---|---|
//! | gzip | `1f 8b` | `flate2` (miniz_oxide backend) |
//! | bzip2 | `BZh` | `bzip2` (libbz2-rs-sys backend) |
//! | xz | `fd 37 7a 58 5a 00` | `lzma-rust2` |
//! | zstd | `28 b5 2f fd` | `ruzstd` |
//! | compress(1) | `1f 9d` | none: recognised and refused |
//!
//! What the tools' `-dc` output is, this is: concatenated gzip members, bzip2
//! streams, xz streams (with their NUL padding) and zstd frames (skippable
//! ones skipped) are all decoded. Data after the last gzip member or bzip2
//! stream that does not start another one is ignored, as `gzip -dc` and
//! `bzip2 -dc` ignore it (they warn about "trailing garbage"); after xz or
//! zstd it is an error, as for `xz -dc` and `zstd -dc`. Integrity checks
//! are those of the formats (gzip CRC-32 and size, bzip2 CRCs, xz block
//! checks, zstd frame checksums, which ruzstd does not check itself, and
//! declared content sizes). compress(1) `.Z` input is refused with a message
//! that says how to convert it (`gzip -dc` reads `.Z`).
//!
//! Two entry points:
//! * [`decompress`]: a whole buffer, borrowed back as is when it is not
//!   compressed;
//! * [`decompress_reader`]: any `Read` (a file, stdin), decoded as it is
//!   read, so big files are never held in memory; passed through when it is
//!   not compressed.
//!
//! A corrupt or truncated input is an error, never a panic: one line naming
//! the format, whether the input ended early ("unexpected end of input, the
//! file is truncated") or is corrupt, the decoder's own words, and how many
//! bytes had been decompressed before (e.g. `xz: corrupt input (dist
//! overflow; 516096 bytes decompressed before)`). An error reading the
//! underlying stream is reported as such, not as corruption. A decoder panic,
//! should one of them have such a bug, is caught and reported as corruption.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    /// Unix compress (`1f 9d`), the `.Z` files.
    Compress,
    Bzip2,
    Xz,
    Zstd,
}

impl Compression {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Compress => "compress(1)",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// The longest magic [`detect`] looks at.
const MAGIC_LEN: usize = 6;

/// What the first bytes say the data is.
pub fn detect(data: &[u8]) -> Compression {
    match data {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x1f, 0x9d, ..] => Compression::Compress,
        [b'B', b'Z', b'h', ..] => Compression::Bzip2,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// The data uncompressed (borrowed when it was not compressed), or why not,
/// in one line.
pub fn decompress(data: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let c = detect(data);
    if c == Compression::None {
        return Ok(Cow::Borrowed(data));
    }
    let mut r = decoder(c, data, None).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(1 << 30));
    r.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(Cow::Owned(out))
}

/// A reader of `r`'s bytes, uncompressed on the fly when its magic says it
/// is compressed (passed through otherwise). Errors read from it say what
/// [`decompress`] would (their kind is the decoder's: `UnexpectedEof` for a
/// truncated input); compress(1) input is refused here with `Unsupported`.
pub fn decompress_reader<R: Read + Send + 'static>(r: R) -> io::Result<Box<dyn Read + Send>> {
    let failed = Arc::new(AtomicBool::new(false));
    let mut src = PeekBuf::new(Source {
        inner: r,
        failed: failed.clone(),
    });
    let c = detect(src.peek(MAGIC_LEN)?);
    if c == Compression::None {
        return Ok(Box::new(src));
    }
    decoder(c, src, Some(failed))
}

/// The compressed input of [`decompress_reader`]: notes its own read errors,
/// so that they are not reported as corrupt data.
struct Source<R> {
    inner: R,
    failed: Arc<AtomicBool>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if e.kind() != io::ErrorKind::Interrupted {
                self.failed.store(true, Ordering::Relaxed);
            }
        })
    }
}

/// A `BufRead` that can also look a few bytes ahead.
trait Peek: BufRead {
    /// At least `n` bytes (fewer only at the end of the input), unconsumed.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]>;
}

impl Peek for &[u8] {
    fn peek(&mut self, _n: usize) -> io::Result<&[u8]> {
        Ok(self)
    }
}

/// A buffered reader whose [`Peek::peek`] refills across buffer boundaries.
struct PeekBuf<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
}

impl<R: Read> PeekBuf<R> {
    fn new(inner: R) -> Self {
        PeekBuf {
            inner,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            end: 0,
        }
    }
}

impl<R: Read> Read for PeekBuf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // a caller with a larger buffer of its own reads straight into it (one copy less)
        if self.pos == self.end && out.len() >= self.buf.len() {
            return self.inner.read(out);
        }
        let n = {
            let have = self.fill_buf()?;
            let n = have.len().min(out.len());
            out[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for PeekBuf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
            self.end = self.inner.read(&mut self.buf)?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

impl<R: Read> Peek for PeekBuf<R> {
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(self.buf.len());
        if self.end - self.pos < n {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            while self.end < n {
                match self.inner.read(&mut self.buf[self.end..]) {
                    Ok(0) => break,
                    Ok(got) => self.end += got,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }
}

/// Members (gzip) or streams (bzip2) one after the other, as `gzip -dc` and
/// `bzip2 -dc` read them: after a member, whatever does not start with the
/// magic again ends the input and is ignored (those tools warn of "trailing
/// garbage" and still output everything; NUL padding is the usual case).
struct Members<R, D> {
    state: MemberState<R, D>,
    magic: &'static [u8],
    start: fn(R) -> D,
    finish: fn(D) -> R,
}

enum MemberState<R, D> {
    Between(R),
    In(D),
    Done,
}

impl<R: Peek, D: Read> Read for Members<R, D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, MemberState::Done) {
                MemberState::In(mut d) => match d.read(buf) {
                    Ok(0) => self.state = MemberState::Between((self.finish)(d)),
                    other => {
                        self.state = MemberState::In(d);
                        return other;
                    }
                },
                MemberState::Between(mut src) => {
                    let next = match src.peek(self.magic.len()) {
                        Ok(head) => head.starts_with(self.magic),
                        Err(e) => {
                            self.state = MemberState::Between(src);
                            return Err(e);
                        }
                    };
                    if !next {
                        return Ok(0);
                    }
                    self.state = MemberState::In((self.start)(src));
                }
                MemberState::Done => return Ok(0),
            }
        }
    }
}

/// The decoder for `c` over `src`; `source_failed` says when an error came
/// from reading `src` rather than from decoding.
fn decoder<'a, R: Peek + Send + 'a>(
    c: Compression,
    src: R,
    source_failed: Option<Arc<AtomicBool>>,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    let inner: Box<dyn Read + Send + 'a> = match c {
        Compression::None => Box::new(src),
        Compression::Gzip => Box::new(Members {
            state: MemberState::Between(src),
            magic: &[0x1f, 0x8b],
            start: flate2::bufread::GzDecoder::new,
            finish: flate2::bufread::GzDecoder::into_inner,
        }),
        Compression::Bzip2 => Box::new(Members {
            state: MemberState::Between(src),
            magic: b"BZh",
            start: bzip2::bufread::BzDecoder::new,
            finish: bzip2::bufread::BzDecoder::into_inner,
        }),
        // `true`: concatenated streams (and the padding between them).
        Compression::Xz => Box::new(lzma_rust2::XzReader::new(src, true)),
        Compression::Zstd => Box::new(ZstdFrames::new(src)),
        Compression::Compress => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "compress(1) (.Z) input is not supported: convert it first, \
                 e.g. `gzip -dc file.Z | gzip > file.gz`",
            ));
        }
    };
    Ok(Box::new(Labelled {
        inner,
        format: c,
        out: 0,
        panicked: false,
        source_failed,
    }))
}

/// Puts the format and the output offset into the decoder's errors, and
/// turns a decoder panic into an error.
struct Labelled<R> {
    inner: R,
    format: Compression,
    /// Bytes decompressed so far.
    out: u64,
    panicked: bool,
    source_failed: Option<Arc<AtomicBool>>,
}

impl<R: Read> Labelled<R> {
    /// One line: the format, what went wrong, where in the output.
    fn error(&self, kind: io::ErrorKind, what: &str, detail: &str) -> io::Error {
        let name = self.format.name();
        let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        let detail = detail.strip_prefix(&format!("{name}: ")).unwrap_or(&detail);
        let out = self.out;
        io::Error::new(
            kind,
            format!("{name}: {what} ({detail}; {out} bytes decompressed before)"),
        )
    }
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.panicked {
            let kind = io::ErrorKind::InvalidData;
            return Err(self.error(kind, "corrupt input", "the decoder failed earlier"));
        }
        match catch_unwind(AssertUnwindSafe(|| self.inner.read(buf))) {
            Ok(Ok(n)) => {
                self.out += n as u64;
                Ok(n)
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Ok(Err(e))
                if (self.source_failed.as_ref()).is_some_and(|f| f.load(Ordering::Relaxed)) =>
            {
                Err(self.error(e.kind(), "reading the input failed", &e.to_string()))
            }
            Ok(Err(e)) if truncated(&e) => Err(self.error(
                io::ErrorKind::UnexpectedEof,
                "unexpected end of input, the file is truncated",
                &e.to_string(),
            )),
            Ok(Err(e)) => Err(self.error(e.kind(), "corrupt input", &e.to_string())),
            Err(_) => {
                self.panicked = true;
                let kind = io::ErrorKind::InvalidData;
                Err(self.error(kind, "corrupt input", "the decoder panicked"))
            }
        }
    }
}

/// Whether `e`, or an error it wraps, is an unexpected end of input.
fn truncated(e: &io::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Every zstd frame of a stream, as `zstd -dc` reads it: skippable frames
/// skipped, each frame's checksum and declared content size checked
/// (`ruzstd`'s own reader does one frame and checks neither).
struct ZstdFrames<R> {
    src: R,
    dec: FrameDecoder,
    in_frame: bool,
    /// Bytes out of the current frame so far.
    frame_out: u64,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(src: R) -> Self {
        ZstdFrames {
            src,
            dec: FrameDecoder::new(),
            in_frame: false,
            frame_out: 0,
        }
    }
}

/// ruzstd's error as an `io::Error` of the kind underneath (`UnexpectedEof`
/// when the input stops inside a frame), with a readable message.
fn zstd_error(e: FrameDecoderError) -> io::Error {
    let mut kind = io::ErrorKind::InvalidData;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            kind = io.kind();
            break;
        }
        cur = err.source();
    }
    let eof = kind == io::ErrorKind::UnexpectedEof;
    // (ruzstd's own messages for these two are swapped.)
    let msg = match &e {
        FrameDecoderError::FailedToReadBlockHeader(_) if eof => "in a block header".to_string(),
        FrameDecoderError::FailedToReadBlockBody(_) if eof => "inside a block".to_string(),
        FrameDecoderError::FailedToReadChecksum(_) if eof => "in a frame checksum".to_string(),
        FrameDecoderError::ReadFrameHeaderError(_) if eof => "in a frame header".to_string(),
        FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::BadMagicNumber(m)) => {
            format!("data after the last frame is not a zstd frame (magic {m:#010x})")
        }
        FrameDecoderError::FailedToReadBlockHeader(b) => format!("bad block header: {b}"),
        FrameDecoderError::FailedToReadBlockBody(b) => format!("bad block: {b}"),
        e => e.to_string(),
    };
    io::Error::new(kind, msg)
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.src.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                match self.dec.reset(&mut self.src) {
                    Ok(()) => {
                        self.in_frame = true;
                        self.frame_out = 0;
                    }
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let want = u64::from(length);
                        let got = io::copy(&mut (&mut self.src).take(want), &mut io::sink())?;
                        if got < want {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                format!("inside a skippable frame ({got} of its {want} bytes)"),
                            ));
                        }
                        continue;
                    }
                    Err(e) => return Err(zstd_error(e)),
                }
            }
            while self.dec.can_collect() == 0 && !self.dec.is_finished() {
                self.dec
                    .decode_blocks(&mut self.src, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(zstd_error)?;
            }
            let n = self.dec.read(buf)?;
            if n > 0 {
                self.frame_out += n as u64;
                return Ok(n);
            }
            // The frame is decoded and drained.
            if let Some(stored) = self.dec.get_checksum_from_data() {
                let computed = self.dec.get_calculated_checksum();
                if computed != Some(stored) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "frame checksum mismatch (stored {stored:08x}, computed {:08x})",
                            computed.unwrap_or(0)
                        ),
                    ));
                }
            }
            // 0 is also what ruzstd says when the header gives no size.
            let declared = self.dec.content_size();
            if declared != 0 && declared != self.frame_out {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "frame declares {declared} bytes but decodes to {}",
                        self.frame_out
                    ),
                ));
            }
            self.in_frame = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Some bytes that compress, but not to nothing.
    fn sample() -> Vec<u8> {
        let mut v = Vec::new();
        let mut x: u32 = 0x1234_5678;
        for i in 0..200_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            v.push(if i % 7 == 0 {
                (x >> 24) as u8
            } else {
                (i % 251) as u8
            });
        }
        v
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn bzip2(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    type Encoder = fn(&[u8]) -> Vec<u8>;
    const ENCODERS: [(Compression, Encoder); 4] = [
        (Compression::Gzip, gzip),
        (Compression::Bzip2, bzip2),
        (Compression::Xz, xz),
        (Compression::Zstd, zstd),
    ];

    fn read_all(r: impl Read + Send + 'static) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decompress_reader(r)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn every_format_round_trips_in_memory_and_streaming() {
        let plain = sample();
        for (c, enc) in ENCODERS {
            let z = enc(&plain);
            assert_eq!(detect(&z), c);
            assert!(z.len() < plain.len(), "{c:?} did compress");
            let un = decompress(&z).unwrap();
            assert!(matches!(un, Cow::Owned(_)));
            assert!(un.as_ref() == plain.as_slice(), "{c:?} in memory");
            let un = read_all(io::Cursor::new(z)).unwrap();
            assert!(un == plain, "{c:?} streaming");
        }
    }

    #[test]
    fn concatenated_members_all_decode() {
        let plain = sample();
        let (a, b) = plain.split_at(70_001);
        for (c, enc) in ENCODERS {
            let mut z = enc(a);
            z.extend(enc(b));
            z.extend(enc(b"")); // an empty member too
            assert!(
                decompress(&z).unwrap().as_ref() == plain.as_slice(),
                "{c:?}"
            );
            assert!(read_all(io::Cursor::new(z)).unwrap() == plain, "{c:?}");
        }
    }

    /// Hands out one byte per read, so magics and headers straddle reads.
    struct Trickle(io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn streaming_copes_with_one_byte_reads() {
        let plain = sample();
        let (a, b) = plain.split_at(9_999);
        for (c, enc) in ENCODERS {
            let mut z = enc(a);
            z.extend(enc(b));
            let un = read_all(Trickle(io::Cursor::new(z))).unwrap();
            assert!(un == plain, "{c:?}");
        }
    }

    /// What follows the last member: gzip and bzip2 ignore it (their tools
    /// warn and output everything); xz and zstd refuse it (their tools fail);
    /// xz takes NUL padding in fours.
    #[test]
    fn trailing_data_is_handled_as_the_tools_do() {
        let plain = sample();
        for (c, enc) in ENCODERS {
            for tail in [&b"garbage"[..], &[0; 512], &[0x1f], b"B"] {
                let mut z = enc(&plain);
                z.extend(tail);
                let got = decompress(&z);
                let streamed = read_all(Trickle(io::Cursor::new(z.clone())));
                let lenient = matches!(c, Compression::Gzip | Compression::Bzip2)
                    || (c == Compression::Xz
                        && tail.len() % 4 == 0
                        && tail.iter().all(|&b| b == 0));
                if lenient {
                    assert!(got.unwrap().as_ref() == plain.as_slice(), "{c:?} {tail:?}");
                    assert!(streamed.unwrap() == plain, "{c:?} {tail:?}");
                } else {
                    let e = got.unwrap_err();
                    assert!(e.starts_with(c.name()), "{e}");
                    assert!(streamed.is_err(), "{c:?} {tail:?}");
                }
            }
        }
        // A member that starts with the magic is not garbage: a broken one is an error.
        let mut z = gzip(&plain);
        z.extend(&gzip(&plain)[..100]);
        assert!(decompress(&z).unwrap_err().contains("unexpected end"));
    }

    #[test]
    fn zstd_skippable_frames_are_skipped() {
        let plain = sample();
        let mut z = zstd(&plain[..1000]);
        // A skippable frame: magic 0x184D2A5? (LE), 4-byte length, payload.
        z.extend([0x53, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        z.extend(zstd(&plain[1000..]));
        assert!(decompress(&z).unwrap().as_ref() == plain.as_slice());
        // Cut inside the skippable frame.
        let cut = zstd(&plain[..1000]).len() + 9;
        let e = decompress(&z[..cut]).unwrap_err();
        assert!(e.contains("unexpected end"), "{e}");
    }

    #[test]
    fn plain_data_is_borrowed_and_passed_through() {
        let plain = b"\x83\x10\x00\x20 some argus bytes".to_vec();
        assert_eq!(detect(&plain), Compression::None);
        assert!(matches!(decompress(&plain).unwrap(), Cow::Borrowed(_)));
        assert!(matches!(decompress(b"").unwrap(), Cow::Borrowed(_)));
        assert_eq!(read_all(io::Cursor::new(plain.clone())).unwrap(), plain);
        assert_eq!(read_all(io::Cursor::new(b"BZ".to_vec())).unwrap(), b"BZ");
        assert!(read_all(io::empty()).unwrap().is_empty());
    }

    /// A source that fails after `left` bytes.
    struct Failing {
        data: io::Cursor<Vec<u8>>,
        left: usize,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "disk on fire",
                ));
            }
            let n = buf.len().min(self.left);
            let n = self.data.read(&mut buf[..n])?;
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_of_the_source_is_not_called_corruption() {
        for (c, enc) in ENCODERS {
            let z = enc(&sample());
            let left = z.len() / 2;
            let r = Failing {
                data: io::Cursor::new(z),
                left,
            };
            let e = read_all(r).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{c:?}: {e}");
            let msg = e.to_string();
            assert!(msg.starts_with(c.name()), "{msg}");
            assert!(msg.contains("reading the input failed") && msg.contains("disk on fire"));
        }
    }

    #[test]
    fn compress_z_is_refused_clearly() {
        let z = [0x1f, 0x9d, 0x90, b'a', 0, 0];
        assert_eq!(detect(&z), Compression::Compress);
        let e = decompress(&z).unwrap_err();
        assert!(
            e.contains("compress(1)") && e.contains("not supported"),
            "{e}"
        );
        let e = decompress_reader(io::Cursor::new(z.to_vec()))
            .err()
            .unwrap();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
    }

    /// Truncated at every length (sampled), and with bytes flipped: always an
    /// error naming the format, on one line, and never a panic.
    #[test]
    fn truncated_or_corrupt_input_is_an_error() {
        let plain = sample();
        for (c, enc) in ENCODERS {
            let z = enc(&plain);
            let step = (z.len() / 150).max(1);
            for cut in (MAGIC_LEN.min(z.len() - 1)..z.len())
                .step_by(step)
                .chain([z.len() - 1])
            {
                let e = decompress(&z[..cut]).expect_err(&format!("{c:?} cut at {cut}"));
                assert!(e.starts_with(c.name()), "{c:?} at {cut}: {e}");
                assert!(!e.contains('\n'), "{e}");
                assert!(e.contains("unexpected end"), "{c:?} cut at {cut}: {e}");
                let e = read_all(io::Cursor::new(z[..cut].to_vec())).unwrap_err();
                assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{c:?} {cut}: {e}");
            }
            // Flipped bits past the magic: an error, or other bytes where the
            // format has no check over that byte; never a panic.
            let mut errors = 0;
            for (n, at) in (MAGIC_LEN..z.len()).step_by(step).enumerate() {
                let mut bad = z.clone();
                bad[at] ^= 1 << (n % 8);
                if let Err(e) = decompress(&bad) {
                    assert!(e.starts_with(c.name()) && !e.contains('\n'), "{e}");
                    errors += 1;
                }
            }
            assert!(errors > 0, "{c:?}");
        }
    }
}
