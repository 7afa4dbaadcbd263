"""Analytics fixtures: a clean analytics database and a way to write what the buffer holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from pymongo.database import Database

from shop.analytics.buffer import EventBuffer
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, UserFactory


@dataclass
class Analytics:
    app: Flask

    @property
    def buffer(self) -> EventBuffer:
        return self.app.extensions["analytics_buffer"]

    @property
    def mongo(self) -> Database:
        return self.app.extensions["mongo"]

    def flush(self) -> Database:
        """Write what is waiting, pending documents included; returns the database to read."""
        self.buffer.settle()
        return self.mongo

    def user_docs(self) -> list[dict]:
        return list(self.flush()["user_analytics"].find())

    def one_session(self) -> tuple[dict, list[dict]]:
        """The only session's first document and all its events in order. The buffer's thread
        writes every ANALYTICS_FLUSH_SECONDS, and on the embedded store each batch starts a new
        document of the session (shop.analytics.writer), so requests that straddle a write
        leave the session in two documents."""
        docs = sorted(self.user_docs(), key=lambda doc: doc["created_at"])
        assert docs, "no user_analytics document"
        assert len({(doc["user_id"], doc["session_id"]) for doc in docs}) == 1, docs
        return docs[0], [event for doc in docs for event in doc["events"]]

    def events(self, event_type: str | None = None) -> list[dict]:
        found = [event for doc in self.user_docs() for event in doc["events"]]
        return [e for e in found if event_type is None or e["event_type"] == event_type]

    def searches(self) -> list[dict]:
        return list(self.flush()["search_analytics"].find())


@pytest.fixture
def analytics(app: Flask, db) -> Iterator[Analytics]:
    """Records earlier tests left in the buffer are written and thrown away first."""
    helper = Analytics(app)
    helper.buffer.flush()
    helper.buffer.forget_pending()
    helper.mongo.client.drop_database(helper.mongo.name)
    yield helper


@pytest.fixture
def shopper(client, db):
    user = UserFactory(email="shopper@example.com")
    return user, bearer(login(client, "shopper@example.com", PASSWORD)["access_token"])


@pytest.fixture
def staff_headers(client, db):
    AdminFactory(email="boss@example.com")
    return bearer(login(client, "boss@example.com", PASSWORD, path="/api/v1/admin/login")["access_token"])
