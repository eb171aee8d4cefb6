"""Per-partner rate limits (moving window, in memory) with the `limits` library."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """Counts requests per key over a moving window; ``hit`` says whether one more is allowed."""

    def __init__(self, rate: str):
        self.item = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, key: str) -> bool:
        """Count one request for ``key``; False when the key is over its limit."""
        return self._limiter.hit(self.item, key)

    def retry_after_s(self, key: str) -> int:
        """Seconds until ``key`` may make another request (at least 1)."""
        reset = self._limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset - time.time()))
