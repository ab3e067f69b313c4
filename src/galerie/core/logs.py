"""Log lines that a machine reads: one JSON object a line, each carrying the request id.

``LOG_FORMAT=json`` (production's default, docs/logging.md) writes every record as
``{"time", "level", "logger", "message", "request_id"[, "exception"]}``; ``text`` writes the same
fields as a plain line for a person at a terminal. The request id comes from
:mod:`galerie.core.requestid`, whatever bound it: the request's middleware, ``galerie worker``
delivering an event, or a Celery task.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from galerie.core.requestid import request_id_current

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``record.request_id``, "" outside any work)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record logged in one thread and formatted in another (a QueueHandler) keeps its id.
        if not hasattr(record, "request_id"):
            record.request_id = request_id_current()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time (ISO 8601, UTC), level, logger, message, request_id,
    and the traceback as ``exception`` (newlines escaped: the line stays one line)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_current(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(*, level: str, fmt: str) -> dict[str, Any]:
    """Return the ``LOGGING`` dict: one console handler (stderr) in ``fmt`` ("json" or "text")."""
    if fmt not in {"json", "text"}:
        raise ValueError(f"LOG_FORMAT must be json or text, not {fmt!r}")
    formatter = {"()": "galerie.core.logs.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "galerie.core.logs.RequestIdFilter"}},
        "formatters": {"galerie": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "galerie",
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
