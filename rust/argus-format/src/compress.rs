//! Compressed inputs. `ra` recognises compressed files by their magic bytes
//! and pipes them through the matching decompressor (reference §3.1); the
//! same detection here, done in memory. gzip only for now: bzip2, xz and
//! compress(1) inputs are recognised and reported, not decoded.

use std::borrow::Cow;
use std::io::Read;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    /// Unix compress (`1f 9d`).
    Compress,
    Bzip2,
    Xz,
}

/// What the first bytes say the data is.
pub fn detect(data: &[u8]) -> Compression {
    match data {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x1f, 0x9d, ..] => Compression::Compress,
        [b'B', b'Z', b'h', ..] => Compression::Bzip2,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
        _ => Compression::None,
    }
}

/// The data uncompressed (borrowed when it was not compressed), or why not.
pub fn decompress(data: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    match detect(data) {
        Compression::None => Ok(Cow::Borrowed(data)),
        Compression::Gzip => {
            // Concatenated gzip members, as `gzip -dc` reads them.
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(data)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip: {e}"))?;
            Ok(Cow::Owned(out))
        }
        c => Err(format!("{c:?} compressed input is not supported")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_undone_and_plain_data_borrowed() {
        let plain = b"\x83\x10\x00\x20 some argus bytes".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(detect(&gz), Compression::Gzip);
        assert_eq!(decompress(&gz).unwrap().as_ref(), plain.as_slice());
        assert!(matches!(decompress(&plain).unwrap(), Cow::Borrowed(_)));
        assert!(decompress(b"BZh91AY").is_err());
    }
}
