//! Reading only some items of a stored record's payload.
//!
//! A credit check reads a handful of items of each record (those its rules
//! test) out of payloads of thirty-odd items. Building the whole payload as
//! a JSON map, every key and value allocated, was a fifth of a checking
//! server's CPU; skipping the items nobody reads allocates nothing for them.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The items of the JSON object `json` whose keys are in `wanted`; the rest
/// are checked for syntax and skipped. An error if `json` is not a JSON
/// object. Bytes rather than text, so that a caller need not check the
/// whole payload for UTF-8 first (that was 3 % of a checking server's CPU):
/// the top-level keys and the kept values are checked as they are read;
/// skipped values, keys nested in them included, only for syntax. So bad
/// bytes inside an item nobody reads do not fail a check, where reading the
/// whole record (`RecordStore`) reports it corrupt.
pub fn payload_items(json: &[u8], wanted: &[String]) -> serde_json::Result<Map<String, Value>> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let items = de.deserialize_map(Wanted(wanted))?;
    de.end()?;
    Ok(items)
}

/// Visits an object, keeping the wanted items.
struct Wanted<'w>(&'w [String]);

impl<'de> Visitor<'de> for Wanted<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = Map::new();
        while let Some(key) = map.next_key_seed(Key(self.0))? {
            match key {
                Some(key) => {
                    let value: Value = map.next_value()?;
                    items.insert(key, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(items)
    }
}

/// A key: `Some` (owned) if wanted, `None` (nothing allocated) if not.
struct Key<'w>(&'w [String]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().any(|w| w == key).then(|| key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn wanted(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn only_the_wanted_items_are_kept_with_their_values() {
        let text = r#"{"CF_WSH":"淮市监罚〔2026〕1号","CF_CFLB":"罚款、警告","CF_NR_FK":"2.5","CF_JDRQ":"2026-01-05","nested":{"a":[1,2]}}"#;
        let items = payload_items(text.as_bytes(), &wanted(&["CF_CFLB", "CF_NR_FK", "SX_MDLX"])).unwrap();
        assert_eq!(
            Value::Object(items),
            json!({"CF_CFLB": "罚款、警告", "CF_NR_FK": "2.5"})
        );
        let all = payload_items(text.as_bytes(), &wanted(&["nested"])).unwrap();
        assert_eq!(Value::Object(all), json!({"nested": {"a": [1, 2]}}));
    }

    #[test]
    fn escaped_keys_are_matched_by_their_text() {
        let items = payload_items(r#"{"CF_\u0043FLB":"警告","x\"y":1}"#.as_bytes(), &wanted(&["CF_CFLB"])).unwrap();
        assert_eq!(Value::Object(items), json!({"CF_CFLB": "警告"}));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_a_whole_parse_would() {
        let text = r#"{"CF_NR_FK":"1","CF_NR_FK":2.5}"#;
        let items = payload_items(text.as_bytes(), &wanted(&["CF_NR_FK"])).unwrap();
        let whole: Map<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(items, whole);
        assert_eq!(Value::Object(items), json!({"CF_NR_FK": 2.5}));
    }

    #[test]
    fn nothing_wanted_is_an_empty_map_of_a_well_formed_object() {
        assert!(payload_items(br#"{"a":1,"b":[{"c":null}]}"#, &[]).unwrap().is_empty());
    }

    #[test]
    fn what_is_not_one_well_formed_object_is_refused() {
        for text in [
            "[1,2]",
            "\"text\"",
            "{\"a\":1",
            "{\"a\":1} {}",
            "{\"a\":tru}",
            "",
            "{\"a\":1,}",
        ] {
            assert!(payload_items(text.as_bytes(), &wanted(&["a"])).is_err(), "{text}");
        }
    }

    #[test]
    fn a_kept_item_that_is_not_utf8_is_refused_a_skipped_one_only_parsed() {
        assert!(payload_items(b"{\"a\":\"\xff\"}", &wanted(&["a"])).is_err());
        let items = payload_items(b"{\"a\":\"\xff\",\"b\":1}", &wanted(&["b"])).unwrap();
        assert_eq!(Value::Object(items), json!({"b": 1}));
    }
}
