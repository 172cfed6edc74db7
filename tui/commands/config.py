"""``config.toml`` at the edges: read it, lay it under the command line's flags, save the theme picked in the
app, and ``shotglass config path|show``.

Precedence is flag > environment > config > built-in. No environment variable sets these keys today
(``OPENAI_API_KEY`` is only the endpoint key, ``SHOTGLASS_*`` tune caches and the crash guard), so the
environment layer is empty for them; ``resolve`` takes it where one is added. The values are checked where
they are read: a bad one stops the command with one line naming the file and the key, before a model loads
or the screen is drawn.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from tui.core.atomic import write_text_atomic
from tui.core.config.effective import Layer, Resolved, resolve
from tui.core.config.settings import (
    CONFIG_NAME,
    MAX_CONFIG_BYTES,
    SETTING_KEYS,
    ConfigError,
    Settings,
    parse_settings,
    with_theme,
)
from tui.core.errors import shown
from tui.core.models.hub import is_hub_spec
from tui.core.paths import AppPaths
from tui.core.profiles.store import DEFAULT_PROFILE_NAME, ProfileStore
from tui.core.text_files import read_bounded_text

DEFAULT_THEME = "textual-dark"  # Textual's own default (textual.constants.DEFAULT_THEME)


def config_path(paths: AppPaths) -> Path:
    return paths.config_dir / CONFIG_NAME


def read_settings(paths: AppPaths) -> Settings:
    """The file's settings; an absent file sets nothing (that is not an error)."""
    path = config_path(paths)
    if not path.exists() and not path.is_symlink():
        return Settings()
    text = read_bounded_text(path, limit=MAX_CONFIG_BYTES, kind="config file", error=ConfigError)
    return parse_settings(text, shown(path))


def apply_settings(args: argparse.Namespace, settings: Settings, paths: AppPaths) -> None:
    """Fill every option the command line left unset from the config, and check what was taken from it.
    ``args.from_config`` names those keys: a default from the file is not a choice made for this run (it
    does not stop the last chat from being reopened, as a ``--profile`` flag does)."""
    source = shown(config_path(paths))
    taken = set()
    for key in SETTING_KEYS:
        value = settings.value(key)
        if value is None or getattr(args, key, None) is not None:
            continue
        if key == "model":
            value = _config_model(value, source)
        elif key == "profile":
            _check_profile(value, source, paths)
            if args.command in ("ask", "eval"):
                value = [value]  # these commands take --profile repeatedly: a list, as the parser makes
        elif key == "theme":
            check_theme(value, source)
        setattr(args, key, value)
        taken.add(key)
    args.from_config = frozenset(taken)
    args.config_keys = settings.keys  # checked against the actions table where the UI is built (tui/ui/keymap.py)


def _config_model(value: str, source: str) -> Path:
    if is_hub_spec(value):
        return Path(value)  # resolved offline where every --model is (tui/engines.py)
    path = Path(value).expanduser()
    if not path.exists():
        raise ConfigError(f"{source}: 'model' must name a GGUF file that exists, got '{shown(value)}'")
    return path


def _check_profile(name: str, source: str, paths: AppPaths) -> None:
    names = ProfileStore(paths.user_profiles_dir).names()
    if name not in names:
        raise ConfigError(f"{source}: 'profile' must be one of {', '.join(names)}, got '{shown(name)}'")


def check_theme(name: str, source: str) -> None:
    from textual.theme import BUILTIN_THEMES  # only when a theme is set: textual is not needed otherwise

    if name not in BUILTIN_THEMES:
        raise ConfigError(f"{source}: 'theme' must be one of {', '.join(sorted(BUILTIN_THEMES))}, got '{shown(name)}'")


def save_theme(paths: AppPaths, theme: str) -> None:
    """Write ``theme`` into config.toml atomically, keeping every other key. A file that cannot be parsed is
    left exactly as it is (``ConfigError``): the user's file is never lost to a theme."""
    path = config_path(paths)
    text = ""
    if path.exists() or path.is_symlink():
        text = read_bounded_text(path, limit=MAX_CONFIG_BYTES, kind="config file", error=ConfigError)
    target = path.resolve() if path.is_symlink() else path  # a linked dotfile stays a link; its target changes
    write_text_atomic(target, with_theme(text, theme, shown(path)))


def remember_theme(paths: AppPaths, started: str, now: str) -> str | None:
    """After the app: save a theme changed in it. Returns the line to print when it could not be saved."""
    if now == started:
        return None
    try:
        save_theme(paths, now)
    except (ConfigError, OSError) as error:
        return f"theme '{now}' not saved: {error}"
    return None


def register(commands: Any) -> None:
    parser = commands.add_parser("config", help=f"where {CONFIG_NAME} is, and the settings in effect")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("path", help=f"print the path of {CONFIG_NAME}")
    actions.add_parser("show", help="each setting in effect and where it came from (flag, config, built-in)")


def effective(args: argparse.Namespace, settings: Settings, paths: AppPaths) -> tuple[Resolved, ...]:
    from tui.core.models.hardware import physical_cores

    flags = {key: getattr(args, key, None) for key in SETTING_KEYS}
    builtins = {
        "model": "the embedded Gemma 3 270M",
        "profile": DEFAULT_PROFILE_NAME,
        "ctx": "the model's trained context, at most 8192",
        "threads": f"{physical_cores()} (physical cores)",
        "gpu_layers": "all layers if this llama.cpp build can offload, else 0",
        "system": "",
        "theme": DEFAULT_THEME,
    }
    layers = [
        Layer("flag", {key: value for key, value in flags.items() if value is not None}),
        Layer(f"config {shown(config_path(paths))}", {key: settings.value(key) for key in SETTING_KEYS}),
        Layer("built-in", builtins),
    ]
    return resolve(SETTING_KEYS, layers)


KeyRows = Callable[[Sequence[tuple[str, str]], str], Sequence[Resolved]]
"""``[keys]`` entries and the file's name -> the keys in effect per action (``tui.ui.keymap.key_rows``, passed in
by the composition root: the actions table is the UI's)."""


def run_config(
    args: argparse.Namespace, paths: AppPaths, *, out: TextIO | None = None, key_rows: KeyRows | None = None
) -> int:
    out = out or sys.stdout  # looked up per call: a caller (a test) may have replaced it
    path = config_path(paths)
    if args.action == "path":
        out.write(f"{path}\n")
        return 0
    settings = read_settings(paths)
    source = shown(path)
    if settings.theme is not None:
        check_theme(settings.theme, source)
    if settings.profile is not None:
        _check_profile(settings.profile, source, paths)
    out.write(f"config file: {source}{'' if path.exists() else ' (not found: built-in defaults)'}\n")
    resolved = effective(args, settings, paths)
    if key_rows is not None:
        resolved = (*resolved, *key_rows(settings.keys, source))  # a bad [keys] entry: one line, exit 2
    rows = [(item.key, _display(item.value), item.source) for item in resolved]
    width = max(len(key) for key, _, _ in rows)
    value_width = min(60, max(len(value) for _, value, _ in rows))
    for key, value, where in rows:
        out.write(f"{key:<{width}}  {value:<{value_width}}  {where}\n")
    if key_rows is None:
        for action, key in settings.keys:
            out.write(f"keys.{shown(action)} = {shown(key)!r}  config\n")
    return 0


def _display(value: Any) -> str:
    if isinstance(value, str):
        text = shown(value) if value else '""'
        return text if len(text) <= 60 else text[:57] + "..."
    return shown(value)
