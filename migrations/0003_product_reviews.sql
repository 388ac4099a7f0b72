-- Reviews and scores kept per (source, product), apart from any job, so that a later job reuses them instead of
-- buying them again, and a refresh fetches only what is newer (docs/sources.md, "Reuse and refresh").
-- No foreign key to jobs: deleting the job that fetched them keeps them.

CREATE TABLE product_reviews (
    source      text NOT NULL,
    product_id  text NOT NULL,
    review_id   text NOT NULL,
    origin      text NOT NULL,  -- Review.source, as the row's own `reviews` table stores it
    body        text NOT NULL,
    rating      real,
    review_date text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, product_id, review_id)
);

CREATE TABLE product_review_scores (
    source     text NOT NULL,
    product_id text NOT NULL,
    review_id  text NOT NULL,
    scorer     text NOT NULL,
    sentiment  real NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
    label      text NOT NULL CHECK (label IN ('positive', 'neutral', 'negative', 'mixed')),
    confidence real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    scored_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, product_id, review_id, scorer),
    FOREIGN KEY (source, product_id, review_id) REFERENCES product_reviews ON DELETE CASCADE
);

-- One row per (source, product): when its reviews were last fetched and by which row, where that fetch stopped,
-- and which row is fetching it now (the lease that makes two concurrent jobs fetch a product once).
CREATE TABLE product_fetches (
    source       text NOT NULL,
    product_id   text NOT NULL,
    fetched_at   timestamptz,  -- NULL until a row that fetched it has finished
    job_id       text,
    row_num      integer,
    next_cursor  text,
    pages        integer NOT NULL DEFAULT 0,
    exhausted    boolean NOT NULL DEFAULT false,
    escalation   integer NOT NULL DEFAULT 0,
    -- That row's last attempt and page budget: a row that reuses its reviews goes on from the same point, so it
    -- settles exactly as that row did.
    attempt      integer NOT NULL DEFAULT 1,
    budget       integer NOT NULL DEFAULT 0,
    meta         jsonb,
    result       jsonb,         -- that row's product sentiment: what a refresh's score_change is measured from
    holder_job   text,
    holder_row   integer,
    held_until   timestamptz,
    PRIMARY KEY (source, product_id)
);

-- What each row really spent (requests sent to its source, scorer calls), and where its reviews came from when
-- they were reused. A row's costs are added to its job's totals (job_counts) when it reaches a terminal status.
ALTER TABLE job_rows
    ADD COLUMN source_requests integer NOT NULL DEFAULT 0,
    ADD COLUMN scorer_calls    integer NOT NULL DEFAULT 0,
    ADD COLUMN reused          jsonb;

ALTER TABLE job_counts
    ADD COLUMN source_requests bigint NOT NULL DEFAULT 0,
    ADD COLUMN scorer_calls    bigint NOT NULL DEFAULT 0,
    ADD COLUMN reused_rows     bigint NOT NULL DEFAULT 0;
