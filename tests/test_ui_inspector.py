"""Inspector, fork and the repetition note in the TUI (Pilot + a fake engine that can re-score)."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable
from ui_helpers import InspectableFake, send_and_wait
from ui_helpers import wait_for as _wait

from tui.engine.fake import FakeEngine
from tui.ui.inspector.screen import InspectorScreen


async def test_inspector_shows_candidates_and_forks_from_the_picked_one(chat_app) -> None:
    engine = InspectableFake().script("one two three four", "forked reply")
    app = chat_app(engine)
    async with app.run_test(size=(130, 40)) as pilot:
        await send_and_wait(pilot, "count")
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
        assert chat.state.messages[-1].text == "forked reply"
        assert len(chat.state.messages) == 2  # the fork replaced the last reply
        assert chat.query(".message.-dropped")


async def test_inspector_refuses_a_reply_from_another_model(chat_app) -> None:
    engine = InspectableFake().script("hello there")
    app = chat_app(engine)
    async with app.run_test(size=(130, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        engine.info = dataclasses.replace(engine.info, path="another-model.gguf")
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, InspectorScreen)


async def test_engine_without_rescoring_says_so(chat_app) -> None:
    app = chat_app(FakeEngine().script("hello"))
    async with app.run_test(size=(130, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, InspectorScreen)


async def test_a_looping_reply_gets_a_note(chat_app) -> None:
    app = chat_app(FakeEngine().script("I like cats. I like cats. I like cats. I like cats."))
    async with app.run_test(size=(130, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        stats = str(app.screen.query(".message-stats").last().render())
        assert "repeats" in stats and "low-repetition" in stats
