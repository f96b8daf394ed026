"""Per-connection rate limits for websocket consumers (in memory, one socket each).

`TokenBucket` holds up to `burst` tokens and refills `rate_per_second` of them each
second; each message takes one. `FloodLimit` adds the flood rule the consumers share:
a message over the limit is dropped, and a client that has `flood_factor` x `burst`
messages dropped within one window (the time the bucket takes to refill from empty)
is flooding and should be disconnected.

Both take an injectable `clock` (seconds, monotonic), so tests can use a fake one.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    def __init__(self, rate_per_second: float, burst: int, clock: Clock = time.monotonic) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate_per_second)
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self) -> bool:
        """Take one token: True when there was one, False when the caller is over the limit."""
        now = self.clock()
        # A clock that goes backwards (it should not) refills nothing.
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now
        # (A hair of slack for float rounding: 0.05 s at 20/s is one whole token.)
        if self.tokens >= 1.0 - 1e-9:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False


class Verdict(enum.Enum):
    ALLOW = "allow"
    DROP = "drop"
    CLOSE = "close"


class FloodLimit:
    """A token bucket plus the count of messages it recently dropped."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        clock: Clock = time.monotonic,
        flood_factor: int = 3,
    ) -> None:
        self.bucket = TokenBucket(rate_per_second, burst, clock)
        self.clock = clock
        self.window = burst / rate_per_second
        self.flood_after = flood_factor * burst
        self.dropped: deque[float] = deque()

    def check(self) -> Verdict:
        """ALLOW (a token was taken), DROP (over the limit) or CLOSE (flooding)."""
        if self.bucket.take():
            return Verdict.ALLOW
        now = self.clock()
        self.dropped.append(now)
        while self.dropped and self.dropped[0] <= now - self.window:
            self.dropped.popleft()
        if len(self.dropped) >= self.flood_after:
            return Verdict.CLOSE
        return Verdict.DROP
