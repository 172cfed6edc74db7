"""History writes never freeze the chat: an external lock on the database, keystrokes typed meanwhile, the
exchange saved once the lock is released, and a notice when a write is finally given up."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from ui_helpers import send_and_wait, wait_for

from tui.core.history import schema, writer
from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine

LOCK_S = 3.0


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_S", 0.3)  # each try waits briefly; the writer retries
    history = HistoryStore(tmp_path / "history.sqlite3")
    yield history
    history.close()


def _lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")  # another program holding the write lock
    return other


async def test_a_locked_database_never_blocks_the_chat_and_the_exchange_is_saved_after(chat_app, history) -> None:
    other = _lock(history.path)
    locked_at = time.monotonic()
    engine = FakeEngine().script("Paris.")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "Capital of France?")
        await pilot.press(*"typed")  # keystrokes while the database is still locked
        box = screen.query_one("#input")
        assert time.monotonic() - locked_at < LOCK_S  # the reply came and the keys landed under the lock
        assert box.text == "typed"
        assert [m.text for m in screen.state.messages] == ["Capital of France?", "Paris."]
        assert history.list_conversations() == []  # nothing could be written yet (WAL: reading still works)
        while time.monotonic() - locked_at < LOCK_S:
            await pilot.press("!")
        other.commit()
        await wait_for(pilot, lambda: screen.state.conversation_id is not None, timeout=10)
        assert box.text.startswith("typed!")
        conversation = screen.state.conversation_id
        assert history.writer.wait_idle(10)
        notices = [n.message for n in pilot.app._notifications]
    loaded = history.get_conversation(conversation)
    assert [m.text for m in loaded.messages] == ["Capital of France?", "Paris."]
    assert loaded.messages[1].stats is not None and not any("not saved" in text for text in notices)


async def test_a_write_given_up_says_so_and_the_chat_goes_on(chat_app, history, monkeypatch) -> None:
    monkeypatch.setattr(writer, "RETRY_DELAYS_S", (0.05, 0.05))
    other = _lock(history.path)
    engine = FakeEngine().script("Paris.", "Rome.")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await send_and_wait(pilot, "Capital of France?")
        await wait_for(pilot, lambda: any("not saved" in n.message for n in app._notifications), timeout=10)
        notice = next(n for n in app._notifications if "not saved" in n.message)
        assert notice.title == "History not saved" and "stayed locked" in notice.message
        assert history.writer.wait_idle(10)
        other.commit()
        await send_and_wait(pilot, "And Italy?")  # the lock is gone: the next exchange is saved again
        await wait_for(pilot, lambda: app.screen.state.conversation_id is not None, timeout=10)
        conversation = app.screen.state.conversation_id
    assert [m.text for m in history.get_conversation(conversation).messages] == ["And Italy?", "Rome."]
    assert history.writer.unsaved and all("was not saved" in line for line in history.writer.unsaved)


def test_queued_streamed_text_keeps_only_the_newest_and_close_reports_what_is_left(tmp_path: Path) -> None:
    done: list[str] = []
    failures: list[str] = []
    queue = writer.HistoryWriter()
    gate = threading.Event()
    queue.submit("first", lambda: (gate.wait(5), done.append("first")) and None, failures.append)
    for n in range(5):
        queue.submit("progress", lambda n=n: done.append(f"text {n}"), failures.append, key="reply")
    gate.set()
    assert queue.wait_idle(5) and done == ["first", "text 4"] and failures == []
    stuck = threading.Event()
    queue.submit("slow", lambda: stuck.wait(5) and None, failures.append)
    queue.submit("your message", lambda: None, failures.append)
    assert queue.close(timeout=0.2) == [
        "your message was not saved: the history database stayed busy for 0 s while closing"
    ]
    stuck.set()
    assert failures == queue.unsaved
