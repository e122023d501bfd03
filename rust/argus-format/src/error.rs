//! Errors of the reader: what is wrong and where (byte offset into the input).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Byte offset of the damage, counted from the start of the input slice.
    pub offset: usize,
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The first record is not an Argus 3 START MAR with the magic cookie.
    NotArgus,
    /// An Argus 2 stream (cookie 0xE5617ACB): a different layout, not read here.
    Version2,
    /// A record header whose version nibble is not 3.
    BadVersion(u8),
    /// A record length of 0 words, or a MAR whose length is not 32 words.
    BadLength(u16),
    /// The input ends inside a record: `need` bytes were announced, `have` remain.
    Truncated { need: usize, have: usize },
    /// A DSR inside a record claims 0 words or runs past the record's end.
    BadDsr { dsr_type: u8, len_words: usize },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte offset {}: ", self.offset)?;
        match &self.kind {
            ErrorKind::NotArgus => write!(f, "not an Argus 3 stream (no START MAR with cookie)"),
            ErrorKind::Version2 => write!(f, "Argus 2 stream, not supported"),
            ErrorKind::BadVersion(v) => write!(f, "record version {v}, expected 3"),
            ErrorKind::BadLength(l) => write!(f, "bad record length {l} words"),
            ErrorKind::Truncated { need, have } => {
                write!(f, "truncated record: {need} bytes announced, {have} left")
            }
            ErrorKind::BadDsr {
                dsr_type,
                len_words,
            } => write!(
                f,
                "bad DSR type 0x{dsr_type:02x} of {len_words} words (zero or past record end)"
            ),
        }
    }
}

impl std::error::Error for FormatError {}
