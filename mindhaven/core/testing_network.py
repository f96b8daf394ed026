"""A second machine for tests: a network namespace joined to this one by a veth pair.

What runs inside (a browser, through `wrap()`) has its own network: its only way out is
the veth link to this host, whose end here has the address `gateway`. The link can be
taken down and brought back, and the far end given a new address, as when a phone
moves from Wi-Fi to mobile data: connections made before go nowhere.

Needs iproute2 and the right to make namespaces (root, or CAP_NET_ADMIN):
`unavailable_reason()` says what is missing. Names carry the process id, so runs in
parallel on one machine do not meet.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

UNAVAILABLE_HINT = "run as root (or with CAP_NET_ADMIN) on Linux with iproute2"


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own argv, no shell)
        ["ip", *args],  # noqa: S607 (iproute2 from PATH, as an administrator would)
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def unavailable_reason() -> str | None:
    """None when a namespace can be made here, else why not."""
    if shutil.which("ip") is None:
        return f"no `ip` command: {UNAVAILABLE_HINT}"
    probe = f"mhprobe{os.getpid()}"
    made = _ip("netns", "add", probe)
    if made.returncode != 0:
        return f"cannot make a network namespace ({made.stderr.strip()}): {UNAVAILABLE_HINT}"
    _ip("netns", "del", probe)
    return None


def _free_prefix(first: int) -> str:
    """The first 10.231.N (N from `first`, wrapping) that no interface here uses yet."""
    listing = _ip("-o", "-4", "addr", "show").stdout
    for step in range(200):
        prefix = f"10.231.{16 + (first - 16 + step) % 200}"
        if f" {prefix}." not in listing:
            return prefix
    raise RuntimeError("no free 10.231.N.0/24 for a test network")


class Host:
    """A namespace `name` at `address` (a /24 shared with `gateway`, this side)."""

    def __init__(self) -> None:
        tag = os.getpid() % 100000
        self.name = f"mh{tag}"
        self.outside = f"mho{tag}"  # interface names have at most 15 characters
        self.inside = f"mhi{tag}"
        self.prefix = _free_prefix(16 + tag % 200)
        self.gateway = f"{self.prefix}.1"
        self.address = f"{self.prefix}.2"
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def _run(self, *args: str) -> None:
        done = _ip(*args)
        if done.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")

    def start(self) -> Host:
        self.stop()  # what a killed earlier run of this process id may have left
        self._run("netns", "add", self.name)
        self._run("link", "add", self.outside, "type", "veth", "peer", "name", self.inside)
        self._run("link", "set", self.inside, "netns", self.name)
        self._run("addr", "add", f"{self.gateway}/24", "dev", self.outside)
        self._run("link", "set", self.outside, "up")
        self._run("-n", self.name, "link", "set", "lo", "up")
        self._run("-n", self.name, "addr", "add", f"{self.address}/24", "dev", self.inside)
        self._run("-n", self.name, "link", "set", self.inside, "up")
        return self

    def stop(self) -> None:
        _ip("netns", "del", self.name)  # takes the inside end, and so the pair, with it
        _ip("link", "del", self.outside)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def set_link(self, *, up: bool) -> None:
        """Take the far end's link down (nothing passes either way) or bring it back."""
        self._run("-n", self.name, "link", "set", self.inside, "up" if up else "down")

    def move_to(self, address: str) -> None:
        """Give the far end a new address on the same link (the old one goes)."""
        self._run("-n", self.name, "addr", "del", f"{self.address}/24", "dev", self.inside)
        self._run("-n", self.name, "addr", "add", f"{address}/24", "dev", self.inside)
        self.address = address

    def wrap(self, executable: str) -> str:
        """A script that runs `executable` (with its arguments) inside the namespace."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="mindhaven-netns-")
        script = Path(self._folder.name) / f"in-{self.name}-{Path(executable).name}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {executable} "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return str(script)

    def __enter__(self) -> Host:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
