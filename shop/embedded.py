"""What a server process does for itself (gunicorn.conf.py's post_worker_init, so gunicorn's
worker; not `flask` commands, which load wsgi.py too):

- without MONGO_URI (the embedded default): ties the in-process analytics store to its file
  (shop/analytics/persistence.py: loaded now, saved every ANALYTICS_SAVE_SECONDS and at exit),
  and trains the recommendations once in the background when none were ever trained (after
  `flask seed`), so "similar products" work from the first start;
- runs the scheduled jobs this process is the place for (shop.scheduling.for_server): all of
  them without Redis, the analytics ones without MONGO_URI. One process at a time holds
  instance/scheduler.lock and runs them, whatever the number of workers.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from shop.analytics.persistence import StoreOwned, file_store, open_file_store
from shop.scheduling import ServerScheduler, for_server, run_in_background, try_lock

log = logging.getLogger("shop")


def start_server_services(app: Flask) -> None:
    store = None
    if not app.config.get("MONGO_URI"):
        try:
            store = open_file_store(app)
        except StoreOwned as owned:
            log.warning(
                "analytics store not saved by this process",
                extra={"fields": {"reason": str(owned), "fix": "serve with one worker (gunicorn.conf.py)"}},
            )
        if store is not None:
            store.start_saving(float(app.config["ANALYTICS_SAVE_SECONDS"]))
    entries = for_server(app.config)
    uses_local_store = any(e.uses_analytics for e in entries) and not app.config.get("MONGO_URI")
    if entries and not (uses_local_store and store is None):
        lock = try_lock(Path(app.instance_path) / "scheduler.lock")
        if lock is not None:
            scheduler = ServerScheduler(app, entries)
            app.extensions["server_scheduler"] = (scheduler, lock)
            scheduler.start()
    if store is not None:
        from shop.recommendations.jobs import train_if_untrained

        run_in_background(app, train_if_untrained, "first-training")


def stop_server_services(app: Flask) -> None:
    """Stop the scheduler and save the analytics store (gunicorn's worker_exit; atexit too)."""
    running = app.extensions.pop("server_scheduler", None)
    if running is not None:
        scheduler, lock = running
        scheduler.stop()
        lock.close()
    store = file_store(app)
    if store is not None:
        store.close()
