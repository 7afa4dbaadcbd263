"""Prometheus metrics of the analytics and ML service, served at GET /ml/metrics.

One registry for the ML door: other modules (the recommendations' model age, ...) add their own
Counter / Gauge / Histogram objects to `REGISTRY` and they are exposed with these.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_INGESTED = Counter(
    "analytics_events_ingested",
    "Analytics events written to MongoDB, by kind.",
    ["kind"],
    registry=REGISTRY,
)
EVENTS_DROPPED = Counter(
    "analytics_events_dropped",
    "Analytics events given up on, by reason (buffer_full, store_error).",
    ["reason"],
    registry=REGISTRY,
)
BUFFER_DEPTH = Gauge(
    "analytics_buffer_depth",
    "Analytics events waiting in this process's buffer.",
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "analytics_job_duration_seconds",
    "How long analytics jobs took, by job.",
    ["job"],
    registry=REGISTRY,
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
)
READS_FAILED = Counter(
    "analytics_store_reads_failed",
    "Page-time reads of MongoDB that failed or were skipped while it was unreachable, by reader.",
    ["reader"],
    registry=REGISTRY,
)
LAST_ROLLUP = Gauge(
    "analytics_last_rollup_timestamp_seconds",
    "When the last daily metrics rollup finished (Unix time).",
    registry=REGISTRY,
)


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
