"""agent serve: the webhook-driven sync service (webhook app, durable queue, workers, GitHub
checks). Importing this package loads nothing heavy; each module imports what it needs."""
