"""A real TURN server for tests: coturn's `turnserver`, with the shared-secret scheme
that mindhaven.care.ice makes credentials for (`use-auth-secret`).

`unavailable_reason()` says when `turnserver` is missing (Debian package coturn).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from mindhaven.core.testing_server import stop_process

UNAVAILABLE = "no TURN server: install the Debian package coturn (turnserver)"


def unavailable_reason() -> str | None:
    return None if shutil.which("turnserver") else UNAVAILABLE


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class TurnServer:
    """coturn on `host`, UDP only, relaying on the same address; `secret` is its
    static-auth-secret. Started by `start()` (or `with`), stopped by `stop()`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.secret = secrets.token_urlsafe(24)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="mindhaven-turn-")
        self.log = Path(self._folder.name) / "turnserver.log"

    @property
    def url(self) -> str:
        return f"turn:{self.host}:{self.port}?transport=udp"

    def start(self, timeout: float = 15.0) -> TurnServer:
        self.port = _free_udp_port(self.host)
        relay_low = 40000 + (os.getpid() % 200) * 50  # runs in parallel relay apart
        command = [
            "turnserver",
            "-n",  # no configuration file: everything is here
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--no-tcp",
            f"--listening-ip={self.host}",
            f"--relay-ip={self.host}",
            f"--listening-port={self.port}",
            f"--min-port={relay_low}",
            f"--max-port={relay_low + 49}",
            "--use-auth-secret",
            f"--static-auth-secret={self.secret}",
            "--realm=mindhaven.test",
            "--allow-loopback-peers",
            "--no-multicast-peers",
            f"--pidfile={self._folder.name}/turnserver.pid",
            f"--log-file={self.log}",
            "--simple-log",
            "--verbose",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"turnserver exited with {self.process.returncode}:\n{self.output()}"
                )
            if "listener opened on" in self.output():
                return self
            time.sleep(0.1)  # waiting on another process's start-up; nothing to wait on
        self.stop()
        raise RuntimeError(f"turnserver did not open its listener in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def __enter__(self) -> TurnServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._folder.cleanup()
