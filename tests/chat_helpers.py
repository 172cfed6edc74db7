"""A core ``ChatState`` journaled to a real history store, as the TUI builds it, for the chat-state tests."""

from __future__ import annotations

from tui.core.chat.state import ChatState
from tui.core.history.journal import HistoryJournal
from tui.core.history.store import HistoryStore
from tui.core.profiles.profile import DecodingProfile

PROFILE = DecodingProfile(name="greedy", max_new_tokens=32)


def journaled_state(history: HistoryStore, errors: list[str] | None = None) -> ChatState:
    """A chat with system prompt "Be brief." whose every change is saved to ``history``; write errors go to
    ``errors``."""
    state: ChatState
    journal = HistoryJournal(
        history,
        lambda: "model.gguf",
        lambda: (state.system_prompt, state.pins, state.profile.name),
        (errors if errors is not None else []).append,
    )
    state = ChatState(PROFILE, "Be brief.", journal=journal)
    return state
