"""The names of the environment variables ``agent serve`` and ``agent worker`` read for GitHub
(the webhook secret's are in :mod:`agentsync.service.signature`; the control plane's token is
the client's). Names only: importing this module loads nothing else."""

from __future__ import annotations

APP_ID_VARIABLE = "AGENTSYNC_GITHUB_APP_ID"  # a GitHub App's id
APP_KEY_FILE_VARIABLE = "AGENTSYNC_GITHUB_APP_KEY_FILE"  # its private key (--github-app-key-file)
TOKEN_VARIABLE = "AGENTSYNC_GITHUB_TOKEN"  # a personal access token (or any token)
API_URL_VARIABLE = "AGENTSYNC_GITHUB_API_URL"  # GitHub's REST API (GitHub Enterprise's)
WRITE_PAUSE_VARIABLE = "AGENTSYNC_GITHUB_WRITE_PAUSE"  # seconds between two GitHub writes
