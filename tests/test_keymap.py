"""``[keys]`` in config.toml: checked against the actions table and Textual's key names (one line each), then
applied with ``App.set_keymap``: the new key works, the old one is gone, and a real terminal's Alt+letter
(which arrives with its character) runs the action instead of typing the letter."""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette

from tui import cli
from tui.commands.config import config_path
from tui.core.config.settings import ConfigError
from tui.core.paths import AppPaths
from tui.ui.actions import CHAT_ACTIONS
from tui.ui.chat.chat_input import ChatInput
from tui.ui.keymap import check_keymap, key_rows

SRC = "/home/u/.config/shotglass/config.toml"


def test_a_keymap_is_normalised_to_textual_s_names() -> None:
    keymap = check_keymap([("chat.stop", "Ctrl+S"), ("chat.model", "f10, shift+alt+m")], SRC)
    assert keymap == {"chat.stop": "ctrl+s", "chat.model": "f10,alt+shift+m"}
    assert check_keymap([("chat.copy", "ctrl+c")], SRC) == {"chat.copy": "ctrl+c"}  # its own default: fine
    assert check_keymap([("chat.stop", "ctrl+r"), ("chat.replay", "alt+r")], SRC)  # a key freed is free


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("chat.send", "ctrl+s")], "unknown action 'keys.chat.send' (allowed: chat.stop, chat.next-profile,"),
        ([("chat.load-examples", "ctrl+s")], "unknown action 'keys.chat.load-examples'"),
        ([("chat.stop", "ctrl+xx")], "'keys.chat.stop' must be a Textual key name ([alt+|ctrl+|"),
        ([("chat.stop", "control+s")], "'keys.chat.stop' must be a Textual key name"),
        ([("chat.stop", "")], "'keys.chat.stop' must be a Textual key name"),
        ([("chat.stop", "ctrl+ctrl+s")], "'keys.chat.stop' repeats a modifier, got 'ctrl+ctrl+s'"),
        ([("chat.stop", "s")], "'keys.chat.stop': 's' would be typed into the message box; add ctrl+ or alt+"),
        ([("chat.stop", "shift+comma")], "'keys.chat.stop': 'shift+comma' would be typed"),
        ([("chat.stop", "alt+z")], "'keys.chat.stop': 'alt+z' would be typed into the message box first"),
        ([("chat.stop", "f2")], "'keys.chat.stop' = 'f2' is already the key of chat.next-profile (remap"),
        (
            [("chat.model", "ctrl+s"), ("chat.stop", "ctrl+s")],
            "'keys.chat.model' = 'ctrl+s' is also given to 'keys.chat.stop' (one key, one action)",
        ),
        ([("chat.stop", "ctrl+s,ctrl+s")], "'keys.chat.stop' names the same key twice"),
        ([("chat.stop", "ctrl+x")], "'keys.chat.stop' = 'ctrl+x': ctrl+x is the message box's cut; pick another"),
        ([("chat.stop", "enter")], "'keys.chat.stop' = 'enter': enter sends the message"),
        ([("chat.model", "alt+j")], "'keys.chat.model' = 'alt+j': alt+j inserts a new line in the message box"),
        ([("chat.model", "ctrl+p")], "'keys.chat.model' = 'ctrl+p': ctrl+p opens the command palette"),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_file_the_key_and_what_is_allowed(entries, message) -> None:
    with pytest.raises(ConfigError) as error:
        check_keymap(entries, SRC)
    assert str(error.value).startswith(f"{SRC}: {message}") and "\n" not in str(error.value), str(error.value)


def test_the_rows_for_config_show_list_every_bound_action() -> None:
    rows = key_rows([("chat.stop", "ctrl+s")], SRC)
    bound = [action for action in CHAT_ACTIONS if action.key]
    assert [row.key for row in rows] == [f"keys.{action.id}" for action in bound]
    assert rows[0].value == "ctrl+s" and rows[0].source == f"config {SRC}"
    assert all(row.source == "built-in" for row in rows[1:])


def test_a_bad_keys_table_stops_the_chat_and_config_show_with_one_line(
    isolated_dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_path(isolated_dirs)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = '[keys]\n"chat.stop" = "ctrl+nope"\n'
    path.write_text(text, encoding="utf-8")
    for argv in ([], ["config", "show"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"shotglass: error: {path}: 'keys.chat.stop' must be a Textual key name")
        assert err.count("\n") == 1
    assert path.read_text(encoding="utf-8") == text  # never rewritten


async def test_a_remapped_key_runs_its_action_and_the_old_key_does_not(store) -> None:
    from ui_helpers import make_app, wait_for

    app = make_app(store, keymap={"chat.next-profile": "ctrl+s"})
    async with app.run_test(size=(100, 30)) as pilot:
        state = pilot.app.screen.state
        await wait_for(pilot, lambda: isinstance(pilot.app.focused, ChatInput))
        first = state.profile.name
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert state.profile.name == first  # F2 is no longer this action's key
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: state.profile.name != first)


async def test_alt_letters_as_a_terminal_sends_them_run_the_action_and_type_nothing(store) -> None:
    """A terminal sends Alt+P as Esc + "p"; Textual reports key "alt+p" with character "p" (seen in tmux).
    Pilot's press() leaves the character out, so the event is posted as the driver would."""
    from ui_helpers import make_app, wait_for

    async with make_app(store).run_test(size=(100, 30)) as pilot:
        state = pilot.app.screen.state
        box = pilot.app.screen.query_one(ChatInput)
        await wait_for(pilot, lambda: pilot.app.focused is box)
        first = state.profile.name
        pilot.app.post_message(events.Key("alt+p", "p"))
        await wait_for(pilot, lambda: state.profile.name != first)
        pilot.app.post_message(events.Key("alt+j", "j"))
        await wait_for(pilot, lambda: box.text == "\n")  # Alt+J: a new line, for VS Code (it keeps Ctrl+J)
        chat = pilot.app.screen
        pilot.app.post_message(events.Key("alt+x", "x"))  # the palette's second key (VS Code keeps Ctrl+P)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
        await pilot.pause(0.3)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is chat)
        assert box.text == "\n"  # nothing typed on the way
