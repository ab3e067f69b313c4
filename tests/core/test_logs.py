"""Log lines: one JSON object a line with the request id (LOG_FORMAT=json), or plain text."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest

from galerie.core.logs import JsonFormatter, RequestIdFilter, logging_config
from galerie.core.requestid import request_id_bound


def _logger(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"tests.logs.{id(stream)}")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_a_json_line_holds_time_level_logger_message_request_id_and_the_traceback():
    logger, stream = _logger(JsonFormatter())
    with request_id_bound("req-42"):
        logger.info("order %s placed", "GA-1")
        try:
            raise ValueError("no stock\nat all")
        except ValueError:
            logger.exception("capture failed")
    logger.warning("outside any request")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 3  # the traceback's newlines stay inside its line
    first, second, third = map(json.loads, lines)
    assert first == {
        "time": first["time"],
        "level": "INFO",
        "logger": logger.name,
        "message": "order GA-1 placed",
        "request_id": "req-42",
    }
    assert datetime.fromisoformat(first["time"]).utcoffset().total_seconds() == 0
    assert first["time"].endswith("+00:00")
    assert (second["level"], second["message"], second["request_id"]) == ("ERROR", "capture failed", "req-42")
    assert (
        second["exception"].startswith("Traceback") and "ValueError: no stock\nat all" in second["exception"]
    )
    assert third["request_id"] == "" and "exception" not in third


def test_the_text_format_shows_the_request_id():
    config = logging_config(level="INFO", fmt="text")
    logger, stream = _logger(logging.Formatter(config["formatters"]["galerie"]["format"]))
    with request_id_bound("req-7"):
        logger.warning("slow page")
    assert stream.getvalue().rstrip().endswith(f"WARNING {logger.name} [req-7] slow page")


def test_an_unknown_format_is_refused_by_name():
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or text, not 'xml'"):
        logging_config(level="INFO", fmt="xml")
