//! Where an output's bytes go: a file that follows its path, or a stream.
//!
//! Sites archive a running sensor's file with `mv argus.out argus.out.1`
//! (reference §8): argus notices that its path no longer names the file it
//! writes and creates it again, starting with a START MAR. A [`FileSink`]
//! checks this at most once per [`CHECK_INTERVAL`] (the caller asks, between
//! batches), flushing what it buffered into the old file first, so the old
//! file is complete and no record is lost or written twice. SIGHUP's reopen
//! (logrotate's `postrotate`) is the same move, without the check.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often a file output checks that its path still names its file.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Bytes buffered before a write reaches the file.
const BUFFER: usize = 1 << 16;

/// An output file, appended to, that is opened again when its path moves.
pub struct FileSink {
    path: PathBuf,
    out: BufWriter<File>,
    /// (device, inode) of the open file
    id: (u64, u64),
    last_check: Instant,
}

fn open_append(path: &PathBuf) -> io::Result<(BufWriter<File>, (u64, u64))> {
    let f = OpenOptions::new().create(true).append(true).open(path)?;
    let m = f.metadata()?;
    Ok((BufWriter::with_capacity(BUFFER, f), (m.dev(), m.ino())))
}

impl FileSink {
    /// Open `path` for appending (created when missing).
    pub fn open(path: impl Into<PathBuf>) -> io::Result<FileSink> {
        let path = path.into();
        let (out, id) = open_append(&path)?;
        Ok(FileSink {
            path,
            out,
            id,
            last_check: Instant::now(),
        })
    }

    /// Does the path still name the file being written? Only a missing
    /// path or another file says no: a path that cannot be looked at (its
    /// directory closed to a user dropped to by `-u`) is taken as current.
    pub fn is_current(&self) -> bool {
        match std::fs::metadata(&self.path) {
            Ok(m) => (m.dev(), m.ino()) == self.id,
            Err(e) => e.kind() != io::ErrorKind::NotFound,
        }
    }

    /// Flush into the file being written, close it, open the path again.
    pub fn reopen(&mut self) -> io::Result<()> {
        self.out.flush()?;
        let (out, id) = open_append(&self.path)?;
        // the old writer is empty now: dropping it only closes the old file
        self.out = out;
        self.id = id;
        self.last_check = Instant::now();
        Ok(())
    }

    /// At most once per [`CHECK_INTERVAL`]: flush what is buffered (so that
    /// readers of the file see records within about a second) and reopen
    /// the path if the file was removed or renamed. True when a new file
    /// was opened: it needs a START MAR.
    pub fn check(&mut self) -> io::Result<bool> {
        if self.last_check.elapsed() < CHECK_INTERVAL {
            return Ok(false);
        }
        self.last_check = Instant::now();
        self.out.flush()?;
        if self.is_current() {
            return Ok(false);
        }
        self.reopen()?;
        Ok(true)
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// An output's destination: a file that follows its path, or any stream
/// (stdout, a pipe, a test buffer) that is never reopened.
pub enum Sink {
    File(FileSink),
    Stream(Box<dyn Write + Send>),
}

impl Sink {
    /// See [`FileSink::check`]; streams are only flushed.
    pub fn check(&mut self) -> io::Result<bool> {
        match self {
            Sink::File(f) => f.check(),
            Sink::Stream(s) => s.flush().map(|()| false),
        }
    }

    /// Close and open a file again (SIGHUP); true when a file was reopened.
    pub fn reopen(&mut self) -> io::Result<bool> {
        match self {
            Sink::File(f) => f.reopen().map(|()| true),
            Sink::Stream(s) => s.flush().map(|()| false),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stream(s) => s.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(buf),
            Sink::Stream(s) => s.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stream(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("argus-file-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        let _ = std::fs::remove_file(&p);
        p
    }

    fn aged(sink: &mut FileSink) {
        sink.last_check = Instant::now() - CHECK_INTERVAL;
    }

    #[test]
    fn renamed_file_keeps_its_bytes_and_the_path_is_created_again() {
        let path = tmp("moved.out");
        let moved = path.with_extension("out.1");
        let mut s = FileSink::open(&path).unwrap();
        s.write_all(b"before").unwrap();
        std::fs::rename(&path, &moved).unwrap();
        // buffered bytes still reach the renamed file, before the new one opens
        aged(&mut s);
        assert!(s.check().unwrap());
        s.write_all(b"after").unwrap();
        s.flush().unwrap();
        assert_eq!(std::fs::read(&moved).unwrap(), b"before");
        assert_eq!(std::fs::read(&path).unwrap(), b"after");
    }

    #[test]
    fn removed_file_is_created_again() {
        let path = tmp("removed.out");
        let mut s = FileSink::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!s.is_current());
        aged(&mut s);
        assert!(s.check().unwrap());
        assert!(path.exists());
    }

    #[test]
    fn unchanged_file_is_not_reopened_and_checks_are_rate_limited() {
        let path = tmp("same.out");
        let mut s = FileSink::open(&path).unwrap();
        aged(&mut s);
        assert!(!s.check().unwrap());
        std::fs::remove_file(&path).unwrap();
        // within CHECK_INTERVAL of the last check: not looked at yet
        assert!(!s.check().unwrap());
        aged(&mut s);
        assert!(s.check().unwrap());
    }

    #[test]
    fn reopen_appends_to_the_same_file() {
        let path = tmp("hup.out");
        let mut s = Sink::File(FileSink::open(&path).unwrap());
        s.write_all(b"one").unwrap();
        assert!(s.reopen().unwrap());
        s.write_all(b"two").unwrap();
        s.flush().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"onetwo");
        let mut stream = Sink::Stream(Box::new(Vec::new()));
        assert!(!stream.reopen().unwrap());
    }
}
