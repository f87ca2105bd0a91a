//! The reference collector: an HTTP service that receives a product's telemetry reports,
//! audits each one before anything is stored, stores clean reports and quarantines leaks.
//!
//! It owns the HTTP side (endpoints, limits, answers, metrics, logs) and the store
//! ([`store`]: SQLite or PostgreSQL). What a finding is belongs to the policy engine, and how
//! a query string becomes a report to the capture crate; it knows nothing of output formats.
//! Logs and metrics carry products, kinds, rules, counts and times, never a value from a
//! report, and a quarantined report's raw body is stored only when asked for.

pub mod store;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use privaudit_policy::{Audit, Auditor, Severity};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
pub use store::{Store, StoreError, Stored};

/// Limits and choices of a collector.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest request body as sent (compressed or not), in bytes.
    pub max_body_bytes: usize,
    /// Largest body once a gzip request body is inflated, in bytes.
    pub max_inflated_bytes: usize,
    /// Requests handled at once; beyond it, 503 with `Retry-After`.
    pub max_in_flight: usize,
    /// Longest time to receive a request's body (a slower one is answered 408), and again to
    /// audit and store it (answered 503 past it).
    pub request_timeout: Duration,
    /// Store a quarantined report's raw body (off: only its redacted findings).
    pub quarantine_raw: bool,
    /// Longest time a client may take to send a request's headers (against slowloris
    /// clients that open connections and never finish them).
    pub header_timeout: Duration,
    /// Open connections at most; a connection beyond is closed at once.
    pub max_connections: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_body_bytes: 1 << 20,
            max_inflated_bytes: 4 << 20,
            max_in_flight: 256,
            request_timeout: Duration::from_secs(10),
            quarantine_raw: false,
            header_timeout: Duration::from_secs(5),
            max_connections: 1024,
        }
    }
}

/// A collector: the auditor, the store, and what it counts.
pub struct Collector {
    auditor: Arc<Auditor>,
    store: Store,
    options: Options,
    /// Request path → product, from the loaded products' endpoints.
    endpoints: BTreeMap<String, String>,
    /// Report-id pointer per product (`report_id` in its policy).
    report_ids: BTreeMap<String, String>,
    in_flight: Arc<tokio::sync::Semaphore>,
    metrics: Metrics,
}

impl Collector {
    /// A collector over `auditor`'s products, storing into `store`.
    pub fn new(auditor: Arc<Auditor>, store: Store, options: Options) -> Arc<Collector> {
        let mut endpoints = BTreeMap::new();
        let mut report_ids = BTreeMap::new();
        for policy in auditor.policies() {
            for e in &policy.endpoints {
                endpoints.insert(e.clone(), policy.product.clone());
            }
            if let Some(p) = &policy.report_id {
                report_ids.insert(policy.product.clone(), p.clone());
            }
        }
        Arc::new(Collector {
            in_flight: Arc::new(tokio::sync::Semaphore::new(options.max_in_flight)),
            auditor,
            store,
            options,
            endpoints,
            report_ids,
            metrics: Metrics::default(),
        })
    }

    /// The HTTP routes: `POST /ingest/{product}`, each product's own endpoints (POST, and GET
    /// with a query string), `/healthz` and `/metrics`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/ingest/{product}", post(ingest_named))
            .route("/healthz", get(healthz))
            .route("/metrics", get(metrics))
            .fallback(ingest_endpoint)
            .with_state(self.clone())
    }
}

/// Serves `collector` on `listener` until `shutdown` completes; requests in flight are
/// finished first (for at most the request timeout). Each connection is HTTP/1.1 with keep-alive,
/// must send its headers within [`Options::header_timeout`], and counts against
/// [`Options::max_connections`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    collector: Arc<Collector>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use tower::Service;
    let app = collector.router();
    let slots = Arc::new(tokio::sync::Semaphore::new(
        collector.options.max_connections,
    ));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(collector.options.header_timeout)
        // Headers (and the buffered start of a body) beyond 64 KiB close the connection.
        .max_buf_size(64 << 10)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors, say: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            collector.metrics.count("rejected", "-", "connections");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn({
            let app = app.clone();
            move |request: axum::http::Request<hyper::body::Incoming>| app.clone().call(request)
        });
        let connection =
            graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    // Requests in flight are answered; idle connections are closed.
    let _ = tokio::time::timeout(collector.options.request_timeout, graceful.shutdown()).await;
    Ok(())
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn healthz(State(c): State<Arc<Collector>>) -> Response {
    if c.store.healthy().await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
    }
}

async fn metrics(State(c): State<Arc<Collector>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        c.metrics.render(),
    )
        .into_response()
}

async fn ingest_named(
    State(c): State<Arc<Collector>>,
    UrlPath(product): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    if !c.auditor.policies().any(|p| p.product == product) {
        return c.reject(
            &product,
            StatusCode::NOT_FOUND,
            "unknown-product",
            "no such product",
        );
    }
    match c.read_body(&product, body).await {
        Ok(body) => c.handle(&product, &headers, body).await,
        Err(r) => r,
    }
}

async fn ingest_endpoint(
    State(c): State<Arc<Collector>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(product) = c.endpoints.get(uri.path()).cloned() else {
        return c.reject(
            "-",
            StatusCode::NOT_FOUND,
            "unknown-path",
            "no such endpoint",
        );
    };
    match method {
        Method::POST => match c.read_body(&product, body).await {
            Ok(body) => c.handle(&product, &headers, body).await,
            Err(r) => r,
        },
        // Clients that report in a query string (a security check) send GET.
        Method::GET => match uri.query() {
            Some(q) if !q.is_empty() => {
                let json = privaudit_capture::form_to_json(q.as_bytes());
                c.audit_and_store(&product, json, Instant::now()).await
            }
            _ => c.reject(
                &product,
                StatusCode::BAD_REQUEST,
                "empty",
                "a GET report needs a query string",
            ),
        },
        _ => c.reject(
            &product,
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
            "reports are sent with POST (or GET with a query string)",
        ),
    }
}

impl Collector {
    /// The request body, within the body limit and the request timeout: a client that
    /// sends its body slowly (or never) is answered 408 and its connection freed.
    async fn read_body(&self, product: &str, body: axum::body::Body) -> Result<Bytes, Response> {
        let limit = self.options.max_body_bytes;
        match tokio::time::timeout(
            self.options.request_timeout,
            axum::body::to_bytes(body, limit),
        )
        .await
        {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(_)) => Err(self.reject(
                product,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "the body is over the limit",
            )),
            Err(_) => Err(self.reject(
                product,
                StatusCode::REQUEST_TIMEOUT,
                "slow-body",
                "the body did not arrive within the request timeout",
            )),
        }
    }

    /// A refusal, counted and logged by reason.
    fn reject(&self, product: &str, status: StatusCode, reason: &str, text: &str) -> Response {
        self.metrics.count("rejected", product, reason);
        tracing::info!(product, status = status.as_u16(), reason, "rejected");
        let body = serde_json::json!({"verdict": "rejected", "reason": text});
        (status, axum::Json(body)).into_response()
    }

    /// Checks the request's form and size, then audits and stores its body.
    async fn handle(self: &Arc<Self>, product: &str, headers: &HeaderMap, body: Bytes) -> Response {
        let started = Instant::now();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let form = content_type.starts_with("application/x-www-form-urlencoded");
        if !(content_type.starts_with("application/json") || form) {
            return self.reject(
                product,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type",
                "send application/json (or a form)",
            );
        }
        let body = match headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
        {
            None | Some("identity") => body.to_vec(),
            Some("gzip") => {
                let limit = self.options.max_inflated_bytes;
                let mut out = Vec::new();
                let read = flate2::read::GzDecoder::new(&body[..])
                    .take(limit as u64 + 1)
                    .read_to_end(&mut out);
                match read {
                    Err(_) => {
                        return self.reject(
                            product,
                            StatusCode::BAD_REQUEST,
                            "gzip",
                            "the gzip body does not inflate",
                        );
                    }
                    Ok(_) if out.len() > limit => {
                        return self.reject(
                            product,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "too-large",
                            "the body inflates beyond the limit",
                        );
                    }
                    Ok(_) => out,
                }
            }
            Some(_) => {
                return self.reject(
                    product,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "content-encoding",
                    "only gzip bodies are inflated",
                );
            }
        };
        let body = if form {
            privaudit_capture::form_to_json(&body)
        } else {
            body
        };
        self.audit_and_store(product, body, started).await
    }

    async fn audit_and_store(
        self: &Arc<Self>,
        product: &str,
        body: Vec<u8>,
        started: Instant,
    ) -> Response {
        let Ok(_permit) = self.in_flight.clone().try_acquire_owned() else {
            return self.overloaded(product, "busy");
        };
        let work = {
            let c = self.clone();
            let product = product.to_string();
            async move {
                let auditor = c.auditor.clone();
                let p = product.clone();
                let (body, audit) = tokio::task::spawn_blocking(move || {
                    let audit = auditor.audit_as(&p, &body);
                    (body, audit)
                })
                .await
                .map_err(|_| ())?;
                Ok::<_, ()>(c.store_verdict(&product, &body, audit).await)
            }
        };
        let response = match tokio::time::timeout(self.options.request_timeout, work).await {
            Ok(Ok(r)) => r,
            Ok(Err(())) => self.reject(
                product,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the audit failed",
            ),
            Err(_) => self.overloaded(product, "timeout"),
        };
        self.metrics.latency(started.elapsed());
        response
    }

    fn overloaded(&self, product: &str, reason: &str) -> Response {
        self.metrics.count("rejected", product, reason);
        tracing::warn!(product, reason, "overloaded: 503");
        let mut r = (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({"verdict": "rejected", "reason": "overloaded; retry later"}),
            ),
        )
            .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        r
    }

    /// Stores the verdict: clean reports in `reports`, leaks in `quarantine`. Answers only
    /// once the row is committed; a store failure is a 503 and nothing is acknowledged.
    async fn store_verdict(&self, product: &str, body: &[u8], audit: Audit) -> Response {
        if let Some(e) = &audit.error {
            let reason = e.to_string();
            return self.reject(product, StatusCode::BAD_REQUEST, "malformed", &reason);
        }
        let kind = audit.kind.map(|k| k.kind);
        let report_id = self
            .report_ids
            .get(product)
            .and_then(|p| report_id(body, p));
        let received_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let failing: Vec<_> = audit
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Low)
            .collect();
        if failing.is_empty() {
            let text = String::from_utf8_lossy(body);
            let stored = self
                .store
                .accept(
                    product,
                    kind.unwrap_or("-"),
                    report_id.as_deref(),
                    received_ms,
                    &text,
                )
                .await;
            return match stored {
                Ok(s) => {
                    self.metrics.count("accepted", product, "-");
                    tracing::info!(
                        product,
                        kind,
                        duplicate = s == Stored::Duplicate,
                        "accepted"
                    );
                    let status = if s == Stored::New {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    };
                    (status, axum::Json(serde_json::json!({"verdict": "accepted", "duplicate": s == Stored::Duplicate}))).into_response()
                }
                Err(e) => self.store_failed(product, &e),
            };
        }
        let findings: Vec<serde_json::Value> = failing
            .iter()
            .map(|f| {
                serde_json::json!({
                    "rule": f.rule, "category": f.category.as_str(), "severity": f.severity.as_str(),
                    "pointer": f.pointer, "evidence": f.evidence.redacted,
                })
            })
            .collect();
        let text = serde_json::Value::Array(findings.clone()).to_string();
        let raw = self.options.quarantine_raw.then_some(body);
        match self
            .store
            .quarantine(product, kind, report_id.as_deref(), received_ms, &text, raw)
            .await
        {
            Ok(s) => {
                for f in &failing {
                    self.metrics.count("quarantined", product, &f.rule);
                }
                tracing::info!(
                    product,
                    kind,
                    findings = failing.len(),
                    duplicate = s == Stored::Duplicate,
                    "quarantined"
                );
                // A 2xx: a client must not send a leak again and again.
                (
                    StatusCode::ACCEPTED,
                    axum::Json(serde_json::json!({"verdict": "quarantined", "duplicate": s == Stored::Duplicate, "findings": findings})),
                )
                    .into_response()
            }
            Err(e) => self.store_failed(product, &e),
        }
    }

    fn store_failed(&self, product: &str, e: &StoreError) -> Response {
        // The store's message names tables and states, never values.
        tracing::error!(product, error = %e, "store failed: not acknowledged");
        self.overloaded(product, "store")
    }
}

/// The client's report id at `pointer`, when it is a short plain string.
fn report_id(body: &[u8], pointer: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = v.pointer(pointer)?.as_str()?;
    (id.len() <= 128).then(|| id.to_string())
}

/// Counters and a latency histogram, in Prometheus' text format.
#[derive(Default)]
struct Metrics {
    counters: Mutex<BTreeMap<(String, String, String), u64>>,
    /// Counts per bucket of [`BUCKETS`], then the total count and the sum in seconds.
    latency: Mutex<([u64; BUCKETS.len()], u64, f64)>,
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

impl Metrics {
    fn count(&self, verdict: &str, product: &str, rule: &str) {
        let mut c = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *c.entry((verdict.into(), product.into(), rule.into()))
            .or_default() += 1;
    }

    fn latency(&self, d: Duration) {
        let mut l = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                l.0[i] += 1;
            }
        }
        l.1 += 1;
        l.2 += s;
    }

    fn render(&self) -> String {
        let mut out = String::new();
        let c = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // (what was counted, its metric, help, the third label's name)
        for (what, metric, help, third) in [
            (
                "accepted",
                "privaudit_accepted_total",
                "Reports stored, by product.",
                None,
            ),
            (
                "quarantined",
                "privaudit_quarantined_total",
                "Findings of quarantined reports, by product and rule.",
                Some("rule"),
            ),
            (
                "rejected",
                "privaudit_rejected_total",
                "Requests refused, by product and reason.",
                Some("reason"),
            ),
        ] {
            out.push_str(&format!(
                "# HELP {metric} {help}\n# TYPE {metric} counter\n"
            ));
            for ((_, product, extra), n) in c.iter().filter(|(k, _)| k.0 == what) {
                match third {
                    Some(name) => out.push_str(&format!(
                        "{metric}{{product=\"{}\",{name}=\"{}\"}} {n}\n",
                        label(product),
                        label(extra)
                    )),
                    None => {
                        out.push_str(&format!("{metric}{{product=\"{}\"}} {n}\n", label(product)))
                    }
                }
            }
        }
        drop(c);
        let l = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP privaudit_request_seconds Time from a report's arrival to its answer.\n# TYPE privaudit_request_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            let n = l.0[i];
            out.push_str(&format!(
                "privaudit_request_seconds_bucket{{le=\"{b}\"}} {n}\n"
            ));
        }
        out.push_str(&format!(
            "privaudit_request_seconds_bucket{{le=\"+Inf\"}} {}\nprivaudit_request_seconds_sum {}\nprivaudit_request_seconds_count {}\n",
            l.1, l.2, l.1
        ));
        out
    }
}

/// A label value as the text format wants it escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Runs a collector until SIGTERM or SIGINT: opens the store, binds `listen`, logs one line
/// `listening on ADDR` (the port chosen when `listen` asks for port 0) and serves.
pub fn run(auditor: Auditor, listen: &str, db: &str, options: Options) -> Result<(), String> {
    // Logs go to stderr, one line per event, without colour codes.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // The URL may hold a password: errors name the option, not the URL.
        let store = Store::open(db).await.map_err(|e| format!("--db: {e}"))?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("--listen {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(%addr, "listening on {addr}");
        let collector = Collector::new(std::sync::Arc::new(auditor), store, options);
        serve(listener, collector, shutdown_signal())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!("stopped");
        Ok(())
    })
}
