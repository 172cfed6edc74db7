"""Deleting a message in the TUI (Alt+D, the palette): pick it, it and every later turn leave the screen and
the chat, the history keeps them as a branch, the gauge recounts; refused with a notice while a reply streams
(Pilot + fake engine + a real SQLite store)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from ui_helpers import send, send_and_wait, wait_for, wait_streamed

from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.chat.message_view import MessageView
from tui.ui.common.choice import ChoiceScreen


@pytest.fixture
def history(tmp_path: Path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    yield store
    store.close()


async def _pick(pilot, ups: int) -> None:
    """Open the deletion list (it starts on the last message) and choose ``ups`` messages above the last."""
    app = pilot.app
    await pilot.press("alt+d")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
    await pilot.press(*(["up"] * ups), "enter")


async def test_delete_a_message_and_what_follows(chat_app, history) -> None:
    engine = FakeEngine().script("first reply", "second reply", "third reply")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await send_and_wait(pilot, "more")
        gauge = screen.query_one(ContextGauge)
        await wait_for(pilot, lambda: gauge.counts is not None)
        before = gauge.counts.history
        await _pick(pilot, 1)  # "more": the second of the two user messages
        await wait_for(pilot, lambda: pilot.app.screen is screen and len(screen.state.messages) == 2)
        assert [m.text for m in screen.state.messages] == ["hello", "first reply"]
        await wait_for(pilot, lambda: len(screen.query(MessageView)) == 2)
        await wait_for(pilot, lambda: gauge.counts is not None and gauge.counts.history < before)
        await send_and_wait(pilot, "again")
        assert [m.text for m in screen.state.messages] == ["hello", "first reply", "again", "third reply"]
        conversation = screen.state.conversation_id
    assert history.writer.wait_idle(5)
    assert [m.text for m in history.get_conversation(conversation).messages] == [
        "hello",
        "first reply",
        "again",
        "third reply",
    ]
    (branch,) = history.old_branches(conversation)
    assert branch.deleted and [m.text for m in branch.messages] == ["more", "second reply"]


async def test_deleting_a_reply_leaves_the_question_for_ctrl_g(chat_app, history) -> None:
    engine = FakeEngine().script("a bad reply", "a better reply")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "question")
        await _pick(pilot, 0)  # the last message: the reply
        await wait_for(pilot, lambda: pilot.app.screen is screen and len(screen.state.messages) == 1)
        await send(pilot, "another question")
        await pilot.pause(0.1)
        assert any("no reply" in notice.message for notice in pilot.app._notifications)
        assert len(screen.state.messages) == 1
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: len(screen.state.messages) == 2 and not screen.generating)
        assert [m.text for m in screen.state.messages] == ["question", "a better reply"]
        conversation = screen.state.conversation_id
    assert history.writer.wait_idle(5)
    assert [m.text for m in history.get_conversation(conversation).messages] == ["question", "a better reply"]


async def test_deleting_everything_shows_the_welcome_text(chat_app, history) -> None:
    async with chat_app(FakeEngine().script("reply"), history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await _pick(pilot, 1)
        await wait_for(pilot, lambda: screen.state.messages == () and bool(screen.query("#welcome")))
        assert not screen.query(MessageView)


async def test_refused_while_a_reply_streams(chat_app, history) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("first reply", "one two three")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        gate.set()
        await send_and_wait(pilot, "hello")
        gate.clear()
        await send(pilot, "count")
        await wait_streamed(pilot)
        await pilot.press("alt+d")
        await pilot.pause(0.1)
        assert pilot.app.screen is screen  # no list to pick from
        assert any("Wait for the reply to finish" in notice.message for notice in pilot.app._notifications)
        gate.set()
        await wait_for(pilot, lambda: not screen.generating and len(screen.state.messages) == 4)


async def test_the_palette_offers_it(chat_app, history) -> None:
    async with chat_app(FakeEngine().script("reply"), history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: pilot.app.screen is not screen)
        for key in "Delete a message":
            await pilot.press("space" if key == " " else key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
