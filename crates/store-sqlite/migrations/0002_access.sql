-- Who is who: departments, accounts, sessions, API keys, authorisations;
-- and the hash-chained audit log with its checkpoints.

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    uscc       TEXT NOT NULL UNIQUE,
    region     TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    subject_id    INTEGER REFERENCES subjects (id),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- Only digests of session tokens and key secrets are stored.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_keys (
    key_id        TEXT PRIMARY KEY,
    secret_hash   BLOB NOT NULL,
    client        TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    purposes      TEXT NOT NULL,
    expires_on    TEXT,
    revoked_at    TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE authorisations (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER NOT NULL REFERENCES subjects (id),
    client      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    granted_by  INTEGER NOT NULL REFERENCES accounts (id),
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX authorisations_subject ON authorisations (subject_id, client, purpose);

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
