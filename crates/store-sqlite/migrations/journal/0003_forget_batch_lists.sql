-- A batch check's sealed list of subjects is kept only while it runs;
-- batches that ended before that rule forget theirs now.
UPDATE check_batches SET subjects_sealed = x'' WHERE status <> 'running';
