//! Where reports go: accepted reports and quarantined findings, in SQLite or PostgreSQL, one
//! schema and one set of statements for both.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The store's schema version; [`Store::open`] creates the tables of version 1.
pub const SCHEMA_VERSION: i64 = 1;

/// An open store.
#[derive(Clone)]
pub enum Store {
    /// An SQLite file in WAL mode, every commit synced.
    Sqlite(SqlitePool),
    /// A PostgreSQL database shared by collector replicas.
    Postgres(PgPool),
}

/// What storing a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new row.
    New,
    /// A report with this product and client report id was stored before: nothing written.
    Duplicate,
}

/// A store failure: the report was not stored and must not be acknowledged.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(e.to_string())
    }
}

// Two spellings of one schema: the key and byte types differ.
const SQLITE_SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS privaudit_meta (schema_version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, product TEXT NOT NULL, \
     kind TEXT NOT NULL, report_id TEXT, received_ms BIGINT NOT NULL, body TEXT NOT NULL, \
     UNIQUE (product, report_id))",
    "CREATE TABLE IF NOT EXISTS quarantine (id INTEGER PRIMARY KEY, product TEXT NOT NULL, \
     kind TEXT, report_id TEXT, received_ms BIGINT NOT NULL, findings TEXT NOT NULL, raw BLOB, \
     UNIQUE (product, report_id))",
];
const POSTGRES_SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS privaudit_meta (schema_version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reports (id BIGSERIAL PRIMARY KEY, product TEXT NOT NULL, \
     kind TEXT NOT NULL, report_id TEXT, received_ms BIGINT NOT NULL, body TEXT NOT NULL, \
     UNIQUE (product, report_id))",
    "CREATE TABLE IF NOT EXISTS quarantine (id BIGSERIAL PRIMARY KEY, product TEXT NOT NULL, \
     kind TEXT, report_id TEXT, received_ms BIGINT NOT NULL, findings TEXT NOT NULL, raw BYTEA, \
     UNIQUE (product, report_id))",
];

impl Store {
    /// Opens `url` (`sqlite://FILE` or `postgres://…`), creating the SQLite file and the
    /// tables when missing. A store written by a newer schema is refused.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = if let Some(path) = url.strip_prefix("sqlite://") {
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // A report is acknowledged once its commit is on disk.
                .synchronous(SqliteSynchronous::Full)
                // A locked database is an error soon, answered 503, not a hung request.
                .busy_timeout(Duration::from_secs(2));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                // One writer at a time: SQLite takes one anyway, and a queue in the pool beats
                // its busy handler, which sleeps.
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Store::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                // A table another session has locked is an error soon, answered 503, as on
                // SQLite; the statement is rolled back and nothing is acknowledged.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Executor;
                        conn.execute("SET lock_timeout = '2s'; SET statement_timeout = '5s'")
                            .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else {
            return Err(StoreError(
                "--db takes sqlite://FILE or postgres://USER@HOST/DB".into(),
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let statements = match self {
            Store::Sqlite(_) => SQLITE_SCHEMA,
            Store::Postgres(_) => POSTGRES_SCHEMA,
        };
        for s in statements {
            self.execute(s, &[]).await?;
        }
        let version: Option<i64> = match self {
            Store::Sqlite(p) => {
                sqlx::query_scalar("SELECT MAX(schema_version) FROM privaudit_meta")
                    .fetch_one(p)
                    .await?
            }
            Store::Postgres(p) => {
                sqlx::query_scalar("SELECT MAX(schema_version) FROM privaudit_meta")
                    .fetch_one(p)
                    .await?
            }
        };
        match version {
            None => {
                self.execute(
                    "INSERT INTO privaudit_meta (schema_version) VALUES ($1)",
                    &[Arg::Int(SCHEMA_VERSION)],
                )
                .await?;
            }
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError(format!(
                    "the store has schema version {v}; this collector knows up to {SCHEMA_VERSION}"
                )));
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Stores an accepted report. Committed before it returns.
    pub async fn accept(
        &self,
        product: &str,
        kind: &str,
        report_id: Option<&str>,
        received_ms: i64,
        body: &str,
    ) -> Result<Stored, StoreError> {
        let n = self
            .execute(
                "INSERT INTO reports (product, kind, report_id, received_ms, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (product, report_id) DO NOTHING",
                &[
                    Arg::Text(product),
                    Arg::Text(kind),
                    Arg::OptText(report_id),
                    Arg::Int(received_ms),
                    Arg::Text(body),
                ],
            )
            .await?;
        Ok(if n == 0 {
            Stored::Duplicate
        } else {
            Stored::New
        })
    }

    /// Stores a quarantined report: its findings (redacted), and its raw body only when
    /// `raw` is given. Committed before it returns.
    pub async fn quarantine(
        &self,
        product: &str,
        kind: Option<&str>,
        report_id: Option<&str>,
        received_ms: i64,
        findings: &str,
        raw: Option<&[u8]>,
    ) -> Result<Stored, StoreError> {
        let n = self
            .execute(
                "INSERT INTO quarantine (product, kind, report_id, received_ms, findings, raw) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (product, report_id) DO NOTHING",
                &[
                    Arg::Text(product),
                    Arg::OptText(kind),
                    Arg::OptText(report_id),
                    Arg::Int(received_ms),
                    Arg::Text(findings),
                    Arg::OptBytes(raw),
                ],
            )
            .await?;
        Ok(if n == 0 {
            Stored::Duplicate
        } else {
            Stored::New
        })
    }

    /// Whether the store answers.
    pub async fn healthy(&self) -> bool {
        self.execute("SELECT 1", &[]).await.is_ok()
    }

    /// Runs one statement with its arguments; the rows it changed.
    async fn execute(&self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for a in args {
                    q = match *a {
                        Arg::Text(t) => q.bind(t),
                        Arg::OptText(t) => q.bind(t),
                        Arg::Int(i) => q.bind(i),
                        Arg::OptBytes(b) => q.bind(b),
                    };
                }
                q
            }};
        }
        Ok(match self {
            Store::Sqlite(p) => bind_all!(sqlx::query(sql))
                .execute(p)
                .await?
                .rows_affected(),
            Store::Postgres(p) => bind_all!(sqlx::query(sql))
                .execute(p)
                .await?
                .rows_affected(),
        })
    }
}

/// A statement argument.
enum Arg<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    OptBytes(Option<&'a [u8]>),
}
