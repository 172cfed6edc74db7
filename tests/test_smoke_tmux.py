"""The installed ``shotglass`` in a real terminal: it starts on the embedded model, answers, draws the gauge."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest
from tmux_session import session_alive as _session_alive
from tmux_session import shotglass_session
from tmux_session import tmux as _tmux
from tmux_session import wait_for as _wait_for

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _wait_for_streamed_reply(database, timeout: float = 60.0) -> None:
    """Until an unfinished reply with some streamed text is in the history (read-only, beside the app's WAL)."""
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if database.exists():
            db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
            try:
                row = db.execute(
                    "SELECT count(*) FROM messages WHERE role = 'assistant' AND finish_reason IS NULL "
                    "AND length(text) > 8"
                ).fetchone()
            except sqlite3.OperationalError:
                row = (0,)  # the schema is still being created
            finally:
                db.close()
            if row[0]:
                return
        time.sleep(0.05)
    raise AssertionError("no streamed reply reached the history")


def test_installed_command_chats_in_a_real_terminal(shotglass_cmd, cli_env) -> None:
    with shotglass_session(shotglass_cmd, cli_env, "smoke") as session:
        screen = _wait_for(session, r"tokens \(\d+%\)")
        assert "Gemma 3 270m" in screen and "(User/Assistant)" in screen
        assert "greedy-factual" in screen
        _tmux("send-keys", "-t", session, "-l", "What is the capital of France?")
        _wait_for(session, r"draft [1-9]")
        _tmux("send-keys", "-t", session, "Enter")
        screen = _wait_for(session, r"(stop string|end of sequence|max new tokens reached) · greedy-factual")
        assert "Paris" in screen
        assert re.search(r"history [1-9]", screen)
        _tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _session_alive(session):
            time.sleep(0.2)
        assert not _session_alive(session), "Ctrl+Q did not quit"


def test_kill_9_mid_reply_loses_at_most_the_last_second(shotglass_cmd, cli_env, isolated_dirs) -> None:
    import os
    import signal

    from tui.core.chat.conversation import Role
    from tui.core.history.store import HistoryStore

    with shotglass_session(shotglass_cmd, cli_env, "kill") as session:
        _wait_for(session, r"tokens \(\d+%\)")
        prompt = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,"
        _tmux("send-keys", "-t", session, "-l", prompt)
        _tmux("send-keys", "-t", session, "Enter")
        # Kill once the history holds streamed text of an unfinished reply: waiting on the database rather
        # than on text the model writes keeps this exact on a slow or loaded machine.
        _wait_for_streamed_reply(isolated_dirs.data_dir / "history.sqlite3")
        time.sleep(0.3)
        pane = int(_tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
        children = subprocess.run(["pgrep", "-P", str(pane)], capture_output=True, text=True).stdout.split()
        killed_at = time.time()
        for pid in [pane, *map(int, children)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    store = HistoryStore(isolated_dirs.data_dir / "history.sqlite3")
    try:
        assert store.notice is None  # the database survived intact
        (conversation,) = store.list_conversations()
        user, reply = store.active_messages(conversation.id)
        assert user.role is Role.USER and user.text == prompt
        assert reply.role is Role.ASSISTANT and reply.stats is None  # killed mid-reply
        assert re.match(r"\d+, \d+,", reply.text.strip())  # the model's count, as far as it got
        assert killed_at - reply.updated_at <= 1.5, f"last write {killed_at - reply.updated_at:.2f} s before the kill"
    finally:
        store.close()
