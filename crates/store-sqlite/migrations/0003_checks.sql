-- Credit checks (逢办必查) and the feedback of the checking systems.
-- A rowid table: answers are kilobytes, too big for a WITHOUT ROWID b-tree
-- keyed by a random id (every insert would split pages in the middle).
CREATE TABLE checks (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    client        TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    subject_id    INTEGER REFERENCES subjects (id),
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
    case_no       TEXT
);

CREATE INDEX checks_month ON checks (month, client, matter);
-- Checks still waiting for feedback, oldest first.
CREATE INDEX checks_unanswered ON checks (checked_at, id) WHERE feedback_at IS NULL AND n_measures > 0;
