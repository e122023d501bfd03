//! The one error type of the crate: where in which file, and what went wrong.

use std::fmt;

/// A failure to open or read a capture.
///
/// `offset` is the byte offset, in the (decompressed) capture stream, of the
/// file header, record or block that could not be read; 0 for failures to
/// open the file at all. Messages are meant for people, not for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    pub file: String,
    pub offset: u64,
    pub message: String,
}

impl CaptureError {
    pub(crate) fn new(file: &str, offset: u64, message: impl Into<String>) -> Self {
        CaptureError {
            file: file.to_string(),
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: byte offset {}: {}",
            self.file, self.offset, self.message
        )
    }
}

impl std::error::Error for CaptureError {}
