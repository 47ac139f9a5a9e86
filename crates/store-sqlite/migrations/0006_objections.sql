-- Objections (异议) to records: one running objection per record at most.
CREATE TABLE objections (
    id               INTEGER PRIMARY KEY,
    record_id        INTEGER NOT NULL REFERENCES records (id),
    subject_id       INTEGER NOT NULL REFERENCES subjects (id),
    source           TEXT NOT NULL,
    filer            TEXT NOT NULL,
    reasons          TEXT NOT NULL,
    filed_on         TEXT NOT NULL,
    accept_due       TEXT NOT NULL,
    status           TEXT NOT NULL,
    due_on           TEXT,
    accepted_on      TEXT,
    closed_on        TEXT,
    outcome          TEXT,
    corrected_record INTEGER REFERENCES records (id),
    created_at       TEXT NOT NULL
);
CREATE INDEX objections_subject ON objections (subject_id, id);
CREATE INDEX objections_source ON objections (source, id);
CREATE UNIQUE INDEX objections_running ON objections (record_id) WHERE status IN ('filed', 'reviewing');
