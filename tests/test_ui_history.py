"""History in the TUI: every message saved as it happens, resume, edit and regenerate with branches kept,
the conversations screen, and a corrupt database (Pilot + fake engine + a real SQLite store)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from ui_helpers import send, send_and_wait, wait_for, wait_streamed

from tui.core.chat.conversation import Role
from tui.core.history import journal
from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.common.choice import ChoiceScreen
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.history.screen import HistoryScreen


@pytest.fixture
def history(tmp_path: Path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    yield store
    store.close()


async def test_messages_are_saved_and_resumed_with_the_gauge(chat_app, history) -> None:
    engine = FakeEngine().script("Paris.", "Rome.")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await send_and_wait(pilot, "Capital of France?")
        await send_and_wait(pilot, "And Italy?")
        conversation = app.screen.state.conversation_id
    loaded = history.get_conversation(conversation)
    assert [m.text for m in loaded.messages] == ["Capital of France?", "Paris.", "And Italy?", "Rome."]
    assert loaded.messages[1].stats.profile == "greedy-factual"
    assert loaded.info.title.startswith("Capital of France")
    async with chat_app(FakeEngine(), history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(screen.state.messages) == 4)
        gauge = screen.query_one(ContextGauge)
        await wait_for(pilot, lambda: gauge.counts is not None and gauge.counts.history > 0)
        assert screen.state.conversation_id == conversation
        assert len(screen.query(".message")) == 4
    async with chat_app(FakeEngine(), history=history, resume=False).run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        assert pilot.app.screen.state.messages == ()


async def test_the_reply_is_written_while_it_streams(chat_app, history, monkeypatch) -> None:
    monkeypatch.setattr(journal, "FLUSH_EVERY_S", 0.0)
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send(pilot, "count")
        await wait_streamed(pilot, "one")
        await wait_for(pilot, lambda: history.writer.wait_idle(0) and screen.state.conversation_id is not None)
        conversation = screen.state.conversation_id  # written off the UI thread, so waited for
        stored = history.active_messages(conversation)
        assert [m.role for m in stored] == [Role.USER, Role.ASSISTANT]
        assert stored[0].text == "count"  # committed before generation
        assert stored[1].text == "one" and stored[1].stats is None  # streaming, not finished
        gate.set()
        await wait_for(pilot, lambda: not screen.generating)
    assert history.active_messages(conversation)[1].stats is not None


async def test_edit_and_regenerate_keep_the_old_branches(chat_app, history) -> None:
    engine = FakeEngine().script("first reply", "second reply", "edited reply", "regenerated reply")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        screen = app.screen
        await send_and_wait(pilot, "hello")
        await send_and_wait(pilot, "more")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("up", "enter")  # the first of the two user messages
        await wait_for(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = "hello again"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                [m.text for m in screen.state.messages] == ["hello again", "edited reply"] and not screen.generating
            ),
        )
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: screen.state.messages[-1].text == "regenerated reply" and not screen.generating)
        conversation = screen.state.conversation_id
    assert [m.text for m in history.get_conversation(conversation).messages] == ["hello again", "regenerated reply"]
    old = [[m.text for m in branch.messages] for branch in history.old_branches(conversation)]
    assert ["hello", "first reply", "more", "second reply"] in old
    assert ["edited reply"] in old


async def test_conversations_screen_searches_opens_and_deletes_with_confirmation(chat_app, history) -> None:
    engine = FakeEngine().script("about rivers", "about mountains")
    async with chat_app(engine, history=history, resume=False).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await send_and_wait(pilot, "tell me about the Seine")
        first = app.screen.state.conversation_id
        await pilot.press("ctrl+n")
        await send_and_wait(pilot, "tell me about Everest")
        chat = app.screen
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        listing = app.screen
        await pilot.press(*"Seine")
        await wait_for(pilot, lambda: listing.query_one("#history-list").option_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is chat and chat.state.conversation_id == first)
        assert chat.state.messages[0].text == "tell me about the Seine"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        listing = app.screen
        await pilot.press("ctrl+d")  # works from the search box too
        assert len(history.list_conversations()) == 2  # the first press only asks
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: len(history.list_conversations()) == 1)


async def test_a_corrupt_history_is_moved_aside_and_the_app_stays_up(chat_app, tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    history = HistoryStore(path)
    try:
        async with chat_app(FakeEngine().script("fine"), history=history).run_test(size=(120, 40)) as pilot:
            await send_and_wait(pilot, "still working?")
        assert history.notice and "moved" in history.notice.lower()
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("history.sqlite3.corrupt-")]
        assert kept and kept[0].read_bytes() == b"this is not a database" * 100
        assert len(history.list_conversations()) == 1
    finally:
        history.close()


async def test_a_long_chat_mounts_its_tail_and_loads_earlier_on_demand(chat_app, history) -> None:
    from textual.widgets import Button

    from tui.ui.chat.message_view import MessageView

    chat = history.create_conversation(title="long")
    for index in range(30):
        history.add_user_message(chat, f"question {index}")
        reply = history.start_reply(chat, "greedy-factual")
        history.update_reply_text(reply, f"answer {index}")
    async with chat_app(FakeEngine(), history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(screen.state.messages) == 60)
        assert len(screen.query(MessageView)) == 24
        assert "unfinished" in str(screen.query(".message-stats").last().render())
        screen.query_one("#load-earlier", Button).press()
        await wait_for(pilot, lambda: len(screen.query(MessageView)) == 48)
        first = screen.query(MessageView).first()
        assert first.message_index == 12
