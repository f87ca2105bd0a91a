//! The detectors' integration tests, one binary: the labelled corpus, the peer suites
//! (Presidio, gitleaks) and the property tests. `allocations.rs` stays a binary of its own,
//! since its counting global allocator would count every other test's allocations too.

#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod peers;
mod properties;
