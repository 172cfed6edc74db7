"""Shared Pilot helpers and fakes for the UI tests."""

from __future__ import annotations

import math

from tui.core.inspector.scores import PositionScores
from tui.engine.fake import FakeEngine


class InspectableFake(FakeEngine):
    """Re-scores with a fixed distribution: the chosen token first, then tokens 100, 101, 102."""

    def rescore(self, prompt, reply_tokens, profile, reuse_limit, cancel):
        self.rescored = (prompt, reply_tokens, reuse_limit)
        scores = []
        for position, token in enumerate(reply_tokens):
            logits = [2.0, 1.0, 0.5, 0.0]
            candidates = tuple(zip([token, 100, 101, 102], ["tok", "alt", "b", "c"], logits))
            lse = math.log(sum(math.exp(value) for value in logits))
            scores.append(
                PositionScores(
                    position=position,
                    chosen=token,
                    candidates=candidates,
                    lse=lse,
                    lse_at_temperature=lse,
                    kept_top_k=4,
                    kept_top_p=4,
                    kept_min_p=4,
                    lse_survivors_at_temperature=lse,
                )
            )
        return scores

    def token_text(self, token: int) -> str:
        return f"<{token}>"


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Pause the app until ``condition()`` holds; fail the test instead of hanging."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")
