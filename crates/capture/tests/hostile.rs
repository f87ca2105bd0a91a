//! Replays every input in `fixtures/hostile/capture/` (hand-made hostile captures and inputs
//! the fuzzer found worth keeping) through the readers, whole and streamed: no panic, and
//! limits hold.

use privaudit_capture::{Limits, NdjsonReader, read};
use std::path::Path;

const ENDPOINTS: &[&str] = &[
    "/api/telemetry/introvox",
    "/security",
    "/v1/batch",
    "/telemetry",
];

#[test]
fn hostile_captures_are_read_or_refused_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hostile/capture");
    let limits = Limits::default();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        match read(&name, &data, ENDPOINTS, &limits) {
            Ok(c) => {
                for r in &c.records {
                    if let Ok(b) = &r.body {
                        assert!(b.len() as u64 <= limits.max_decompressed_bytes);
                    }
                }
            }
            Err(m) => assert!(m.to_string().len() < 300, "{name}: {m}"),
        }
        let mut r = NdjsonReader::new(std::io::BufReader::with_capacity(16, &data[..]), 1024);
        let mut out = Vec::new();
        while let Ok(true) = r.next_batch(&mut out, 8, 1 << 20) {
            assert!(
                out.iter()
                    .all(|r| r.body.as_ref().map_or(true, |b| b.len() <= 1024))
            );
            out.clear();
        }
        seen += 1;
    }
    assert!(seen >= 10, "the hostile corpus is there ({seen} files)");
    // The bomb in the corpus is stopped by the ratio, long before the size limit.
    let bomb = std::fs::read(dir.join("gzip-bomb.json.gz")).unwrap();
    let err = read("gzip-bomb.json.gz", &bomb, ENDPOINTS, &limits).unwrap_err();
    assert_eq!(err.kind(), privaudit_capture::ErrorKind::Limit);
    assert!(err.to_string().contains("ratio limit"), "{err}");
}
