"""The embedded store's pending log: documents the event buffer has written but not yet put
into the mongomock database, kept as BSON bytes until a reader asks for them.

mongomock's insert costs 50-150 us per document (an analytics document: two events and a
device): it encodes the document to BSON to check it, walks it checking keys, walks it again
converting each datetime to naive UTC at millisecond precision, and copies it. And once stored,
each document is a dozen Python containers that every full garbage collection walks again: with
50,000 documents stored, collections cost more than the inserts. On a server without MongoDB all
that ran on the thread that shares the GIL with the requests, and was most of what recording a
page view cost.

Here a batch's documents are encoded by the BSON C encoder (a few microseconds each; it refuses
what MongoDB would, so a bad document fails its batch as insert_many would) and kept as bytes,
which the garbage collector never looks at. `materialise` decodes them (naive UTC datetimes at
millisecond precision: exactly what mongomock stores) and puts them into the collections' stores,
when a reader asks (`store.get_events_mongo`), before the writer reads what it wrote (a purchase
recorded twice, a click on an earlier search) and before the hourly expiry. The cap counts them
without decoding and the file save encodes them as they are (persistence.py). All of it runs
under the event buffer's write lock.

Putting documents into mongomock's store directly uses mongomock-ng's `Collection._store`
(pinned in requirements.txt; tests/analytics/test_pending.py checks that readers see what
insert_many would store); a collection with a unique index or a validator goes through
insert_many.
"""

from __future__ import annotations

from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo.database import Database

# What mongomock keeps: naive UTC datetimes, milliseconds.
_STORED: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)


class PendingLog:
    def __init__(self) -> None:
        self._documents: dict[str, list[bytes]] = {}

    def __len__(self) -> int:
        return sum(len(documents) for documents in self._documents.values())

    def count(self, collection: str) -> int:
        return len(self._documents.get(collection, ()))

    def add(self, collection: str, documents: list[dict[str, Any]]) -> None:
        """Keep `documents` (an `_id` is added to each, as insert_many does) for `collection`."""
        encoded = []
        for document in documents:
            document.setdefault("_id", bson.ObjectId())
            encoded.append(bson.encode(document))
        self._documents.setdefault(collection, []).extend(encoded)

    def documents(self, collection: str) -> list[dict[str, Any]]:
        """The pending documents of `collection`, decoded (for the file save), oldest first."""
        return [bson.decode(data, codec_options=_STORED) for data in self._documents.get(collection, ())]

    def collections(self) -> list[str]:
        return [name for name, documents in self._documents.items() if documents]

    def drop_oldest(self, collection: str, count: int) -> int:
        """Forget the `count` oldest pending documents of `collection` (the cap); how many went."""
        documents = self._documents.get(collection, [])
        dropped = min(count, len(documents))
        del documents[:dropped]
        return dropped

    def clear(self) -> None:
        self._documents.clear()

    def materialise(self, mongo: Database) -> int:
        """Put every pending document into its collection; returns how many."""
        moved = 0
        while self._documents:
            name, encoded = self._documents.popitem()
            if encoded:
                put_stored(mongo[name], [bson.decode(data, codec_options=_STORED) for data in encoded])
                moved += len(encoded)
        return moved


def put_stored(collection: Any, documents: list[dict[str, Any]]) -> None:
    """Put `documents`, already in mongomock's stored form, into `collection`."""
    store = _direct_store(collection)
    if store is None:
        collection.insert_many(documents, ordered=False, bypass_document_validation=True)
        return
    for document in documents:
        store[document["_id"]] = document


def _direct_store(collection: Any) -> Any | None:
    import mongomock_ng

    if not isinstance(collection, mongomock_ng.Collection):
        return None
    store: Any = collection._store
    if store.options.get("validator") or any(index.get("unique") for index in store.indexes.values()):
        return None
    return store
