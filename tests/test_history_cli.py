"""``shotglass history ...`` through its own parser and ``run_history``, as ``tui/cli.py`` will call them."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.commands.history import register, run_history
from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.store import HistoryError, HistoryStore
from tui.core.paths import AppPaths

STATS = ReplyStats("greedy-factual", 3, FinishReason.END_OF_SEQUENCE, 20, 2, 20, 0.04, 65.0)


def _run(paths: AppPaths, *argv: str) -> tuple[int, str, str]:
    root = argparse.ArgumentParser(prog="shotglass")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["history", *argv])
    out, err = io.StringIO(), io.StringIO()
    return run_history(args, paths, out=out, err=err), out.getvalue(), err.getvalue()


@pytest.fixture
def chat(isolated_dirs: AppPaths) -> int:
    with HistoryStore.for_paths(isolated_dirs) as store:
        chat = store.create_conversation(system_prompt="Answer in one word.")
        store.add_user_message(chat, "What is the capital of France?")
        reply = store.start_reply(chat, "greedy-factual")
        store.finish_reply(reply, "Paris.", STATS)
        return chat


def test_list_show_and_search(isolated_dirs: AppPaths) -> None:
    assert "no saved conversations yet" in _run(isolated_dirs, "list")[1]
    with HistoryStore.for_paths(isolated_dirs) as store:
        first = store.create_conversation()
        store.add_user_message(first, "Where do penguins live?")
    code, out, err = _run(isolated_dirs, "list")
    assert code == 0 and err == "" and f"{first}" in out and "1 msgs  Where do penguins live?" in out
    code, out, _ = _run(isolated_dirs, "show", str(first))
    assert out.startswith("# Where do penguins live?") and "### User" in out
    code, out, _ = _run(isolated_dirs, "search", "penguin")
    assert code == 0 and "[user] Where do penguins live?" in out  # plain text when not a terminal
    assert "no messages match 'walrus'" in _run(isolated_dirs, "search", "walrus")[1]


def test_export_both_formats_and_import_round_trip(isolated_dirs: AppPaths, chat: int, tmp_path: Path) -> None:
    code, out, _ = _run(isolated_dirs, "export", str(chat))
    assert code == 0 and out.startswith("# What is the capital of France?") and STATS.summary() in out
    exported = tmp_path / "chat.json"
    code, out, _ = _run(isolated_dirs, "export", str(chat), "-o", str(exported))  # .json picks the format
    assert code == 0 and f"to {exported} (json)" in out
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["messages"][0] == {"role": "system", "content": "Answer in one word."}
    code, out, _ = _run(isolated_dirs, "import", str(exported))
    assert code == 0 and "imported 'What is the capital of France?'" in out
    with HistoryStore.for_paths(isolated_dirs) as store:
        new = store.last_conversation_id()
        assert new != chat and store.get_conversation(new).messages == store.get_conversation(chat).messages
    markdown = tmp_path / "chat.txt"
    _run(isolated_dirs, "export", str(chat), "--format", "md", "-o", str(markdown))
    assert markdown.read_text(encoding="utf-8").startswith("# What is")


def test_errors_are_one_line_history_errors(isolated_dirs: AppPaths, chat: int, tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="^no conversation with id 42$"):
        _run(isolated_dirs, "show", "42")
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [{"role": "tool", "content": "x"}]}', encoding="utf-8")
    with pytest.raises(HistoryError, match=r'bad.json: messages\[0\].role "tool" is not one of'):
        _run(isolated_dirs, "import", str(bad))
    with pytest.raises(HistoryError, match="cannot write"):
        _run(isolated_dirs, "export", str(chat), "-o", str(tmp_path))  # a folder, not a file
    with pytest.raises(SystemExit) as caught:
        _run(isolated_dirs, "show", "abc")
    assert caught.value.code == 2


def test_a_corrupt_history_is_reported_on_stderr(isolated_dirs: AppPaths) -> None:
    path = isolated_dirs.data_dir / "history.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database at all" * 100)
    code, out, err = _run(isolated_dirs, "list")
    assert code == 0 and "no saved conversations yet" in out
    assert err.startswith("shotglass: the history database was unreadable") and "corrupt-" in err


def test_registering_imports_no_store() -> None:
    code = (
        "import argparse, sys\nfrom tui.commands.history import register\n"
        "register(argparse.ArgumentParser().add_subparsers())\nprint('tui.core.history.store' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False"]
