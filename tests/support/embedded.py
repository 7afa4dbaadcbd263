"""The embedded default as `make run` serves it: a real gunicorn (reading ./gunicorn.conf.py)
on SQLite, without Redis or MongoDB, in a throwaway instance folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def embedded_env(instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh clone: no database, Redis, MongoDB or SMTP settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DB_", "REDIS_", "MONGO_", "DATABASE_", "TEST_", "SMTP_", "WEB_CONCURRENCY", "THREADS"))
    }
    env.update(FLASK_APP="wsgi.py", ENV="development", INSTANCE_PATH=str(instance), FLASK_SKIP_DOTENV="1")
    env.pop("UPLOAD_PATH", None)
    env.pop("OUTBOX_PATH", None)
    env.update(extra)
    return env


def run_flask(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Gunicorn:
    """`gunicorn wsgi:app` with the repository's gunicorn.conf.py; stdout and stderr to files."""

    def __init__(self, env: dict[str, str], logs: Path, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = logs / "stdout.log", logs / "stderr.log"
        self._out: IO = self.stdout_path.open("a")
        self._err: IO = self.stderr_path.open("a")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", *args, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=self._err,
        )
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.stderr_path.read_text())
            try:
                if get(f"{self.base}/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.stderr_path.read_text())

    def stop(self) -> int:
        """SIGTERM (a graceful stop, as Ctrl-C or `docker stop` sends) and wait for the exit."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)
        self._out.close()
        self._err.close()
        return self.process.returncode
