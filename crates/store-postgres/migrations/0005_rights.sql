-- Credit commitments (信用承诺) signed on the platform, with the text signed
-- and its SM3 digest.
CREATE TABLE commitments (
    id           BIGSERIAL PRIMARY KEY,
    subject_id   BIGINT NOT NULL REFERENCES subjects (id),
    kind         TEXT NOT NULL,
    matter       TEXT NOT NULL,
    addressee    TEXT,
    signer       TEXT NOT NULL,
    text         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    public       BOOLEAN NOT NULL,
    signed_on    DATE NOT NULL,
    status       TEXT NOT NULL,
    finding_on   DATE,
    finding_note TEXT,
    found_by     TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX commitments_subject ON commitments (subject_id, id);

-- Credit repairs (信用修复): one running repair per record at most.
CREATE TABLE repairs (
    id            BIGSERIAL PRIMARY KEY,
    record_id     BIGINT NOT NULL REFERENCES records (id),
    subject_id    BIGINT NOT NULL REFERENCES subjects (id),
    source        TEXT NOT NULL,
    applicant     TEXT NOT NULL,
    commitment_id BIGINT NOT NULL REFERENCES commitments (id),
    proof         TEXT NOT NULL,
    submitted_on  DATE NOT NULL,
    platform_due  DATE NOT NULL,
    status        TEXT NOT NULL,
    due_on        DATE,
    forwarded_on  DATE,
    closed_on     DATE,
    reasons       TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX repairs_subject ON repairs (subject_id, id);
CREATE INDEX repairs_source ON repairs (source, id);
CREATE UNIQUE INDEX repairs_running ON repairs (record_id) WHERE status IN ('submitted', 'forwarded');

-- A repaired record is kept, marked, and no longer public, shared or used.
ALTER TABLE records ADD COLUMN repaired_on DATE;
