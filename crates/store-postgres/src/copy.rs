//! Encoding rows for `COPY … FROM STDIN` in PostgreSQL's text format:
//! tab-separated columns, one row per line, `\N` for NULL, backslash
//! escapes for the characters that would break the framing.

use std::fmt::Write;

/// Builds the COPY data of many rows in one buffer.
#[derive(Debug, Default)]
pub(crate) struct CopyBuffer {
    data: String,
    row_started: bool,
}

impl CopyBuffer {
    fn separator(&mut self) {
        if self.row_started {
            self.data.push('\t');
        }
        self.row_started = true;
    }

    /// A text column (escaped).
    pub(crate) fn text(&mut self, value: &str) -> &mut Self {
        self.separator();
        for c in value.chars() {
            match c {
                '\\' => self.data.push_str("\\\\"),
                '\t' => self.data.push_str("\\t"),
                '\n' => self.data.push_str("\\n"),
                '\r' => self.data.push_str("\\r"),
                _ => self.data.push(c),
            }
        }
        self
    }

    /// A nullable text column.
    pub(crate) fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    /// NULL.
    pub(crate) fn null(&mut self) -> &mut Self {
        self.separator();
        self.data.push_str("\\N");
        self
    }

    /// A number, date or other value whose `Display` needs no escaping.
    pub(crate) fn plain(&mut self, value: impl std::fmt::Display) -> &mut Self {
        self.separator();
        let _ = write!(self.data, "{value}");
        self
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self, value: bool) -> &mut Self {
        self.plain(if value { 't' } else { 'f' })
    }

    /// A bytea column in hex form (`\\x…`, the backslash itself escaped).
    pub(crate) fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.separator();
        self.data.push_str("\\\\x");
        for byte in value {
            let _ = write!(self.data, "{byte:02x}");
        }
        self
    }

    /// Ends the current row.
    pub(crate) fn end_row(&mut self) {
        self.data.push('\n');
        self.row_started = false;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.data.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::CopyBuffer;

    #[test]
    fn escapes_framing_characters() {
        let mut buffer = CopyBuffer::default();
        buffer
            .text("a\tb\\c\nd")
            .null()
            .plain(42)
            .boolean(true)
            .bytes(&[0xab, 0x01]);
        buffer.end_row();
        assert_eq!(
            String::from_utf8(buffer.into_bytes()).unwrap(),
            "a\\tb\\\\c\\nd\t\\N\t42\tt\t\\\\xab01\n"
        );
    }
}
