//! Kopano Groupware Core: the survey report of the `kopano-server` daemon (and of the Go
//! services that use the same endpoint).
//!
//! The wire form is `{"stats": {name: {desc, type, mode?, value}}, "version": 2}`. Every stat
//! the server is known to send is a typed optional field; stats the model does not know are
//! kept in [`Stats::other`] and marked in the schema (`x-report-unlisted`), so the engine lists
//! them instead of dropping them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The survey, `POST /api/stats/v1/submit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct Survey {
    /// The statistics, keyed by entry name.
    pub stats: Stats,
    /// Envelope version, 2.
    #[schemars(range(min = 2, max = 2))]
    #[schemars(extend("x-privacy" = "version"))]
    pub version: u32,
}

/// The statistics a survey carries. Entries are absent when the sending build never
/// registered them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-report-unlisted" = true, "x-privacy-keys" = "enum"))]
pub struct Stats {
    /// First line of `/etc/machine-id` (32 lower-case hex), sent raw; empty if missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id", "x-raw-id-of" = "machine-id"))]
    pub machine_id: Option<StringStat>,
    /// Name of the sending program, e.g. `kopano-server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub program_name: Option<StringStat>,
    /// Version of the sending program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "version"))]
    pub program_version: Option<StringStat>,
    /// Server GUID: 32 upper-case hex from the database (raw from kopano-server, hashed by the
    /// Go client); may be empty in the very first report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id", "x-raw-id-of" = "server-guid"))]
    pub server_guid: Option<StringStat>,
    /// `<sysname> <machine> <kernel release>`, e.g. `Linux x86_64 5.10.0-26-amd64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "environment"))]
    pub utsname: Option<StringStat>,
    /// `PRETTY_NAME` of `/etc/os-release`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "environment"))]
    pub osrelease: Option<StringStat>,
    /// Configured user backend: `db`, `ldap`, `unix`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub userplugin: Option<StringStat>,
    /// Attachment backend: `database`, `files`, `files_v2`, `s3` (8.7.4 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub attachment_storage: Option<StringStat>,
    /// Highest object number in the store database (8.7.4 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub max_objectid: Option<IntStat>,
    /// Active users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_active: Option<IntStat>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_contact: Option<IntStat>,
    /// Equipment resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_equipment: Option<IntStat>,
    /// Non-active users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_na_user: Option<IntStat>,
    /// All non-active objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_nonactive: Option<IntStat>,
    /// Rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "count"))]
    pub usercnt_room: Option<IntStat>,
    /// Stats this model does not know, kept so that they are reported, never dropped.
    #[serde(flatten)]
    #[schemars(extend("x-privacy" = "config"))]
    pub other: BTreeMap<String, Stat>,
}

/// The `type` tag of a string stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum StringTag {
    /// `"string"`.
    #[serde(rename = "string")]
    String,
}

/// The `type` tag of an integer stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum IntTag {
    /// `"int"`.
    #[serde(rename = "int")]
    Int,
}

/// How a numeric stat accumulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Grows monotonically.
    Counter,
    /// A current level.
    Gauge,
}

/// A known string stat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StringStat {
    /// Description the server attaches (constant per stat, sometimes empty).
    #[schemars(extend("x-privacy" = "label"))]
    pub desc: String,
    /// Always `string`.
    #[serde(rename = "type")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub kind: StringTag,
    /// The value; its class is the stat's class.
    pub value: String,
}

/// A known integer stat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntStat {
    /// Description the server attaches.
    #[schemars(extend("x-privacy" = "label"))]
    pub desc: String,
    /// Always `int`.
    #[serde(rename = "type")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub kind: IntTag,
    /// `counter` or `gauge`; the Go client sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "enum"))]
    pub mode: Option<Mode>,
    /// The value.
    pub value: i64,
}

/// Any stat, tagged by `type`; used for stats the model does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Stat {
    /// A string stat.
    #[serde(rename = "string")]
    String {
        /// Description.
        #[schemars(extend("x-privacy" = "label"))]
        desc: String,
        /// Value.
        value: String,
    },
    /// A 64-bit integer stat.
    #[serde(rename = "int")]
    Int {
        /// Description.
        #[schemars(extend("x-privacy" = "label"))]
        desc: String,
        /// Counter or gauge.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        /// Value.
        value: i64,
    },
    /// A floating-point stat.
    #[serde(rename = "real")]
    Real {
        /// Description.
        #[schemars(extend("x-privacy" = "label"))]
        desc: String,
        /// Counter or gauge.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        /// Value.
        value: f64,
    },
    /// A time in unix seconds.
    #[serde(rename = "unixtime")]
    UnixTime {
        /// Description.
        #[schemars(extend("x-privacy" = "label"))]
        desc: String,
        /// Counter or gauge.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        /// Value.
        #[schemars(extend("x-privacy" = "timestamp"))]
        value: i64,
    },
}
