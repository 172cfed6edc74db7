"""One table of actions: the bindings, the palette, the welcome text and the README's key table agree."""

from __future__ import annotations

import re
from pathlib import Path

from tui.ui.actions import CHAT_ACTIONS, chat_bindings, palette_actions, welcome_keys
from tui.ui.chat.screen import ChatScreen

README = Path(__file__).resolve().parent.parent / "README.md"
NOT_ACTIONS = {"Enter", "Ctrl+J", "Ctrl+P"}
"""Keys of the message box (send, new line) and of Textual itself (the palette), not chat actions."""


def _readme_keys() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("## In the chat", 1)[1].split("\n\n", 2)[1]
    keys = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        keys[cells[0].split(" (")[0]] = cells[1]
    return keys


def test_ids_and_keys_are_unique() -> None:
    ids = [action.id for action in CHAT_ACTIONS]
    keys = [action.key for action in CHAT_ACTIONS if action.key]
    assert len(set(ids)) == len(ids) and len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"chat\.[a-z-]+", action_id) for action_id in ids)


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
