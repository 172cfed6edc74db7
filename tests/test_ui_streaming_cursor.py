"""While a reply streams the message box's cursor stays lit: a blinking cursor is a frame of its own twice a
second, and on a laptop every frame the UI draws is time the decode threads lose (issue 13)."""

from __future__ import annotations

import threading

from ui_helpers import send, wait_for, wait_reply, wait_streamed

from tui.engine.fake import FakeEngine
from tui.ui.chat.chat_input import ChatInput


async def test_the_cursor_stops_blinking_while_a_reply_streams_and_blinks_again_after(chat_app) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four")
    async with chat_app(engine).run_test(size=(100, 30)) as pilot:
        box = pilot.app.screen.query_one(ChatInput)
        assert box.cursor_blink is True
        await send(pilot, "count")
        await wait_streamed(pilot)
        assert box.cursor_blink is False
        gate.set()
        await wait_reply(pilot, 2)
        assert box.cursor_blink is True


async def test_a_cancelled_reply_gives_the_blink_back_and_a_box_that_never_blinked_stays_so(chat_app) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four")
    async with chat_app(engine).run_test(size=(100, 30)) as pilot:
        box = pilot.app.screen.query_one(ChatInput)
        box.cursor_blink = False
        await send(pilot, "count")
        await wait_streamed(pilot)
        await pilot.press("escape")
        gate.set()
        await wait_for(pilot, lambda: not pilot.app.screen.generating)
        assert box.cursor_blink is False
