"""Flask CLI commands: `flask seed`, `flask seed --scale N`, `flask reindex-catalog`,
`flask metrics rollup [--date YYYY-MM-DD] [--now]`, `flask analytics indexes`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import click
from flask import Flask
from flask.cli import AppGroup


def register_commands(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option(
        "--scale",
        type=click.IntRange(min=1),
        default=None,
        help="Also generate this many products, with proportional users, orders and reviews.",
    )
    @click.option("--no-images", is_flag=True, help="Skip generating placeholder images.")
    def seed(scale: int | None, no_images: bool) -> None:
        """Load the demo shop (idempotent)."""
        from shop.demo.scale import seed_scale
        from shop.demo.seed import DEMO_PASSWORDS, seed_demo

        started = time.perf_counter()
        added = seed_demo(with_images=not no_images)
        click.echo("Demo data: " + ", ".join(f"{n} {kind}" for kind, n in added.items()) + " added.")
        if scale:
            begun = time.perf_counter()
            counts = seed_scale(scale, progress=click.echo)
            if counts["products"]:
                click.echo(
                    "Scale data: "
                    + ", ".join(f"{n} {kind}" for kind, n in counts.items())
                    + f" in {time.perf_counter() - begun:.1f} s."
                )
            else:
                click.echo("Scale data already present; run `make db-reset` to regenerate.")
        _refresh_catalog()
        click.echo(f"Done in {time.perf_counter() - started:.1f} s.")
        click.echo(f"Admin login:     admin@skincare.example / {DEMO_PASSWORDS['admin']}")
        click.echo(f"Moderator login: moderator@skincare.example / {DEMO_PASSWORDS['moderator']}")
        click.echo(f"Customers:       any @example.com demo customer / {DEMO_PASSWORDS['customer']}")
        config = app.config
        mail = f"SMTP {config['SMTP_HOST']}" if config.get("SMTP_HOST") else f"written to {config['OUTBOX_PATH']}/"
        click.echo(f"Emails:          {mail} (staff: /admin/outbox)")
        if not config.get("MONGO_URI"):
            click.echo(f"Analytics:       {config.get('ANALYTICS_FILE')} (kept by the server; one worker)")

    @app.cli.group("recommend")
    def recommend() -> None:
        """Recommendations: train the models and store every list."""

    @recommend.command("train")
    @click.option("--enqueue", is_flag=True, help="Queue the training as an RQ job instead of running it here.")
    def recommend_train(enqueue: bool) -> None:
        """Train on all interactions and store neighbours, popular/trending and users' lists."""
        from shop.jobs import enqueue as enqueue_job
        from shop.recommendations.jobs import train_recommendations

        if enqueue:
            if not app.config.get("MONGO_URI"):
                raise click.ClickException(
                    "Without MONGO_URI an RQ worker would train into its own in-process store, which "
                    "nobody reads: run `flask recommend train` without --enqueue (with the server "
                    "stopped), or use 'Retrain now' on /admin/analytics."
                )
            enqueue_job(train_recommendations)
            click.echo("Recommendation training queued.")
            return
        with _analytics_store():
            result = train_recommendations()
        click.echo(
            f"Recommendations: {result['products']} products, {result['interactions']} interactions, "
            f"{result['users']} users; trained in {result['training_seconds']} s, {result['seconds']} s in all."
        )

    @app.cli.command("reindex-catalog")
    def reindex_catalog() -> None:
        """Recount ratings and sales, rebuild stale search documents, empty the catalog caches."""
        _refresh_catalog()

    metrics_cli = AppGroup("metrics", help="Daily analytics metrics.")

    @metrics_cli.command("rollup")
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="UTC day (default yesterday).")
    @click.option("--now", is_flag=True, help="Compute in this process instead of enqueueing the RQ job.")
    def rollup(day, now: bool) -> None:
        """Compute performance_metrics for a day (cron runs it just after midnight UTC)."""
        from shop.analytics.jobs import rollup_day
        from shop.jobs import enqueue

        chosen = day.date() if day else datetime.now(UTC).date() - timedelta(days=1)
        with _analytics_store():
            if now:
                rollup_day(chosen.isoformat())
                click.echo(f"Metrics for {chosen} computed.")
            else:
                enqueue(rollup_day, chosen.isoformat())
                click.echo(f"Metrics rollup for {chosen} enqueued (run at once without Redis).")

    analytics_cli = AppGroup("analytics", help="Analytics events in MongoDB.")

    @analytics_cli.command("indexes")
    def indexes() -> None:
        """Create the analytics indexes, with the TTL of ANALYTICS_RAW_TTL_DAYS."""
        from shop.analytics.store import get_mongo
        from shop.analytics.writer import ensure_indexes

        with _analytics_store():
            # The embedded store gets no TTL index (it would scan every document on every write).
            embedded = app.extensions["analytics_buffer"].appending
            ensure_indexes(get_mongo(), app.config["ANALYTICS_RAW_TTL_DAYS"], ttl=not embedded)
        click.echo(f"Analytics indexes ready (raw events kept {app.config['ANALYTICS_RAW_TTL_DAYS']} days).")

    app.cli.add_command(metrics_cli)
    app.cli.add_command(analytics_cli)


@contextlib.contextmanager
def _analytics_store() -> Iterator[None]:
    """The analytics store a command works on: MongoDB, or on the embedded default the saved
    file (instance/analytics.json), refused while the server holds it."""
    from flask import current_app

    from shop.analytics.persistence import StoreOwned, command_store

    try:
        # current_app is typed as Flask, not as the proxy it is
        with command_store(current_app._get_current_object()) as store:  # type: ignore[attr-defined]
            if store is not None:
                click.echo(f"Analytics store: {store.path}")
            yield
    except StoreOwned as owned:
        raise click.ClickException(
            f"The shop's server is running and keeps the analytics store in its process ({owned}). "
            "Use 'Retrain now' on /admin/analytics, or stop the server and run this command again."
        ) from None


def _refresh_catalog() -> None:
    from shop.catalog.services import rebuild_catalog_indexes

    begun = time.perf_counter()
    counted, indexed = rebuild_catalog_indexes()
    click.echo(
        f"Catalog: {counted} products recounted, {indexed} indexed for search in {time.perf_counter() - begun:.1f} s."
    )
