//! Matching a file's header row to the catalogue's data items.
//!
//! Departments deliver files with Chinese item names, `XK_*`/`CF_*` column
//! codes, Gen-1 template names or local spellings, sometimes with the
//! identifier's meaning in brackets (`行政相对人代码_1(统一社会信用代码)`).
//! The same header can mean different items in the two generations
//! (`行政相对人代码_2` is 工商注册号 in Gen 2 but 组织机构代码 in Gen 1), so each
//! generation has its own header table and the file is read with the one
//! that recognises more of its columns.

use std::collections::HashMap;

use super::{CatalogError, FieldIdx, Fill, Generation, RecordType, Requirement};

/// The column the platform adds to the rejected rows it hands back
/// (错误原因): a department re-uploading that file after fixing it is not
/// told the column is unknown.
pub const REASON_HEADER: &str = "错误原因";

/// How the columns of one file map to the data items of a record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// The item-set generation the headers follow.
    pub generation: Generation,
    /// For each column of the file, the data item it holds, if any.
    pub columns: Vec<Option<FieldIdx>>,
    /// Headers that match no data item; their values are ignored.
    pub unknown_headers: Vec<String>,
}

/// Why a header row cannot be read; the whole file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderProblem {
    /// No header matches any data item of the record type.
    #[error("未能识别任何表头：文件不是“{record_type}”数据表，或第一行不是表头")]
    NotATable {
        /// The record type's Chinese name.
        record_type: String,
    },
    /// Required data items without a column.
    #[error("缺少必填数据项的列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    /// Two columns hold the same single-valued data item.
    #[error("列“{}”对应同一数据项“{field}”，请只保留一列", .headers.join("”与“"))]
    DuplicateColumns {
        /// The item's Chinese name.
        field: String,
        /// The headers that map to it.
        headers: Vec<String>,
    },
}

/// Normalises a header for matching: no BOM, no blanks, half-width forms,
/// upper-case ASCII (so `cf_wsh` matches `CF_WSH`).
pub(crate) fn normalize_header(header: &str) -> String {
    crate::id::normalize(&header.replace('\u{FEFF}', ""))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Every header spelling of one generation, normalised, with its field.
fn header_table(record_type: &RecordType, generation: Generation) -> Vec<(String, FieldIdx)> {
    let mut table = Vec::new();
    for (idx, field) in record_type.fields.iter().enumerate() {
        let spellings: Vec<&String> = match generation {
            Generation::Gen2 => [&field.name, &field.key]
                .into_iter()
                .chain(&field.gen2_headers)
                .collect(),
            Generation::Gen1 => field.gen1_headers.iter().collect(),
        };
        for spelling in spellings.into_iter().chain(&field.aliases) {
            let normalized = normalize_header(spelling);
            if !table.iter().any(|(h, f)| *h == normalized && *f == FieldIdx(idx)) {
                table.push((normalized, FieldIdx(idx)));
            }
        }
    }
    table
}

/// Fails if one header spelling means two items within a generation.
pub(super) fn check_unambiguous(record_type: &RecordType, generation: Generation) -> Result<(), CatalogError> {
    let table = header_table(record_type, generation);
    for (idx, (header, field)) in table.iter().enumerate() {
        if table[..idx].iter().any(|(h, f)| h == header && f != field) {
            return Err(CatalogError::Duplicate {
                what: "表头",
                value: header.clone(),
            });
        }
    }
    Ok(())
}

fn lookup(table: &HashMap<String, FieldIdx>, header: &str) -> Option<FieldIdx> {
    let normalized = normalize_header(header);
    if let Some(idx) = table.get(&normalized) {
        return Some(*idx);
    }
    // `行政相对人代码_1(统一社会信用代码)`: try the bracketed meaning, then the label before it.
    let (outer, rest) = normalized.split_once('(')?;
    let inner = rest.strip_suffix(')')?;
    table.get(inner).or_else(|| table.get(outer)).copied()
}

impl RecordType {
    /// Maps a header row to data items, choosing the generation that
    /// recognises more columns (Gen 2 on a tie).
    pub fn map_headers(&self, headers: &[String]) -> Result<ColumnMap, HeaderProblem> {
        let (generation, columns) = [Generation::Gen2, Generation::Gen1]
            .into_iter()
            .map(|generation| {
                let table: HashMap<String, FieldIdx> = header_table(self, generation).into_iter().collect();
                let columns: Vec<Option<FieldIdx>> = headers.iter().map(|h| lookup(&table, h)).collect();
                (generation, columns)
            })
            .max_by_key(|(generation, columns)| (columns.iter().flatten().count(), *generation == Generation::Gen2))
            .unwrap_or((Generation::Gen2, Vec::new()));
        if columns.iter().all(Option::is_none) {
            return Err(HeaderProblem::NotATable {
                record_type: self.name.clone(),
            });
        }
        for (idx, field) in self.fields.iter().enumerate() {
            let is_multiple = matches!(&field.kind, super::FieldKind::Enum(spec) if spec.multiple);
            let holders: Vec<String> = columns
                .iter()
                .zip(headers)
                .filter(|(column, _)| **column == Some(FieldIdx(idx)))
                .map(|(_, header)| header.trim().to_owned())
                .collect();
            if holders.len() > 1 && !is_multiple {
                return Err(HeaderProblem::DuplicateColumns {
                    field: field.name.clone(),
                    headers: holders,
                });
            }
        }
        let missing: Vec<String> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(idx, field)| {
                *field.requirement(generation) == Requirement::Always
                    && !columns.contains(&Some(FieldIdx(*idx)))
                    && match &field.fill {
                        Some(Fill::BatchSource) => false,
                        Some(Fill::Gen1Constant(_)) => generation == Generation::Gen2,
                        None => true,
                    }
            })
            .map(|(_, field)| field.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(HeaderProblem::MissingColumns(missing));
        }
        let unknown_headers = columns
            .iter()
            .zip(headers)
            .filter(|(column, header)| column.is_none() && !header.trim().is_empty() && header.trim() != REASON_HEADER)
            .map(|(_, header)| header.trim().to_owned())
            .collect();
        Ok(ColumnMap {
            generation,
            columns,
            unknown_headers,
        })
    }
}

impl ColumnMap {
    /// The columns holding `field` (several only for multi-valued items).
    pub fn columns_of(&self, field: FieldIdx) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(_, f)| **f == Some(field))
            .map(|(idx, _)| idx)
    }

    /// Whether the file has a column for `field`.
    pub fn has(&self, field: FieldIdx) -> bool {
        self.columns.contains(&Some(field))
    }
}
