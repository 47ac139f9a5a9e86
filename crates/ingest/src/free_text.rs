//! Records stored before identifiers written into free text were masked at
//! import: the same rule applied to them afterwards.

use serde_json::{Map, Value};
use xinyong_crypto::Keys;
use xinyong_domain::RecordType;
use xinyong_store::Rewritten;

use crate::IngestError;

/// A stored record's payload (JSON text) and sealed items with the rule of
/// import applied: each free-text item that holds an identifier stored
/// masked, its whole text added to the sealed items. `None` when there is
/// nothing to mask — a record imported under the rule, or one whose text
/// names no identifier — so that applying it twice changes nothing.
pub fn seal_free_text(
    record_type: &RecordType,
    payload: &str,
    sealed: Option<&[u8]>,
    keys: &Keys,
) -> Result<Option<Rewritten>, IngestError> {
    let mut payload: Map<String, Value> =
        serde_json::from_str(payload).map_err(|e| IngestError::Internal(format!("stored payload: {e}")))?;
    let mut found = Vec::new();
    for field in &record_type.fields {
        if let Some(Value::String(text)) = payload.get(&field.key)
            && let std::borrow::Cow::Owned(masked) = field.mask_free_text(text)
        {
            found.push((field.key.clone(), text.clone(), masked));
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    let mut items: Map<String, Value> = match sealed {
        Some(sealed) => serde_json::from_slice(&keys.open(sealed)?)
            .map_err(|e| IngestError::Internal(format!("sealed items: {e}")))?,
        None => Map::new(),
    };
    for (key, text, masked) in found {
        items.entry(key.clone()).or_insert(Value::String(text));
        payload.insert(key, Value::String(masked));
    }
    let sealed = keys.seal(Value::Object(items).to_string().as_bytes())?;
    Ok(Some((Value::Object(payload).to_string(), Some(sealed))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin_catalog;

    fn penalty_type() -> RecordType {
        let (_, text) = builtin_catalog()
            .into_iter()
            .find(|(name, _)| name == "xzcf.toml")
            .unwrap();
        RecordType::from_toml(&text).unwrap()
    }

    #[test]
    fn free_text_with_an_identifier_is_masked_and_sealed_once() {
        let keys = Keys::generate().unwrap();
        let record_type = penalty_type();
        let facts = "经查，当事人王某（身份证340603198503121231）销售过期食品";
        let stored = serde_json::json!({
            "CF_SY": facts,
            "CF_XDR_SHXYM": "123406004859000063",
            "CF_XDR_ZJHM": "340603********1231",
        })
        .to_string();
        let earlier = keys.seal(br#"{"CF_XDR_ZJHM":"340603198503121231"}"#).unwrap();
        let (payload, sealed) = seal_free_text(&record_type, &stored, Some(&earlier), &keys)
            .unwrap()
            .unwrap();
        let payload: Map<String, Value> = serde_json::from_str(&payload).unwrap();
        assert_eq!(
            payload["CF_SY"],
            "经查，当事人王某（身份证340603********1231）销售过期食品"
        );
        assert_eq!(payload["CF_XDR_SHXYM"], "123406004859000063", "a code is not free text");
        let opened: Map<String, Value> = serde_json::from_slice(&keys.open(&sealed.unwrap()).unwrap()).unwrap();
        assert_eq!(opened["CF_SY"], facts);
        assert_eq!(
            opened["CF_XDR_ZJHM"], "340603198503121231",
            "the sealed identifiers kept"
        );
        let again = seal_free_text(&record_type, &Value::Object(payload).to_string(), None, &keys).unwrap();
        assert!(again.is_none(), "nothing left to mask");
    }

    #[test]
    fn text_without_identifiers_is_left_alone() {
        let keys = Keys::generate().unwrap();
        let stored = serde_json::json!({ "CF_SY": "经查当事人销售过期食品，罚款5000元" }).to_string();
        assert!(seal_free_text(&penalty_type(), &stored, None, &keys).unwrap().is_none());
        assert!(seal_free_text(&penalty_type(), "not json", None, &keys).is_err());
    }
}
