"""The sweep's wall-clock budget, shared by every worker thread."""

from __future__ import annotations

import time
from dataclasses import dataclass


class BudgetExhausted(Exception):
    """The budget ran out before this repo was finished."""


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock; wall-clock jumps cannot stretch or cut it."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def cap(self, timeout: float) -> tuple[float, bool]:
        """``timeout`` cut to what is left, and whether the budget is what limits it."""
        left = self.remaining()
        if left < timeout:
            return left, True
        return timeout, False
