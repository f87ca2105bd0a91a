//! Gzip inflated as it is read, within the size and ratio limits.

use crate::Limits;
use std::io::Read;

/// A reader that counts the bytes it passes on.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: std::io::BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.count += amt as u64;
        self.inner.consume(amt);
    }
}

/// Inflates a gzip stream as it is read, within [`Limits::max_decompressed_bytes`] and
/// [`Limits::max_gzip_ratio`]: reading past either is an error that names the limit, so a
/// bomb costs no more memory than the reader's buffer.
pub struct Inflate<R: std::io::BufRead> {
    inner: flate2::bufread::MultiGzDecoder<Counted<R>>,
    out: u64,
    limits: Limits,
}

impl<R: std::io::BufRead> Inflate<R> {
    /// Inflates `reader` (which starts with the gzip magic bytes).
    pub fn new(reader: R, limits: Limits) -> Self {
        Inflate {
            inner: flate2::bufread::MultiGzDecoder::new(Counted {
                inner: reader,
                count: 0,
            }),
            out: 0,
            limits,
        }
    }
}

impl<R: std::io::BufRead> Read for Inflate<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let compressed = self.inner.get_ref().count.max(1);
        if self.out > self.limits.max_decompressed_bytes {
            return Err(crate::Error::limit_io(format!(
                "gzip input inflates beyond the limit of {} bytes",
                self.limits.max_decompressed_bytes
            )));
        }
        if self.out > 1 << 20 && self.out / compressed > self.limits.max_gzip_ratio {
            return Err(crate::Error::limit_io(format!(
                "gzip input inflates more than {}:1, over the ratio limit (a decompression bomb?)",
                self.limits.max_gzip_ratio
            )));
        }
        Ok(n)
    }
}
