-- Batch checks: a list of subjects checked in one matter, asynchronously.
CREATE TABLE check_batches (
    id              INTEGER PRIMARY KEY,
    client          TEXT NOT NULL,
    department_id   INTEGER REFERENCES departments (id),
    matter          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    total           INTEGER NOT NULL,
    subjects_sealed BLOB NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX check_batches_running ON check_batches (id) WHERE status = 'running';

ALTER TABLE checks ADD COLUMN batch_id INTEGER REFERENCES check_batches (id);
ALTER TABLE checks ADD COLUMN batch_row INTEGER;
CREATE UNIQUE INDEX checks_batch_row ON checks (batch_id, batch_row) WHERE batch_id IS NOT NULL;
