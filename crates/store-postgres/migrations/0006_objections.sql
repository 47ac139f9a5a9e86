-- Objections (异议) to records: one running objection per record at most.
CREATE TABLE objections (
    id               BIGSERIAL PRIMARY KEY,
    record_id        BIGINT NOT NULL REFERENCES records (id),
    subject_id       BIGINT NOT NULL REFERENCES subjects (id),
    source           TEXT NOT NULL,
    filer            TEXT NOT NULL,
    reasons          TEXT NOT NULL,
    filed_on         DATE NOT NULL,
    accept_due       DATE NOT NULL,
    status           TEXT NOT NULL,
    due_on           DATE,
    accepted_on      DATE,
    closed_on        DATE,
    outcome          TEXT,
    corrected_record BIGINT REFERENCES records (id),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX objections_subject ON objections (subject_id, id);
CREATE INDEX objections_source ON objections (source, id);
CREATE UNIQUE INDEX objections_running ON objections (record_id) WHERE status IN ('filed', 'reviewing');
