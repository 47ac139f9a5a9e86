//! Detecting the text encoding of a file: a byte-order mark decides; without
//! one, text that is valid UTF-8 is UTF-8 and anything else is read as
//! GB18030 (a superset of GBK and GB2312, what Chinese government exports
//! use). The encoding used is reported with the batch, never guessed silently.

use std::fmt;

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

/// The text encodings the platform reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// GB18030 (covers GBK and GB2312).
    Gb18030,
    /// UTF-16, little-endian, with BOM.
    Utf16Le,
    /// UTF-16, big-endian, with BOM.
    Utf16Be,
}

impl TextEncoding {
    /// The name stored with the batch.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Gb18030 => "GB18030",
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
        }
    }

    /// Parses [`TextEncoding::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Utf8, Self::Gb18030, Self::Utf16Le, Self::Utf16Be]
            .into_iter()
            .find(|e| e.name() == name)
    }

    pub(crate) fn encoding(self) -> &'static Encoding {
        match self {
            Self::Utf8 => UTF_8,
            Self::Gb18030 => GB18030,
            Self::Utf16Le => UTF_16LE,
            Self::Utf16Be => UTF_16BE,
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Detects the encoding from the first bytes of a file.
pub(crate) fn detect(sample: &[u8]) -> TextEncoding {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return TextEncoding::Utf8;
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return TextEncoding::Utf16Le;
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return TextEncoding::Utf16Be;
    }
    if let Some(utf16) = utf16_without_bom(sample) {
        return utf16;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => TextEncoding::Utf8,
        // Cut in the middle of a character at the end of the sample: still UTF-8.
        Err(error) if error.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Gb18030,
    }
}

/// UTF-16 saved without a byte-order mark (some export tools): every ASCII
/// character (delimiters, digits, codes) has a zero byte on the same side,
/// which text in UTF-8 or GBK never has. Little-endian if the zeros are at
/// odd offsets. Random binary spreads its zeros over both sides.
fn utf16_without_bom(sample: &[u8]) -> Option<TextEncoding> {
    let (mut even, mut odd) = (0usize, 0usize);
    for (offset, byte) in sample.iter().enumerate() {
        if *byte == 0 {
            if offset % 2 == 0 { even += 1 } else { odd += 1 }
        }
    }
    let zeros = even + odd;
    // At least one byte in twenty is a zero, nineteen in twenty on one side.
    if zeros == 0 || zeros * 20 < sample.len() {
        return None;
    }
    if odd * 20 >= zeros * 19 {
        Some(TextEncoding::Utf16Le)
    } else if even * 20 >= zeros * 19 {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{TextEncoding, detect};

    #[rstest]
    #[case("行政相对人名称,处罚类别".as_bytes(), TextEncoding::Utf8)]
    #[case(&[0xEF, 0xBB, 0xBF, b'a'], TextEncoding::Utf8)]
    #[case(&"行政".as_bytes()[..4], TextEncoding::Utf8)]
    #[case(&[0xD0, 0xD0, 0xD5, 0xFE], TextEncoding::Gb18030)] // 行政 in GBK
    #[case(&[0xFF, 0xFE, b'a', 0], TextEncoding::Utf16Le)]
    #[case(&[0xFE, 0xFF, 0, b'a'], TextEncoding::Utf16Be)]
    #[case(b"plain ascii", TextEncoding::Utf8)]
    #[case(b"a\0,\0\x4c\x88,\0", TextEncoding::Utf16Le)] // a,行, without BOM
    #[case(b"\0a\0,\x88\x4c\0,", TextEncoding::Utf16Be)]
    #[case(&[0, 0, 7, 0, 0, 9, 3, 0, 0, 1], TextEncoding::Utf8)] // zeros on both sides: not UTF-16
    fn detects(#[case] sample: &[u8], #[case] expected: TextEncoding) {
        assert_eq!(detect(sample), expected);
    }
}
