-- What the intake changed in a row it kept (an echoed cell truncated to the length limit, docs/csv.md). Kept apart
-- from `reason`, which the row's run overwrites: the results show the two together.
ALTER TABLE job_rows ADD COLUMN note text;
ALTER TABLE schedule_rows ADD COLUMN note text;
