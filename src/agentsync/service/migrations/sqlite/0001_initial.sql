-- The service's SQLite schema as agentsync 0.1.0 released it (0.1.0 recorded it as version 1
-- in schema_version).
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    repository TEXT,
    body BLOB NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    repository TEXT NOT NULL,
    payload TEXT NOT NULL,
    coalesce_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivery_id TEXT,
    last_error TEXT,
    outcome TEXT,
    coalesced_into INTEGER,
    lease_owner TEXT,
    lease_expires_at REAL,
    run_after REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_active ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_running ON jobs (repository) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS jobs_by_repository ON jobs (repository, state, coalesce_key);
CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (updated_at) WHERE state = 'dead';
-- Partial indexes only: one on all jobs by state would lure the planner (which has no
-- statistics unless ANALYZE ran) away from the ones above in the claim's queries.
-- prune() (the oldest done jobs) and status() (counting them: state makes it covering).
CREATE INDEX IF NOT EXISTS jobs_done ON jobs (state, updated_at) WHERE state = 'done';
-- prune(): whether a delivery's job is still kept.
CREATE INDEX IF NOT EXISTS jobs_kept_delivery ON jobs (delivery_id)
    WHERE state IN ('queued', 'running', 'dead');
-- prune() (the oldest deliveries) and status() (the smallest index to count).
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS repositories (
    repository TEXT PRIMARY KEY,
    installation_id INTEGER,
    last_sync_at REAL,
    last_sync_commit TEXT,
    last_sync_outcome TEXT,
    last_resync_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_states (
    repository TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL
);
