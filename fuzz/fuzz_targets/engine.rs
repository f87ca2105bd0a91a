//! Raw bytes into the engine, as a collector would hand them over.
#![no_main]

use libfuzzer_sys::fuzz_target;
use privaudit_policy::Auditor;
use std::sync::LazyLock;

static AUDITOR: LazyLock<Auditor> = LazyLock::new(Auditor::all);

fuzz_target!(|data: &[u8]| {
    let audit = AUDITOR.audit(data);
    for f in &audit.findings {
        assert!(f.pointer.is_empty() || f.pointer.starts_with('/'));
    }
});
