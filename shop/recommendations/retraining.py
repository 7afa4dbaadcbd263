"""Staff's "Retrain now" (the analytics page): train the recommendations on demand, audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from shop.audit.actors import Actor
from shop.extensions import db
from shop.jobs import enqueue, get_queue
from shop.recommendations.jobs import train_recommendations


@dataclass(frozen=True)
class Retraining:
    queued: bool  # True: an RQ worker trains; False: trained here, `result` says what
    result: dict | None = None


def retrain_now(actor: Actor) -> Retraining:
    """Train now: as an RQ job when there are Redis and MongoDB; in this process otherwise.

    Without MONGO_URI the analytics store is this server process's own (an in-process mongomock
    database): a worker would train into a store nobody reads, so the training runs here, in the
    request (a few seconds on the demo shop)."""
    queued = bool(current_app.config.get("MONGO_URI")) and get_queue() is not None
    actor.record("recommendations.retrain", "recommendations", None, after={"queued": queued})
    if queued:
        enqueue(train_recommendations)  # after the audit entry commits
        db.session.commit()
        return Retraining(queued=True)
    db.session.commit()
    return Retraining(queued=False, result=train_recommendations())
