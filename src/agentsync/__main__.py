"""``python -m agentsync`` runs the ``agent`` command."""

from __future__ import annotations

from agentsync.cli.main import main

raise SystemExit(main())
