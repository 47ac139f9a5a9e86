//! Cursor pagination: a page of items and an opaque cursor for the next one.

/// An opaque position after the last item of a page. Backends encode the
/// sort key of that item; callers only pass it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub String);

/// Which page to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Continue after this position; `None` for the first page.
    pub after: Option<Cursor>,
    /// Maximum number of items.
    pub limit: u32,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }
}

impl Cursor {
    /// Encodes a sort key (`id`, or `date.id`) as an opaque cursor.
    pub fn encode(key: &str) -> Self {
        Self(key.bytes().map(|b| format!("{b:02x}")).collect())
    }

    /// Decodes what [`Cursor::encode`] made; `None` if it was not made by it.
    pub fn decode(&self) -> Option<String> {
        let text = &self.0;
        if !text.len().is_multiple_of(2) || !text.is_ascii() {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|idx| u8::from_str_radix(&text[idx..idx + 2], 16).ok())
            .collect();
        String::from_utf8(bytes?).ok()
    }

    /// Decodes a cursor holding one integer id.
    pub fn decode_id(&self) -> Option<i64> {
        self.decode()?.parse().ok()
    }
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched items: the extra item
    /// only proves there is a next page, whose cursor `key_of` the last kept
    /// item gives.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32, key_of: impl Fn(&T) -> String) -> Self {
        let has_more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if has_more {
            items.last().map(|item| Cursor::encode(&key_of(item)))
        } else {
            None
        };
        Self { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cursor, Page};

    #[test]
    fn cursors_round_trip_and_reject_foreign_text() {
        assert_eq!(
            Cursor::encode("2024-01-05.17").decode().as_deref(),
            Some("2024-01-05.17")
        );
        assert_eq!(Cursor::encode("42").decode_id(), Some(42));
        assert_eq!(Cursor("zz".into()).decode(), None);
        assert_eq!(Cursor("abc".into()).decode(), None);
        assert_eq!(Cursor("é".into()).decode(), None);
    }

    #[test]
    fn overfetch_sets_the_next_cursor_only_when_more_exist() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next.unwrap().decode_id(), Some(2));
        let last = Page::from_overfetch(vec![1, 2], 2, |n| n.to_string());
        assert!(last.next.is_none());
    }
}
