"""Shared Pilot helpers and fakes for the UI tests: one chat driver for every UI test file.

``make_app`` builds the app the way every UI test needs it (a fake engine, the test's profile store, a
starting profile, and any other ``AppSettings`` field); ``send``, ``wait_reply``, ``send_and_wait`` and
``wait_streamed`` drive the chat and wait on its public state (``screen.state``), never on private
attributes.
"""

from __future__ import annotations

import dataclasses
import math

from tui.core.contract import EngineCapabilities
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp

DEFAULT_PROFILE = "greedy-factual"


@dataclasses.dataclass
class InspectableFake(FakeEngine):
    """Re-scores with a fixed distribution: the chosen token first, then tokens 100, 101, 102."""

    capabilities: EngineCapabilities = dataclasses.field(
        default_factory=lambda: EngineCapabilities(rescoring=True, reuse_limit=True)
    )

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


def make_app(
    store: ProfileStore, engine: FakeEngine | None = None, *, profile: str = DEFAULT_PROFILE, **settings
) -> ShotglassApp:
    """The app on ``engine`` (a fresh ``FakeEngine`` if None) with ``profile`` from ``store``.

    Any other ``AppSettings`` field passes through ``settings``: ``history``/``resume`` for the history
    tests, ``load_model``/``scan_models``/``gpu_note`` for model switching, ``pins``, ``estimate``,
    ``system_prompt``.
    """
    return ShotglassApp(
        AppSettings(
            engine=engine if engine is not None else FakeEngine(),
            profiles=store,
            profile=store.get(profile),
            **settings,
        )
    )


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Pause the app until ``condition()`` holds; fail the test instead of hanging."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")


async def send(pilot, text: str, *, typed: bool = False) -> None:
    """Submit ``text`` from the message box; returns without waiting for the reply.

    ``typed`` clicks the box and types key by key (spaces as the space key), as a user would; otherwise the
    box's text is set and Enter pressed.
    """
    if typed:
        await pilot.click("#input")
        for char in text:
            await pilot.press("space" if char == " " else char)
    else:
        box = pilot.app.screen.query_one("#input")
        box.text = text
        box.focus()
    await pilot.press("enter")


async def wait_reply(pilot, count: int, timeout: float = 5.0) -> None:
    """Wait until the chat on screen holds ``count`` messages and no reply is being generated."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: len(screen.state.messages) == count and not screen.generating, timeout)


async def send_and_wait(pilot, text: str, *, typed: bool = False) -> None:
    """Send ``text`` and wait for the whole exchange (the message and its finished reply) to join the chat."""
    count = len(pilot.app.screen.state.messages)
    await send(pilot, text, typed=typed)
    await wait_reply(pilot, count + 2)


async def wait_streamed(pilot, text: str | None = None, timeout: float = 5.0) -> None:
    """Wait until a reply is streaming and has produced ``text`` so far (any text if None)."""
    screen = pilot.app.screen

    def streamed() -> bool:
        pending = screen.state.pending
        if pending is None:
            return False
        return bool(pending.text) if text is None else pending.text == text

    await wait_for(pilot, streamed, timeout)


async def open_model_picker(pilot, models: int = 1) -> None:
    """F10, and wait until the model picker lists ``models`` entries (the scan runs in a worker)."""
    from tui.ui.models.picker import ModelPicker

    await pilot.press("f10")
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, ModelPicker)
            and pilot.app.screen.query_one("#models-list").option_count == models
        ),
    )
