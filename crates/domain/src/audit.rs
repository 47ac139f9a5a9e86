//! The audit log's hash chain (审计日志).
//!
//! Every entry carries the SM3 digest (GB/T 32905-2016) of its own content
//! and of the previous entry's digest, so changing, removing or reordering
//! any entry breaks the chain at that point. The sequence number is *not*
//! hashed: the chain itself fixes the order, which lets the [`Verifier`] tell a
//! reordering (an intact entry linked to a later one) from an edit (an entry
//! whose digest no longer matches its content).
//!
//! The content is hashed in a canonical form: each field as a 4-byte
//! big-endian length and its UTF-8 bytes (an absent field as length
//! `0xFFFF_FFFF`), timestamps as RFC 3339 in UTC with microseconds — the
//! precision both databases keep.

use chrono::{DateTime, SubsecRound, Utc};
use sm3::{Digest, Sm3};

/// A digest in the chain.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry.
pub const GENESIS: Hash = [0; 32];

/// What one entry records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// When it happened (UTC, microseconds).
    pub at: DateTime<Utc>,
    /// Who did it: `account:ID:USERNAME`, `key:KEY_ID:CLIENT`, `cli:USER`.
    pub actor: String,
    /// What was done, a stable code (`subject.read`, `batch.import` …).
    pub action: String,
    /// The subject concerned, for the subject's own query log.
    pub subject_id: Option<i64>,
    /// The stated purpose of a read.
    pub purpose: Option<String>,
    /// Details as compact JSON (record ids, batch id, changed account …).
    pub detail: String,
    /// Where the request came from (an IP address, or `cli`).
    pub origin: Option<String>,
}

impl Event {
    /// `at` cut to the microsecond, as stored.
    pub fn stored_at(at: DateTime<Utc>) -> DateTime<Utc> {
        at.trunc_subsecs(6)
    }

    /// The time an entry that follows one stored at `after` is stored with:
    /// `at` to the microsecond, and never before `after`. The chain's times
    /// never go back — not when the clock is set back, nor when appends
    /// reach the log in another order than their times — so a range of
    /// times is a range of positions in it.
    pub fn stored_after(at: DateTime<Utc>, after: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let at = Self::stored_at(at);
        after.map_or(at, |after| at.max(after))
    }
}

/// The digest that follows `prev` for `event`.
pub fn link(prev: &Hash, event: &Event) -> Hash {
    let mut hasher = Sm3::new();
    hasher.update(prev);
    let at = Event::stored_at(event.at).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let subject = event.subject_id.map(|id| id.to_string());
    for field in [
        Some(at.as_str()),
        Some(event.actor.as_str()),
        Some(event.action.as_str()),
        subject.as_deref(),
        event.purpose.as_deref(),
        Some(event.detail.as_str()),
        event.origin.as_deref(),
    ] {
        match field {
            Some(text) => {
                let len = u32::try_from(text.len()).unwrap_or(u32::MAX - 1);
                hasher.update(len.to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(u32::MAX.to_be_bytes()),
        }
    }
    hasher.finalize().into()
}

/// A stored entry as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: i64,
    /// Its content.
    pub event: Event,
    /// The previous entry's digest as stored with this one.
    pub prev_hash: Hash,
    /// Its own digest as stored.
    pub hash: Hash,
}

/// Where the chain breaks first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    /// The entry's content no longer matches its digest.
    #[error("第{seq}条审计记录的内容被改动（摘要不符）")]
    Changed {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing before this one.
    #[error("第{first_missing}条起的审计记录被删除（第{seq}条的前序摘要无对应记录）")]
    Removed {
        /// The first missing position.
        first_missing: i64,
        /// The entry after the gap.
        seq: i64,
    },
    /// An intact entry stands where another belongs.
    #[error("第{seq}条审计记录的顺序被调换（它应在第{belongs_after}条之后）")]
    Reordered {
        /// The entry out of place.
        seq: i64,
        /// The entry it is linked to.
        belongs_after: i64,
    },
    /// A kept checkpoint names an entry the log no longer has, or one
    /// with another digest.
    #[error("检查点第{seq}条与日志不符：{reason}")]
    Checkpoint {
        /// The checkpoint's position.
        seq: i64,
        /// What differs.
        reason: String,
    },
}

/// Walks a chain entry by entry (in `seq` order).
///
/// `position_of` finds the stored entry with a given digest (the log's
/// index on digests), which tells a reordering from a removal.
#[derive(Debug)]
pub struct Verifier {
    prev: Hash,
    last_seq: i64,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS,
            last_seq: 0,
            checked: 0,
        }
    }
}

impl Verifier {
    /// Checks the next entry.
    pub fn check(&mut self, entry: &Entry, position_of: impl FnOnce(&Hash) -> Option<i64>) -> Result<(), Break> {
        if link(&entry.prev_hash, &entry.event) != entry.hash {
            return Err(Break::Changed { seq: entry.seq });
        }
        if entry.prev_hash != self.prev {
            return Err(match position_of(&entry.prev_hash) {
                Some(after) if after > entry.seq => Break::Reordered {
                    seq: entry.seq,
                    belongs_after: after,
                },
                Some(after) if after != self.last_seq => Break::Reordered {
                    seq: entry.seq,
                    belongs_after: after,
                },
                // Linked to nothing stored: what it followed is gone, or the
                // entry before it was rewritten (and re-hashed) in place.
                _ if entry.seq > self.last_seq + 1 => Break::Removed {
                    first_missing: self.last_seq + 1,
                    seq: entry.seq,
                },
                _ if self.last_seq > 0 => Break::Changed { seq: self.last_seq },
                _ => Break::Removed {
                    first_missing: 1,
                    seq: entry.seq,
                },
            });
        }
        if entry.seq != self.last_seq + 1 {
            // Renumbered but still linked: only the numbering was edited.
            return Err(Break::Changed { seq: entry.seq });
        }
        self.prev = entry.hash;
        self.last_seq = entry.seq;
        self.checked += 1;
        Ok(())
    }

    /// Entries checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The last good entry: its position and digest.
    pub fn head(&self) -> (i64, Hash) {
        (self.last_seq, self.prev)
    }
}

/// Compares a kept checkpoint (position and digest) with the log.
pub fn check_checkpoint(seq: i64, hash: &Hash, stored: Option<&Hash>) -> Result<(), Break> {
    match stored {
        None => Err(Break::Checkpoint {
            seq,
            reason: "日志中已没有这一条（被截断或删除）".into(),
        }),
        Some(found) if found != hash => Err(Break::Checkpoint {
            seq,
            reason: "摘要不同（日志被改写）".into(),
        }),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_stored_time_never_goes_back() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap() + chrono::Duration::nanoseconds(1_234_567);
        let stored = Event::stored_after(at, None);
        assert_eq!(stored, Event::stored_at(at), "cut to the microsecond");
        let earlier = at - chrono::Duration::minutes(5);
        assert_eq!(Event::stored_after(earlier, Some(stored)), stored);
        let later = at + chrono::Duration::seconds(1);
        assert_eq!(Event::stored_after(later, Some(stored)), Event::stored_at(later));
    }

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let event = Event {
                    at: Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap() + chrono::Duration::seconds(seq),
                    actor: "account:1:admin".into(),
                    action: "subject.read".into(),
                    subject_id: Some(seq * 10),
                    purpose: Some("xzsp".into()),
                    detail: format!("{{\"records\":[{seq}]}}"),
                    origin: Some("127.0.0.1".into()),
                };
                let hash = link(&prev, &event);
                let entry = Entry {
                    seq,
                    event,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn verify(entries: &[Entry]) -> Result<u64, Break> {
        let index: HashMap<Hash, i64> = entries.iter().map(|e| (e.hash, e.seq)).collect();
        let mut verifier = Verifier::default();
        for entry in entries {
            verifier.check(entry, |h| index.get(h).copied())?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(10)), Ok(10));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn every_field_is_covered_by_the_digest() {
        let base = chain(1).remove(0);
        type Edit = Box<dyn Fn(&mut Event)>;
        let edits: Vec<Edit> = vec![
            Box::new(|e| e.at += chrono::Duration::microseconds(1)),
            Box::new(|e| e.actor.push('x')),
            Box::new(|e| e.action.push('x')),
            Box::new(|e| e.subject_id = None),
            Box::new(|e| e.purpose = None),
            Box::new(|e| e.detail.push(' ')),
            Box::new(|e| e.origin = Some("10.0.0.1".into())),
        ];
        for edit in edits {
            let mut event = base.event.clone();
            edit(&mut event);
            assert_ne!(link(&GENESIS, &event), base.hash);
        }
        // An absent field and an empty one differ.
        let mut empty = base.event.clone();
        empty.purpose = Some(String::new());
        let mut absent = base.event;
        absent.purpose = None;
        assert_ne!(link(&GENESIS, &empty), link(&GENESIS, &absent));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut entries = chain(10);
        entries[4].event.detail = "{\"records\":[6]}".into();
        assert_eq!(verify(&entries), Err(Break::Changed { seq: 5 }));
    }

    #[test]
    fn a_changed_and_rehashed_entry_is_named_by_its_successor() {
        let mut entries = chain(10);
        entries[4].event.actor = "account:2:other".into();
        entries[4].hash = link(&entries[4].prev_hash, &entries[4].event);
        assert_eq!(verify(&entries), Err(Break::Changed { seq: 5 }));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(10);
        entries.remove(4);
        assert_eq!(
            verify(&entries),
            Err(Break::Removed {
                first_missing: 5,
                seq: 6
            })
        );
        let mut first_gone = chain(3);
        first_gone.remove(0);
        assert_eq!(
            verify(&first_gone),
            Err(Break::Removed {
                first_missing: 1,
                seq: 2
            })
        );
    }

    #[test]
    fn swapped_entries_are_named() {
        let mut entries = chain(10);
        entries.swap(4, 5);
        entries[4].seq = 5;
        entries[5].seq = 6;
        assert_eq!(
            verify(&entries),
            Err(Break::Reordered {
                seq: 5,
                belongs_after: 6
            })
        );
    }

    #[test]
    fn renumbering_alone_is_a_change() {
        let mut entries = chain(3);
        entries[2].seq = 4;
        assert_eq!(verify(&entries), Err(Break::Changed { seq: 4 }));
    }

    #[test]
    fn checkpoints_catch_truncation_and_rewrites() {
        let entries = chain(3);
        assert_eq!(check_checkpoint(3, &entries[2].hash, Some(&entries[2].hash)), Ok(()));
        assert!(matches!(
            check_checkpoint(4, &entries[2].hash, None),
            Err(Break::Checkpoint { seq: 4, .. })
        ));
        assert!(matches!(
            check_checkpoint(3, &entries[1].hash, Some(&entries[2].hash)),
            Err(Break::Checkpoint { seq: 3, .. })
        ));
    }
}
