"""Fixtures of the database tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from shop.extensions import db as shop_db
from tests.support.servers import drop_database, recreate_database


@pytest.fixture
def on_new_postgresql(servers, make_app) -> Callable[[str], AbstractContextManager[str]]:
    """`with on_new_postgresql("migration_0019") as url:` runs the block in the app context of a
    new, empty PostgreSQL database of its own (a migration test builds its old schema there),
    and drops it afterwards."""

    @contextmanager
    def database(suffix: str) -> Iterator[str]:
        name = f"{servers.db_name}_{suffix}"
        url = recreate_database(servers, name)
        try:
            with make_app(SQLALCHEMY_DATABASE_URI=url).app_context():
                try:
                    yield url
                finally:
                    shop_db.engine.dispose()
        finally:
            drop_database(servers, name)

    return database
