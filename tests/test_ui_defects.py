"""The chat-state defects of the old screen, each driven through the real app (fake engine)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from ui_helpers import make_app, send, send_and_wait, wait_for, wait_streamed

from tui.commands.tokens import run_tokens
from tui.core.contract import EngineCapabilities
from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.header_bar import HeaderBar


async def test_a_resumed_chat_replays_the_reply_on_screen(store, tmp_path: Path) -> None:
    """Before: after a restart, Ctrl+R said "Nothing to replay yet" (the records lived only in memory)."""
    with HistoryStore(tmp_path / "h.db") as history:
        async with make_app(store, FakeEngine().script("It is Paris."), history=history).run_test() as pilot:
            await send_and_wait(pilot, "Capital of France?")
        engine = FakeEngine().script("It is Paris.")
        async with make_app(store, engine, history=history).run_test() as pilot:
            screen = pilot.app.screen
            await wait_for(pilot, lambda: len(screen.state.messages) == 2)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: len(engine.requests) == 1 and not screen.generating)
            assert screen.query(".message.-replay")
            assert "identical to the original" in str(screen.query(".message.-replay .message-stats").first().render())
            assert len(screen.state.messages) == 2


async def test_deleting_the_open_chat_in_the_history_starts_a_new_chat(store, tmp_path: Path) -> None:
    """Before: the deleted chat stayed on screen and the next message reused its id."""
    with HistoryStore(tmp_path / "h.db") as history:
        async with make_app(store, FakeEngine(), history=history).run_test(size=(120, 40)) as pilot:
            screen = pilot.app.screen
            await send_and_wait(pilot, "first chat")
            deleted = screen.state.conversation_id
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: pilot.app.screen is not screen)
            await pilot.press("ctrl+d", "ctrl+d")  # delete, confirmed
            await wait_for(pilot, lambda: deleted in pilot.app.screen.deleted)
            await pilot.press("escape")
            await wait_for(pilot, lambda: pilot.app.screen is screen and screen.state.messages == ())
            assert screen.state.conversation_id is None and screen.query("#welcome")
            await send_and_wait(pilot, "second chat")
            assert screen.state.conversation_id not in (None, deleted)
            assert len(history.get_conversation(screen.state.conversation_id).messages) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
async def test_saving_a_profile_into_an_unwritable_folder_is_a_notice(store) -> None:
    """Before: Ctrl+S in the profile editor raised out of the handler and the app exited."""
    store.user_dir.mkdir(parents=True, exist_ok=True)
    store.user_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        await _save_in_the_profile_editor_keeps_the_app_up(store)
    finally:
        store.user_dir.chmod(stat.S_IRWXU)


async def test_saving_a_profile_where_the_folder_cannot_exist_is_a_notice(store, tmp_path: Path) -> None:
    """The same defect as root can see it: the profiles folder's parent is a file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store.user_dir = blocker / "profiles"
    await _save_in_the_profile_editor_keeps_the_app_up(store)


async def _save_in_the_profile_editor_keeps_the_app_up(store) -> None:
    async with make_app(store).run_test(size=(120, 45)) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "ProfileEditor")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert pilot.app.is_running and type(pilot.app.screen).__name__ == "ProfileEditor"
        # Textual keeps no public list of notices; its own store of them is the one place to read the line.
        notices = [(notice.title, notice.message) for notice in pilot.app._notifications]
        assert any(title == "Profile not saved" and "cannot write" in text for title, text in notices), notices


class ExplodingEngine(FakeEngine):
    def generate(self, *args, **kwargs):  # type: ignore[override]
        raise RuntimeError("the GPU fell off the bus")


async def test_an_unexpected_engine_exception_keeps_the_app_up(store) -> None:
    """Before: a worker exception other than UserError ended the app."""
    async with make_app(store, ExplodingEngine()).run_test() as pilot:
        screen = pilot.app.screen
        await send(pilot, "hello")
        await wait_for(pilot, lambda: len(screen.state.messages) == 2 and not screen.generating)
        assert pilot.app.is_running
        assert "the GPU fell off the bus" in str(screen.query(".message-stats").last().render())


async def test_an_endpoint_s_assumed_context_and_estimated_counts_reach_the_header(store) -> None:
    engine = FakeEngine(capabilities=EngineCapabilities(exact_counts=False, context_known=False))
    async with make_app(store, engine).run_test(size=(160, 30)) as pilot:
        header = str(pilot.app.screen.query_one(HeaderBar).render())
        assert "(assumed; set --ctx)" in header and "token counts ≈" in header
        await wait_for(pilot, lambda: "≈" in str(pilot.app.screen.query_one("#gauge").render()))


async def test_the_ui_stops_a_reply_through_the_worker_s_own_cancellation(store) -> None:
    import threading

    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four five")
    async with make_app(store, engine).run_test() as pilot:
        screen = pilot.app.screen
        await send(pilot, "count")
        await wait_streamed(pilot, "one")
        await pilot.press("escape")
        gate.set()
        await wait_for(pilot, lambda: not screen.generating)
        assert screen.state.messages[-1].stats.finish_reason.value == "cancelled"


def test_tokens_over_an_endpoint_without_a_tokenizer_is_not_called_exact() -> None:
    out = io.StringIO()
    run_tokens(FakeEngine(capabilities=EngineCapabilities(exact_counts=False)), "hello there", out=out)
    assert "exact" not in out.getvalue() and out.getvalue().startswith("≈")
    out = io.StringIO()
    run_tokens(FakeEngine(), "hello there", out=out)
    assert "exact" in out.getvalue().splitlines()[0]
