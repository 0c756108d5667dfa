"""The fuzzer's logging: the code under test logs every refused cookie, and a run refuses
millions. A forged cookie is a WARNING on ``client_session.security``, Tornado warns of each
tampered signed value on ``tornado.general``; with no handler configured, Python's last
resort would print each on stderr. The oracle judges what ``load`` and ``read`` return, not
what they log, so those records go to a handler that drops them (the calls still run)."""

from __future__ import annotations

import logging

__all__ = ["QUIET_LOGGERS", "quiet_logs"]

QUIET_LOGGERS = ("client_session", "tornado")


def quiet_logs() -> None:
    """Drop the records of the loggers of the code under test, for this process."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
