"""Inspector, fork and the repetition note in the TUI (Pilot + a fake engine that can re-score)."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable
from ui_helpers import InspectableFake
from ui_helpers import wait_for as _wait

from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.inspector.screen import InspectorScreen


def _app(store: ProfileStore, engine: FakeEngine) -> ShotglassApp:
    return ShotglassApp(AppSettings(engine=engine, profiles=store, profile=store.get("greedy-factual")))


async def _chat(pilot, app, text: str) -> None:
    count = len(app.screen.session.messages)
    app.screen.query_one("#input").text = text
    app.screen.query_one("#input").focus()
    await pilot.press("enter")
    await _wait(pilot, lambda: len(app.screen.session.messages) == count + 2 and not app.screen.generating)


async def test_inspector_shows_candidates_and_forks_from_the_picked_one(store: ProfileStore) -> None:
    engine = InspectableFake().script("one two three four", "forked reply")
    app = _app(store, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        await _chat(pilot, app, "count")
        chat = app.screen
        await pilot.press("f8")
        await _wait(pilot, lambda: isinstance(app.screen, InspectorScreen) and app.screen.scores)
        inspector = app.screen
        table = inspector.query_one(DataTable)
        assert table.row_count == 4
        assert engine.rescored[1] == (0, 1, 2, 3)
        await pilot.press("right", "right")
        await pilot.press("down")
        await pilot.press("f")
        await _wait(pilot, lambda: app.screen is chat and len(engine.forced) == 2 and not chat.generating)
        assert engine.forced[-1] == (0, 1, 100)
        assert chat.session.messages[-1].text == "forked reply"
        assert len(chat.session.messages) == 2  # the fork replaced the last reply
        assert chat.query(".message.-dropped")


async def test_inspector_refuses_a_reply_from_another_model(store: ProfileStore) -> None:
    engine = InspectableFake().script("hello there")
    app = _app(store, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        await _chat(pilot, app, "hi")
        engine.info = dataclasses.replace(engine.info, path="another-model.gguf")
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, InspectorScreen)


async def test_engine_without_rescoring_says_so(store: ProfileStore) -> None:
    app = _app(store, FakeEngine().script("hello"))
    async with app.run_test(size=(130, 40)) as pilot:
        await _chat(pilot, app, "hi")
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, InspectorScreen)


async def test_a_looping_reply_gets_a_note(store: ProfileStore) -> None:
    app = _app(store, FakeEngine().script("I like cats. I like cats. I like cats. I like cats."))
    async with app.run_test(size=(130, 40)) as pilot:
        await _chat(pilot, app, "hi")
        stats = str(app.screen.query(".message-stats").last().render())
        assert "repeats" in stats and "low-repetition" in stats
