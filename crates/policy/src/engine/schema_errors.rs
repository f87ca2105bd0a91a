//! Schema errors refined for people: an error inside `anyOf`/`oneOf` is reported from the
//! branch the walk chose (or the closest one), not as "fits none", and masked so that no
//! error quotes the value.

use super::compiled::validator;
use super::run::Run;
use crate::shape::Choices;
use crate::tree::Tree;
use crate::{Category, Draft};
use jsonschema::error::ValidationErrorKind;

impl Run<'_> {
    /// Schema errors, refined to the branch the walk chose and masked.
    pub(crate) fn schema_errors(&mut self, value: &Tree, choices: &Choices) {
        // A value a detector already explains (a URL where a digest belongs) is not reported
        // again for failing its pattern.
        let detected: Vec<String> = self
            .findings
            .iter()
            .filter(|f| !f.on_key && f.category != Category::UndeclaredField)
            .map(|f| f.raw_pointer.clone().unwrap_or_else(|| f.pointer.clone()))
            .collect();
        let mut out: Vec<(String, String)> = Vec::new();
        // No schema reaches an unchecked member's value, so the validator has nothing to say
        // inside it; it is left out of the copy (a hostile body nests its bulk there).
        self.unchecked.sort_unstable();
        let value = value.to_value_without(&self.unchecked);
        let explainer = self.kind.explainer.get_or_init(|| {
            validator::<jsonschema::json::SerdeJson>(self.kind.shape.root())
                .map_err(|e| e.to_string())
        });
        match explainer {
            Ok(explainer) => {
                for error in explainer.iter_errors(&value) {
                    collect(&error, choices, &mut out, 0);
                }
            }
            // The same schema compiled for the tree, so this is not expected; the body is
            // still reported as not fitting.
            Err(e) => out.push((
                String::new(),
                format!("the body does not fit the schema, whose errors could not be listed: {e}"),
            )),
        }
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        let wordy = std::mem::take(&mut self.wordy);
        for (pointer, message) in out {
            if detected.contains(&pointer) {
                continue;
            }
            if let Some((_, text)) = wordy.iter().find(|(p, _)| *p == pointer) {
                self.words(&pointer, text, &message);
                continue;
            }
            let message = format!(
                "{message}; breaks: {}",
                self.promise(Category::SchemaViolation)
            );
            self.push(Draft::new(
                &pointer,
                Category::SchemaViolation,
                message,
                &pointer,
                String::new(),
            ));
        }
    }
}

pub(super) fn collect(
    error: &jsonschema::ValidationError<'_>,
    choices: &Choices,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    let pointer = error.instance_path().to_string();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { .. } => {}
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context }
            if depth < 8 =>
        {
            let schema_path = error.schema_path().to_string();
            let chosen = choices.iter().find_map(|(ip, bp)| {
                let i = bp
                    .strip_prefix(&schema_path)?
                    .strip_prefix('/')?
                    .parse::<usize>()
                    .ok()?;
                (ip == &pointer).then_some(i)
            });
            // Otherwise the branch whose complaints all lie below this value, fewest first.
            let chosen = chosen.or_else(|| {
                context
                    .iter()
                    .enumerate()
                    .filter(|(_, errs)| {
                        errs.iter()
                            .all(|e| e.instance_path().to_string().len() > pointer.len())
                    })
                    .min_by_key(|(_, errs)| errs.len())
                    .map(|(i, _)| i)
            });
            match chosen.and_then(|i| context.get(i)) {
                Some(errs) if !errs.is_empty() => errs
                    .iter()
                    .for_each(|e| collect(e, choices, out, depth + 1)),
                _ => out.push((
                    pointer,
                    "the value fits none of the shapes the schema allows".into(),
                )),
            }
        }
        _ => out.push((pointer, error.masked().to_string())),
    }
}
