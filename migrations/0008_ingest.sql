-- Pushed reviews, the dead-letter store, live product sentiment and its history (docs/sources.md, "Push
-- ingestion" and "Dead letters"; internal/ingest/, internal/ledger/dead_letters.py).

-- One receipt per accepted POST /api/v1/reviews: its counts always reconcile,
-- received = accepted (stored) + duplicates + dead_lettered, and each can be recounted from the tables below.
CREATE TABLE ingest_batches (
    batch_id      text PRIMARY KEY,
    source        text NOT NULL,
    received      integer NOT NULL,
    accepted      integer NOT NULL,
    duplicates    integer NOT NULL,
    dead_lettered integer NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (received = accepted + duplicates + dead_lettered)
);

-- Pushed reviews, raw, as the source of truth: idempotent by (source, review_id), so a retried webhook never
-- stores a review twice. `batch_id` is the receipt that stored it (or the replay that did: replay-<id>).
CREATE TABLE pushed_reviews (
    source       text NOT NULL,
    review_id    text NOT NULL,
    product_id   text NOT NULL,
    user_id      text,
    body         text NOT NULL,
    rating       real,
    review_ts    timestamptz,
    batch_id     text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    -- When a live sentiment that counts this review was published: received_at .. published_at is the delay
    -- make bench-ingest measures.
    published_at timestamptz,
    PRIMARY KEY (source, review_id)
);
CREATE INDEX pushed_reviews_batch ON pushed_reviews (batch_id);
CREATE INDEX pushed_reviews_unpublished ON pushed_reviews (source, product_id) WHERE published_at IS NULL;

-- Reviews that failed validation, pushed or pulled: nothing is dropped without a trace.
CREATE TABLE dead_letters (
    dead_letter_id bigserial PRIMARY KEY,
    source         text NOT NULL,
    reason         text NOT NULL,
    message        text NOT NULL,
    payload        jsonb NOT NULL,
    origin         text NOT NULL CHECK (origin IN ('push', 'job')),
    batch_id       text,     -- push: the receipt; its position in the batch
    position       integer,
    job_id         text,     -- job: the row whose fetch read it, and the product it was read for
    row_num        integer,
    product_id     text,
    review_id      text,
    received_at    timestamptz NOT NULL DEFAULT now(),
    replayed_at    timestamptz,
    replay_outcome text,     -- stored | duplicate, once a replay moved it
    -- A retried fetch reads the same page again: one dead letter per (job, row, review), not one per try.
    UNIQUE NULLS NOT DISTINCT (origin, batch_id, position, job_id, row_num, review_id)
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC, dead_letter_id DESC);
CREATE INDEX dead_letters_source_reason ON dead_letters (source, reason, received_at DESC);

-- A product's live sentiment. A push bumps `generation`; the live sentiment activity publishes the sentiment of
-- every review stored at that moment and records the generation it covered, so dirty = generation > published.
CREATE TABLE live_products (
    source          text NOT NULL,
    product_id      text NOT NULL,
    generation      bigint NOT NULL DEFAULT 0,
    published       bigint NOT NULL DEFAULT 0,
    dirty_since     timestamptz,
    sentiment       jsonb,
    updated_at      timestamptz,
    PRIMARY KEY (source, product_id)
);
CREATE INDEX live_products_dirty ON live_products (dirty_since) WHERE generation > published;

-- Every change of a product's sentiment: from pushed reviews (origin push, one per published generation), from a
-- job or a scheduled run (origin job, one per row that published it).
CREATE TABLE product_sentiment_history (
    history_id     bigserial PRIMARY KEY,
    source         text NOT NULL,
    product_id     text NOT NULL,
    origin         text NOT NULL CHECK (origin IN ('push', 'job')),
    generation     bigint,
    job_id         text,
    row_num        integer,
    review_count   integer NOT NULL,
    mean_sentiment real,
    score_5        real,
    ci95_low       real,
    ci95_high      real,
    label          text,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (source, product_id, origin, generation, job_id, row_num)
);
CREATE INDEX product_sentiment_history_product ON product_sentiment_history (source, product_id, history_id);
