//! A progress bar on stderr for long runs: drawn only on a terminal, and only once a run has
//! lasted long enough to need one, so short runs and pipes stay silent.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

const DELAY: Duration = Duration::from_millis(400);

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: bool,
    file: String,
}

impl Progress {
    /// A bar over `total` input bytes; hidden when `enabled` is off or stderr is no terminal.
    pub fn new(total: u64, enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: false,
            file: String::new(),
        }
    }

    /// Counts `bytes` of input as done; `what` names the file being read.
    pub fn advance(&mut self, bytes: u64, what: &str) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && self.started.elapsed() >= DELAY {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.file != what {
            self.file = what.to_string();
            bar.set_message(crate::output::printable(what).into_owned());
        }
        bar.inc(bytes);
    }

    /// Removes the bar so the report that follows starts on a clean line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
