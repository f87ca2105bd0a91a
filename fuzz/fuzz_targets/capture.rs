//! Raw bytes into the capture readers (detection, HAR, NDJSON, query strings, forms, gzip),
//! whole and streamed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use privaudit_capture::{Limits, NdjsonReader, read};

const ENDPOINTS: &[&str] = &["/api/telemetry/introvox", "/security", "/v1/batch", "/telemetry"];

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    for name in ["capture.har", "reports.ndjson", "x.txt", "body.form"] {
        let _ = read(name, data, ENDPOINTS, &limits);
    }
    let mut r = NdjsonReader::new(std::io::BufReader::with_capacity(64, data), 256);
    let mut out = Vec::new();
    while let Ok(true) = r.next_batch(&mut out, 16, 1 << 16) {
        out.clear();
    }
});
