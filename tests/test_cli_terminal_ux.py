"""Terminal-UX fixes of issue 14 in the installed command: a broken profile file, search output, few-shot ask."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.store import HistoryStore
from tui.core.paths import AppPaths

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(cmd: list[str], *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *argv], capture_output=True, text=True, env=env, timeout=120)


def test_profiles_list_names_a_broken_file_on_stderr_and_lists_the_others(
    shotglass_cmd: list[str], cli_env: dict[str, str], isolated_dirs: AppPaths
) -> None:
    folder = isolated_dirs.user_profiles_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aaa-broken.toml").write_text('name = "aaa-broken"\ntop_p = 7\n')
    (folder / "mine.toml").write_text('name = "mine"\ntemperature = 0.5\n')
    result = _run(shotglass_cmd, "profiles", "list", env=cli_env)
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "mine" in names and "greedy-factual" in names and "aaa-broken" not in names
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "broken" in lines[0]
    assert str(folder / "aaa-broken.toml") in lines[0] and "top_p" in lines[0]
    shown = _run(shotglass_cmd, "profiles", "show", "aaa-broken", env=cli_env)
    assert shown.returncode == 2 and "top_p" in shown.stderr and "Traceback" not in shown.stderr


def test_history_search_prints_plain_text_when_piped(
    shotglass_cmd: list[str], cli_env: dict[str, str], isolated_dirs: AppPaths
) -> None:
    with HistoryStore.for_paths(isolated_dirs) as store:
        chat = store.create_conversation()
        store.add_user_message(chat, "Tell me about the river Seine")
        reply = store.start_reply(chat, "greedy-factual")
        stats = ReplyStats("greedy-factual", None, FinishReason.END_OF_SEQUENCE, 9, 4, 9, 0.02, 60.0)
        store.finish_reply(reply, "The Seine flows through Paris.", stats)
    result = _run(shotglass_cmd, "history", "search", "Seine", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "Seine" in result.stdout and "**" not in result.stdout and "\x1b" not in result.stdout


def test_few_shot_ask_prints_no_stray_blank_line(
    shotglass_cmd: list[str], cli_env: dict[str, str], model_path: Path
) -> None:
    result = _run(
        shotglass_cmd,
        "ask",
        "An instant classic, I loved every minute.",
        "--examples",
        str(EXAMPLES / "sentiment.toml"),
        "--model",
        str(model_path),
        env=cli_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")
    assert "\n\n" not in result.stdout
