//! `privaudit audit` and `privaudit baseline`.

use crate::args::{AuditArgs, ColorChoice, OutputFormat};
use crate::output;
use crate::run::{colour, finish, start};
use std::process::ExitCode;

pub(crate) fn sink_for(args: &AuditArgs, baseline_mode: bool) -> Box<dyn output::Sink> {
    if baseline_mode {
        return Box::<output::Baseline>::default();
    }
    match args.format {
        OutputFormat::Text => Box::new(output::Text {
            colour: match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => colour(
                    std::io::IsTerminal::is_terminal(&std::io::stdout()),
                    std::env::var_os("NO_COLOR").as_deref(),
                ),
            },
        }),
        OutputFormat::Json => Box::<output::Json>::default(),
        OutputFormat::Sarif => Box::<output::Sarif>::default(),
        OutputFormat::Junit => Box::<output::Junit>::default(),
    }
}

pub(crate) fn audit(args: &AuditArgs, baseline_mode: bool) -> Result<ExitCode, String> {
    let run = start(args, sink_for(args, baseline_mode), false)?;
    finish(run, "")
}
