//! The one error type of this crate: a policy or schema that does not hold together, an
//! unknown product, or a body that cannot be audited.

use std::fmt;

/// What went wrong. Match on [`Error::kind`] to act on it; the variants carry the details.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A policy (or a report schema) does not hold together.
    Policy {
        /// Where it came from (a product name, a file, a schema).
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// No shipped product has this name.
    UnknownProduct {
        /// The name asked for.
        product: String,
    },
    /// The body is not JSON.
    Syntax {
        /// The parser's complaint.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// 0-based byte offset in the body.
        byte: usize,
    },
    /// The body is over [`crate::Limits::max_body_bytes`].
    TooLarge {
        /// Body size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body matches no report kind of the auditor's products.
    NoMatch {
        /// The products tried.
        products: String,
    },
}

/// The kind of an [`Error`], without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Policy`].
    Policy,
    /// See [`Error::UnknownProduct`].
    UnknownProduct,
    /// See [`Error::Syntax`].
    Syntax,
    /// See [`Error::TooLarge`].
    TooLarge,
    /// See [`Error::NoMatch`].
    NoMatch,
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Policy { .. } => ErrorKind::Policy,
            Error::UnknownProduct { .. } => ErrorKind::UnknownProduct,
            Error::Syntax { .. } => ErrorKind::Syntax,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::NoMatch { .. } => ErrorKind::NoMatch,
        }
    }

    pub(crate) fn policy(origin: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Policy {
            origin: origin.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Policy { origin, message } => write!(f, "{origin}: {message}"),
            Error::UnknownProduct { product } => write!(f, "{product}: unknown product"),
            Error::Syntax {
                message,
                line,
                column,
                byte,
            } => write!(
                f,
                "not valid JSON: {message} at line {line}, column {column} (byte {byte})"
            ),
            Error::TooLarge { size, limit } => {
                write!(f, "body of {size} bytes exceeds the limit of {limit} bytes")
            }
            Error::NoMatch { products } => write!(f, "matches no report kind of {products}"),
        }
    }
}

impl std::error::Error for Error {}
