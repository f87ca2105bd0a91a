//! The one error type of this crate. Messages name what is wrong and where; none quotes the
//! input.

use std::fmt;

/// Why a source, or a record of it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The kind of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading failed (an operating-system error, a FIFO without a writer).
    Io,
    /// A limit of [`crate::Limits`] was reached: input, record or string size, inflated size,
    /// inflation ratio.
    Limit,
    /// The source is not the format it starts as: JSON or a HAR that breaks off, a broken
    /// gzip stream.
    Syntax,
    /// A body's declared encoding does not hold (a HAR body marked base64 that is not).
    Encoding,
    /// Binary data, or text that is not UTF-8: not a capture at all.
    NotACapture,
    /// Nothing to audit: an empty input, a URL without a query string, a HAR request with
    /// neither a body nor a query.
    Empty,
    /// The caller's record callback stopped the read (its error, passed back as it is).
    Stopped,
}

impl Error {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// An I/O error that carries a reached limit through a reader, told apart again by
    /// `From<std::io::Error>`.
    pub(crate) fn limit_io(message: String) -> std::io::Error {
        std::io::Error::other(LimitReached(message))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        if let Some(limit) = e.get_ref().and_then(|i| i.downcast_ref::<LimitReached>()) {
            return Error::new(ErrorKind::Limit, limit.0.clone());
        }
        let kind = match e.kind() {
            // flate2 reports a broken or truncated stream so.
            std::io::ErrorKind::InvalidInput
            | std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::UnexpectedEof => ErrorKind::Syntax,
            _ => ErrorKind::Io,
        };
        Error::new(kind, e.to_string())
    }
}

/// A limit reached inside a reader.
#[derive(Debug)]
struct LimitReached(String);

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitReached {}
