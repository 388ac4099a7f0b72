-- What a receiver's Retry-After asked for on a retryable answer (429, 503, …), in seconds: the next delivery attempt
-- waits that long (capped, internal/platform/retry_after.py). NULL when the answer said nothing, as every attempt
-- recorded before this migration did.

ALTER TABLE alert_attempts ADD COLUMN retry_after double precision;
