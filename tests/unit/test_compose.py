"""docker-compose.yml describes the full stack and the compose tool accepts it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> list[str]:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("neither `docker compose` nor `docker-compose` is installed (make test installs docker-compose)")


def test_compose_config_is_valid_and_has_the_whole_stack():
    result = subprocess.run([*_compose(), "config", "--services"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"web", "worker", "postgres", "redis", "mongo"}
