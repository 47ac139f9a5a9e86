-- Catalogue: each record type's TOML file, one row per changed version.
CREATE TABLE catalog_versions (
    record_type TEXT NOT NULL,
    version     INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_type, version)
);

-- Every upload, applied or refused.
CREATE TABLE batches (
    id              BIGSERIAL PRIMARY KEY,
    record_type     TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    source          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    format          TEXT NOT NULL,
    encoding        TEXT,
    generation      TEXT,
    headers         JSONB NOT NULL,
    original_file   TEXT,
    status          TEXT NOT NULL,
    refusal         TEXT,
    n_rows          BIGINT NOT NULL DEFAULT 0,
    n_accepted      BIGINT NOT NULL DEFAULT 0,
    n_rejected      BIGINT NOT NULL DEFAULT 0,
    n_duplicates    BIGINT NOT NULL DEFAULT 0,
    n_new_versions  BIGINT NOT NULL DEFAULT 0,
    n_new_subjects  BIGINT NOT NULL DEFAULT 0,
    n_flagged       BIGINT NOT NULL DEFAULT 0,
    unknown_headers JSONB NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL
);

-- 法人库 and 人口库: organisations by code, people by keyed hash of their
-- identity document (the number itself only sealed). search_tokens holds
-- the bigram tokens of the name for substring search.
CREATE TABLE subjects (
    id            BIGSERIAL PRIMARY KEY,
    category      TEXT NOT NULL,
    uscc          TEXT COLLATE "C" UNIQUE,
    person_hash   BYTEA UNIQUE,
    person_ref    TEXT UNIQUE,
    person_sealed BYTEA,
    id_masked     TEXT,
    name          TEXT NOT NULL,
    search_tokens TSVECTOR NOT NULL,
    flagged       BOOLEAN NOT NULL DEFAULT FALSE,
    first_batch   BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX subjects_search ON subjects USING GIN (search_tokens);

CREATE TABLE subject_aliases (
    subject_id  BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    first_batch BIGINT NOT NULL,
    PRIMARY KEY (subject_id, kind, value)
);

-- Names that disagree with a subject's known names, for review.
CREATE TABLE name_flags (
    id            BIGSERIAL PRIMARY KEY,
    subject_id    BIGINT NOT NULL,
    incoming_name TEXT NOT NULL,
    first_batch   BIGINT NOT NULL,
    first_row     BIGINT NOT NULL,
    n_rows        BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    resolved_at   TIMESTAMPTZ,
    UNIQUE (subject_id, incoming_name)
);

-- Records: every version is kept; the natural key is (subject, type,
-- document number) and each correction adds version + 1.
CREATE TABLE records (
    id              BIGSERIAL PRIMARY KEY,
    subject_id      BIGINT NOT NULL,
    record_type     TEXT NOT NULL,
    doc_no          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    is_current      BOOLEAN NOT NULL,
    catalog_version INTEGER NOT NULL,
    decision_date   DATE NOT NULL,
    severity        TEXT,
    published       BOOLEAN NOT NULL,
    publicity_until DATE,
    authority       TEXT NOT NULL,
    source          TEXT NOT NULL,
    batch_id        BIGINT NOT NULL,
    row_no          BIGINT NOT NULL,
    content_hash    BYTEA NOT NULL,
    payload         JSONB NOT NULL,
    sealed          BYTEA,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX records_natural_key ON records (subject_id, record_type, doc_no, version);
CREATE INDEX records_listing ON records (record_type, decision_date) WHERE is_current;

-- Row problems of each batch (errors of rejected rows, warnings of accepted ones).
CREATE TABLE batch_issues (
    id       BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL,
    row_no   BIGINT NOT NULL,
    severity TEXT NOT NULL,
    field    TEXT NOT NULL,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL
);
CREATE INDEX batch_issues_by_batch ON batch_issues (batch_id, id);

-- Rejected rows as uploaded (sealed: they may hold personal identifiers).
CREATE TABLE batch_rejections (
    batch_id     BIGINT NOT NULL,
    row_no       BIGINT NOT NULL,
    sealed_cells BYTEA NOT NULL,
    PRIMARY KEY (batch_id, row_no)
);

-- Platform metadata (e.g. the fingerprint of the sealing key).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
