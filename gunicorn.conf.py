"""gunicorn's settings for `make serve`, the Dockerfile and docker-compose (gunicorn reads
./gunicorn.conf.py by itself; `gunicorn -c gunicorn.conf.py wsgi:app` says so).

- Workers: with MongoDB (MONGO_URI) WEB_CONCURRENCY workers (2 by default). Without it (the
  embedded default) ONE worker with threads: the analytics store is then an in-process mongomock
  database, and two workers would keep two stores (shop/analytics/persistence.py saves it).
- Logs: gunicorn's own lines (worker boots and timeouts, refused requests) and its access lines
  are JSON lines from the shop's formatter, like the app's.
"""

from __future__ import annotations

import logging
import os

from shop.config import Config
from shop.infra.request_log import JsonFormatter

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or (2 if Config.MONGO_URI else 1))
threads = int(os.environ.get("THREADS") or (4 if Config.MONGO_URI else 8))
# The embedded default's one worker also runs the scheduled jobs and saves the analytics store
# on the way out: give it time to.
graceful_timeout = 30
# A shopper's phone pauses a second or two between pages; gunicorn's default (2 s) closed the
# connection just as the next request came and the client saw "connection reset"
# (benchmarks/load.py counted 42 in 4,700 requests). gthread keeps idle connections in its poller,
# not in a thread, so a longer keep-alive costs no worker.
keepalive = 10


class GunicornJsonFormatter(JsonFormatter):
    """The shop's JSON lines; an access line carries its parts as fields, not as one string."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            status = str(atoms.get("s") or "")
            record.fields = {
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "query": atoms.get("q") or None,
                "status": int(status) if status.isdigit() else status,
                "bytes": atoms.get("B"),
                "duration_ms": atoms.get("M"),
                "ip": atoms.get("h"),
                "user_agent": atoms.get("a"),
                "request_id": atoms.get("{x-request-id}o") if atoms.get("{x-request-id}o") != "-" else None,
            }
            record.msg, record.args = "access", None
        return super().format(record)


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": GunicornJsonFormatter}},
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
    "root": {"level": "WARNING", "handlers": ["error"]},
}


def post_worker_init(worker) -> None:
    """What a server does for itself (shop/embedded.py): the embedded analytics file, the
    scheduled jobs that run in the server, the first training. Not in wsgi.py: `flask` loads it."""
    from shop.embedded import start_server_services

    start_server_services(worker.wsgi)


def worker_exit(server, worker) -> None:
    """Save the embedded analytics store and stop the scheduler as the worker leaves."""
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        from shop.embedded import stop_server_services

        stop_server_services(app)
