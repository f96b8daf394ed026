"""What the benchmarks share: a throwaway deployment's environment, its management
commands, and the system Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def deployment_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any Mindhaven or database settings, plus a
    production-like development deployment in `data_dir` (and `extra`)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith("MINDHAVEN_")
    }
    env.update(
        {
            "MINDHAVEN_ENV": "development",
            "MINDHAVEN_DEBUG": "false",
            "MINDHAVEN_DATA_DIR": str(data_dir),
            "MINDHAVEN_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "mindhaven.config.settings",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run `mindhaven <args>` in that deployment; its output, or exit with it on failure."""
    command = [sys.executable, "-m", "mindhaven", *args]
    result = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`mindhaven {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        raise SystemExit("no Chromium: install the Debian package chromium or set CHROMIUM_PATH")
    return path
