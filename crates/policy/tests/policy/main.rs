//! The policy crate's integration tests, one binary: the public API, the hostile-input
//! corpus, every product's clean and leaking fixtures, and the generated docs tables.

mod api;
mod docs;
mod fields;
mod hostile;
mod products;
