//! The report models' integration tests, one binary: the fixtures deserialize into their
//! kinds, and the committed schemas are the generated ones.

mod fixtures;
mod schemas;
