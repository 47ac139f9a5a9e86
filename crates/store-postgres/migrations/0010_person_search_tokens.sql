-- People are found by name only as their name is published: the surname
-- (names::search_tokens). Tokens indexed before that rule held the whole
-- name, so trying characters one at a time read a masked name back.
UPDATE subjects SET search_tokens = array_to_tsvector(ARRAY[left(name, 1)])
    WHERE category = 'person' AND name <> '';
