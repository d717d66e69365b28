"""The failed sign-in limiter: names slowed down, addresses locked, live locks never dropped."""

from __future__ import annotations

from tracker.web.security import SignInLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_locked_after_max_failures_and_recovers_after_the_window() -> None:
    clock = Clock()
    limiter = SignInLimiter(max_failures=3, window_seconds=60, clock=clock)
    for i in range(3):
        assert limiter.retry_after(f"name{i}", "ip1") == 0
        limiter.failed(f"name{i}", "ip1")
    assert 0 < limiter.retry_after("anyone", "ip1") <= 61
    assert limiter.retry_after("anyone", "ip2") == 0
    clock.now += 61
    assert limiter.retry_after("anyone", "ip1") == 0


def test_a_name_is_slowed_down_with_a_growing_delay_never_locked_for_long() -> None:
    clock = Clock()
    limiter = SignInLimiter(free_failures=3, max_delay_seconds=60, clock=clock)
    waits = []
    for i in range(12):  # from twelve addresses: no address lock plays a part
        waits.append(limiter.retry_after("alice", f"ip{i}"))
        clock.now += waits[-1]
        limiter.failed("alice", f"ip{i}")
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [1, 2, 4, 8, 16]
    assert max(waits) == 60  # never more than the cap
    # the owner, from their own address, waits at most the cap
    assert 0 < limiter.retry_after("alice", "owner") <= 60
    clock.now += 60
    assert limiter.retry_after("alice", "owner") == 0


def test_success_clears_the_name_not_the_address() -> None:
    limiter = SignInLimiter(max_failures=2, window_seconds=60, free_failures=0, clock=Clock())
    limiter.failed("a", "ip1")
    limiter.failed("a", "ip1")
    limiter.succeeded("a")
    assert limiter.retry_after("a", "ip2") == 0
    assert limiter.retry_after("b", "ip1") > 0


def test_memory_is_bounded() -> None:
    limiter = SignInLimiter(max_failures=2, window_seconds=60, max_keys=100, clock=Clock())
    for i in range(1000):
        limiter.failed(f"name{i}", f"ip{i}")
    assert len(limiter._names) <= 100 and len(limiter._addresses) <= 100


def test_5100_other_addresses_do_not_lift_a_lock_out() -> None:
    """The old table forgot its oldest keys: 5,100 tries (two keys each) freed a locked address."""
    clock = Clock()
    limiter = SignInLimiter(max_failures=5, window_seconds=900, clock=clock)
    for _ in range(5):
        limiter.failed("victim", "10.0.0.1")
    assert limiter.retry_after("victim", "10.0.0.1") > 0
    for i in range(5100):
        limiter.failed(f"made-up-{i}", f"10.1.{i // 250}.{i % 250}")
    assert limiter.retry_after("someone-else", "10.0.0.1") > 0
    # even with a tiny table: a live lock is never evicted to make room
    small = SignInLimiter(max_failures=2, window_seconds=900, max_keys=10, clock=clock)
    small.failed("x", "attacker")
    small.failed("y", "attacker")
    for i in range(500):
        small.failed(f"n{i}", f"a{i}")
    assert small.retry_after("z", "attacker") > 0
    assert len(small._addresses) <= 10
