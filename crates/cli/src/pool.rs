//! The audit threads: records go out in batches and come back in input order.

use privaudit_policy::Auditor;

/// A record waiting for the engine, with the index of its source.
pub(crate) struct Job {
    pub(crate) source: usize,
    pub(crate) record: privaudit_capture::Record,
}

/// Records are audited in batches of this many records or bytes: small, so that the threads
/// share the work evenly and the first and last batches keep nobody waiting long.
pub(crate) const BATCH_RECORDS: usize = 64;
pub(crate) const BATCH_BYTES: usize = 512 << 10;

/// Records waiting for the engine, with the bytes of their bodies kept as they come.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) jobs: Vec<Job>,
    pub(crate) bytes: usize,
}

impl Batch {
    pub(crate) fn push(&mut self, job: Job) {
        self.bytes += job.record.body.as_ref().map_or(0, Vec::len);
        self.jobs.push(job);
    }

    /// Ready for the engine: enough records or enough bytes of bodies.
    pub(crate) fn full(&self) -> bool {
        self.jobs.len() >= BATCH_RECORDS || self.bytes >= BATCH_BYTES
    }

    /// Empties the batch; it keeps its room for the next one.
    pub(crate) fn clear(&mut self) {
        self.jobs.clear();
        self.bytes = 0;
    }

    /// The batch's records and body bytes, leaving it empty with room for the next one.
    pub(crate) fn take(&mut self) -> (Vec<Job>, usize) {
        let jobs = std::mem::replace(&mut self.jobs, Vec::with_capacity(BATCH_RECORDS));
        (jobs, std::mem::take(&mut self.bytes))
    }
}

/// Audit threads that live for the whole run, so each keeps its warm buffers and its memory
/// of clean strings. Batches go out numbered, come back in any order and are handed on in
/// input order.
pub(crate) struct Pool {
    /// Taken when the pool is dropped, which closes the queue.
    pub(crate) work: Option<std::sync::mpsc::SyncSender<(u64, Vec<Job>)>>,
    pub(crate) done: std::sync::mpsc::Receiver<(u64, Vec<Job>, Outcomes)>,
    pub(crate) handles: Vec<std::thread::JoinHandle<()>>,
    /// The number of the next batch to hand on; those after it are out.
    pub(crate) next: u64,
    /// Batches that came back ahead of their turn.
    pub(crate) early: std::collections::BTreeMap<u64, (Vec<Job>, Outcomes)>,
    /// The body bytes of each batch out, in the order sent.
    pub(crate) sizes: std::collections::VecDeque<usize>,
}

/// Batches out per audit thread at most: enough to keep every thread busy while the
/// writer catches up.
pub(crate) const IN_FLIGHT_PER_THREAD: usize = 4;
/// Body bytes out at most, beyond one batch per thread: so that memory grows with the
/// largest record and the thread count, never with the file.
pub(crate) const IN_FLIGHT_BYTES: usize = 8 << 20;

/// Returned when the audit threads are gone while batches are still out.
pub(crate) const POOL_GONE: &str = "internal error: the audit threads stopped";

impl Pool {
    pub(crate) fn new(
        threads: usize,
        auditor: std::sync::Arc<Auditor>,
        forced: Option<&str>,
    ) -> Pool {
        // Room for every batch that may be out, so sending never waits on the threads.
        let (work, queue) =
            std::sync::mpsc::sync_channel::<(u64, Vec<Job>)>(threads * IN_FLIGHT_PER_THREAD + 1);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        let (finished, done) = std::sync::mpsc::channel();
        let forced: Option<std::sync::Arc<str>> = forced.map(Into::into);
        let handles = (0..threads)
            .map(|_| {
                let queue = queue.clone();
                let finished = finished.clone();
                let auditor = auditor.clone();
                let forced = forced.clone();
                std::thread::spawn(move || {
                    loop {
                        // The lock is let go before the batch is audited.
                        let next = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        let Ok((n, jobs)) = next else { break };
                        let outcomes = audit_all(&auditor, forced.as_deref(), &jobs);
                        if finished.send((n, jobs, outcomes)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        Pool {
            work: Some(work),
            done,
            handles,
            next: 0,
            early: Default::default(),
            sizes: Default::default(),
        }
    }

    pub(crate) fn send(&mut self, jobs: Vec<Job>, bytes: usize) -> Result<(), String> {
        let work = self.work.as_ref().ok_or(POOL_GONE)?;
        let n = self.next + self.sizes.len() as u64;
        work.send((n, jobs)).map_err(|_| POOL_GONE.to_string())?;
        self.sizes.push_back(bytes);
        Ok(())
    }

    /// Too much is out: the next batch is waited for before more are read.
    pub(crate) fn full(&self) -> bool {
        let (out, threads) = (self.sizes.len(), self.handles.len());
        out > threads * IN_FLIGHT_PER_THREAD
            || (out > threads && self.sizes.iter().sum::<usize>() > IN_FLIGHT_BYTES)
    }

    /// The next batch in input order, once it is back: waits for it when `wait`.
    pub(crate) fn next(&mut self, wait: bool) -> Result<Option<(Vec<Job>, Outcomes)>, String> {
        while !self.sizes.is_empty() {
            if let Some(ready) = self.early.remove(&self.next) {
                self.next += 1;
                self.sizes.pop_front();
                return Ok(Some(ready));
            }
            let (n, jobs, outcomes) = match self.done.try_recv() {
                Ok(back) => back,
                Err(std::sync::mpsc::TryRecvError::Empty) if !wait => return Ok(None),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    self.done.recv().map_err(|_| POOL_GONE.to_string())?
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return Err(POOL_GONE.into()),
            };
            self.early.insert(n, (jobs, outcomes));
        }
        Ok(None)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends each thread once the batches it holds are done.
        self.work = None;
        for t in self.handles.drain(..) {
            let _ = t.join();
        }
    }
}

pub(crate) type Outcomes = Vec<Result<privaudit_policy::Audit, String>>;

/// The outcome of a record whose audit failed inside the engine.
pub(crate) const AUDIT_FAILED: &str = "internal error: the audit of this record failed";

/// Audits a batch in order. A panic in the engine fails its record, not the run.
pub(crate) fn audit_all(auditor: &Auditor, forced: Option<&str>, batch: &[Job]) -> Outcomes {
    batch
        .iter()
        .map(|j| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                audit_one(auditor, forced, j)
            }))
            .unwrap_or_else(|_| Err(AUDIT_FAILED.into()))
        })
        .collect()
}

pub(crate) fn audit_one(
    auditor: &Auditor,
    forced: Option<&str>,
    job: &Job,
) -> Result<privaudit_policy::Audit, String> {
    let record = &job.record;
    let body = record.body.as_ref().map_err(ToString::to_string)?;
    // The endpoint names the product when the capture knows it and none is forced.
    let product = forced.or_else(|| {
        let ep = record.endpoint.as_deref()?;
        auditor.product_for_endpoint(ep)
    });
    let result = match product {
        Some(p) => auditor.audit_as(p, body),
        None => auditor.audit(body),
    };
    match &result.error {
        None => Ok(result),
        Some(privaudit_policy::Error::Syntax {
            message,
            line,
            column,
            byte,
        }) => {
            let line = record.line.map_or(*line, |l| l + line - 1);
            Err(format!(
                "not valid JSON: {message} at line {line}, column {column} (byte {byte} of the record)"
            ))
        }
        Some(other) => Err(other.to_string()),
    }
}
