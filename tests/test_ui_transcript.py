"""A long chat keeps a bounded number of views mounted; nothing is lost, and marks survive unmounting."""

from __future__ import annotations

from textual.widgets import Button
from ui_helpers import make_app, send_and_wait, wait_for

from tui.engine.fake import FakeEngine
from tui.ui.chat.message_view import MessageView
from tui.ui.chat.transcript import KEEP_MOUNTED, MAX_MOUNTED, Transcript


async def test_a_long_live_chat_mounts_a_bounded_window_and_shows_earlier_on_demand(store) -> None:
    engine = FakeEngine(n_ctx=100_000)
    async with make_app(store, engine).run_test(size=(100, 40)) as pilot:
        transcript = pilot.app.screen.query_one(Transcript)
        for index in range(30):
            await send_and_wait(pilot, f"message {index}")
        assert len(pilot.app.screen.state.messages) == 60
        mounted = transcript.views
        assert KEEP_MOUNTED <= len(mounted) <= MAX_MOUNTED
        assert mounted[-1].raw_text == engine.default_reply  # the newest are the ones on screen
        hidden = 60 - len(mounted)
        transcript.query_one("#load-earlier", Button).press()  # scrolled off the top: pressed as Enter would
        await wait_for(pilot, lambda: len(transcript.views) == len(mounted) + min(24, hidden))
        first = transcript.views[0]
        assert first.message_index == hidden - min(24, hidden)
        assert first.raw_text.startswith("message") or first.raw_text == engine.default_reply


async def test_an_edit_of_an_unmounted_message_marks_it_when_it_is_shown_again(store) -> None:
    async with make_app(store, FakeEngine(n_ctx=100_000)).run_test(size=(100, 40)) as pilot:
        screen = pilot.app.screen
        transcript = screen.query_one(Transcript)
        for index in range(30):
            await send_and_wait(pilot, f"message {index}")
        assert transcript.views[0].message_index != 0  # message 0 is no longer mounted
        transcript.retire_from(0, "replaced by an edit below")
        for _ in range(5):
            for button in transcript.query("#load-earlier").results(Button):
                button.press()
            await pilot.pause(0.1)
        views = transcript.views
        assert len(views) == 60 and all(view.has_class("-dropped") for view in views)
        assert all(isinstance(view, MessageView) and view.message_index is None for view in views)
