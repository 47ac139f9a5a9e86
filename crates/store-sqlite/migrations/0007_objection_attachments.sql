-- Objections carry the filer's supporting documents (kept sealed under the
-- data directory; this column lists them: name, size, SM3 digest, file).
ALTER TABLE objections ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
