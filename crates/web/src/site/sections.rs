//! A subject's records grouped by record type, in the order the site shows
//! them: licences, penalties, then the lists and anything the catalogue adds.

use crate::api::dto::PublicRecord;
use xinyong_ingest::Catalog;

/// The order of the first sections; other record types follow by code.
const ORDER: [&str; 5] = ["xzxk", "xzcf", "yzsx", "jyyc", "sxjl"];

/// A record type and the records of it shown.
#[derive(Debug)]
pub(crate) struct Section {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) records: Vec<PublicRecord>,
}

/// Every record type of the catalogue as a section (empty ones too: the
/// page says there are none), in display order.
pub(crate) fn sections(catalog: &Catalog, records: Vec<PublicRecord>) -> Vec<Section> {
    let mut sections: Vec<Section> = record_types(catalog)
        .into_iter()
        .map(|(code, name)| Section {
            code,
            name,
            records: Vec::new(),
        })
        .collect();
    for record in records {
        if let Some(section) = sections.iter_mut().find(|s| s.code == record.record_type) {
            section.records.push(record);
        }
    }
    sections
}

/// The catalogue's record types as (code, name), in display order.
pub(crate) fn record_types(catalog: &Catalog) -> Vec<(String, String)> {
    let mut types: Vec<(String, String)> = catalog
        .entries()
        .map(|e| (e.record_type.code.clone(), e.record_type.name.clone()))
        .collect();
    types.sort_by_key(|(code, _)| {
        (
            ORDER.iter().position(|o| o == code).unwrap_or(ORDER.len()),
            code.clone(),
        )
    });
    types
}
