"""Shared Pilot helpers for the UI tests."""

from __future__ import annotations


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Pause the app until ``condition()`` holds; fail the test instead of hanging."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")
