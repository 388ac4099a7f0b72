-- Jobs, their rows, fetched reviews, scores and an audit log.
-- Row and job statuses are spelled out in CHECK constraints so a typo in code fails loudly in tests.

CREATE TABLE jobs (
    job_id          text PRIMARY KEY,
    status          text NOT NULL DEFAULT 'created'
                    CHECK (status IN ('created', 'running', 'paused', 'cancelling',
                                      'completed', 'failed', 'cancelled')),
    filename        text,
    options         jsonb NOT NULL DEFAULT '{}'::jsonb,
    header          text[] NOT NULL DEFAULT '{}',
    id_column       text,
    delimiter       text,
    total_rows      integer NOT NULL DEFAULT 0,
    -- false while rows are still being streamed in: a job is only started once its intake is complete.
    intake_complete boolean NOT NULL DEFAULT false,
    workflow_id     text,
    idempotency_key text UNIQUE,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX jobs_created ON jobs (created_at DESC, job_id DESC);
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC, job_id DESC);

-- One counter row per (job, row status), maintained in the same statement as every row transition,
-- so progress is a read of at most nine small rows however large the job is.
CREATE TABLE job_counts (
    job_id text   NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    status text   NOT NULL,
    n      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, status)
);

CREATE TABLE job_rows (
    job_id       text    NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    -- Spreadsheet row number of the record (the header is row 1): the row key everywhere.
    row_num      integer NOT NULL,
    product_id   text,
    name         text,
    url          text,
    source       text,
    -- The original cells in header order, echoed back in results.
    cells        text[]  NOT NULL,
    status       text    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'succeeded', 'low_confidence', 'no_reviews',
                                   'failed', 'cancelled', 'invalid', 'duplicate')),
    stage        text,
    attempt      integer NOT NULL DEFAULT 0,
    result       jsonb,
    -- What the source says about the product (name, price, url, rating statistics), shown in results.
    product_meta jsonb,
    reason       text,
    error_column integer,
    duplicate_of integer,
    workflow_id  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (job_id, row_num)
);

CREATE INDEX job_rows_product ON job_rows (job_id, product_id);
-- The job workflow pages through what is still to do; a partial index keeps that cheap at any job size.
CREATE INDEX job_rows_open ON job_rows (job_id, row_num) WHERE status IN ('pending', 'running');

CREATE TABLE reviews (
    job_id      text    NOT NULL,
    row_num     integer NOT NULL,
    -- The source's review id, or a content hash when the source has none: re-fetching a page is harmless.
    review_id   text    NOT NULL,
    source      text    NOT NULL,
    body        text    NOT NULL,
    rating      real,
    review_date text,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, row_num, review_id),
    FOREIGN KEY (job_id, row_num) REFERENCES job_rows (job_id, row_num) ON DELETE CASCADE
);

CREATE TABLE review_scores (
    job_id     text    NOT NULL,
    row_num    integer NOT NULL,
    review_id  text    NOT NULL,
    scorer     text    NOT NULL,
    sentiment  real    NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
    label      text    NOT NULL CHECK (label IN ('positive', 'neutral', 'negative', 'mixed')),
    confidence real    NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    scored_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, row_num, review_id, scorer),
    FOREIGN KEY (job_id, row_num, review_id) REFERENCES reviews (job_id, row_num, review_id) ON DELETE CASCADE
);

CREATE TABLE events (
    event_id   bigserial PRIMARY KEY,
    job_id     text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    row_num    integer,
    kind       text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_job ON events (job_id, event_id);
