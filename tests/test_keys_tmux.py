"""Keys as a real terminal sends them, through tmux: Alt+Enter arrives as Esc + Enter and sends (what the
README says), Alt+S and Alt+X run their actions without typing a letter, and a key remapped in config.toml
works and is what the footer shows."""

from __future__ import annotations

import shutil

import pytest
from tmux_session import shotglass_session
from tmux_session import tmux as _tmux
from tmux_session import wait_for as _wait_for

from tui.commands.config import config_path

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

PLACEHOLDER = r"Message \(Enter sends"
"""Shown while the message box is empty: a typed "p" would hide it."""


@pytest.fixture
def tmux_session(shotglass_cmd, cli_env, isolated_dirs):
    path = config_path(isolated_dirs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\n"chat.next-profile" = "ctrl+s"\n', encoding="utf-8")
    with shotglass_session(shotglass_cmd, cli_env, "keys") as session:
        yield session


def test_alt_enter_sends_alt_letters_act_and_a_remapped_key_works_in_tmux(tmux_session) -> None:
    session = tmux_session
    _wait_for(session, r"tokens \(\d+%\)")
    _tmux("send-keys", "-t", session, "-l", "What is the capital of France?")
    _wait_for(session, r"draft [1-9]")
    _tmux("send-keys", "-t", session, "M-Enter")  # Esc + Enter on the wire: Textual reads Enter
    _wait_for(session, r"(stop string|end of sequence|max new tokens reached) · greedy-factual")
    _wait_for(session, PLACEHOLDER)  # sent, the box is empty again
    _tmux("send-keys", "-t", session, "M-s")  # Alt+S: the system prompt dialog, as F6
    _wait_for(session, r"sent first, before the pins and the chat")
    _tmux("send-keys", "-t", session, "Escape")
    _wait_for(session, PLACEHOLDER)
    _tmux("send-keys", "-t", session, "C-s")  # [keys] chat.next-profile = "ctrl+s"
    screen = _wait_for(session, r"profile\s*low-repetition")
    assert "Ctrl+S Profile" in screen  # the footer names the remapped key
    _tmux("send-keys", "-t", session, "M-x")  # the palette's second key
    _wait_for(session, r"(?i)search for commands")
    _tmux("send-keys", "-t", session, "Escape")
    _wait_for(session, PLACEHOLDER)  # Alt+X typed nothing
