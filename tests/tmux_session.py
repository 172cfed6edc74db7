"""The installed ``shotglass`` in a detached tmux session, for the tests that drive a real terminal."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

XDG_KEYS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def session_alive(session: str) -> bool:
    return subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0


def wait_for(session: str, pattern: str, timeout: float = 60.0) -> str:
    """The screen once ``pattern`` appears on it; fails with the last screen after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-t", session, "-p")
        if re.search(pattern, screen):
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{pattern!r} never appeared; last screen:\n{screen}")


@contextmanager
def shotglass_session(command: Sequence[str], env: Mapping[str, str], name: str) -> Iterator[str]:
    """``command`` in a new 110x32 session that sees this test's isolated XDG folders; killed on the way out."""
    session = f"shotglass-{name}-{uuid.uuid4().hex[:8]}"
    env_args = [arg for key in XDG_KEYS for arg in ("-e", f"{key}={env[key]}")]
    for attempt in range(3):
        try:
            tmux("new-session", "-d", "-s", session, "-x", "110", "-y", "32", *env_args, " ".join(command))
            break
        except subprocess.CalledProcessError:
            # The previous test's kill-session may have left a tmux server shutting down: start a new one.
            if attempt == 2:
                raise
            time.sleep(0.3)
    try:
        yield session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
