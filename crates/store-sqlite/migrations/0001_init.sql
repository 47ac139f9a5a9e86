-- Catalogue: each record type's TOML file, one row per changed version.
CREATE TABLE catalog_versions (
    record_type TEXT NOT NULL,
    version     INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    PRIMARY KEY (record_type, version)
);

-- Every upload, applied or refused.
CREATE TABLE batches (
    id              INTEGER PRIMARY KEY,
    record_type     TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    source          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    format          TEXT NOT NULL,
    encoding        TEXT,
    generation      TEXT,
    headers         TEXT NOT NULL,
    original_file   TEXT,
    status          TEXT NOT NULL,
    refusal         TEXT,
    n_rows          INTEGER NOT NULL DEFAULT 0,
    n_accepted      INTEGER NOT NULL DEFAULT 0,
    n_rejected      INTEGER NOT NULL DEFAULT 0,
    n_duplicates    INTEGER NOT NULL DEFAULT 0,
    n_new_versions  INTEGER NOT NULL DEFAULT 0,
    n_new_subjects  INTEGER NOT NULL DEFAULT 0,
    n_flagged       INTEGER NOT NULL DEFAULT 0,
    unknown_headers TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL
);

-- 法人库 and 人口库: organisations by code, people by keyed hash of their
-- identity document (the number itself only sealed).
CREATE TABLE subjects (
    id            INTEGER PRIMARY KEY,
    category      TEXT NOT NULL,
    uscc          TEXT UNIQUE,
    person_hash   BLOB UNIQUE,
    person_ref    TEXT UNIQUE,
    person_sealed BLOB,
    id_masked     TEXT,
    name          TEXT NOT NULL,
    flagged       INTEGER NOT NULL DEFAULT 0,
    first_batch   INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);

-- Name search: bigram tokens of each subject's name; rowid = subjects.id.
CREATE VIRTUAL TABLE subject_search USING fts5(
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TABLE subject_aliases (
    subject_id  INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    first_batch INTEGER NOT NULL,
    PRIMARY KEY (subject_id, kind, value)
) WITHOUT ROWID;

-- Names that disagree with a subject's known names, for review.
CREATE TABLE name_flags (
    id            INTEGER PRIMARY KEY,
    subject_id    INTEGER NOT NULL,
    incoming_name TEXT NOT NULL,
    first_batch   INTEGER NOT NULL,
    first_row     INTEGER NOT NULL,
    n_rows        INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    UNIQUE (subject_id, incoming_name)
);

-- Records: every version is kept; the natural key is (subject, type,
-- document number) and each correction adds version + 1.
CREATE TABLE records (
    id              INTEGER PRIMARY KEY,
    subject_id      INTEGER NOT NULL,
    record_type     TEXT NOT NULL,
    doc_no          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    is_current      INTEGER NOT NULL,
    catalog_version INTEGER NOT NULL,
    decision_date   TEXT NOT NULL,
    severity        TEXT,
    published       INTEGER NOT NULL,
    publicity_until TEXT,
    authority       TEXT NOT NULL,
    source          TEXT NOT NULL,
    batch_id        INTEGER NOT NULL,
    row_no          INTEGER NOT NULL,
    content_hash    BLOB NOT NULL,
    payload         TEXT NOT NULL,
    sealed          BLOB,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX records_natural_key ON records (subject_id, record_type, doc_no, version);
CREATE INDEX records_listing ON records (record_type, decision_date) WHERE is_current = 1;

-- Row problems of each batch (errors of rejected rows, warnings of accepted ones).
CREATE TABLE batch_issues (
    batch_id INTEGER NOT NULL,
    row_no   INTEGER NOT NULL,
    severity TEXT NOT NULL,
    field    TEXT NOT NULL,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL
);
CREATE INDEX batch_issues_by_row ON batch_issues (batch_id, row_no);

-- Rejected rows as uploaded (sealed: they may hold personal identifiers).
CREATE TABLE batch_rejections (
    batch_id     INTEGER NOT NULL,
    row_no       INTEGER NOT NULL,
    sealed_cells BLOB NOT NULL,
    PRIMARY KEY (batch_id, row_no)
) WITHOUT ROWID;

-- Platform metadata (e.g. the fingerprint of the sealing key).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
