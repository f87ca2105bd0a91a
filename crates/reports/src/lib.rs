//! Typed telemetry reports of the products privaudit audits.
//!
//! # Brief overview
//!
//! Every report kind of every product is a Rust struct that follows the wire format (not the
//! prose of the product's documentation). Each field carries a doc comment, which becomes the
//! description in the generated JSON Schema, and a privacy class in the custom schema keyword
//! `x-privacy` (see [`Privacy`]). The policy engine reads those classes to decide which detectors
//! apply to a field and how severe a hit is.
//!
//! [`catalog`] is the one table of products and report kinds; [`ReportKind::schema`] generates
//! the draft 2020-12 schema that is committed in the product's directory, `products/<id>/`.
//!
//! Structs are strict (`deny_unknown_fields`, which the schema renders as
//! `additionalProperties: false`), so a field the model does not know is never dropped silently:
//! typed parsing rejects it and the engine reports it as an undeclared field. Open maps whose
//! keys vary by release accept any key; maps whose unknown keys must still be seen carry the
//! keyword `x-report-unlisted: true`.
//!
//! This crate owns the product models only. It knows nothing of detectors, policies, capture
//! formats or output formats, and depends on serde and schemars alone.
//!
//! ```
//! let kind = privaudit_reports::find("introvox", "daily-report").unwrap();
//! let schema = kind.schema();
//! assert_eq!(schema.get("title").and_then(|t| t.as_str()), Some("IntroVox daily report"));
//! ```
#![deny(missing_docs)]

pub mod community_scripts;
pub mod introvox;
pub mod kopano;
pub mod mattermost;
mod php;
pub mod roomvox;
mod value;

pub use php::PhpMap;
pub use value::AnyValue;

use schemars::generate::SchemaSettings;
use schemars::transform::RestrictFormats;
use schemars::{JsonSchema, Schema};

/// Privacy class of a field: what kind of data the product means to send in it.
///
/// The class is written into the schema as `"x-privacy": "<name>"`. A field without its own
/// class inherits the class of the nearest enclosing field that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Privacy {
    /// A count of things (users, rooms, posts).
    Count,
    /// A measured quantity that is not a count (sizes, durations, averages).
    Quantity,
    /// A software version or build string.
    Version,
    /// A value from a small fixed set chosen by the product, not typed by a person.
    Enum,
    /// A boolean, or a string standing for one.
    Flag,
    /// A stable identifier of an installation (a hash or random id that links reports).
    PseudonymousId,
    /// An identifier generated afresh per run or per message.
    RandomId,
    /// An identifier of a customer, licence or organisation.
    Identifier,
    /// A description of the host environment (OS name, kernel, CPU model).
    Environment,
    /// A free-text field the product declares (error messages).
    DeclaredFreeText,
    /// A name or slug an administrator typed (room types, facility ids).
    Label,
    /// A raw configuration value of the product, whose keys vary by release.
    Config,
    /// A secret: any non-empty value is a credential.
    Credential,
    /// A point in time.
    Timestamp,
    /// A locale, language or region code.
    Locale,
}

impl Privacy {
    /// Every class, in declaration order.
    pub const ALL: [Privacy; 15] = [
        Privacy::Count,
        Privacy::Quantity,
        Privacy::Version,
        Privacy::Enum,
        Privacy::Flag,
        Privacy::PseudonymousId,
        Privacy::RandomId,
        Privacy::Identifier,
        Privacy::Environment,
        Privacy::DeclaredFreeText,
        Privacy::Label,
        Privacy::Config,
        Privacy::Credential,
        Privacy::Timestamp,
        Privacy::Locale,
    ];

    /// The name used in `x-privacy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Count => "count",
            Privacy::Quantity => "quantity",
            Privacy::Version => "version",
            Privacy::Enum => "enum",
            Privacy::Flag => "flag",
            Privacy::PseudonymousId => "pseudonymous-id",
            Privacy::RandomId => "random-id",
            Privacy::Identifier => "identifier",
            Privacy::Environment => "environment",
            Privacy::DeclaredFreeText => "declared-free-text",
            Privacy::Label => "label",
            Privacy::Config => "config",
            Privacy::Credential => "credential",
            Privacy::Timestamp => "timestamp",
            Privacy::Locale => "locale",
        }
    }

    /// Parses a class name as written in `x-privacy`.
    pub fn parse(name: &str) -> Option<Privacy> {
        Privacy::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// One report kind of one product.
#[derive(Clone, Copy)]
pub struct ReportKind {
    /// Product id (`introvox`, `roomvox`, `kopano`, `mattermost`, `community-scripts`).
    pub product: &'static str,
    /// Report kind id, unique within the product.
    pub kind: &'static str,
    /// Human title, also the schema's `title`.
    pub title: &'static str,
    /// Generates the root schema of the kind's struct.
    generate: fn() -> Schema,
}

impl std::fmt::Debug for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.product, self.kind)
    }
}

impl ReportKind {
    /// The draft 2020-12 JSON Schema of this kind, with `$id`, `title` and the product and kind
    /// ids in `x-product` / `x-report-kind`.
    pub fn schema(&self) -> Schema {
        let mut schema = (self.generate)();
        let obj = schema.ensure_object();
        obj.insert("$id".into(), self.schema_id().into());
        obj.insert("title".into(), self.title.into());
        obj.insert("x-product".into(), self.product.into());
        obj.insert("x-report-kind".into(), self.kind.into());
        schema
    }

    /// The schema's `$id`, a URN naming product and kind.
    pub fn schema_id(&self) -> String {
        format!("urn:privaudit:schema:{}:{}", self.product, self.kind)
    }

    /// File name of the committed schema in `products/<product>/`.
    pub fn schema_file_name(&self) -> String {
        format!("{}.{}.schema.json", self.product, self.kind)
    }
}

/// A product whose reports privaudit models in Rust (its name, endpoints and policy are in
/// `products/<id>/policy.toml`).
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// Product id used in every interface.
    pub id: &'static str,
    /// Report kinds, in the order shape detection should prefer them.
    pub kinds: &'static [ReportKind],
}

fn root_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .with_transform(RestrictFormats::default())
        .into_generator()
        .into_root_schema_for::<T>()
}

const fn kind<T: JsonSchema>(
    product: &'static str,
    kind: &'static str,
    title: &'static str,
) -> ReportKind {
    ReportKind {
        product,
        kind,
        title,
        generate: root_schema::<T>,
    }
}

static PRODUCTS: &[Product] = &[
    Product {
        id: "introvox",
        kinds: &[kind::<introvox::DailyReport>(
            "introvox",
            "daily-report",
            "IntroVox daily report",
        )],
    },
    Product {
        id: "roomvox",
        kinds: &[
            kind::<roomvox::DailyReportC>(
                "roomvox",
                "daily-report-c",
                "RoomVox daily report, generation C (1.6.0 and later)",
            ),
            kind::<roomvox::DailyReportB>(
                "roomvox",
                "daily-report-b",
                "RoomVox daily report, generation B (about 1.0 to 1.5.x)",
            ),
            kind::<roomvox::DailyReportA>(
                "roomvox",
                "daily-report-a",
                "RoomVox daily report, generation A (0.2.0 to 0.4.x)",
            ),
        ],
    },
    Product {
        id: "kopano",
        kinds: &[kind::<kopano::Survey>(
            "kopano",
            "survey",
            "Kopano survey report",
        )],
    },
    Product {
        id: "mattermost",
        kinds: &[
            kind::<mattermost::SecurityCheck>(
                "mattermost",
                "security-check",
                "Mattermost security update check (query parameters)",
            ),
            kind::<mattermost::DiagnosticsBatch>(
                "mattermost",
                "diagnostics-batch",
                "Mattermost diagnostics batch",
            ),
        ],
    },
    Product {
        id: "community-scripts",
        kinds: &[
            kind::<community_scripts::InstallReport>(
                "community-scripts",
                "install-report",
                "Community-Scripts LXC/VM install report",
            ),
            kind::<community_scripts::PveToolReport>(
                "community-scripts",
                "pve-tool-report",
                "Community-Scripts PVE tool report",
            ),
            kind::<community_scripts::AddonReport>(
                "community-scripts",
                "addon-report",
                "Community-Scripts addon report",
            ),
        ],
    },
];

/// Every product, in a stable order.
pub fn catalog() -> &'static [Product] {
    PRODUCTS
}

/// Looks up a product by id.
pub fn product(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// Looks up one report kind.
pub fn find(product_id: &str, kind_id: &str) -> Option<&'static ReportKind> {
    product(product_id)?
        .kinds
        .iter()
        .find(|k| k.kind == kind_id)
}

/// Every report kind of every product.
pub fn all_kinds() -> impl Iterator<Item = &'static ReportKind> {
    PRODUCTS.iter().flat_map(|p| p.kinds.iter())
}

/// A parsed report of any kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Report {
    /// `introvox/daily-report`.
    IntrovoxDaily(introvox::DailyReport),
    /// `roomvox/daily-report-c`.
    RoomvoxDailyC(roomvox::DailyReportC),
    /// `roomvox/daily-report-b`.
    RoomvoxDailyB(roomvox::DailyReportB),
    /// `roomvox/daily-report-a`.
    RoomvoxDailyA(roomvox::DailyReportA),
    /// `kopano/survey`.
    KopanoSurvey(kopano::Survey),
    /// `mattermost/security-check`.
    MattermostSecurityCheck(mattermost::SecurityCheck),
    /// `mattermost/diagnostics-batch`.
    MattermostDiagnostics(mattermost::DiagnosticsBatch),
    /// `community-scripts/install-report`.
    CommunityInstall(community_scripts::InstallReport),
    /// `community-scripts/pve-tool-report`.
    CommunityPveTool(community_scripts::PveToolReport),
    /// `community-scripts/addon-report`.
    CommunityAddon(community_scripts::AddonReport),
}

impl ReportKind {
    /// Deserializes a report of this kind into its struct. Any serde data format works; the
    /// caller chooses one (the policy engine uses JSON).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(&self, d: D) -> Result<Report, D::Error> {
        use serde::Deserialize;
        use serde::de::Error;
        Ok(match (self.product, self.kind) {
            ("introvox", "daily-report") => Report::IntrovoxDaily(Deserialize::deserialize(d)?),
            ("roomvox", "daily-report-c") => Report::RoomvoxDailyC(Deserialize::deserialize(d)?),
            ("roomvox", "daily-report-b") => Report::RoomvoxDailyB(Deserialize::deserialize(d)?),
            ("roomvox", "daily-report-a") => Report::RoomvoxDailyA(Deserialize::deserialize(d)?),
            ("kopano", "survey") => Report::KopanoSurvey(Deserialize::deserialize(d)?),
            ("mattermost", "security-check") => {
                Report::MattermostSecurityCheck(Deserialize::deserialize(d)?)
            }
            ("mattermost", "diagnostics-batch") => {
                Report::MattermostDiagnostics(Deserialize::deserialize(d)?)
            }
            ("community-scripts", "install-report") => {
                Report::CommunityInstall(Deserialize::deserialize(d)?)
            }
            ("community-scripts", "pve-tool-report") => {
                Report::CommunityPveTool(Deserialize::deserialize(d)?)
            }
            ("community-scripts", "addon-report") => {
                Report::CommunityAddon(Deserialize::deserialize(d)?)
            }
            (product, kind) => {
                return Err(D::Error::custom(format!("no model for {product}/{kind}")));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_in_the_catalog_has_a_model() {
        for kind in super::all_kinds() {
            // An empty object is never a valid report, but the error must come from the
            // model (a missing field), not from an unknown kind.
            let err = kind
                .deserialize(serde::de::value::MapDeserializer::<
                    std::iter::Empty<(&str, &str)>,
                    serde::de::value::Error,
                >::new(std::iter::empty()))
                .unwrap_err()
                .to_string();
            assert!(!err.contains("no model"), "{kind:?}: {err}");
        }
    }
}
