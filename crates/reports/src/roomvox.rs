//! RoomVox (Nextcloud room-booking app): the daily usage report in its three generations.
//!
//! Generation A (0.2.0 – 0.4.x) and B (about 1.0 – 1.5.x) share 22 fields; B adds the
//! subscription fields and, in later releases, disabled accounts and the Exchange flags.
//! Generation C (1.6.0 and later, opt-in) is a new, smaller field list versioned by
//! `telemetrySchema`. The generations are told apart by shape.

use crate::PhpMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Declares a generation A/B struct: the shared fields plus the generation's own.
macro_rules! ab_report {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        #[schemars(extend("x-privacy" = "enum"))]
        pub struct $name {
            /// Installation id: unsalted SHA-256 (64 lower-case hex) of the lower-cased instance
            /// URL without trailing slash; since 1.4.0 the URL falls back to
            /// `https://` + the first trusted domain.
            #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
            #[schemars(extend(
        "x-privacy" = "pseudonymous-id",
        "x-hash-of" = "instance-url",
        "x-hash-inputs" = ["url-lowercase-trimmed", "bare-host"]
    ))]
            pub instance_hash: String,
            /// Installed RoomVox version, or `unknown`.
            #[schemars(extend("x-privacy" = "version"))]
            pub version: String,
            /// Rooms configured.
            #[schemars(extend("x-privacy" = "count"))]
            pub total_rooms: u64,
            /// Room groups configured.
            #[schemars(extend("x-privacy" = "count"))]
            pub total_room_groups: u64,
            /// Placeholder, always 0.
            #[schemars(extend("x-privacy" = "count"))]
            pub total_bookings: u64,
            /// Rooms per room-type id; ids of custom types are slugs of labels an administrator
            /// typed.
            #[schemars(extend("x-privacy" = "count", "x-privacy-keys" = "label"))]
            pub room_type_counts: PhpMap<u64>,
            /// Mean capacity of rooms with a capacity, two decimals; the integer 0 when none.
            #[schemars(extend("x-privacy" = "quantity"))]
            pub avg_capacity: f64,
            /// Rooms per facility id; custom and imported facilities are administrator labels.
            #[schemars(extend("x-privacy" = "count", "x-privacy-keys" = "label"))]
            pub facilities_counts: PhpMap<u64>,
            /// Rooms that accept bookings automatically.
            #[schemars(extend("x-privacy" = "count"))]
            pub auto_accept_count: u64,
            /// Rooms with their own SMTP server.
            #[schemars(extend("x-privacy" = "count"))]
            pub rooms_with_smtp: u64,
            /// Rooms with availability rules switched on.
            #[schemars(extend("x-privacy" = "count"))]
            pub availability_rules_enabled: u64,
            /// Accounts (A: users who logged in at least once; B: all accounts, at least 1).
            #[schemars(extend("x-privacy" = "count"))]
            pub total_users: u64,
            /// Users who logged in within 30 days.
            #[serde(rename = "activeUsers30d")]
            #[schemars(extend("x-privacy" = "count"))]
            pub active_users_30d: u64,
            /// Nextcloud version, four parts.
            #[schemars(extend("x-privacy" = "version"))]
            pub nextcloud_version: String,
            /// Full PHP version.
            #[schemars(extend("x-privacy" = "version"))]
            pub php_version: String,
            /// `default_phone_region` upper-cased when it is two letters, else `null`.
            #[schemars(extend("x-privacy" = "locale"))]
            pub country_code: Option<String>,
            /// Database driver: `mysql`, `pgsql`, `sqlite3`, `oci`; `sqlite` when unset.
            #[schemars(extend("x-privacy" = "enum"))]
            pub database_type: String,
            /// Default language code.
            #[schemars(extend("x-privacy" = "locale"))]
            pub default_language: String,
            /// IANA time zone of the server.
            #[schemars(extend("x-privacy" = "locale"))]
            pub default_timezone: String,
            /// PHP's OS family (`Linux`, `Darwin`, `Windows`, …), a closed set.
            #[schemars(extend("x-privacy" = "enum"))]
            pub os_family: String,
            /// Web server product token; `null` when the job runs from cron.
            #[schemars(extend("x-privacy" = "environment"))]
            pub web_server: Option<String>,
            /// Whether the server runs in a Docker container.
            #[schemars(extend("x-privacy" = "flag"))]
            pub is_docker: bool,
            $($extra)*
        }
    };
}

ab_report! {
    /// Generation A (0.2.0 to at least 0.4.x): 22 fields, opt-out.
    DailyReportA {}
}

ab_report! {
    /// Generation B (about 1.0 to 1.5.x): generation A plus the subscription fields; the fields
    /// added in 1.4.0 are optional so that B1 (documented) and B2 (1.4-era source) both parse.
    DailyReportB {
        /// Disabled accounts, `null` on error (1.4.0 and later).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "count"))]
        pub disabled_users: Option<u64>,
        /// Whether Nextcloud's subscription registry reports a valid subscription (1.4.0 and
        /// later).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "flag"))]
        pub has_valid_subscription: Option<bool>,
        /// Whether the subscription includes Extended Support.
        #[schemars(extend("x-privacy" = "flag"))]
        pub has_extended_support: bool,
        /// The RoomVox subscription key, verbatim; empty when none.
        #[schemars(extend("x-privacy" = "credential"))]
        pub license_key: String,
        /// Whether Exchange integration is switched on (1.4.x/1.5.x).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "flag"))]
        pub exchange_sync_enabled: Option<bool>,
        /// Rooms linked to a resource mailbox with sync on (1.4.x/1.5.x).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "count"))]
        pub rooms_with_exchange: Option<u64>,
    }
}

/// Generation C (1.6.0 and later, opt-in, field list version `telemetrySchema`). Only fields
/// up to the consented schema version are sent, so all but the first three are optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct DailyReportC {
    /// Installation id, computed as in generation B.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    #[schemars(extend(
        "x-privacy" = "pseudonymous-id",
        "x-hash-of" = "instance-url",
        "x-hash-inputs" = ["url-lowercase-trimmed", "bare-host"]
    ))]
    pub instance_hash: String,
    /// Version of the field list the administrator agreed to (currently 1).
    #[schemars(extend("x-privacy" = "version"))]
    pub telemetry_schema: u32,
    /// Installed RoomVox version.
    #[schemars(extend("x-privacy" = "version"))]
    pub app_version: String,
    /// Nextcloud version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "version"))]
    pub nextcloud_version: Option<String>,
    /// PHP version, major.minor only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "version"))]
    pub php_version: Option<String>,
    /// All accounts; `null` on error.
    #[serde(default)]
    #[schemars(extend("x-privacy" = "count"))]
    pub total_users: Option<u64>,
    /// Whether a valid Nextcloud subscription is registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "flag"))]
    pub has_valid_subscription: Option<bool>,
    /// Users who logged in within 30 days; `null` on error.
    #[serde(default, rename = "activeUsers30d")]
    #[schemars(extend("x-privacy" = "count"))]
    pub active_users_30d: Option<u64>,
    /// Disabled accounts; `null` on error.
    #[serde(default)]
    #[schemars(extend("x-privacy" = "count"))]
    pub disabled_users: Option<u64>,
    /// Phone region, else the country of the configured time zone; `null` for UTC/Etc zones.
    #[serde(default)]
    #[schemars(extend("x-privacy" = "locale"))]
    pub country_code: Option<String>,
    /// Rooms configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub total_rooms: Option<u64>,
    /// Room groups configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub total_room_groups: Option<u64>,
    /// Rooms that accept bookings automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub auto_accept_count: Option<u64>,
    /// Rooms with their own SMTP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub rooms_with_smtp: Option<u64>,
    /// Whether Exchange integration is switched on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "flag"))]
    pub exchange_sync_enabled: Option<bool>,
    /// Rooms linked to a resource mailbox with sync on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub rooms_with_exchange: Option<u64>,
}
