-- Credit checks (逢办必查) and the feedback of the checking systems.
CREATE TABLE checks (
    id            TEXT COLLATE "C" PRIMARY KEY,
    client        TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    subject_id    BIGINT REFERENCES subjects (id),
    subject_shown TEXT NOT NULL,
    matter        TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    checked_at    TIMESTAMPTZ NOT NULL,
    month         TEXT COLLATE "C" NOT NULL,
    book          TEXT NOT NULL,
    n_measures    INTEGER NOT NULL,
    n_mandatory   INTEGER NOT NULL,
    answer        TEXT NOT NULL,
    feedback_at   TIMESTAMPTZ,
    applied       JSONB,
    n_applied     INTEGER,
    outcome       TEXT,
    case_no       TEXT
);

CREATE INDEX checks_month ON checks (month, client, matter);
-- Checks still waiting for feedback, oldest first.
CREATE INDEX checks_unanswered ON checks (checked_at, id) WHERE feedback_at IS NULL AND n_measures > 0;
