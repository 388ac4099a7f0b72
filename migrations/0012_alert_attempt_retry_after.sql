-- What a receiver's Retry-After asked for on a retryable answer (429, 503, …), in seconds: the next delivery attempt
-- waits that long (capped, internal/platform/retry_after.py). NULL when the answer said nothing, as every attempt
-- recorded before this migration did.

-- IF NOT EXISTS: a development database may have it from this file's first name (0011_…).
ALTER TABLE alert_attempts ADD COLUMN IF NOT EXISTS retry_after double precision;
