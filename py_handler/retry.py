"""Retry policy shared by the batch writer and the direct client: backoff with full jitter, the
invocation's deadline, and botocore's retry quota (standard mode)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol


class Backoff(NamedTuple):
    """Exponential backoff with full jitter: before retry n (from 0), a wait drawn uniformly from
    [0, min(cap, base * 2**n)) seconds."""

    base: float = 0.05
    cap: float = 2.0

    def delay(self, retry: int, draw: Callable[[], float]) -> float:
        return draw() * min(self.cap, self.base * 2.0 ** min(retry, 32))


# botocore's standard mode: retry n waits up to 2**n s (from 1 s), at most 20 s.
STANDARD_BACKOFF = Backoff(base=1.0, cap=20.0)


class RemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class Deadline(NamedTuple):
    """The time after which no call starts, on `clock`'s scale."""

    at: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def of(
        cls, context: RemainingTime, margin: float, clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        """The invocation's end less `margin` seconds."""
        return cls(clock() + context.get_remaining_time_in_millis() / 1000 - margin, clock)

    def allows(self, wait: float = 0.0) -> bool:
        """Whether a call may still start, after waiting `wait` seconds."""
        return self.clock() + wait < self.at


class RetryQuota:
    """botocore's standard-mode retry quota, one per client: a retry spends 5 tokens (10 after a
    timeout) of 500, a success gives back what its retries spent (1 when it needed none), and no
    retry starts on an empty quota: a DynamoDB in trouble is not hammered by every caller."""

    CAPACITY = 500
    RETRY_COST = 5
    TIMEOUT_COST = 10
    NO_RETRY_REFUND = 1

    def __init__(self) -> None:
        self.available = self.CAPACITY
        self._lock = threading.Lock()

    def acquire(self, *, timeout: bool = False) -> int:
        """The tokens spent on one retry, or 0 (no retry) when the quota cannot pay for it."""
        cost = self.TIMEOUT_COST if timeout else self.RETRY_COST
        with self._lock:
            if cost > self.available:
                return 0
            self.available -= cost
            return cost

    def release(self, spent: int) -> None:
        """After a success: what its retries spent (`spent`), or the no-retry refund."""
        with self._lock:
            self.available = min(self.CAPACITY, self.available + (spent or self.NO_RETRY_REFUND))
