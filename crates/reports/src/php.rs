//! PHP's JSON encoder writes an empty associative array as `[]`; this map accepts both forms.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// A string-keyed map that a PHP sender encodes as `[]` when it is empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhpMap<V>(pub BTreeMap<String, V>);

impl<V: Serialize> Serialize for PhpMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() {
            // Round-trips to the wire form the product sends.
            return serializer.collect_seq(std::iter::empty::<()>());
        }
        self.0.serialize(serializer)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for PhpMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PhpMapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for PhpMapVisitor<V> {
            type Value = PhpMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object, or [] for an empty one")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.insert(k, v);
                }
                Ok(PhpMap(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(serde::de::Error::custom(
                        "a non-empty array where an object was expected",
                    ));
                }
                Ok(PhpMap(BTreeMap::new()))
            }
        }
        deserializer.deserialize_any(PhpMapVisitor(PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for PhpMap<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("PhpMap_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({
            "description": "An object; PHP sends `[]` when it is empty.",
            "anyOf": [
                {"type": "object", "additionalProperties": value},
                {"type": "array", "maxItems": 0}
            ]
        })
    }
}
