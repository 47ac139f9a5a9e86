-- The digest index cost every append a write to a random page of a large
-- b-tree; it serves only `xinyong audit verify` where the chain breaks (to
-- tell a changed entry from moved ones), which can afford to scan.
DROP INDEX audit_log_hash;
