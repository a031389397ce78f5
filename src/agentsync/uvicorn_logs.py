"""What the servers' uvicorn loggers write about a request: its path, never its query string.

uvicorn's access lines (``uvicorn.access``) and its WebSocket lines (``uvicorn.error``) carry the
request target with its query, so a token a client put in ``?token=`` would reach the log.
:func:`hide_query_strings` cuts every string argument of those loggers' records at its ``?``
(a request target's first ``?`` starts its query).
"""

from __future__ import annotations

import logging

LOGGERS = ("uvicorn.access", "uvicorn.error")


class _WithoutQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.partition("?")[0] if isinstance(arg, str) else arg for arg in record.args
            )
        return True


_FILTER = _WithoutQueryStrings()


def hide_query_strings() -> None:
    """Filter uvicorn's loggers (once: later calls change nothing). Logging configuration
    (uvicorn's ``dictConfig``) keeps a logger's filters."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
