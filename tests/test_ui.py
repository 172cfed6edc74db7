"""The chat screen driven headlessly with Pilot and the scripted fake engine."""

from __future__ import annotations

import threading

import pytest
from ui_helpers import wait_for as _wait

from tui.core.chat.conversation import FinishReason, Role
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.profiles.profile_bar import ProfileBar


def _app(store: ProfileStore, engine: FakeEngine, profile: str = "greedy-factual") -> ShotglassApp:
    return ShotglassApp(AppSettings(engine=engine, profiles=store, profile=store.get(profile)))


async def _send(pilot, text: str) -> None:
    await pilot.click("#input")
    for char in text:
        await pilot.press("space" if char == " " else char)
    await pilot.press("enter")


async def test_send_streams_reply_and_records_stats(store: ProfileStore) -> None:
    engine = FakeEngine().script("Paris is the **capital** of France.")
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "Capital of France?")
        screen = app.screen
        await _wait(pilot, lambda: len(screen.session.messages) == 2)
        user, reply = screen.session.messages
        assert user.role is Role.USER and user.text == "Capital of France?"
        assert reply.text == "Paris is the **capital** of France."
        assert reply.stats.finish_reason is FinishReason.END_OF_SEQUENCE and reply.stats.profile == "greedy-factual"
        assert engine.requests[0][0] == "User: Capital of France?\nAssistant:"
        stats_line = str(screen.query(".message-stats").last().render())
        assert "end of sequence" in stats_line and "greedy-factual" in stats_line and "seed" not in stats_line
        assert screen.query_one("#input").text == ""


async def test_esc_stops_mid_stream_and_keeps_the_partial_reply(store: ProfileStore) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("one two three four five six")
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "count")
        screen = app.screen
        await _wait(pilot, lambda: screen.generating and screen._pending is not None and screen._pending.view._raw)
        await pilot.press("escape")
        await _wait(pilot, lambda: not screen.generating)
        reply = screen.session.messages[-1]
        assert reply.text == "one" and reply.stats.finish_reason is FinishReason.CANCELLED
        assert "stopped" in str(screen.query(".message-stats").last().render())
        assert screen.query(".message.-stopped")
        # The app is still usable: the next message gets a full reply.
        gate.set()
        engine.script("still here")
        await _send(pilot, "again")
        await _wait(pilot, lambda: len(screen.session.messages) == 4)
        assert screen.session.messages[-1].text == "still here"


async def test_gauge_updates_while_typing(store: ProfileStore) -> None:
    app = _app(store, FakeEngine())
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


async def test_gauge_rises_as_the_reply_streams(store: ProfileStore) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate).script("a b c d")
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        gauge = app.screen.query_one(ContextGauge)
        await _send(pilot, "hi")
        await _wait(pilot, lambda: app.screen._pending is not None and app.screen._pending.view._raw == "a")
        during = gauge.counts.history
        gate.set()
        await _wait(pilot, lambda: not app.screen.generating)
        await _wait(pilot, lambda: gauge.counts.history > during)


async def test_switching_profile_changes_what_the_engine_receives(store: ProfileStore) -> None:
    engine = FakeEngine()
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await _send(pilot, "first")
        await _wait(pilot, lambda: len(engine.requests) == 1 and not app.screen.generating)
        names = app.screen.profile_names
        start = names.index("greedy-factual")
        await pilot.press("f2")
        await _wait(pilot, lambda: app.screen.session.profile.name == names[(start + 1) % len(names)])
        while app.screen.session.profile.name != "creative-sampling":
            await pilot.press("f2")
            await pilot.pause(0.02)
        bar_text = str(app.screen.query_one("#profile-knobs").render())
        assert "temp 0.9" in bar_text
        await _send(pilot, "second")
        await _wait(pilot, lambda: len(engine.requests) == 2 and not app.screen.generating)
        greedy, creative = engine.requests[0][1], engine.requests[1][1]
        assert greedy.temperature == 0 and creative.temperature == pytest.approx(0.9) and creative.top_k == 40
        assert app.screen.session.messages[-1].stats.profile == "creative-sampling"
        seed = app.screen.session.messages[-1].stats.seed
        assert f"seed {seed}" in str(app.screen.query(".message-stats").last().render())
        assert engine.requests[1][0].startswith(engine.requests[0][0])  # same chat, prefix kept


async def test_overflow_drops_old_turns_with_a_notice(store: ProfileStore) -> None:
    engine = FakeEngine(n_ctx=330)
    engine.default_reply = "word " * 20
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for index in range(4):
            await _send(pilot, f"message {index}")
            await _wait(pilot, lambda n=2 * (index + 1): len(screen.state.messages) == n and not screen.generating)
        assert screen.session.context_start > 0
        assert screen.query(".message.-dropped")
        prompt = engine.requests[-1][0]
        assert "message 0" not in prompt and "message 3" in prompt


async def test_message_that_cannot_fit_is_refused_and_kept(store: ProfileStore) -> None:
    engine = FakeEngine(n_ctx=300)
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        text = "x " * 60
        app.screen.query_one("#input").text = text
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert engine.requests == [] and app.screen.session.messages == []
        assert app.screen.query_one("#input").text == text


async def test_newline_key_inserts_instead_of_sending(store: ProfileStore) -> None:
    engine = FakeEngine()
    app = _app(store, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#input")
        await pilot.press("a", "ctrl+j", "b")
        assert app.screen.query_one("#input").text == "a\nb"
        assert engine.requests == []


async def test_broken_user_profile_is_reported_and_current_kept(store: ProfileStore) -> None:
    store.user_dir.mkdir(parents=True, exist_ok=True)
    (store.user_dir / "broken.toml").write_text('name = "broken"\ntemperature = -3\n')
    app = _app(store, FakeEngine())
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.select_profile("broken")
        await pilot.pause(0.05)
        assert app.screen.session.profile.name == "greedy-factual"
        assert app.screen.query_one(ProfileBar)._current.name == "greedy-factual"
        assert (store.user_dir / "broken.toml").read_text().endswith("-3\n")


def test_gauge_marks_estimates() -> None:
    from tui.core.chat.budget import GaugeCounts

    counts = GaugeCounts(system=1, pins=0, history=10, draft=2, reserve=100, n_ctx=2048)
    assert "≈113 / 2,048" in ContextGauge.render_counts(counts, 100, estimated=True).plain
    assert "≈" not in ContextGauge.render_counts(counts, 100).plain
