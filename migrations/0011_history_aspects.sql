-- Every history point keeps the aspects its sentiment was published with (a compact summary of the findings'
-- aspects: name, kind, mentions, mean sentiment and its interval, sides; no quotes), written by the statement or
-- transaction that records the point: a job's publish (internal/enrichment/product_store.py) or the live refresh
-- of pushed reviews (internal/ingest/store.py). So the product page compares the aspects of any two points. Points
-- recorded before this migration keep NULL: the page falls back as it did (a job row's findings, else the latest).

ALTER TABLE product_sentiment_history ADD COLUMN aspects jsonb;
