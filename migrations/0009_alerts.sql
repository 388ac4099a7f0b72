-- Alerts (docs/alerts.md): webhook subscriptions, the alerts announced to them, and every delivery attempt.

CREATE TABLE alert_subscriptions (
    subscription_id text PRIMARY KEY,
    url             text NOT NULL,
    secret          text NOT NULL,            -- the HMAC key of the X-Alert-Signature header
    scope_kind      text NOT NULL CHECK (scope_kind IN ('all', 'schedule', 'job')),
    scope_id        text,                     -- the schedule or job id; NULL for 'all'
    conditions      text[] NOT NULL,          -- sentiment_drop, job_finished, schedule_run_finished
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,              -- kept so that its alerts keep their subscription
    CHECK ((scope_kind = 'all') = (scope_id IS NULL))
);

-- One row per alert: its id is derived from (subscription, event), so announcing an event twice stores it once and
-- starts its delivery workflow (alert-<alert_id>) once.
CREATE TABLE alerts (
    alert_id        text PRIMARY KEY,
    subscription_id text NOT NULL REFERENCES alert_subscriptions,
    kind            text NOT NULL,
    job_id          text,
    schedule_id     text,
    source          text,
    product_id      text,
    payload         jsonb NOT NULL,           -- the JSON body POSTed (serialised with sorted keys)
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX alerts_newest ON alerts (created_at DESC, alert_id);

CREATE TABLE alert_attempts (
    alert_id     text NOT NULL REFERENCES alerts ON DELETE CASCADE,
    attempt      integer NOT NULL,            -- the delivery activity's attempt number (1, 2, …)
    attempted_at timestamptz NOT NULL DEFAULT now(),
    http_status  integer,                     -- the receiver's answer; NULL when none came
    error        text,                        -- why the attempt failed (connection refused, 503, …)
    PRIMARY KEY (alert_id, attempt)
);

-- The announce at a job's end looks up each product's previous result (its latest finished row in another job).
CREATE INDEX job_rows_product_finished ON job_rows (product_id, finished_at DESC) WHERE result IS NOT NULL;
