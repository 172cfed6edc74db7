"""``[keys]`` in config.toml: binding ids from the actions table mapped to Textual key names, checked before
the screen is drawn, then handed to Textual's ``App.set_keymap``.

Textual applies a keymap without complaint: an unknown id is ignored, a misspelt key never fires, and a key
another binding holds silently takes it over (``App.handle_bindings_clash`` is a no-op). So every entry is
checked here and a mistake is one line naming the file, the key and what is allowed. A keymap replaces all of
an action's keys (``chat.next-profile = "ctrl+s"`` leaves F2 and Alt+P free); ``"f2,ctrl+s"`` keeps both.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping, Sequence

from textual.keys import KEY_NAME_REPLACEMENTS, Keys
from textual.widgets import TextArea

from tui.core.config.effective import Resolved
from tui.core.config.settings import KEYS_TABLE, ConfigError
from tui.core.errors import shown
from tui.ui.actions import CHAT_ACTIONS
from tui.ui.chat.chat_input import NEWLINE_KEYS, ChatInput

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""Textual names modifiers in this (sorted) order (``ctrl+shift+up``, ``alt+ctrl+x``): a key written in
another order is put in it, so it matches what the terminal driver reports."""

_BOUND = {action.id: action for action in CHAT_ACTIONS if action.key}
"""Only actions that have a binding can be remapped (Textual's keymap replaces the keys of existing bindings)."""


def _printable_names() -> frozenset[str]:
    """What Textual calls the keys that type a character: ``a``, ``7``, ``comma``, ``slash``, ``space``."""
    names = set(string.ascii_lowercase) | set(string.digits)
    for char in string.punctuation + " ":
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
        names.add(KEY_NAME_REPLACEMENTS.get(name, name))
    return frozenset(names)


PRINTABLE_KEYS = _printable_names()
BASE_KEYS = PRINTABLE_KEYS | {
    base for key in Keys if (base := key.value.rsplit("+", 1)[-1]).isidentifier() and base != "return"
}
"""``return`` is left out: terminals send Enter, which Textual reports as ``enter``."""


def _message_box_keys() -> dict[str, str]:
    """Keys the message box uses itself (it has focus, so its bindings come before the screen's)."""
    used: dict[str, str] = {"enter": "sends the message", "tab": "moves the focus", "shift+tab": "moves the focus"}
    for key in NEWLINE_KEYS:
        used[key] = "inserts a new line in the message box"
    for binding in [*TextArea.BINDINGS, *ChatInput.BINDINGS]:
        for key in getattr(binding, "key", "").split(","):
            used.setdefault(key.strip(), f"is the message box's {getattr(binding, 'action', '').replace('_', ' ')}")
    used["ctrl+p"] = "opens the command palette"
    return used


def check_keymap(entries: Sequence[tuple[str, str]], source: str) -> dict[str, str]:
    """The ``[keys]`` table of ``source`` as a Textual keymap; ``ConfigError`` (one line) on the first mistake."""
    keymap: dict[str, str] = {}
    for action_id, value in entries:
        if action_id not in _BOUND:
            raise ConfigError(
                f"{source}: unknown action '{KEYS_TABLE}.{shown(action_id)}' (allowed: {', '.join(_BOUND)})"
            )
        keys = [_normal_key(part, action_id, source) for part in value.split(",")]
        if len(set(keys)) != len(keys):
            raise ConfigError(f"{source}: '{KEYS_TABLE}.{action_id}' names the same key twice, got '{shown(value)}'")
        keymap[action_id] = ",".join(keys)
    _check_clashes(keymap, source)
    return keymap


def _normal_key(text: str, action_id: str, source: str) -> str:
    parts = [part.strip() for part in text.strip().lower().split("+")]
    *modifiers, base = parts
    where = f"{source}: '{KEYS_TABLE}.{action_id}'"
    if not base or base not in BASE_KEYS or any(modifier not in MODIFIERS for modifier in modifiers):
        raise ConfigError(
            f"{where} must be a Textual key name ([{'+|'.join(MODIFIERS)}+]KEY, KEY a letter, a digit, f1-f24, "
            f"escape, enter, home, up, pageup, delete, space, comma, ...; several separated by ','), "
            f"got '{shown(text.strip())}'"
        )
    if len(set(modifiers)) != len(modifiers):
        raise ConfigError(f"{where} repeats a modifier, got '{shown(text.strip())}'")
    key = "+".join([*sorted(modifiers), base])
    if set(modifiers) <= {"shift"} and base in PRINTABLE_KEYS:
        raise ConfigError(f"{where}: '{key}' would be typed into the message box; add ctrl+ or alt+")
    if not _BOUND[action_id].priority and set(modifiers) <= {"alt", "shift"} and base in PRINTABLE_KEYS:
        # the terminal sends Alt+Z as Esc + "z": the focused message box sees the character before this binding
        raise ConfigError(f"{where}: '{key}' would be typed into the message box first (use a ctrl+ key here)")
    return key


def _check_clashes(keymap: Mapping[str, str], source: str) -> None:
    """A key may belong to one action only, and not to the message box (unless it is that action's default:
    Ctrl+C copies in both, by design)."""
    taken: dict[str, str] = {}
    for action_id, action in _BOUND.items():
        for key in keymap.get(action_id, action.key).split(","):
            holder = taken.get(key)
            if holder is not None:
                other = holder if action_id in keymap else action_id
                mine = action_id if action_id in keymap else holder
                if other in keymap:
                    raise ConfigError(
                        f"{source}: '{KEYS_TABLE}.{mine}' = '{key}' is also given to '{KEYS_TABLE}.{other}' "
                        "(one key, one action)"
                    )
                raise ConfigError(
                    f"{source}: '{KEYS_TABLE}.{mine}' = '{key}' is already the key of {other} "
                    f"(remap {other} too, or pick another key)"
                )
            taken[key] = action_id
    box = _message_box_keys()
    for action_id, keys in keymap.items():
        for key in keys.split(","):
            if key in box and key not in _BOUND[action_id].keys:
                raise ConfigError(f"{source}: '{KEYS_TABLE}.{action_id}' = '{key}': {key} {box[key]}; pick another key")


def key_rows(entries: Sequence[tuple[str, str]], source: str) -> tuple[Resolved, ...]:
    """``shotglass config show``: every remappable action (``keys.chat.stop``) with the keys in effect, from
    ``[keys]`` where set there, else the built-in ones."""
    keymap = check_keymap(entries, source)
    return tuple(
        Resolved(
            f"{KEYS_TABLE}.{action_id}",
            keymap.get(action_id, action.key),
            f"config {source}" if action_id in keymap else "built-in",
        )
        for action_id, action in _BOUND.items()
    )
