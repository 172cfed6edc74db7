"""Snapshot tests of the main screens (pytest-textual-snapshot), with the fake engine for determinism.

Regenerate after an intended visual change with ``pytest tests/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from ui_helpers import InspectableFake, make_app

from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import ShotglassApp

REPLY = "The capital of France is **Paris**.\n\n```python\nprint('bonjour')\n```"


def _fixed_seed_app(store: ProfileStore) -> ShotglassApp:
    # A fixed seed keeps the stats line identical from run to run.
    store.save(
        DecodingProfile(name="greedy-factual", description="fixed seed for snapshots", temperature=0.0, seed=42),
        force=True,
    )
    # What a local model offers (re-scoring for F8, models to switch to for F10): the footer shows only
    # the keys the engine in use can serve.
    engine = InspectableFake(n_ctx=4096).script(REPLY)
    return make_app(store, engine, load_model=lambda path, layers: FakeEngine(), scan_models=lambda: [])


async def _steady(pilot) -> None:
    """A blinking cursor would make the picture depend on the millisecond it is taken."""
    pilot.app.screen.query_one("#input").cursor_blink = False
    await pilot.pause()


def test_empty_chat(snap_compare, store: ProfileStore) -> None:
    assert snap_compare(_fixed_seed_app(store), terminal_size=(100, 28), run_before=_steady)


def test_chat_with_a_reply_and_a_draft(snap_compare, store: ProfileStore) -> None:
    async def converse(pilot) -> None:
        await _steady(pilot)
        await pilot.click("#input")
        await pilot.press(*"Capital?", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if len(pilot.app.screen.state.messages) == 2:
                break
        await pilot.press(*"And Italy")
        gauge = pilot.app.screen.query_one("#gauge")
        for _ in range(100):
            await pilot.pause(0.02)
            if gauge.counts is not None and gauge.counts.draft > 0:
                break
        await pilot.pause(0.1)

    assert snap_compare(_fixed_seed_app(store), terminal_size=(100, 28), run_before=converse)
