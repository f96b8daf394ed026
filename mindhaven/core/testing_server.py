"""Run the real ASGI app under uvicorn in a child process, for browser and multi-process tests.

The parent binds the listening socket itself and hands it to uvicorn (``--fd``), so there
is no race for a free port, and waits until ``/healthz`` answers before returning.
Test databases are passed to the child as DATABASE_URL built from the parent's live
connection settings, so the child reads and writes exactly what the test sees.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

HOST = "127.0.0.1"
ASGI_APP = "mindhaven.config.asgi:application"
REPO_DIR = Path(__file__).resolve().parents[2]


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL for the database a Django connection actually uses (e.g. the test DB)."""
    engine = str(settings_dict["ENGINE"])
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("a server in another process cannot share an in-memory SQLite DB")
        return f"sqlite:///{Path(name).resolve()}"
    if engine.startswith("django.db.backends.postgresql"):
        user = quote(str(settings_dict.get("USER") or ""), safe="")
        password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no DATABASE_URL mapping for engine {engine}")


def child_environment(settings_dict: Mapping[str, Any], **extra: str) -> dict[str, str]:
    """The environment of a test server: the parent's, pointed at the test database."""
    from django.conf import settings

    env = dict(os.environ)
    # Only the pytest process needs this (Playwright's sync API runs an event loop).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        {
            "MINDHAVEN_ENV": "test",
            "DATABASE_URL": database_url(settings_dict),
            "MINDHAVEN_DATA_DIR": str(settings.DATA_DIR),
            "DJANGO_SETTINGS_MODULE": "mindhaven.config.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a child process (killed when it does not stop within 10 s)."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class ServerProcess:
    """One uvicorn child process serving the ASGI app on <host>:<port> (127.0.0.1 unless
    told otherwise: a test with a second machine listens on the address it reaches)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        host: str = HOST,
        asgi_app: str = ASGI_APP,
        startup_timeout: float = 30.0,
    ) -> None:
        self.env = dict(env)
        self.host = host
        self.asgi_app = asgi_app
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, port: int = 0) -> ServerProcess:
        """Start on `port`, or on a free port when it is 0."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(128)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.asgi_app,
            "--fd",
            str(sock.fileno()),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        try:
            self.process = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
                command,
                cwd=REPO_DIR,
                env=self.env,
                pass_fds=(sock.fileno(),),
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
        finally:
            sock.close()  # the child holds its own copy
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"test server exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                last_error = f"HTTP {error.code}: {error.read()[:500]!r}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last_error = repr(error)
            time.sleep(0.05)  # polling a port that is not open yet; nothing to wait on
        self.stop()
        raise RuntimeError(
            f"test server at {self.url} not healthy after {self.startup_timeout} s "
            f"({last_error}):\n{self.output()}"
        )

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def restart(self) -> ServerProcess:
        """Stop this server and start a fresh process on the same port (the same origin
        for a browser, so its service worker and IndexedDB carry over)."""
        port = self.port
        self.stop()
        return self.start(port)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()


def start_test_server(settings_dict: Mapping[str, Any], **extra_env: str) -> ServerProcess:
    """Start uvicorn against the database described by `settings_dict`; the caller stops it."""
    return ServerProcess(child_environment(settings_dict, **extra_env)).start()


def get_json(url: str, timeout: float = 5.0) -> tuple[int, Any]:
    """GET a JSON document; returns (status, parsed body) for 2xx and error statuses alike."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
