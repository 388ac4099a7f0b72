-- What a product's reviews say beyond its score (internal/domain/findings.py: aspects and evidence), computed where
-- scoring runs (the analyze_feedback activity) and kept twice:
--   per product, with a fingerprint of the reviews (and decisive scorers) it was computed from, so that a later job
--   that reuses the product's stored reviews reuses its findings too, and a refresh recomputes them only when its
--   reviews changed;
--   per row, what the job's outputs (results, CSV, product page, overview) read.
-- Both are written by internal/enrichment/findings_store.py with idempotent upserts.

CREATE TABLE product_findings (
    source       text        NOT NULL,
    product_id   text        NOT NULL,
    fingerprint  text        NOT NULL,
    review_count integer     NOT NULL,
    findings     jsonb       NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, product_id)
);

CREATE TABLE row_findings (
    job_id       text        NOT NULL,
    row_num      integer     NOT NULL,
    fingerprint  text        NOT NULL,
    review_count integer     NOT NULL,
    findings     jsonb       NOT NULL,
    -- true: copied from product_findings (same reviews), not computed by this row.
    reused       boolean     NOT NULL DEFAULT false,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, row_num),
    FOREIGN KEY (job_id, row_num) REFERENCES job_rows (job_id, row_num) ON DELETE CASCADE
);
