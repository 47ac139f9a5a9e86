-- Who is who: departments, accounts, sessions, API keys, authorisations;
-- and the hash-chained audit log with its checkpoints.

CREATE TABLE departments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    uscc       TEXT COLLATE "C" NOT NULL UNIQUE,
    region     TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    subject_id    BIGINT REFERENCES subjects (id),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Only digests of session tokens and key secrets are stored.
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_keys (
    key_id        TEXT COLLATE "C" PRIMARY KEY,
    secret_hash   BYTEA NOT NULL,
    client        TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    purposes      JSONB NOT NULL,
    expires_on    DATE,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE authorisations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id  BIGINT NOT NULL REFERENCES subjects (id),
    client      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    valid_until DATE NOT NULL,
    granted_by  BIGINT NOT NULL REFERENCES accounts (id),
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX authorisations_subject ON authorisations (subject_id, client, purpose);

-- seq is the position in the chain; the digests link each entry to the one
-- before it (see xinyong_domain::audit). Appends take an advisory lock.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject_id BIGINT,
    purpose    TEXT,
    detail     TEXT NOT NULL,
    origin     TEXT,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL
);
CREATE INDEX audit_log_hash ON audit_log (hash);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_reads ON audit_log (subject_id, seq) WHERE action = 'subject.read';

CREATE TABLE audit_checkpoints (
    seq  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL,
    at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
