-- How far each process's spool file has been committed: written in the
-- same transaction as the entries it held, so that replaying a file left
-- by a process that died adds each entry exactly once.
CREATE TABLE spool_marks (
    spool TEXT PRIMARY KEY,
    upto  BIGINT NOT NULL
);
