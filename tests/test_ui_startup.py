"""The first frame does not wait for the model: it loads in a worker, and a failed load exits with code 2."""

from __future__ import annotations

import threading

from ui_helpers import make_app, send, send_and_wait, wait_for

from tui.core.errors import ModelError
from tui.core.loading_engine import LoadingEngine
from tui.engine.fake import FakeEngine
from tui.ui.chat.header_bar import HeaderBar


async def test_the_screen_is_drawn_before_the_model_has_loaded(store) -> None:
    release = threading.Event()
    real = FakeEngine().script("Here I am.")

    def load() -> FakeEngine:
        release.wait(5)
        return real

    app = make_app(store, LoadingEngine("/models/big.gguf", 4096), load_first=load)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        await pilot.pause(0.1)
        assert "loading big.gguf" in str(screen.query_one(HeaderBar).render())
        await send(pilot, "too early")
        await pilot.pause(0.1)
        assert screen.state.messages == () and real.requests == []  # refused while loading, nothing lost
        release.set()
        await wait_for(pilot, lambda: screen.engine is real)
        assert pilot.app.engine is real and "Fake Model" in str(screen.query_one(HeaderBar).render())
        await send_and_wait(pilot, "now")
        assert screen.state.messages[-1].text == "Here I am."


async def test_a_model_that_fails_to_load_ends_the_app_with_its_error(store) -> None:
    def load() -> FakeEngine:
        raise ModelError("/models/broken.gguf is not a GGUF file")

    app = make_app(store, LoadingEngine("/models/broken.gguf", 4096), load_first=load)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: not pilot.app.is_running or pilot.app.startup_error is not None)
    assert app.return_code == 2 and app.startup_error == "/models/broken.gguf is not a GGUF file"
