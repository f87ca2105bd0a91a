//! IntroVox (Nextcloud onboarding-tour app): the daily usage report.
//!
//! One struct covers every generation from 1.2.0 to 1.7.6: fields added after 1.2.0 are
//! optional, and the language list is accepted under its old name (`enabledLanguages`, until
//! 1.6.x) and its new one (`languagesWithOverrides`, since 1.7.0).

use crate::PhpMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The daily report, `POST /api/telemetry/introvox`, JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct DailyReport {
    /// Installation id: unsalted SHA-256 (64 lower-case hex) of the instance URL, lower-cased
    /// and without a trailing slash (since 1.7.3; before, of the raw `overwrite.cli.url` or the
    /// instance id).
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    #[schemars(extend(
        "x-privacy" = "pseudonymous-id",
        "x-hash-of" = "instance-url",
        "x-hash-inputs" = ["url-lowercase-trimmed", "url-as-configured"]
    ))]
    pub instance_hash: String,
    /// Number of accounts on all user backends (at least 1 since 1.4.3).
    #[schemars(extend("x-privacy" = "count"))]
    pub total_users: u64,
    /// Users whose last login lies within the last 30 days.
    #[serde(rename = "activeUsers30d")]
    #[schemars(extend("x-privacy" = "count"))]
    pub active_users_30d: u64,
    /// Installed IntroVox version, or `unknown`.
    #[schemars(extend("x-privacy" = "version"))]
    pub introvox_version: String,
    /// Nextcloud server version, four parts (for example `32.0.4.1`), or `unknown`.
    #[schemars(extend("x-privacy" = "version"))]
    pub nextcloud_version: String,
    /// Full PHP version (for example `8.3.14`).
    #[schemars(extend("x-privacy" = "version"))]
    pub php_version: String,
    /// Number of tour steps per language that has an administrator override (0 if none).
    #[schemars(extend("x-privacy" = "count", "x-privacy-keys" = "locale"))]
    pub total_steps: PhpMap<u64>,
    /// Languages with an administrator-authored step list (1.7.0 and later); always starts
    /// with `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "locale"))]
    pub languages_with_overrides: Option<Vec<String>>,
    /// The same list under its name before 1.7.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "locale"))]
    pub enabled_languages: Option<Vec<String>>,
    /// Whether the tour is switched on for the whole instance.
    #[schemars(extend("x-privacy" = "flag"))]
    pub wizard_enabled: bool,
    /// First-time tour starts.
    #[schemars(extend("x-privacy" = "count"))]
    pub wizard_started_count: u64,
    /// First-time tour completions.
    #[schemars(extend("x-privacy" = "count"))]
    pub wizard_completed_count: u64,
    /// Skip clicks (every click counts).
    #[schemars(extend("x-privacy" = "count"))]
    pub wizard_skipped_count: u64,
    /// Distinct users with a stored start time.
    #[schemars(extend("x-privacy" = "count"))]
    pub users_started_wizard: u64,
    /// Distinct users with a stored completion time (skips not included).
    #[schemars(extend("x-privacy" = "count"))]
    pub users_completed_wizard: u64,
    /// The raw `default_phone_region` setting, empty when unset (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "locale"))]
    pub server_region: Option<String>,
    /// Default language code of the instance (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "locale"))]
    pub default_language: Option<String>,
    /// IANA time zone of the server, `UTC` as last resort (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "locale"))]
    pub default_timezone: Option<String>,
    /// Database driver as configured: `mysql`, `pgsql`, `sqlite3`, `oci` or `unknown`
    /// (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub database_type: Option<String>,
    /// Number of groups (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub total_groups: Option<u64>,
    /// Whether any step is limited to groups (1.2.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "flag"))]
    pub group_visibility_used: Option<bool>,
    /// PHP's OS family: `Linux`, `Windows`, `Darwin`, `BSD`, `Solaris`, `Unknown` (1.2.2 and
    /// later). A closed set, so an enumerated value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub os_family: Option<String>,
    /// Web server product token from the request (`Apache`, `nginx`, …); `null` when the job
    /// runs from cron (1.2.2 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "environment"))]
    pub web_server: Option<String>,
    /// Whether the server runs in a Docker container (1.2.2 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "flag"))]
    pub is_docker: Option<bool>,
    /// The IntroVox subscription key, verbatim; `null` when none is set (1.5.0 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "credential"))]
    pub license_key: Option<String>,
    /// Whether Nextcloud reports Extended Support (1.5.0 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "flag"))]
    pub has_extended_support: Option<bool>,
}

impl DailyReport {
    /// The language list under whichever name the sender used.
    pub fn languages(&self) -> &[String] {
        self.languages_with_overrides
            .as_deref()
            .or(self.enabled_languages.as_deref())
            .unwrap_or(&[])
    }
}
