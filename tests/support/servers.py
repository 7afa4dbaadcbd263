"""Find (or start) the PostgreSQL and Redis servers the tests use.

Order: TEST_DATABASE_URL / TEST_REDIS_URL; then the servers on 127.0.0.1; then throwaway
servers started from the installed binaries (initdb/pg_ctl as the postgres user, redis-server).
We only ever create and drop our own database (`skincare_test`) and flush our own Redis db.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import psycopg
import redis

TEST_DB_NAME = "skincare_test"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
# Test runs on one machine at the same time each claim a slot: Redis db 15, 14, ... and the
# database skincare_test, skincare_test_14, ... The claim is a key in Redis db 0.
SLOTS = range(15, 7, -1)
SLOT_KEY = "skincare:test-slot:{}"


@dataclass
class Servers:
    admin_dsn: str  # a libpq DSN to a maintenance database, for CREATE/DROP DATABASE
    redis_url: str
    cleanups: list = field(default_factory=list)
    db_name: str = TEST_DB_NAME

    def database_dsn(self, name: str) -> str:
        return self.admin_dsn.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_reachable(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _start_throwaway_postgres(servers: Servers) -> str:
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    initdb = shutil.which("initdb") or (bindirs and os.path.join(bindirs[-1], "initdb"))
    if not initdb or not os.path.exists(initdb):
        raise RuntimeError(
            "No PostgreSQL reachable (TEST_DATABASE_URL or 127.0.0.1:5432) and no initdb to start one. "
            "Install postgresql or set TEST_DATABASE_URL."
        )
    bindir = os.path.dirname(initdb)
    datadir = tempfile.mkdtemp(prefix="skincare-pg-")
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(datadir, "postgres")
    subprocess.run(
        [*as_postgres, initdb, "-D", datadir, "-A", "trust", "-U", "postgres"], check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [
            *as_postgres,
            os.path.join(bindir, "pg_ctl"),
            "-D",
            datadir,
            "-w",
            "-l",
            os.path.join(datadir, "log"),
            "-o",
            f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    servers.cleanups.append(
        lambda: (
            subprocess.run(
                [*as_postgres, os.path.join(bindir, "pg_ctl"), "-D", datadir, "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
            ),
            shutil.rmtree(datadir, ignore_errors=True),
        )
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _start_throwaway_redis(servers: Servers) -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError(
            "No Redis reachable (TEST_REDIS_URL or 127.0.0.1:6379) and no redis-server to start one. "
            "Install redis-server or set TEST_REDIS_URL."
        )
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    servers.cleanups.append(lambda: (process.terminate(), process.wait(10)))
    url = f"redis://127.0.0.1:{port}/15"
    for _ in range(50):
        if _redis_reachable(url):
            return url
        time.sleep(0.1)
    raise RuntimeError("the throwaway redis-server did not start")


def find_servers() -> Servers:
    """The servers for this test run, starting throwaway ones when none is reachable."""
    servers = Servers(admin_dsn="", redis_url="")
    given_db = os.environ.get("TEST_DATABASE_URL")
    if given_db:
        dsn = given_db.replace("postgresql+psycopg://", "postgresql://")
        # Connect to the maintenance database of that server; we create our own database on it.
        servers.admin_dsn = dsn.rsplit("/", 1)[0] + "/postgres"
    elif _pg_reachable(DEFAULT_PG):
        servers.admin_dsn = DEFAULT_PG
    else:
        servers.admin_dsn = _start_throwaway_postgres(servers)
    given_redis = os.environ.get("TEST_REDIS_URL")
    if given_redis:
        servers.redis_url = given_redis
    elif _redis_reachable(DEFAULT_REDIS):
        slot = _claim_slot(servers)
        servers.redis_url = DEFAULT_REDIS.rsplit("/", 1)[0] + f"/{slot}"
        if slot != SLOTS[0]:
            servers.db_name = f"{TEST_DB_NAME}_{slot}"
    else:
        servers.redis_url = _start_throwaway_redis(servers)
    return servers


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim_slot(servers: Servers) -> int:
    """A Redis db (and matching database name) no other live test run on this machine uses."""
    admin = redis.Redis.from_url(DEFAULT_REDIS.rsplit("/", 1)[0] + "/0")
    me = str(os.getpid())
    for slot in SLOTS:
        key = SLOT_KEY.format(slot)
        owner = admin.get(key)
        if owner is not None and _pid_alive(int(owner)):
            continue
        if owner is not None:
            admin.delete(key)
        if admin.set(key, me, nx=True, ex=6 * 3600):
            servers.cleanups.append(lambda k=key: admin.delete(k) if admin.get(k) == me.encode() else None)
            return slot
    raise RuntimeError("every test slot (Redis dbs 8-15) is taken by a live test run")


def recreate_database(servers: Servers, name: str) -> str:
    """Drop (if we made it before) and create our test database; returns its SQLAlchemy URL."""
    with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return servers.database_dsn(name).replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(servers: Servers, name: str) -> None:
    """Drop a test database this run created."""
    with psycopg.connect(servers.admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
