-- A schedule's run is its workflow id *and* its run id. Temporal names a run's workflow
-- `schedule-<id>-run-<action time>` with the time to the second (docs/schedules.md, "How it works"), so an action in
-- the same second as the one before (a trigger right after a run that took under a second) starts a second
-- workflow under the same id. Keyed by the id alone, that run found the previous run's job, tried to start it
-- again and never finished. Runs recorded before this migration keep run_id '' (their workflows passed none).

ALTER TABLE schedule_runs ADD COLUMN run_id text NOT NULL DEFAULT '';
ALTER TABLE schedule_runs DROP CONSTRAINT schedule_runs_pkey;
ALTER TABLE schedule_runs ADD PRIMARY KEY (run_key, run_id);
