"""``syntax``: the file must be YAML that parses, in UTF-8: no tabs for indentation, no
control characters, one document.

Reported by the loader, one line at the mistake (lines as git counts them), in the file's
terms: ``agentsync.config.yaml_errors`` explains libyaml's error and hints at the fix of the
common causes (quote a value holding ": " or starting with "@", "`" or "*", the anchor a
misspelt alias meant, where a quote or bracket left open starts); ``agentsync.config.encoding``
names a file saved in another encoding.

Bad::

    triggers:
      - type: cron
        schedule: */15 * * * *

Fixed::

    triggers:
      - type: cron
        schedule: "*/15 * * * *"
"""

from __future__ import annotations

from agentsync.config import problems
from agentsync.lint.diagnostic import Severity
from agentsync.lint.rule import reported_by_loader

ID = problems.SYNTAX
SEVERITY: Severity = "error"
SUMMARY = "The file must be valid YAML"
FROM_SCHEMA = False

check = reported_by_loader(ID)
