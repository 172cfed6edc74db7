"""One table of actions: the bindings, the palette, the welcome text and the README's key table agree."""

from __future__ import annotations

import re
from pathlib import Path

from tui.ui.actions import CHAT_ACTIONS, FOOTER_ORDER, chat_bindings, key_label, palette_actions, welcome_keys
from tui.ui.chat.chat_input import NEWLINE_KEYS
from tui.ui.chat.screen import ChatScreen

README = Path(__file__).resolve().parent.parent / "README.md"
NOT_ACTIONS = {"Enter", "Ctrl+J / Alt+J"}
"""Keys of the message box (send, new line), not chat actions."""
PALETTE_ROW = "Ctrl+P / "
"""Textual's own palette key (Ctrl+P) comes first in the palette's row, before our second key (Alt+X)."""


def _readme_keys() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("## In the chat", 1)[1].split("\n\n", 2)[1]
    keys = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        keys[cells[0].split(" (")[0].removeprefix(PALETTE_ROW)] = cells[1]
    return keys


def test_ids_and_keys_are_unique() -> None:
    ids = [action.id for action in CHAT_ACTIONS]
    keys = [key for action in CHAT_ACTIONS for key in action.keys]
    assert len(set(ids)) == len(ids) and len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"chat\.[a-z-]+", action_id) for action_id in ids)
    assert not set(keys) & NEWLINE_KEYS


def test_every_action_with_a_key_has_one_that_is_not_an_f_key() -> None:
    """F-keys are what GNOME Terminal (F10), VS Code (F5, F6, F10, F11) and macOS (Fn) take first."""
    for action in CHAT_ACTIONS:
        if action.keys:
            assert any(not re.fullmatch(r"f\d+", key) for key in action.keys), action.id
            assert any(key.startswith(("alt+", "ctrl+", "escape")) for key in action.keys), action.id


def test_keys_vs_code_takes_have_an_alt_twin() -> None:
    """VS Code's terminal keeps Ctrl+P, Ctrl+Q, Ctrl+F and Ctrl+N (and F5/F6/F10/F11 for its debugger)."""
    taken = {"ctrl+p", "ctrl+q", "ctrl+f", "ctrl+n", "f5", "f6", "f10", "f11"}
    for action in CHAT_ACTIONS:
        if set(action.keys) & taken:
            assert any(key.startswith("alt+") for key in action.keys), action.id
    assert any(action.action == "app.command_palette" for action in CHAT_ACTIONS)  # Ctrl+P's twin


def test_the_footer_order_names_every_footer_action_once() -> None:
    footer = [action.id for action in CHAT_ACTIONS if action.footer is not None]
    assert sorted(FOOTER_ORDER) == sorted(footer) and len(set(FOOTER_ORDER)) == len(FOOTER_ORDER)


def test_key_labels_are_written_as_people_write_keys() -> None:
    assert [key_label(key) for key in ("escape", "f10", "ctrl+r", "alt+p", "ctrl+shift+up")] == [
        "Esc",
        "F10",
        "Ctrl+R",
        "Alt+P",
        "Ctrl+Shift+Up",
    ]


def test_every_action_is_a_method_of_the_chat_screen() -> None:
    for action in CHAT_ACTIONS:
        if not action.action.startswith("app."):
            assert callable(getattr(ChatScreen, f"action_{action.action}", None)), action.id


def test_the_screen_s_bindings_and_the_palette_come_from_the_table() -> None:
    assert [binding.id for binding in ChatScreen.BINDINGS] == [binding.id for binding in chat_bindings()]
    assert {action.title for action in palette_actions()} >= {"Replay last reply", "Switch model", "New chat"}


def test_the_readme_key_table_matches_the_actions_table() -> None:
    readme = _readme_keys()
    keyed = {action.key_label: action for action in CHAT_ACTIONS if action.key_label}
    assert set(readme) - NOT_ACTIONS == set(keyed), "README keys differ from tui/ui/actions.py"
    assert NOT_ACTIONS <= set(readme)


def test_the_welcome_text_names_each_key_it_lists() -> None:
    text = welcome_keys()
    for action in CHAT_ACTIONS:
        if action.welcome:
            assert f"{action.key_label} {action.welcome}" in text


async def test_a_palette_entry_runs_its_action(store) -> None:
    from ui_helpers import make_app, send_and_wait, wait_for

    async with make_app(store).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: pilot.app.screen is not screen)
        for key in "New chat":
            await pilot.press("space" if key == " " else key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen and screen.state.messages == ())
