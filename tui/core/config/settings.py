"""What ``config.toml`` may hold and how its values are checked: one line naming the file, the key and the
allowed range for each mistake, the line and column for broken TOML.

Pure: text in, values out. Writing the theme back (``with_theme``) returns new text built from the parsed
file, so the other keys are kept; a file that does not parse is never rewritten.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from typing import Any

import tomli_w

from tui.core.errors import UserError, shown
from tui.core.text_files import parse_toml

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 1 << 20

# The same ranges the command line accepts (tests/test_config.py compares them with tui/cli.py).
INT_RANGES: dict[str, tuple[int, int]] = {"ctx": (128, 1_048_576), "threads": (1, 1024), "gpu_layers": (-1, 100_000)}
TEXT_KEYS = ("model", "profile", "system", "theme")
MAX_TEXT = 100_000
KEYS_TABLE = "keys"
"""Key remaps: here only a table of strings; ids and key names are checked against the UI's actions table
(``tui/ui/keymap.py``), which the core does not import."""


class ConfigError(UserError):
    """``config.toml`` cannot be used: the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class Settings:
    """The values a config file sets; None = not set there (a later layer decides)."""

    model: str | None = None
    profile: str | None = None
    ctx: int | None = None
    threads: int | None = None
    gpu_layers: int | None = None
    system: str | None = None
    theme: str | None = None
    keys: tuple[tuple[str, str], ...] = ()

    def value(self, key: str) -> Any:
        return getattr(self, key)


SETTING_KEYS: tuple[str, ...] = tuple(field.name for field in fields(Settings) if field.name != KEYS_TABLE)
ALLOWED = (*SETTING_KEYS, KEYS_TABLE)


def parse_settings(text: str, source: str) -> Settings:
    """``text`` of the file ``source`` (already shown), checked key by key."""
    data = _load(text, source)
    unknown = sorted(set(data) - set(ALLOWED))
    if unknown:
        raise ConfigError(f"{source}: unknown key '{shown(unknown[0])}' (allowed: {', '.join(ALLOWED)})")
    values: dict[str, Any] = {}
    for key, (low, high) in INT_RANGES.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{source}: '{key}' must be an integer from {low} to {high}, got {_show(value)}")
            values[key] = value
    for key in TEXT_KEYS:
        if key in data:
            value = data[key]
            empty_ok = key == "system"
            if not isinstance(value, str) or (not empty_ok and not value.strip()) or len(value) > MAX_TEXT:
                what = "a string" if empty_ok else "a non-empty string"
                raise ConfigError(
                    f"{source}: '{key}' must be {what} (at most {MAX_TEXT} characters), got {_show(value)}"
                )
            values[key] = value
    if KEYS_TABLE in data:
        values[KEYS_TABLE] = _keys_table(data[KEYS_TABLE], source)
    return Settings(**values)


def with_theme(text: str, theme: str, source: str) -> str:
    """The file's text with ``theme`` set and every other key kept (comments are not: tomli-w writes data).
    Raises ``ConfigError`` when the current text is not a valid config, so a broken file is left alone."""
    data = _load(text, source) if text.strip() else {}
    parse_settings(text, source)  # an invalid value elsewhere: the user fixes it first, nothing is lost
    data["theme"] = theme
    return tomli_w.dumps(data)


def _load(text: str, source: str) -> dict[str, Any]:
    try:
        return parse_toml(text, source, ConfigError)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {_with_position(str(error), text)}") from None


def _with_position(message: str, text: str) -> str:
    """tomllib ends its message with "(at line L, column C)", or "(at end of document)": then the position
    of the end is said too, so every broken file gets a line and a column."""
    if message.endswith("(at end of document)"):
        lines = text.split("\n")
        where = f"at end of document: line {len(lines)}, column {len(lines[-1]) + 1}"
        return message.removesuffix("(at end of document)") + f"({where})"
    return message


def _keys_table(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: '[{KEYS_TABLE}]' must be a table of action = \"key\" strings, got {_show(value)}")
    for name, key in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"{source}: '{KEYS_TABLE}.{shown(name)}' must be a key name (a string), got {_show(key)}")
    return tuple(value.items())


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict) else "a table"
    return shown(text if len(text) <= 60 else text[:57] + "...")
