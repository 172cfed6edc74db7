"""The compositor fix draws fewer widgets per frame, and every frame it sends to the terminal is the one
Textual's own drawing sends (``tui/ui/compositor_crop_fix.py``)."""

from __future__ import annotations

import io

from rich.console import Console
from textual._compositor import Compositor
from ui_helpers import send, send_and_wait, wait_reply

from tui.engine.fake import FakeEngine
from tui.ui import compositor_crop_fix


def _terminal_output(update) -> list[tuple[str, str]]:
    console = Console(file=io.StringIO(), width=100, height=30, force_terminal=True, color_system="truecolor")
    return [(segment.text, str(segment.style)) for segment in console.render(update)]


async def test_each_partial_frame_equals_textuals_and_draws_fewer_widgets(chat_app, monkeypatch) -> None:
    compared: list[tuple[int, int]] = []  # widgets drawn per frame: (Textual's, the fix's)
    partial = Compositor.render_partial_update

    def both(self: Compositor):
        dirty = set(self._dirty_regions)
        counts = []
        outputs = []
        for draw in (compositor_crop_fix._textual_get_renders, compositor_crop_fix._renders_in_crop):
            self._dirty_regions.clear()
            self._dirty_regions.update(dirty)
            drawn = []

            def counted(compositor, crop=None, draw=draw, drawn=drawn):
                for render in draw(compositor, crop):
                    drawn.append(render)
                    yield render

            monkeypatch.setattr(Compositor, "_get_renders", counted)
            update = partial(self)
            outputs.append(None if update is None else _terminal_output(update))
            counts.append(len(drawn))
        monkeypatch.setattr(Compositor, "_get_renders", compositor_crop_fix._renders_in_crop)
        assert outputs[0] == outputs[1]
        compared.append((counts[0], counts[1]))
        return update

    engine = FakeEngine(token_delay_s=0.01)
    for number in range(8):
        engine.script(f"Answer {number}: " + " ".join(f"word{index}" for index in range(30)))
    async with chat_app(engine).run_test(size=(100, 30)) as pilot:
        for number in range(6):
            await send_and_wait(pilot, f"question {number}")
        monkeypatch.setattr(Compositor, "render_partial_update", both)
        await send(pilot, "one more")
        await wait_reply(pilot, 14)
        await pilot.pause(0.1)
    assert len(compared) >= 5
    assert all(fixed <= textual for textual, fixed in compared)
    assert any(2 * fixed < textual for textual, fixed in compared)  # a frame that changed only the reply's rows


def test_install_is_idempotent_and_uninstall_restores_textuals_drawing() -> None:
    compositor_crop_fix.install()
    assert compositor_crop_fix.install() is False
    compositor_crop_fix.uninstall()
    assert Compositor._get_renders is compositor_crop_fix._textual_get_renders
    assert compositor_crop_fix.install() is True
