"""The embedded analytics store on disk: with no `MONGO_URI` the analytics database is an
in-process mongomock one, which the server saves to `ANALYTICS_FILE` (instance/analytics.json)
every `ANALYTICS_SAVE_SECONDS` when something may have changed (events written or trimmed, or any
code asked for the database: `store.Uses`) and on the way out, and loads at start, so a restart
loses no events. Saving rewrites the whole file (mongomock copies every document it is asked for:
about a second of CPU per 5,000 documents), so an idle server must not save. The event buffer's
pending documents (shop.analytics.pending) are saved too, decoded from the log, not moved into the
database.

One process owns the file at a time (an exclusive lock on `<file>.lock`): the server's single
worker (gunicorn.conf.py), or a `flask` command while no server runs. Another process that starts
meanwhile gets no lock and neither loads nor saves, so two stores never overwrite each other.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import IO, Any

from bson import json_util
from flask import Flask

from shop.analytics.pending import PendingLog

log = logging.getLogger("shop.analytics")
_JSON_OUT = json_util.CANONICAL_JSON_OPTIONS  # keeps dates, int64, decimals and ObjectIds exact
_JSON_IN = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True, tzinfo=UTC)


class StoreOwned(RuntimeError):
    """Another process (the running server) owns the embedded analytics store."""


class FileStore:
    """The app's mongomock database, tied to its file while this process holds the lock."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.path = Path(app.config["ANALYTICS_FILE"])
        self._lock_file: IO | None = None
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self.saved_events: int | None = None
        self._saved_version: tuple[int, int, int] | None = None

    @property
    def owned(self) -> bool:
        return self._lock_file is not None

    def acquire(self) -> None:
        """Take the file's lock (raise StoreOwned when another process holds it) and load it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path.with_name(self.path.name + ".lock"), "a+")  # noqa: SIM115 (held open: the lock)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise StoreOwned(f"{self.path} is in use by process {owner}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle
        self.load()
        self._saved_version = self._version()  # the file holds what was loaded

    def release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the lock
            self._lock_file = None

    def load(self) -> int:
        """Put the saved collections into the (empty) database; returns how many documents."""
        if not self.path.exists():
            return 0
        data = json_util.loads(self.path.read_text(encoding="utf-8"), json_options=_JSON_IN)
        mongo = self.app.extensions["mongo"]
        count = 0
        for name, documents in data.get("collections", {}).items():
            if documents:
                mongo[name].insert_many(documents)
                count += len(documents)
        log.info("analytics store loaded", extra={"fields": {"file": str(self.path), "documents": count}})
        return count

    def _version(self) -> tuple[int, int, int]:
        buffer = self.app.extensions["analytics_buffer"]
        return buffer.ingested, buffer.trimmed, self.app.extensions["mongo_uses"].count

    def save(self, *, only_changed: bool = False) -> int | None:
        """Write what is waiting in the event buffer, then every collection, to the file (whole,
        then renamed: a crash mid-write leaves the previous file). Returns how many documents;
        None when `only_changed` and nothing may have changed since the last save."""
        if not self.owned:
            return 0
        with self._save_lock:
            buffer = self.app.extensions["analytics_buffer"]
            buffer.flush()
            version = self._version()  # before the copy: a write during it makes the next save happen
            if only_changed and version == self._saved_version:
                return None
            collections = self._snapshot(buffer)
            text = json_util.dumps({"version": 1, "collections": collections}, json_options=_JSON_OUT)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".part")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            self._saved_version = version
        return sum(len(documents) for documents in collections.values())

    def _snapshot(self, buffer: Any) -> dict[str, list[dict]]:
        mongo = self.app.extensions["mongo"]
        for attempt in range(5):
            try:
                with buffer.write_lock:  # no event batch lands half-way through the copy
                    return self._collections(mongo, buffer.pending)
            except RuntimeError:  # another thread (training) changed a collection while it was read
                if attempt == 4:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    @staticmethod
    def _collections(mongo: Any, pending: PendingLog | None) -> dict[str, list[dict]]:
        """Every collection's documents; the event buffer's pending ones are decoded from the
        log as they are, not moved into the database (which would make them Python objects that
        every garbage collection walks)."""
        names = set(mongo.list_collection_names()) | set(pending.collections() if pending is not None else ())
        collections = {}
        for name in sorted(names):
            documents = list(mongo[name].find({}))
            if pending is not None:
                documents += pending.documents(name)
            collections[name] = documents
        return collections

    def save_quietly(self, *, only_changed: bool = False) -> None:
        try:
            count = self.save(only_changed=only_changed)
        except Exception:
            log.exception("analytics store not saved")
            return
        if self.owned and count is not None:
            log.info("analytics store saved", extra={"fields": {"file": str(self.path), "documents": count}})

    def start_saving(self, interval: float) -> None:
        """Save every `interval` seconds when something may have changed, in a daemon thread, and
        once more at exit."""

        def run() -> None:
            while not self._stop.wait(interval):
                self.save_quietly(only_changed=True)

        threading.Thread(target=run, name="analytics-save", daemon=True).start()
        atexit.register(self.close)

    def close(self) -> None:
        """Save and let go of the file (gunicorn's worker_exit, atexit; twice is harmless)."""
        self._stop.set()
        if self.owned:
            self.save_quietly()
            self.release()


def file_store(app: Flask) -> FileStore | None:
    """The app's FileStore, when it has one (the embedded default in a server or command)."""
    return app.extensions.get("analytics_file")


def open_file_store(app: Flask) -> FileStore | None:
    """Tie the embedded analytics store to its file for this process; None with MONGO_URI.
    Raises StoreOwned when another process holds it. An empty ANALYTICS_FILE keeps none (tests)."""
    if app.config.get("MONGO_URI") or not app.config.get("ANALYTICS_FILE"):
        return None
    store = FileStore(app)
    store.acquire()
    app.extensions["analytics_file"] = store
    return store


@contextlib.contextmanager
def command_store(app: Flask) -> Iterator[FileStore | None]:
    """For a `flask` command that reads or writes analytics. On the embedded default: the saved
    store, loaded now and saved when the command ends; StoreOwned while a server holds it (the
    command would otherwise work on a copy that the server overwrites)."""
    if app.config.get("MONGO_URI") or not app.config.get("ANALYTICS_FILE"):
        yield None
        return
    existing = file_store(app)
    if existing is not None:
        yield existing
        return
    store = open_file_store(app)
    try:
        yield store
    finally:
        if store is not None:
            store.close()
            app.extensions.pop("analytics_file", None)
