//! One module per subcommand; each turns its arguments into an exit code or an error message.

mod audit;
mod diff;
mod explain;
mod init;
mod products;
mod reident;
mod reverse;
mod schema;

pub(crate) use audit::{audit, sink_for};
pub(crate) use diff::diff;
pub(crate) use explain::explain;
pub(crate) use init::init;
pub(crate) use products::products;
pub(crate) use reident::reident;
pub(crate) use reverse::reverse;
pub(crate) use schema::schema;
