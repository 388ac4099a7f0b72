-- SOURCE_RATE_LIMITS as a ceiling (docs/sources.md, "Rate limits"): one row per rate-limited source holding the
-- earliest time its next request may be sent. Every worker process reserves its request's slot here in one
-- statement (internal/state/rate_slots.py), so requests to a source are at least 1/rate apart by the database's
-- clock, however many processes send them. Updated once per request: no index on next_slot, so each update can
-- stay on the row's page (HOT), and fillfactor leaves it the room to.

CREATE TABLE source_rate_slots (
    source    text PRIMARY KEY,
    next_slot timestamptz NOT NULL
) WITH (fillfactor = 50);
