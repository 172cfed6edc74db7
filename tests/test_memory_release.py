"""What a chat holds is given back: after turns, inspector looks and Ctrl+N, no widget, turn or rendered line of
the old chat is still alive (issue 12, item 9).

Counted, never timed: live objects of each kind (``gc.get_objects`` after ``gc.collect``) against what the
screen has mounted now. ``benchmarks/bench_memory.py`` measures the same in MiB.
"""

from __future__ import annotations

import asyncio
import gc
import weakref

from textual._styles_cache import StylesCache
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._footer import FooterKey
from ui_helpers import InspectableFake, make_app, send_and_wait, wait_for

from tui.core.chat.state import Turn
from tui.core.inspector.cache import ScoreCache
from tui.ui import styles_cache_fix
from tui.ui.chat import transcript
from tui.ui.chat.chat_footer import ChatFooter
from tui.ui.chat.message_view import MessageView
from tui.ui.common import worker_threads
from tui.ui.inspector.screen import InspectorScreen

REPLY = "## Answer\n\nA paragraph with `code` and **bold** words.\n\n- one\n- two\n\nA last paragraph."


def live(kind: type) -> list[object]:
    gc.collect()
    return [obj for obj in gc.get_objects() if isinstance(obj, kind)]


async def inspect_and_close(pilot) -> None:
    app = pilot.app
    chat = app.screen
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and bool(app.screen.scores))
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is chat)


def stale_footer_keys(screen, composed: weakref.WeakSet) -> list[object]:
    """Keys the chat footer composed that are still alive although it no longer shows them."""
    gc.collect()
    mounted_keys = set(screen.query(FooterKey))
    return [key for key in list(composed) if key not in mounted_keys]


async def settle(pilot) -> None:
    """Let pending removals, recomposes and the "New chat." toast's widgets finish."""
    pilot.app.clear_notifications()
    for _ in range(3):
        await pilot.pause(0.05)


async def test_ctrl_n_gives_back_every_view_turn_and_rendered_line(store, monkeypatch):
    monkeypatch.setattr(transcript, "MAX_MOUNTED", 6)  # the window trims within a short test
    monkeypatch.setattr(transcript, "KEEP_MOUNTED", 4)
    composed: weakref.WeakSet = weakref.WeakSet()  # the chat footer's keys only (the inspector has a footer too)
    compose = ChatFooter.compose

    def recording(self):
        for widget in compose(self):
            if isinstance(widget, FooterKey):
                composed.add(widget)
            yield widget

    monkeypatch.setattr(ChatFooter, "compose", recording)
    engine = InspectableFake(default_reply=REPLY)
    app = make_app(store, engine)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        start_turns = len(live(Turn))
        for index in range(8):
            await send_and_wait(pilot, f"question {index}")
            mounted = len(app.screen.query(MessageView))
            assert mounted <= 6
            assert len(live(MessageView)) == mounted  # trimmed views are snapshots, not widgets kept alive
        for _ in range(3):
            await inspect_and_close(pilot)
        screen = app.screen
        assert len(screen.scores) == 1
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: not screen.state.messages and bool(screen.query("#welcome")))
        await wait_for(pilot, lambda: engine.forgotten == 1)  # the engine gave its KV cache's memory back too
        await settle(pilot)

        assert live(MessageView) == []
        assert live(InspectorScreen) == []  # no finished worker keeps a closed inspector (and its table) alive
        assert len(live(Turn)) == start_turns
        assert len(screen.scores) == 0
        # Every StylesCache belongs to a live widget: none is pinned by Textual's lru_cache with its lines.
        # (Counted, not kept: a list of every live widget would itself keep the footer's replaced keys alive.)
        assert len(live(StylesCache)) <= len(live(Widget))
        # The chat footer keeps none of the keys it replaced at each recompose (F8 open/close, focus moves).
        # A recompose still in flight holds its old keys until it ends, so this waits for the footer to be
        # idle; a real leak keeps them for the life of the app and still fails.
        await wait_for(pilot, lambda: stale_footer_keys(screen, composed) == [])


def test_score_cache_is_bounded_and_cleared():
    cache = ScoreCache(limit=8)
    records = [object() for _ in range(20)]
    for index, record in enumerate(records):
        cache.put("model.gguf", record, [index])  # type: ignore[arg-type, list-item]
    assert len(cache) == 8
    assert cache.get("model.gguf", records[0]) is None  # type: ignore[arg-type]
    assert cache.get("model.gguf", records[-1]) == [19]  # type: ignore[arg-type]
    cache.clear()
    assert len(cache) == 0


def test_styles_cache_fix_is_idempotent_and_keeps_the_styles():
    styles_cache_fix.install()
    assert styles_cache_fix.install() is False  # already in place: nothing to replace
    from textual.color import Color

    base, background = Color(10, 20, 30), Color(40, 50, 60, 0.5)
    inner, outer = StylesCache().get_inner_outer(base, background)
    assert inner.background == base + background
    assert outer.background == base


def test_giving_memory_back_trims_the_allocator_on_glibc() -> None:
    """Ctrl+N collects cycles and calls malloc_trim(0) (7-14 MiB of RSS back after a 30-turn chat); a C
    library without malloc_trim makes it a no-op, never an error."""
    import platform

    from tui.ui.common.memory_trim import give_back_memory

    trimmed = give_back_memory()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert trimmed


class _WorkingScreen(Screen):
    def on_mount(self) -> None:
        self.run_worker(lambda: None, thread=True, exit_on_error=False)


class _WorkerHost(App):
    def on_load(self) -> None:
        worker_threads.install(asyncio.get_running_loop())


async def test_a_finished_thread_worker_lets_go_of_its_screen() -> None:
    """Textual's thread workers run on long-lived pool threads and leave themselves (and their screen) in the
    thread's context; each task now runs in a fresh one, so a closed screen is collected."""
    app = _WorkerHost()
    async with app.run_test() as pilot:
        await app.push_screen(_WorkingScreen())
        await wait_for(pilot, lambda: not app.workers._workers)
        await app.pop_screen()
        await wait_for(pilot, lambda: live(_WorkingScreen) == [])
