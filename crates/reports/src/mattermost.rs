//! Mattermost server: the security update check and the diagnostics batch.
//!
//! The security check is an HTTP GET whose nine query parameters are all strings on the wire;
//! [`SecurityCheck`] models the decoded parameters as a flat object. Diagnostics go out as
//! batches of `track` and `identify` messages (the Rudder/Segment client envelope). Each known
//! event has typed properties; events this model does not know keep an open property map, and
//! the configuration sections, whose keys change with every release, are open maps of raw
//! values.

use crate::AnyValue;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// `"true"` or `"false"`, as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BoolString {
    /// `"true"`.
    #[serde(rename = "true")]
    True,
    /// `"false"`.
    #[serde(rename = "false")]
    False,
}

/// `"1"` or `"0"`, as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BitString {
    /// `"1"`.
    #[serde(rename = "1")]
    One,
    /// `"0"`.
    #[serde(rename = "0")]
    Zero,
}

/// Query parameters of `GET /security`, decoded into a flat object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct SecurityCheck {
    /// Telemetry id of the installation (26 characters `[a-z0-9]`); the same value is the
    /// `userId` of every diagnostics message.
    #[schemars(regex(pattern = r"^[a-z0-9]{26}$"))]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub id: String,
    /// Version and build number, `<version>.<build>`.
    #[schemars(extend("x-privacy" = "version"))]
    pub b: String,
    /// Whether the build is enterprise-ready.
    #[schemars(extend("x-privacy" = "flag"))]
    pub be: BoolString,
    /// SQL driver: `postgres` or `mysql`.
    #[schemars(extend("x-privacy" = "enum"))]
    pub db: String,
    /// Go OS name, e.g. `linux`.
    #[schemars(extend("x-privacy" = "environment"))]
    pub os: String,
    /// Whether unit tests have run against this database.
    #[schemars(extend("x-privacy" = "flag"))]
    pub ut: BitString,
    /// Users including deleted ones, decimal; absent when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+$"))]
    #[schemars(extend("x-privacy" = "count"))]
    pub uc: Option<String>,
    /// Active users, decimal; absent when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+$"))]
    #[schemars(extend("x-privacy" = "count"))]
    pub auc: Option<String>,
    /// Teams, decimal; absent when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+$"))]
    #[schemars(extend("x-privacy" = "count"))]
    pub tc: Option<String>,
}

/// A diagnostics batch, `POST /v1/batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct DiagnosticsBatch {
    /// Random id of the batch (UUID).
    #[schemars(extend("x-privacy" = "random-id"))]
    pub message_id: String,
    /// When the batch was sent (RFC 3339).
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub sent_at: String,
    /// The messages.
    pub batch: Vec<Message>,
    /// Client library of the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
}

/// Message context: the client library, or on cloud workspaces the installation id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct Context {
    /// Client library name and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<Library>,
    /// Traits (cloud workspaces only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<Traits>,
}

/// Client library of a message or batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Library {
    /// Library name, `analytics-go`.
    #[schemars(extend("x-privacy" = "enum"))]
    pub name: String,
    /// Library version.
    #[schemars(extend("x-privacy" = "version"))]
    pub version: String,
}

/// Traits a cloud workspace adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traits {
    /// Cloud installation id.
    #[serde(rename = "installationId")]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub installation_id: String,
}

/// One message of a batch, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Message {
    /// A `track` event.
    #[serde(rename = "track")]
    Track(Box<Track>),
    /// An `identify` message.
    #[serde(rename = "identify")]
    Identify(Identify),
}

impl JsonSchema for Message {
    fn schema_name() -> Cow<'static, str> {
        "Message".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let track = generator.subschema_for::<Track>();
        let identify = generator.subschema_for::<Identify>();
        json_schema!({
            "description": "A `track` or `identify` message, told apart by `type`.",
            "type": "object",
            "required": ["type"],
            "oneOf": [track, identify]
        })
    }
}

/// The `identify` message sent once per run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct Identify {
    /// Always `identify` (consumed as the message tag when parsing).
    #[serde(rename = "type", default, skip_serializing)]
    #[schemars(extend("x-privacy" = "enum"))]
    pub kind: Option<IdentifyTag>,
    /// Random message id.
    #[schemars(extend("x-privacy" = "random-id"))]
    pub message_id: String,
    /// Filled by the client with the telemetry id, despite its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub anonymous_id: Option<String>,
    /// The installation's telemetry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub user_id: Option<String>,
    /// Time of the message.
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub timestamp: String,
    /// Message context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Traits of the installation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "config"))]
    pub traits: Option<BTreeMap<String, AnyValue>>,
}

/// The `type` tag of an identify message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum IdentifyTag {
    /// `"identify"`.
    #[serde(rename = "identify")]
    Identify,
}

/// The `type` tag of a track message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TrackTag {
    /// `"track"`.
    #[serde(rename = "track")]
    Track,
}

/// Fields every track message carries; `properties` depends on `event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
pub struct TrackBody<P> {
    /// Random message id.
    #[schemars(extend("x-privacy" = "random-id"))]
    pub message_id: String,
    /// Filled by the client with the telemetry id, despite its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub anonymous_id: Option<String>,
    /// The installation's telemetry id (the security check's `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    pub user_id: Option<String>,
    /// Time of the event (RFC 3339).
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub timestamp: String,
    /// Message context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// The event's properties; the client drops an empty map, so it may be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<P>,
}

/// A track event of a name this model does not know; its properties stay an open map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtherTrack {
    /// Event name.
    pub event: String,
    /// Random message id.
    pub message_id: String,
    /// Filled by the client with the telemetry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    /// The installation's telemetry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Time of the event.
    pub timestamp: String,
    /// Message context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Raw properties; absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, AnyValue>>,
}

/// Declares the track events with typed properties: the serde enum, and the schema that picks
/// the properties schema from `event`.
macro_rules! track_events {
    ($($(#[$meta:meta])* $variant:ident($props:ty) = $name:literal,)*) => {
        /// A track message, tagged by `event`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "event")]
        pub enum Track {
            $($(#[$meta])* #[serde(rename = $name)] $variant(TrackBody<$props>),)*
            /// Any other event (older layouts send each configuration section as its own
            /// event, plus `products` and `warn_metrics`).
            #[serde(untagged)]
            Other(OtherTrack),
        }

        impl Track {
            /// The event names with typed properties.
            pub const KNOWN_EVENTS: &'static [&'static str] = &[$($name),*];

            /// The message's event name.
            pub fn event(&self) -> &str {
                match self {
                    $(Track::$variant(_) => $name,)*
                    Track::Other(other) => &other.event,
                }
            }
        }

        impl JsonSchema for Track {
            fn schema_name() -> Cow<'static, str> {
                "Track".into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                let mut schema = <TrackEnvelope as JsonSchema>::json_schema(generator);
                let mut branches = Vec::new();
                $(
                    let props = generator.subschema_for::<$props>();
                    branches.push(json_schema!({
                        "if": {"properties": {"event": {"const": $name}}, "required": ["event"]},
                        "then": {"properties": {"properties": props}}
                    }));
                )*
                let open = generator.subschema_for::<OpenProperties>();
                branches.push(json_schema!({
                    "if": {"properties": {"event": {"enum": Track::KNOWN_EVENTS}}, "required": ["event"]},
                    "else": {"properties": {"properties": open}}
                }));
                schema.insert("allOf".into(), branches.into_iter().map(Schema::to_value).collect());
                schema
            }
        }
    };
}

track_events! {
    /// Usage counts.
    Activity(Activity) = "activity",
    /// Deployment facts.
    Server(ServerInfo) = "server",
    /// Licence facts (licensed servers only).
    License(License) = "license",
    /// Plugin counts.
    Plugins(Plugins) = "plugins",
    /// Permission migration state.
    PermissionsGeneral(PermissionsGeneral) = "permissions_general",
    /// The system scheme's permissions.
    PermissionsSystemScheme(PermissionStrings) = "permissions_system_scheme",
    /// One team scheme's permissions.
    PermissionsTeamSchemes(TeamScheme) = "permissions_team_schemes",
    /// Elasticsearch engine version.
    Elasticsearch(Elasticsearch) = "elasticsearch",
    /// Group counts.
    Groups(Groups) = "groups",
    /// Channel moderation counts.
    ChannelModeration(ChannelModeration) = "channel_moderation",
    /// All configuration sections in one event (current layout).
    Configs(Configs) = "configs",
}

/// Schema-only view of a track message's fixed fields; `properties` is refined per event.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
#[allow(dead_code)]
struct TrackEnvelope {
    /// Always `track`.
    #[serde(rename = "type")]
    #[schemars(extend("x-privacy" = "enum"))]
    kind: TrackTag,
    /// Event name; selects the properties schema.
    #[schemars(extend("x-privacy" = "enum"))]
    event: String,
    /// Random message id.
    #[schemars(extend("x-privacy" = "random-id"))]
    message_id: String,
    /// Filled by the client with the telemetry id, despite its name.
    #[serde(default)]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    anonymous_id: Option<String>,
    /// The installation's telemetry id (the security check's `id`).
    #[serde(default)]
    #[schemars(extend("x-privacy" = "pseudonymous-id"))]
    user_id: Option<String>,
    /// Time of the event (RFC 3339).
    #[schemars(extend("x-privacy" = "timestamp"))]
    timestamp: String,
    /// Message context.
    #[serde(default)]
    context: Option<Context>,
    /// The event's properties; their schema depends on `event`. The client drops an empty
    /// map, so it may be absent.
    #[serde(default)]
    properties: Option<BTreeMap<String, AnyValue>>,
}

/// Properties of an event this model does not type: raw values.
#[derive(JsonSchema)]
#[schemars(extend("x-privacy" = "config", "x-privacy-keys" = "enum"))]
#[allow(dead_code)]
struct OpenProperties(BTreeMap<String, AnyValue>);

/// Declares a properties struct whose fields are all integers of one class.
macro_rules! int_properties {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(extend("x-privacy" = "count"))]
        pub struct $name {
            $($(#[$fmeta])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<i64>,)*
        }
    };
}

int_properties! {
    /// `activity`: usage sums.
    Activity {
        /// Registered accounts.
        registered_users,
        /// Bot accounts.
        bot_accounts,
        /// Guest accounts.
        guest_accounts,
        /// Users active in the last day.
        active_users_daily,
        /// Users active in the last month.
        active_users_monthly,
        /// Deactivated accounts.
        registered_deactivated_users,
        /// Teams.
        teams,
        /// Public channels.
        public_channels,
        /// Private channels.
        private_channels,
        /// Direct-message channels.
        direct_message_channels,
        /// Deleted public channels.
        public_channels_deleted,
        /// Deleted private channels.
        private_channels_deleted,
        /// Posts of the previous day.
        posts_previous_day,
        /// Bot posts of the previous day.
        bot_posts_previous_day,
        /// All posts.
        posts,
        /// Slash commands.
        slash_commands,
        /// Incoming webhooks.
        incoming_webhooks,
        /// Outgoing webhooks.
        outgoing_webhooks,
        /// Storage used in bytes (cloud licences only).
        storage_bytes,
    }
}

int_properties! {
    /// `plugins`: plugin counts (`-1` when unknown).
    Plugins {
        /// Enabled plugins.
        enabled_plugins,
        /// Enabled plugins with a web app part.
        enabled_webapp_plugins,
        /// Enabled plugins with a server part.
        enabled_backend_plugins,
        /// Disabled plugins.
        disabled_plugins,
        /// Disabled pre-packaged plugins.
        disabled_default_plugins,
        /// Disabled plugins with a web app part.
        disabled_webapp_plugins,
        /// Disabled plugins with a server part.
        disabled_backend_plugins,
        /// Plugins that have settings.
        plugins_with_settings,
        /// Plugins whose manifest failed to load.
        plugins_with_broken_manifests,
    }
}

int_properties! {
    /// `groups`: group counts.
    Groups {
        /// Groups.
        group_count,
        /// LDAP groups.
        ldap_group_count,
        /// Custom groups.
        custom_group_count,
        /// Group-team links.
        group_team_count,
        /// Group-channel links.
        group_channel_count,
        /// Group-synced teams.
        group_synced_team_count,
        /// Group-synced channels.
        group_synced_channel_count,
        /// Group memberships.
        group_member_count,
        /// Distinct group members.
        distinct_group_member_count,
        /// Distinct custom-group members.
        distinct_custom_group_member_count,
        /// Distinct LDAP-group members.
        distinct_ldap_group_member_count,
        /// Groups that allow mentions.
        group_count_with_allow_reference,
    }
}

int_properties! {
    /// `channel_moderation`: moderation counts.
    ChannelModeration {
        /// Channel schemes.
        channel_scheme_count,
        /// Channels where members may not post.
        create_post_user_disabled_count,
        /// Channels where guests may not post.
        create_post_guest_disabled_count,
        /// Channels where members may not react.
        post_reactions_user_disabled_count,
        /// Channels where guests may not react.
        post_reactions_guest_disabled_count,
        /// Channels where members may not manage members.
        manage_members_user_disabled_count,
        /// Channels where members may not use channel mentions.
        use_channel_mentions_user_disabled_count,
        /// Channels where guests may not use channel mentions.
        use_channel_mentions_guest_disabled_count,
    }
}

int_properties! {
    /// `elasticsearch`: engine version (only when an engine is active).
    Elasticsearch {
        /// Major version of the search server.
        elasticsearch_server_version,
    }
}

/// `server`: deployment facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "enum"))]
pub struct ServerInfo {
    /// Enterprise build, `"true"`/`"false"`.
    #[schemars(extend("x-privacy" = "flag"))]
    pub edition: String,
    /// Server version.
    #[schemars(extend("x-privacy" = "version"))]
    pub version: String,
    /// Database driver.
    #[schemars(extend("x-privacy" = "enum"))]
    pub database_type: String,
    /// Go OS name.
    #[schemars(extend("x-privacy" = "environment"))]
    pub operating_system: String,
    /// Installation type from the environment (may be empty).
    #[serde(default)]
    #[schemars(extend("x-privacy" = "enum"))]
    pub installation_type: String,
    /// System administrator accounts.
    #[schemars(extend("x-privacy" = "count"))]
    pub system_admins: i64,
    /// Database server version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-privacy" = "version"))]
    pub database_version: Option<String>,
}

/// `license`: facts of the commercial licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-privacy" = "flag", "x-privacy-keys" = "enum"))]
pub struct License {
    /// Customer id of the paying organisation.
    #[schemars(extend("x-privacy" = "identifier"))]
    pub customer_id: String,
    /// Licence id.
    #[schemars(extend("x-privacy" = "identifier"))]
    pub license_id: String,
    /// Issue time, ms since the epoch.
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub issued: i64,
    /// Start time, ms since the epoch.
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub start: i64,
    /// Expiry time, ms since the epoch.
    #[schemars(extend("x-privacy" = "timestamp"))]
    pub expire: i64,
    /// Licensed users.
    #[schemars(extend("x-privacy" = "count"))]
    pub users: i64,
    /// SKU short name.
    #[schemars(extend("x-privacy" = "enum"))]
    pub edition: String,
    /// One `feature_<name>` flag per licensed feature.
    #[serde(flatten)]
    pub features: BTreeMap<String, bool>,
}

/// `permissions_general`: migration state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-privacy" = "flag"))]
pub struct PermissionsGeneral {
    /// First permissions migration done.
    pub phase_1_migration_complete: bool,
    /// Second permissions migration done.
    pub phase_2_migration_complete: bool,
}

/// Permission lists (space-separated permission ids), modification flags and counts; the
/// keys follow the roles of the release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-privacy" = "enum", "x-privacy-keys" = "enum"))]
pub struct PermissionStrings(pub BTreeMap<String, AnyValue>);

/// `permissions_team_schemes`: one team scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-privacy" = "enum", "x-privacy-keys" = "enum"))]
pub struct TeamScheme {
    /// Scheme id.
    #[schemars(extend("x-privacy" = "identifier"))]
    pub scheme_id: String,
    /// Teams using the scheme.
    #[schemars(extend("x-privacy" = "count"))]
    pub team_count: i64,
    /// The scheme's `*_permissions` lists.
    #[serde(flatten)]
    pub permissions: BTreeMap<String, String>,
}

/// `configs`: one object per configuration section (`config_service`, `config_sql`, …), each
/// an open map of raw settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-privacy" = "config", "x-privacy-keys" = "enum"))]
pub struct Configs(pub BTreeMap<String, BTreeMap<String, AnyValue>>);
