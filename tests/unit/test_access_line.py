"""The access line of `antrian serve`: built from only what its format names, the same line
gunicorn's own logger writes."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.server.production import ACCESS_LOG_FORMAT, AccessLine


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def line_of(logger_class: type[Logger], resp: object, environ: dict[str, str]) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = logger_class(cfg)
    lines = Lines()
    logger.access_log.handlers = [lines]
    req = SimpleNamespace(headers=[("HOST", "127.0.0.1"), ("AUTHORIZATION", "Basic eDp5")])
    logger.access(resp, req, environ, timedelta(seconds=1, microseconds=234_567))
    assert len(lines.lines) == 1
    return lines.lines[0]


@pytest.mark.parametrize(
    ("status", "sent", "target"),
    [
        ("200 OK", 512, "/api/v1/ping"),
        ("204 NO CONTENT", 0, "/api/v1/counters/3/call-next?x=1"),
        ("400 BAD REQUEST", None, '/api/v1/tickets?q="quoted"'),
    ],
)
def test_the_line_is_gunicorns_own(status: str, sent: int | None, target: str) -> None:
    resp = SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "text/plain")])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": target,
        "PATH_INFO": target.split("?")[0],
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_AUTHORIZATION": "Basic eDp5",
    }
    ours = line_of(AccessLine, resp, environ)
    assert ours == line_of(Logger, resp, environ)
    assert ours.startswith('10.1.2.3 "POST ') and ours.endswith(" 1234ms")
    if '"' in target:
        assert '\\"quoted\\"' in ours  # a quote in the target cannot end the request field
