-- Config-file blobs by git blob sha: a sync downloads from GitHub only the blobs it has not
-- seen (a sha names its content, so an entry never goes stale). used_at drives pruning.
CREATE TABLE blob_cache (
    sha text PRIMARY KEY,
    content bytea NOT NULL,
    size integer NOT NULL,
    used_at double precision NOT NULL
);
CREATE INDEX blob_cache_used ON blob_cache (used_at);
