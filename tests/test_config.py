"""``config.toml``: parsing and one-line errors (pure), flag > config > built-in on the command line, the app
started with the config's defaults, the theme picked in the app saved back with the other keys kept."""

from __future__ import annotations

import re
import sys
from functools import partial
from pathlib import Path

import pytest

from tui import cli, cli_parser
from tui.commands.config import config_path, remember_theme
from tui.core.config.settings import INT_RANGES, ConfigError, parse_settings, with_theme
from tui.core.paths import AppPaths
from tui.engine.fake import FakeEngine
from tui.ui.actions import CHAT_ACTIONS
from tui.ui.app import ShotglassApp

BOUND_ACTIONS = [action for action in CHAT_ACTIONS if action.key]

SRC = "/home/u/.config/shotglass/config.toml"


def test_every_key_parses() -> None:
    text = """
model = "hf:acme/tiny/t.gguf"
profile = "creative-sampling"
ctx = 4096
threads = 2
gpu_layers = -1
system = ""
theme = "nord"

[keys]
"chat.stop" = "ctrl+s"
"""
    settings = parse_settings(text, SRC)
    assert (settings.ctx, settings.threads, settings.gpu_layers, settings.system) == (4096, 2, -1, "")
    assert settings.model == "hf:acme/tiny/t.gguf" and settings.theme == "nord"
    assert settings.keys == (("chat.stop", "ctrl+s"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ctx = 5", f"{SRC}: 'ctx' must be an integer from 128 to 1048576, got 5"),
        ("threads = true", f"{SRC}: 'threads' must be an integer from 1 to 1024, got True"),
        ("gpu_layers = 1.5", f"{SRC}: 'gpu_layers' must be an integer from -1 to 100000, got 1.5"),
        ("model = ''", f"{SRC}: 'model' must be a non-empty string"),
        ("theme = 3", f"{SRC}: 'theme' must be a non-empty string (at most 100000 characters), got 3"),
        ("colour = 'red'", f"{SRC}: unknown key 'colour' (allowed: model, profile, ctx, threads, gpu_layers,"),
        ("keys = 'x'", f"{SRC}: '[keys]' must be a table of action = \"key\" strings, got 'x'"),
        ("[keys]\nsend = 1", f"{SRC}: 'keys.send' must be a key name (a string), got 1"),
        ("a = 1\nb = = 2\nc = 3\n", f"{SRC}: not valid TOML: Invalid value (at line 2, column 5)"),
        ("ctx = ", f"{SRC}: not valid TOML: Invalid value (at end of document: line 1, column 7)"),
    ],
)
def test_bad_values_name_the_file_the_key_and_the_range(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(text, SRC)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_ranges_are_the_command_lines() -> None:
    assert INT_RANGES["ctx"] == (cli_parser.MIN_CTX, cli_parser.MAX_CTX)
    parser = cli_parser.build_parser()
    for key, (low, high) in INT_RANGES.items():
        flag = f"--{key.replace('_', '-')}"
        assert getattr(parser.parse_args([flag, str(low)]), key) == low
        assert getattr(parser.parse_args([flag, str(high)]), key) == high
        for outside in (low - 1, high + 1):
            with pytest.raises(SystemExit):
                parser.parse_args([flag, str(outside)])


def test_with_theme_keeps_the_other_keys_and_never_rewrites_a_broken_file() -> None:
    text = 'ctx = 4096\nsystem = "Be brief."\n\n[keys]\n"chat.stop" = "ctrl+s"\n'
    updated = parse_settings(with_theme(text, "nord", SRC), SRC)
    assert (updated.theme, updated.ctx, updated.system, updated.keys) == (
        "nord",
        4096,
        "Be brief.",
        (("chat.stop", "ctrl+s"),),
    )
    assert parse_settings(with_theme("", "nord", SRC), SRC).theme == "nord"
    for broken in ("ctx = [", "ctx = 5"):
        with pytest.raises(ConfigError):
            with_theme(broken, "nord", SRC)


def _ask_prints_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_ask`` binds ``sys.stdout`` when it is imported; this test's capture is today's."""
    from tui.commands import ask

    monkeypatch.setattr(ask, "run_ask", partial(ask.run_ask, out=sys.stdout))


def _write(paths: AppPaths, text: str) -> Path:
    path = config_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_and_show_say_where_each_value_came_from(
    isolated_dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["config", "path"]) == 0
    path = config_path(isolated_dirs)
    assert capsys.readouterr().out == f"{path}\n"
    assert cli.main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"config file: {path} (not found: built-in defaults)\n")
    assert re.search(r"^profile +greedy-factual +built-in$", out, re.M)
    assert out.count("built-in") == 8 + len(BOUND_ACTIONS)  # and every action's keys
    _write(isolated_dirs, 'ctx = 4096\nthreads = 2\ntheme = "nord"\n[keys]\n"chat.stop" = "ctrl+s"\n')
    assert cli.main(["--threads", "3", "config", "show"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["ctx"].split()[1:] == ["4096", "config", str(path)]
    assert rows["threads"].split()[1:] == ["3", "flag"]
    assert rows["theme"].split()[1:] == ["nord", "config", str(path)]
    assert rows["profile"].split()[1:] == ["greedy-factual", "built-in"]
    assert rows["keys.chat.stop"].split()[1:] == ["ctrl+s", "config", str(path)]
    assert rows["keys.chat.next-profile"].split()[1:] == ["f2,alt+p", "built-in"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ctx = 64\n", "'ctx' must be an integer from 128 to 1048576, got 64"),
        ("ctx = [\n", "not valid TOML: "),
        ('profile = "nope"\n', "'profile' must be one of "),
        ('theme = "neon"\n', "'theme' must be one of ansi-dark, "),
        ('model = "/no/such.gguf"\n', "'model' must name a GGUF file that exists, got '/no/such.gguf'"),
    ],
)
def test_a_bad_config_stops_ask_and_the_chat_with_one_line(
    isolated_dirs: AppPaths, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(isolated_dirs, text)
    for argv in (["ask", "hi"], []):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"shotglass: error: {path}: {message}"), err
    assert path.read_text(encoding="utf-8") == text  # never rewritten
    assert cli.main(["profiles", "list"]) == 0  # commands that use no setting still run


def test_ask_takes_system_and_profile_from_config_and_flags_win(
    isolated_dirs: AppPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _ask_prints_here(monkeypatch)
    engines: list[FakeEngine] = []

    def fake_engine(args, paths):
        engines.append(FakeEngine().script("ok"))
        return engines[-1]

    monkeypatch.setattr(cli, "load_engine", fake_engine)
    _write(isolated_dirs, 'system = "Answer in French."\nprofile = "creative-sampling"\n')
    assert cli.main(["ask", "hi", "--json"]) == 0
    assert '"profile": "creative-sampling"' in capsys.readouterr().out
    assert engines[-1].requests[0][0].startswith("Answer in French.")
    assert cli.main(["ask", "hi", "--system", "Answer in German.", "--profile", "greedy-factual", "--json"]) == 0
    assert '"profile": "greedy-factual"' in capsys.readouterr().out
    assert engines[-1].requests[0][0].startswith("Answer in German.")


def test_the_chat_starts_with_config_defaults_and_saves_the_theme_picked(
    isolated_dirs: AppPaths, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        isolated_dirs,
        f'model = "{model_path}"\nsystem = "Be brief."\ntheme = "dracula"\n\n[keys]\n"chat.stop" = "ctrl+s"\n',
    )
    seen = []

    def run(app: ShotglassApp) -> None:  # what the user did in the app: picked another theme
        seen.append((app.settings, app.theme))
        app.theme = "nord"

    monkeypatch.setattr(ShotglassApp, "run", run)
    assert cli.main([]) == 0
    settings, theme = seen[0]
    assert theme == "dracula" and settings.system_prompt == "Be brief."
    assert settings.resume  # defaults from the file do not stop the last chat from reopening
    assert settings.engine.info.path == str(model_path)
    assert settings.keymap == {"chat.stop": "ctrl+s"}  # [keys], checked, handed to the app
    saved = parse_settings(path.read_text(encoding="utf-8"), str(path))
    assert (saved.theme, saved.system, saved.model, saved.keys) == (
        "nord",
        "Be brief.",
        str(model_path),
        (("chat.stop", "ctrl+s"),),
    )


def test_a_theme_that_cannot_be_saved_leaves_the_file_as_it_was(isolated_dirs: AppPaths) -> None:
    assert remember_theme(isolated_dirs, "nord", "nord") is None  # unchanged: nothing written
    assert not config_path(isolated_dirs).exists()
    assert remember_theme(isolated_dirs, "textual-dark", "nord") is None
    assert parse_settings(config_path(isolated_dirs).read_text(encoding="utf-8"), "x").theme == "nord"
    broken = _write(isolated_dirs, "ctx = [\n# my notes\n")
    line = remember_theme(isolated_dirs, "nord", "dracula")
    assert line is not None and line.startswith(f"theme 'dracula' not saved: {broken}: not valid TOML")
    assert broken.read_text(encoding="utf-8") == "ctx = [\n# my notes\n"
    assert [p.name for p in broken.parent.iterdir()] == ["config.toml"]  # no temp file left behind
