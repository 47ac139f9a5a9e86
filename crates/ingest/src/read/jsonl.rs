//! JSON Lines: one object per line, keys are headers. Objects may leave out
//! keys (an organisation's row has no 证件号码), so a first pass collects
//! every key in order of first appearance; the second pass reads the rows.
//! A line that is not a JSON object, or whose values are not text or
//! numbers, becomes a rejected row with its text kept.

use std::io::{BufRead, BufReader, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;
use serde_json::Value;
use xinyong_store::BatchFormat;

use super::encoding::{TextEncoding, detect};
use super::{MAX_ROW_BYTES, RawRow, ReadError, Table};

pub(super) fn open<R: Read + Send + 'static>(
    first_pass: impl Read + Send + 'static,
    reader: R,
) -> Result<Table, ReadError> {
    let headers = collect_keys(first_pass)?;
    if headers.is_empty() {
        return Err(ReadError::NoHeader);
    }
    let lines = Lines::new(reader)?;
    let encoding = lines.encoding;
    let row_headers = headers.clone();
    let rows = lines.filter_map(move |line| match line {
        Err(error) => Some(Err(error)),
        Ok((_, text)) if text.trim().is_empty() => None,
        Ok((row_no, text)) => Some(Ok(
            match serde_json::from_str::<serde_json::Map<String, Value>>(&text)
                .map_err(|error| format!("不是有效的JSON对象：{error}"))
                .and_then(|object| cells_of(&row_headers, &object))
            {
                Ok(cells) => RawRow {
                    row_no,
                    cells,
                    problem: None,
                    unparsed: None,
                },
                Err(problem) => RawRow {
                    row_no,
                    cells: Vec::new(),
                    problem: Some(problem),
                    unparsed: Some(text),
                },
            },
        )),
    });
    Ok(Table {
        headers,
        format: BatchFormat::JsonLines,
        encoding: Some(encoding),
        rows: Box::new(rows),
    })
}

/// Every key of every object, in order of first appearance.
fn collect_keys(reader: impl Read + Send + 'static) -> Result<Vec<String>, ReadError> {
    let mut keys: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for line in Lines::new(reader)? {
        let (_, text) = line?;
        if let Ok(ObjectKeys(object_keys)) = serde_json::from_str::<ObjectKeys>(&text) {
            for key in object_keys {
                if seen.insert(key.clone()) {
                    keys.push(key);
                }
            }
        }
    }
    Ok(keys)
}

/// The keys of a JSON object in document order, its values skipped unparsed.
struct ObjectKeys(Vec<String>);

impl<'de> serde::Deserialize<'de> for ObjectKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ObjectKeys;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ObjectKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, serde::de::IgnoredAny)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(ObjectKeys(keys))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

struct Lines {
    reader: Box<dyn BufRead + Send>,
    line_no: i64,
    encoding: TextEncoding,
}

impl Lines {
    fn new(reader: impl Read + Send + 'static) -> Result<Self, ReadError> {
        let mut buffered = BufReader::new(reader);
        let sample = buffered.fill_buf()?;
        let encoding = detect(sample);
        let has_bom = sample.starts_with(&[0xEF, 0xBB, 0xBF]);
        let reader: Box<dyn BufRead + Send> = match encoding {
            TextEncoding::Utf8 => {
                if has_bom {
                    buffered.consume(3);
                }
                Box::new(buffered)
            }
            other => Box::new(BufReader::new(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(other.encoding()))
                    .build(buffered),
            )),
        };
        Ok(Self {
            reader,
            line_no: 0,
            encoding,
        })
    }
}

impl Iterator for Lines {
    type Item = Result<(i64, String), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut bytes = Vec::new();
        match (&mut self.reader)
            .take(MAX_ROW_BYTES as u64 + 1)
            .read_until(b'\n', &mut bytes)
        {
            Ok(0) => None,
            Ok(_) => {
                self.line_no += 1;
                if bytes.len() > MAX_ROW_BYTES && !bytes.ends_with(b"\n") {
                    return Some(Err(ReadError::Unreadable(format!(
                        "第{}行超过{}字节",
                        self.line_no, MAX_ROW_BYTES
                    ))));
                }
                Some(Ok((
                    self.line_no,
                    String::from_utf8_lossy(&bytes)
                        .trim_end_matches(['\r', '\n'])
                        .to_owned(),
                )))
            }
            Err(error) => Some(Err(ReadError::Io(error))),
        }
    }
}

/// The object's values in header order; keys not in the header are dropped.
/// A value is text, a number or null: an object, array or true/false is in
/// no data item's shape, and would otherwise be published as its JSON.
fn cells_of(headers: &[String], object: &serde_json::Map<String, Value>) -> Result<Vec<String>, String> {
    headers
        .iter()
        .map(|header| match object.get(header) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(Value::Number(number)) => Ok(number.to_string()),
            Some(other) => {
                let kind = match other {
                    Value::Object(_) => "JSON对象",
                    Value::Array(_) => "JSON数组",
                    _ => "真假值",
                };
                Err(format!("“{header}”的值应为文本或数字，实为{kind}"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_are_not_text_or_numbers_reject_their_row() {
        let text = concat!(
            "{\"文书号\":\"淮许〔2026〕1号\",\"金额\":1.5}\n",
            "{\"文书号\":{\"a\":[1,2,{\"b\":3}]}}\n",
            "{\"文书号\":true}\n",
            "[1]\n",
        );
        let table = open(std::io::Cursor::new(text), std::io::Cursor::new(text)).unwrap();
        let rows: Vec<RawRow> = table.rows.map(Result::unwrap).collect();
        assert_eq!(rows[0].cells, vec!["淮许〔2026〕1号", "1.5"]);
        assert!(rows[0].problem.is_none());
        assert_eq!(
            rows[1].problem.as_deref(),
            Some("“文书号”的值应为文本或数字，实为JSON对象")
        );
        assert_eq!(
            rows[1].unparsed.as_deref(),
            Some("{\"文书号\":{\"a\":[1,2,{\"b\":3}]}}"),
            "kept whole"
        );
        assert_eq!(
            rows[2].problem.as_deref(),
            Some("“文书号”的值应为文本或数字，实为真假值")
        );
        assert!(rows[3].problem.as_deref().unwrap().starts_with("不是有效的JSON对象"));
    }
}
