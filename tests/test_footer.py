"""The chat's footer at 80 columns: the most important keys in FOOTER_ORDER, whole, then "more: Ctrl+P"."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from tui.core.contract import EngineCapabilities
from tui.engine.fake import FakeEngine
from tui.ui.chat.chat_footer import ChatFooter, fitting, key_width


def _footer_text(app) -> tuple[str, int]:
    """What the footer shows, left to right, and the column where its last item ends."""
    footer = app.screen.query_one(ChatFooter)
    items = list(footer.children)
    return " ".join(str(item.render()).strip() for item in items), max(item.region.right for item in items)


def _local_like() -> FakeEngine:
    return FakeEngine(capabilities=EngineCapabilities(rescoring=True, reuse_limit=True))


async def test_at_80_columns_the_footer_shows_the_first_keys_that_fit_and_ends_with_more(store) -> None:
    from ui_helpers import make_app, wait_for

    async with make_app(store, _local_like()).run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.screen.query_one(ChatFooter).children) > 1)
        text, right = _footer_text(pilot.app)
        assert text == "Esc Stop F2 Profile F7 Prompt F4 Pins Ctrl+O History F8 Inspect more: Ctrl+P", text
        assert right <= 80  # nothing cut at the edge, nothing scrolled away


async def test_a_wider_terminal_shows_more_keys_and_a_narrow_one_fewer(store) -> None:
    from ui_helpers import make_app, wait_for

    async with make_app(store, _local_like()).run_test(size=(80, 24)) as pilot:
        footer = pilot.app.screen.query_one(ChatFooter)
        await wait_for(pilot, lambda: len(footer.children) > 1)
        await pilot.resize_terminal(140, 24)
        await wait_for(pilot, lambda: "Compare" in _footer_text(pilot.app)[0])
        text, right = _footer_text(pilot.app)
        assert text.startswith("Esc Stop F2 Profile") and text.endswith("Quit more: Ctrl+P") and right <= 140
        await pilot.resize_terminal(40, 24)
        await wait_for(pilot, lambda: "Prompt" not in _footer_text(pilot.app)[0])
        text, right = _footer_text(pilot.app)
        assert text == "Esc Stop F2 Profile more: Ctrl+P" and right <= 40


async def test_the_footer_shows_a_remapped_key(store) -> None:
    from ui_helpers import make_app, wait_for

    app = make_app(store, _local_like(), keymap={"chat.next-profile": "ctrl+s,f2"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.screen.query_one(ChatFooter).children) > 1)
        assert _footer_text(pilot.app)[0].startswith("Esc Stop Ctrl+S Profile F7 Prompt")
        keys = [key.key for key in pilot.app.screen.query(FooterKey)]
        assert "ctrl+s" in keys and "f2" not in keys  # one entry per action: its first key


def test_fitting_keeps_a_prefix_of_whole_keys() -> None:
    widths = [key_width("Esc", "Stop"), key_width("F2", "Profile"), key_width("F7", "Prompt")]
    assert widths == [9, 11, 10]
    assert [fitting(widths, room) for room in (0, 8, 9, 19, 20, 30, 100)] == [0, 0, 1, 1, 2, 3, 3]
