-- The time index cost every audit append (every credit check, every
-- non-public read) a write to one more b-tree. An entry's time never goes
-- back along the chain (Event::stored_after), so a range of times is a
-- range of positions, found by bisecting the chain (audit.rs).
DROP INDEX audit_log_at;
