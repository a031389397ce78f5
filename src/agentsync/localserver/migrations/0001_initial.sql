-- The control plane's schema as agentsync 0.1.0 released it. IF NOT EXISTS: databases that
-- 0.1.0 wrote have these tables already, without a recorded version.
CREATE TABLE IF NOT EXISTS configs (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    last_job_run_id TEXT,
    last_synced_commit_sha TEXT,
    sync_error TEXT,
    agent_config TEXT NOT NULL,
    repository TEXT,
    path TEXT,
    sha TEXT NOT NULL,
    yaml TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    requested_limits TEXT,
    edited_by TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS configs_by_path ON configs (repository, path)
    WHERE repository IS NOT NULL;
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    agent_config_id TEXT,
    source TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at DESC);
CREATE INDEX IF NOT EXISTS runs_by_config ON runs (agent_config_id, created_at DESC);
CREATE TABLE IF NOT EXISTS run_events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS variables (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_repositories (
    repository TEXT PRIMARY KEY,
    commit_sha TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cron_state (
    config_id TEXT NOT NULL,
    schedule TEXT NOT NULL,
    next_fire_at TEXT NOT NULL,
    PRIMARY KEY (config_id, schedule)
);
