-- Scheduled refreshes (docs/schedules.md): a schedule keeps its products once, as a template of rows, and every
-- run copies them into a new job with one INSERT … SELECT. The Temporal Schedule `schedule-<schedule_id>` decides
-- when; these tables say what and keep the link from each run to its job.

CREATE TABLE schedules (
    schedule_id text PRIMARY KEY,
    name        text,
    -- Exactly one of the two: an interval in seconds, or a cron expression (Temporal's syntax).
    every_seconds bigint CHECK (every_seconds > 0),
    cron        text,
    -- The resolved job options every run's job gets (plus "refresh": true).
    options     jsonb NOT NULL DEFAULT '{}'::jsonb,
    filename    text,
    header      text[] NOT NULL DEFAULT '{}',
    id_column   text,
    delimiter   text,
    total_rows  integer NOT NULL DEFAULT 0,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    CHECK ((every_seconds IS NULL) <> (cron IS NULL))
);

CREATE INDEX schedules_created ON schedules (created_at DESC, schedule_id DESC);

-- The template: the rows an upload of the schedule's CSV would store, before duplicates are marked (each run's
-- job marks its own, as any intake does).
CREATE TABLE schedule_rows (
    schedule_id  text    NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
    row_num      integer NOT NULL,
    product_id   text,
    name         text,
    url          text,
    source       text,
    cells        text[]  NOT NULL,
    status       text    NOT NULL CHECK (status IN ('pending', 'invalid')),
    reason       text,
    error_column integer,
    PRIMARY KEY (schedule_id, row_num)
);

-- One row per run that made a job. run_key is the scheduled workflow's id (unique per scheduled or triggered
-- action), so a retried activity or a replayed workflow finds its job instead of making a second one.
CREATE TABLE schedule_runs (
    run_key         text PRIMARY KEY,
    schedule_id     text NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
    job_id          text NOT NULL UNIQUE REFERENCES jobs (job_id) ON DELETE CASCADE,
    -- The job of this schedule's run before this one (what a refresh compares with), NULL for the first.
    previous_job_id text REFERENCES jobs (job_id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX schedule_runs_schedule ON schedule_runs (schedule_id, created_at DESC);
