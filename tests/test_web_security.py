"""The failed sign-in limiter: a sliding window per key, bounded memory."""

from __future__ import annotations

from tracker.web.security import SignInLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_max_failures_and_recovers_after_the_window() -> None:
    clock = Clock()
    limiter = SignInLimiter(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("user:a") == 0
        limiter.failed("user:a", "ip:1")
    assert 0 < limiter.retry_after("user:a") <= 61
    assert limiter.retry_after("ip:1") > 0
    assert limiter.retry_after("user:b", "ip:2") == 0
    clock.now += 61
    assert limiter.retry_after("user:a", "ip:1") == 0


def test_success_clears_only_that_key() -> None:
    limiter = SignInLimiter(max_failures=2, window_seconds=60, clock=Clock())
    limiter.failed("user:a", "ip:1")
    limiter.failed("user:a", "ip:1")
    limiter.succeeded("user:a")
    assert limiter.retry_after("user:a") == 0
    assert limiter.retry_after("ip:1") > 0


def test_memory_is_bounded() -> None:
    limiter = SignInLimiter(max_failures=2, window_seconds=60, max_keys=100, clock=Clock())
    for i in range(1000):
        limiter.failed(f"user:{i}")
    assert len(limiter._failures) <= 100
