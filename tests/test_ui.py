"""The chat screen driven headlessly with Pilot and the scripted fake engine."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Select
from ui_helpers import send, wait_reply, wait_streamed
from ui_helpers import wait_for as _wait

from tui.core.chat.conversation import FinishReason, Role
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.context_gauge import ContextGauge


async def _send(pilot, text: str) -> None:
    """Typed key by key, as a user would: these tests cover the real key path into the message box."""
    await send(pilot, text, typed=True)


async def test_send_streams_reply_and_records_stats(chat_app) -> None:
    engine = FakeEngine().script("Paris is the **capital** of France.")
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "Capital of France?")
        screen = app.screen
        await wait_reply(pilot, 2)
        user, reply = screen.state.messages
        assert user.role is Role.USER and user.text == "Capital of France?"
        assert reply.text == "Paris is the **capital** of France."
        assert reply.stats.finish_reason is FinishReason.END_OF_SEQUENCE and reply.stats.profile == "greedy-factual"
        assert engine.requests[0][0] == "User: Capital of France?\nAssistant:"
        stats_line = str(screen.query(".message-stats").last().render())
        assert "end of sequence" in stats_line and "greedy-factual" in stats_line and "seed" not in stats_line
        assert screen.query_one("#input").text == ""


async def test_esc_stops_mid_stream_and_keeps_the_partial_reply(chat_app) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four five six")
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "count")
        screen = app.screen
        await wait_streamed(pilot)  # the first token is on screen; the gate holds the rest
        await pilot.press("escape")
        await _wait(pilot, lambda: not screen.generating)
        reply = screen.state.messages[-1]
        assert reply.text == "one" and reply.stats.finish_reason is FinishReason.CANCELLED
        assert "stopped" in str(screen.query(".message-stats").last().render())
        assert screen.query(".message.-stopped")
        # The app is still usable: the next message gets a full reply.
        gate.set()
        engine.script("still here")
        await _send(pilot, "again")
        await wait_reply(pilot, 4)
        assert screen.state.messages[-1].text == "still here"


async def test_gauge_updates_while_typing(store: ProfileStore, chat_app) -> None:
    app = chat_app(FakeEngine())
    async with app.run_test(size=(100, 30)) as pilot:
        gauge = app.screen.query_one(ContextGauge)
        await _wait(pilot, lambda: gauge.counts is not None)
        assert gauge.counts.draft == 0 and gauge.counts.reserve == store.get("greedy-factual").max_new_tokens
        await pilot.click("#input")
        for char in "one two three":
            await pilot.press("space" if char == " " else char)
        # Exact: the fake tokenizer splits "User: one two three\nAssistant:" into 5 tokens (BOS is system).
        await _wait(pilot, lambda: gauge.counts.draft == 5)
        assert gauge.counts.used == gauge.counts.system + 5 + gauge.counts.reserve


async def test_gauge_rises_as_the_reply_streams(chat_app) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("a b c d")
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        gauge = app.screen.query_one(ContextGauge)
        await _send(pilot, "hi")
        await wait_streamed(pilot, "a")
        during = gauge.counts.history
        gate.set()
        await _wait(pilot, lambda: not app.screen.generating)
        await _wait(pilot, lambda: gauge.counts.history > during)


async def test_switching_profile_changes_what_the_engine_receives(chat_app) -> None:
    engine = FakeEngine()
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "first")
        await _wait(pilot, lambda: len(engine.requests) == 1 and not app.screen.generating)
        names = app.screen.profile_names
        start = names.index("greedy-factual")
        await pilot.press("f2")
        await _wait(pilot, lambda: app.screen.state.profile.name == names[(start + 1) % len(names)])
        while app.screen.state.profile.name != "creative-sampling":
            await pilot.press("f2")
            await pilot.pause(0.02)
        bar_text = str(app.screen.query_one("#profile-knobs").render())
        assert "temp 0.9" in bar_text
        await _send(pilot, "second")
        await _wait(pilot, lambda: len(engine.requests) == 2 and not app.screen.generating)
        greedy, creative = engine.requests[0][1], engine.requests[1][1]
        assert greedy.temperature == 0 and creative.temperature == pytest.approx(0.9) and creative.top_k == 40
        assert app.screen.state.messages[-1].stats.profile == "creative-sampling"
        seed = app.screen.state.messages[-1].stats.seed
        assert f"seed {seed}" in str(app.screen.query(".message-stats").last().render())
        assert engine.requests[1][0].startswith(engine.requests[0][0])  # same chat, prefix kept


async def test_overflow_drops_old_turns_with_a_notice(chat_app) -> None:
    engine = FakeEngine(n_ctx=330)
    engine.default_reply = "word " * 20
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for index in range(4):
            await _send(pilot, f"message {index}")
            await wait_reply(pilot, 2 * (index + 1))
        assert screen.state.context_start > 0
        assert screen.query(".message.-dropped")
        prompt = engine.requests[-1][0]
        assert "message 0" not in prompt and "message 3" in prompt


async def test_message_that_cannot_fit_is_refused_and_kept(chat_app) -> None:
    engine = FakeEngine(n_ctx=300)
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        text = "x " * 60
        await send(pilot, text)
        await pilot.pause(0.1)
        assert engine.requests == [] and app.screen.state.messages == ()
        assert app.screen.query_one("#input").text == text


async def test_newline_key_inserts_instead_of_sending(chat_app) -> None:
    engine = FakeEngine()
    app = chat_app(engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#input")
        await pilot.press("a", "ctrl+j", "b")
        assert app.screen.query_one("#input").text == "a\nb"
        assert engine.requests == []


async def test_broken_user_profile_is_reported_and_current_kept(store: ProfileStore, chat_app) -> None:
    store.user_dir.mkdir(parents=True, exist_ok=True)
    (store.user_dir / "broken.toml").write_text('name = "broken"\ntemperature = -3\n')
    app = chat_app(FakeEngine())
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.select_profile("broken")
        await pilot.pause(0.05)
        assert app.screen.state.profile.name == "greedy-factual"
        assert app.screen.query_one("#profile-select", Select).value == "greedy-factual"
        assert str(app.screen.query_one("#profile-knobs").render()).startswith("greedy (temperature 0)")
        assert (store.user_dir / "broken.toml").read_text().endswith("-3\n")


def test_gauge_marks_estimates() -> None:
    from tui.core.chat.budget import GaugeCounts

    counts = GaugeCounts(system=1, pins=0, history=10, draft=2, reserve=100, n_ctx=2048)
    assert "≈113 / 2,048" in ContextGauge.render_counts(counts, 100, estimated=True).plain
    assert "≈" not in ContextGauge.render_counts(counts, 100).plain
