-- When a job's rows began to stream in: at creation for a CSV sent in the request, at start for a signed upload.
-- Set while intake_complete is still false, and nobody holds the job's intake lock, it marks an intake that a
-- crash cut off (internal/service/recovery.py finishes or cleans those up when the API starts).
ALTER TABLE jobs ADD COLUMN intake_started_at timestamptz;
