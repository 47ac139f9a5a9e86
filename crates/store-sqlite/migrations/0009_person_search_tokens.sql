-- People are found by name only as their name is published: the surname
-- (names::search_tokens). Tokens indexed before that rule held the whole
-- name, so trying characters one at a time read a masked name back.
DELETE FROM subject_search WHERE rowid IN (SELECT id FROM subjects WHERE category = 'person');
INSERT INTO subject_search (rowid, tokens)
    SELECT id, substr(name, 1, 1) FROM subjects WHERE category = 'person' AND name <> '';
