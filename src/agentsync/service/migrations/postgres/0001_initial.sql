-- The service's PostgreSQL schema as agentsync 0.1.0 released it (0.1.0 recorded it as
-- version 1 in schema_version).
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id text PRIMARY KEY,
    event text NOT NULL,
    action text,
    repository text,
    body bytea NOT NULL,
    received_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    repository text NOT NULL,
    payload jsonb NOT NULL,
    coalesce_key text,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    delivery_id text,
    last_error text,
    outcome text,
    coalesced_into bigint,
    lease_owner text,
    lease_expires_at double precision,
    run_after double precision NOT NULL,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_active ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_running ON jobs (repository) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS jobs_by_repository ON jobs (repository, state, coalesce_key);
CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (updated_at) WHERE state = 'dead';
-- prune() (the oldest done jobs) and status() (counting them).
CREATE INDEX IF NOT EXISTS jobs_done ON jobs (updated_at) WHERE state = 'done';
-- prune(): whether a delivery's job is still kept.
CREATE INDEX IF NOT EXISTS jobs_kept_delivery ON jobs (delivery_id)
    WHERE state IN ('queued', 'running', 'dead');
-- prune() (the oldest deliveries) and status() (the smallest index to count).
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS repositories (
    repository text PRIMARY KEY,
    installation_id bigint,
    last_sync_at double precision,
    last_sync_commit text,
    last_sync_outcome text,
    last_resync_at double precision,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_states (
    repository text PRIMARY KEY,
    data jsonb NOT NULL,
    updated_at double precision NOT NULL
);
CREATE OR REPLACE FUNCTION agentsync_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('agentsync_jobs', '');
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER jobs_queued AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION agentsync_notify_jobs();
