-- The journal file: what every read and write leaves behind, kept apart
-- from the records so that appending to it does not empty the page caches
-- of the connections reading records (SQLite drops a connection's whole
-- cache when its file changes) and does not wait for an import's
-- transaction on the records file.

-- Which records file this journal belongs to (see migrate.rs).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- seq is the position in the chain; the digests link each entry to the one
-- before it (see xinyong_domain::audit).
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject_id INTEGER,
    purpose    TEXT,
    detail     TEXT NOT NULL,
    origin     TEXT,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_log_hash ON audit_log (hash);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_reads ON audit_log (subject_id, seq) WHERE action = 'subject.read';

CREATE TABLE audit_checkpoints (
    seq  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    at   TEXT NOT NULL
);

-- Batch checks: a list of subjects checked in one matter, asynchronously.
CREATE TABLE check_batches (
    id              INTEGER PRIMARY KEY,
    client          TEXT NOT NULL,
    department_id   INTEGER,
    matter          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    total           INTEGER NOT NULL,
    subjects_sealed BLOB NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX check_batches_running ON check_batches (id) WHERE status = 'running';

-- Credit checks (逢办必查) and the feedback of the checking systems.
-- A rowid table: answers are kilobytes, too big for a WITHOUT ROWID b-tree
-- keyed by a random id (every insert would split pages in the middle).
-- department_id and subject_id name rows of the records file.
CREATE TABLE checks (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    client        TEXT NOT NULL,
    department_id INTEGER,
    subject_id    INTEGER,
    subject_shown TEXT NOT NULL,
    matter        TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    checked_at    TEXT NOT NULL,
    month         TEXT NOT NULL,
    book          TEXT NOT NULL,
    n_measures    INTEGER NOT NULL,
    n_mandatory   INTEGER NOT NULL,
    answer        TEXT NOT NULL,
    feedback_at   TEXT,
    applied       TEXT,
    n_applied     INTEGER,
    outcome       TEXT,
    case_no       TEXT,
    batch_id      INTEGER REFERENCES check_batches (id),
    batch_row     INTEGER
);
CREATE INDEX checks_month ON checks (month, client, matter);
-- Checks still waiting for feedback, oldest first.
CREATE INDEX checks_unanswered ON checks (checked_at, id) WHERE feedback_at IS NULL AND n_measures > 0;
CREATE UNIQUE INDEX checks_batch_row ON checks (batch_id, batch_row) WHERE batch_id IS NOT NULL;
