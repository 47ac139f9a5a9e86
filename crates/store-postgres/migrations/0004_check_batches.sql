-- Batch checks: a list of subjects checked in one matter, asynchronously.
CREATE TABLE check_batches (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client          TEXT NOT NULL,
    department_id   BIGINT REFERENCES departments (id),
    matter          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    total           INTEGER NOT NULL,
    subjects_sealed BYTEA NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ
);
CREATE INDEX check_batches_running ON check_batches (id) WHERE status = 'running';

ALTER TABLE checks ADD COLUMN batch_id BIGINT REFERENCES check_batches (id);
ALTER TABLE checks ADD COLUMN batch_row INTEGER;
CREATE UNIQUE INDEX checks_batch_row ON checks (batch_id, batch_row) WHERE batch_id IS NOT NULL;
