-- Config-file blobs by git blob sha: a sync downloads from GitHub only the blobs it has not
-- seen (a sha names its content, so an entry never goes stale). used_at drives pruning.
CREATE TABLE blob_cache (
    sha TEXT PRIMARY KEY,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    used_at REAL NOT NULL
);
CREATE INDEX blob_cache_used ON blob_cache (used_at);
