//! Turning raw rows into rows ready to store: checked against the catalogue
//! (in `domain`), with the subject's lookup key, the record's payload,
//! content hash and sealed personal identifiers — or into a rejected row
//! with every problem it has.
//!
//! This is the CPU-heavy stage; it runs on its own thread.

use chrono::NaiveDate;
use xinyong_crypto::Keys;
use xinyong_domain::catalog::{ColumnMap, FieldIdx, Role};
use xinyong_domain::id::{IdPolicy, mask_citizen_id, mask_identifier};
use xinyong_domain::publicity::PublicityWindow;
use xinyong_domain::row::{RowContext, check};
use xinyong_domain::{Problem, RecordType, SubjectKey, Value};
use xinyong_store::{AliasKind, IssueSeverity, NewRejection, NewSubject, PersonIdentity, RowIssue, SubjectLookup};

use crate::error::IngestError;
use crate::read::{RawRow, quoted_in_message};

/// Everything row validation needs, fixed for one batch.
#[derive(Debug)]
pub(crate) struct Validator<'a> {
    pub(crate) record_type: &'a RecordType,
    pub(crate) map: &'a ColumnMap,
    pub(crate) policy: &'a IdPolicy,
    pub(crate) keys: &'a Keys,
    pub(crate) today: NaiveDate,
    pub(crate) source: &'a str,
    /// Refuse rows whose 数据来源单位 is not `source` (uploads through a
    /// department's desk: a department files only its own records).
    pub(crate) own_source_only: bool,
    /// The platform's own row (see [`crate::ImportRequest::platform_made`]):
    /// it may use the record type's reserved document numbers.
    pub(crate) platform_made: bool,
    /// For each field, the label issues carry: the file's own header if the
    /// file has a column for it, else the catalogue's name.
    pub(crate) labels: Vec<String>,
}

/// A row that passed validation, ready for subject resolution and storage.
#[derive(Debug, Clone)]
pub(crate) struct Accepted {
    pub(crate) row_no: i64,
    pub(crate) lookup: SubjectLookup,
    pub(crate) subject: NewSubject,
    pub(crate) aliases: Vec<(AliasKind, String)>,
    pub(crate) doc_no: String,
    pub(crate) decision_date: NaiveDate,
    pub(crate) publicity: PublicityWindow,
    pub(crate) authority: String,
    pub(crate) source: String,
    pub(crate) payload: String,
    pub(crate) sealed: Option<Vec<u8>>,
    pub(crate) content_hash: [u8; 16],
    pub(crate) warnings: Vec<RowIssue>,
    /// The row's cells as uploaded, sealed only if the row is refused when
    /// applied (another department's record).
    pub(crate) cells: Vec<String>,
}

/// A row refused with its problems.
#[derive(Debug, Clone)]
pub(crate) struct Rejected {
    pub(crate) rejection: NewRejection,
    pub(crate) issues: Vec<RowIssue>,
}

/// The outcome for one row.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    Accepted(Box<Accepted>),
    Rejected(Rejected),
}

impl<'a> Validator<'a> {
    pub(crate) fn labels_for(record_type: &RecordType, map: &ColumnMap, headers: &[String]) -> Vec<String> {
        (0..record_type.fields.len())
            .map(|idx| {
                map.columns_of(FieldIdx(idx))
                    .next()
                    .and_then(|column| headers.get(column))
                    .map(|header| header.trim().to_owned())
                    .unwrap_or_else(|| record_type.fields[idx].name.clone())
            })
            .collect()
    }

    fn issue(&self, row_no: i64, severity: IssueSeverity, problem: &Problem) -> RowIssue {
        RowIssue {
            row_no,
            severity,
            field: self.labels[problem.field.0].clone(),
            code: problem.code.code().to_owned(),
            message: problem.message.clone(),
        }
    }

    /// What this batch may not carry though the catalogue allows it: a
    /// record of another department in a department's own upload, or a
    /// document number the platform reserves for its own records.
    fn batch_rule(&self, row_no: i64, values: &[(FieldIdx, Value)]) -> Option<RowIssue> {
        let value_of = |role: Role| {
            let idx = self.record_type.field_with_role(role)?;
            let (_, value) = values.iter().find(|(f, _)| *f == idx)?;
            Some((idx, value.to_text()))
        };
        let issue = |idx: FieldIdx, code: &str, message: String| RowIssue {
            row_no,
            severity: IssueSeverity::Error,
            field: self.labels[idx.0].clone(),
            code: code.to_owned(),
            message,
        };
        if self.own_source_only
            && let Some((idx, source)) = value_of(Role::Source)
            && source != self.source
        {
            return Some(issue(
                idx,
                "foreign_source",
                format!(
                    "数据来源单位“{source}”不是报送单位“{}”：各单位只能报送本单位的信息",
                    self.source
                ),
            ));
        }
        if !self.platform_made
            && let Some(prefix) = &self.record_type.reserved_doc_no_prefix
            && let Some((idx, number)) = value_of(Role::DocNo)
            // Spaces and invisible characters do not make another number:
            // 信用平台承诺 第9号 is still the platform's.
            && number
                .chars()
                .filter(|&c| !c.is_whitespace() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'))
                .collect::<String>()
                .starts_with(prefix.as_str())
        {
            return Some(issue(
                idx,
                "reserved_doc_no",
                format!(
                    "编号“{number}”是本平台为在平台上办理的事项编制的编号（以“{prefix}”开头），不能报送；\
                     在平台上签署的承诺，其履约情况请在平台上登记"
                ),
            ));
        }
        None
    }

    /// Validates one raw row.
    pub(crate) fn prepare(&self, row: RawRow) -> Result<Prepared, IngestError> {
        if let Some(problem) = &row.problem {
            let issue = RowIssue {
                row_no: row.row_no,
                severity: IssueSeverity::Error,
                field: String::new(),
                code: "malformed_row".to_owned(),
                message: problem.clone(),
            };
            return Ok(Prepared::Rejected(Rejected {
                rejection: self.seal_row(&row)?,
                issues: vec![issue],
            }));
        }
        let cells: Vec<&str> = row.cells.iter().map(String::as_str).collect();
        let ctx = RowContext {
            policy: self.policy,
            today: self.today,
            batch_source: self.source,
        };
        let (checked, problems) = check(self.record_type, self.map, &cells, &ctx);
        let stray = stray_cells(row.row_no, &row.cells, self.map.columns.len());
        let checked = match checked {
            Some(checked) if stray.is_none() => checked,
            _ => {
                let issues = stray
                    .into_iter()
                    .chain(problems.iter().map(|p| self.issue(row.row_no, IssueSeverity::Error, p)))
                    .collect();
                return Ok(Prepared::Rejected(Rejected {
                    rejection: self.seal_row(&row)?,
                    issues,
                }));
            }
        };

        if let Some(issue) = self.batch_rule(row.row_no, &checked.values) {
            return Ok(Prepared::Rejected(Rejected {
                rejection: self.seal_row(&row)?,
                issues: vec![issue],
            }));
        }
        let mut payload = serde_json::Map::with_capacity(checked.values.len());
        let mut sealed_items = serde_json::Map::new();
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let text_of_role = |role: Role| {
            self.record_type
                .field_with_role(role)
                .and_then(|idx| checked.values.iter().find(|(f, _)| *f == idx))
                .map(|(_, value)| value.to_text())
        };
        for (idx, value) in &checked.values {
            let field = self.record_type.field(*idx);
            let text = value.to_text();
            // The content hash covers every item in clear, so a corrected number is a new version.
            hasher.update(field.key.as_bytes());
            hasher.update(&[0x1f]);
            hasher.update(text.as_bytes());
            hasher.update(&[0x1e]);
            let shown = match value {
                Value::Citizen(id) => mask_citizen_id(id),
                Value::Document(number) if field.personal => mask_identifier(number),
                _ if field.personal => mask_identifier(&text),
                // Free text (违法事实, 备注 …) where a clerk copied a person's
                // ID or mobile number: stored with them masked, and sealed
                // whole beside the identifiers, so that a dump of the
                // database shows none of them either.
                _ => field.mask_free_text(&text).into_owned(),
            };
            if field.personal || shown != text {
                sealed_items.insert(field.key.clone(), text.into());
            }
            payload.insert(field.key.clone(), shown.into());
        }
        let sealed = if sealed_items.is_empty() {
            None
        } else {
            Some(
                self.keys
                    .seal(serde_json::Value::Object(sealed_items).to_string().as_bytes())?,
            )
        };

        let subject = &checked.subject;
        let (lookup, person) = match subject.key.person_identity() {
            None => match &subject.key {
                SubjectKey::Uscc(code) => (SubjectLookup::Uscc(code.to_string()), None),
                // person_identity() is None only for codes.
                _ => return Err(IngestError::Internal("subject key without identity".into())),
            },
            Some(identity) => {
                let hash = self.keys.keyed_hash(identity.as_bytes());
                let public_ref = format!("p{}", xinyong_crypto::hex(&hash[..8]));
                let person = PersonIdentity {
                    hash,
                    sealed: self.keys.seal(identity.as_bytes())?,
                    masked: subject.key.display_masked(),
                    public_ref,
                };
                (SubjectLookup::Person(hash), Some(person))
            }
        };
        let mut aliases = Vec::new();
        if let Some(code) = &subject.org_code {
            aliases.push((AliasKind::OrgCode, code.to_string()));
        }
        if let Some(reg_no) = &subject.reg_no {
            aliases.push((AliasKind::RegNo, reg_no.clone()));
        }
        Ok(Prepared::Accepted(Box::new(Accepted {
            row_no: row.row_no,
            lookup,
            subject: NewSubject {
                category: subject.category,
                name: subject.name.clone(),
                uscc: match &subject.key {
                    SubjectKey::Uscc(code) => Some(code.to_string()),
                    _ => None,
                },
                person,
            },
            aliases,
            doc_no: checked.doc_no.clone(),
            decision_date: checked.decision_date,
            publicity: checked.publicity.clone(),
            authority: text_of_role(Role::Authority).unwrap_or_default(),
            source: text_of_role(Role::Source).unwrap_or_else(|| self.source.to_owned()),
            payload: serde_json::Value::Object(payload).to_string(),
            sealed,
            content_hash: hasher.digest128().to_le_bytes(),
            warnings: checked
                .warnings
                .iter()
                .map(|p| self.issue(row.row_no, IssueSeverity::Warning, p))
                .collect(),
            cells: row.cells.into_iter().take(self.map.columns.len()).collect(),
        })))
    }

    /// The row's cells (and unparsed text) as uploaded, sealed: a rejected
    /// row may hold personal identifiers.
    fn seal_row(&self, row: &RawRow) -> Result<NewRejection, IngestError> {
        // One cell per column of the header, then either the unparsed text
        // of a JSON line or the cells beyond the header of a table row (up
        // to its last non-blank one): the export tells them apart by the
        // batch's format.
        let n_columns = self.map.columns.len();
        let kept = row
            .cells
            .iter()
            .rposition(|cell| !cell.trim().is_empty())
            .map_or(0, |last| last + 1)
            .max(n_columns);
        let mut cells: Vec<&str> = row.cells.iter().map(String::as_str).take(kept).collect();
        if let Some(text) = &row.unparsed {
            cells.resize(n_columns, "");
            cells.push(text);
        }
        let json = serde_json::to_string(&cells).map_err(|e| IngestError::Internal(e.to_string()))?;
        Ok(NewRejection {
            row_no: row.row_no,
            sealed_cells: self.keys.seal(json.as_bytes())?,
        })
    }
}

/// Cells beyond the header that hold something: they belong to no item, so
/// the row cannot be stored without losing them. In a CSV file they most
/// often mean an unquoted comma shifted the row; in a workbook, a note
/// typed beside the table.
fn stray_cells(row_no: i64, cells: &[String], n_columns: usize) -> Option<RowIssue> {
    /// Characters of each stray cell quoted in the message.
    const PREVIEW_CHARS: usize = 30;
    /// Stray cells named in the message; the rest are counted.
    const NAMED: usize = 3;
    let stray: Vec<(usize, &str)> = cells
        .iter()
        .enumerate()
        .skip(n_columns)
        .map(|(idx, cell)| (idx + 1, cell.trim()))
        .filter(|(_, cell)| !cell.is_empty())
        .collect();
    if stray.is_empty() {
        return None;
    }
    let named: Vec<String> = stray
        .iter()
        .take(NAMED)
        // A shifted row can put a person's ID number out here: masked.
        .map(|(column, cell)| format!("第{column}列“{}”", quoted_in_message(cell, PREVIEW_CHARS)))
        .collect();
    let mut named = named.join("、");
    if stray.len() > NAMED {
        named.push_str(&format!("等{}处", stray.len()));
    }
    Some(RowIssue {
        row_no,
        severity: IssueSeverity::Error,
        field: String::new(),
        code: "stray_cells".to_owned(),
        message: format!(
            "表头只有{n_columns}列，该行在表头之外还有内容：{}。这些内容不对应任何数据项，无法导入。\
             常见原因是某个单元格中有未加引号的英文逗号，使其后的内容错位；请核对该行后重新上传",
            named
        ),
    })
}
