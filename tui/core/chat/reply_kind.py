"""The five ways a reply comes about, and the rules that differ between them, in one place.

Every rule the chat screen used to encode with string comparisons (``kind != "replay"``) is a property here,
so the state, the screen and the tests all ask the same question the same way.
"""

from __future__ import annotations

from enum import Enum


class ReplyKind(str, Enum):
    CHAT = "chat"
    """A new message and its reply."""
    REGENERATE = "regenerate"
    """The last reply again, with the current profile; the old one stays as a history branch."""
    REPLAY = "replay"
    """The last reply's exact prompt, profile and seed, compared with the original; the chat is unchanged."""
    FORK = "fork"
    """The last reply continued from a token picked in the inspector; it replaces the last reply."""
    EDIT = "edit"
    """One of the user's messages, edited and resent; the turns after it are replaced."""

    @property
    def is_saved(self) -> bool:
        """Whether the reply becomes part of the conversation (and of its history)."""
        return self is not ReplyKind.REPLAY

    @property
    def replaces_last_reply(self) -> bool:
        """The reply takes the place of the last reply, which is kept only as an old history branch."""
        return self in (ReplyKind.REGENERATE, ReplyKind.FORK)

    @property
    def adds_user_message(self) -> bool:
        """A new user message is written before the reply (an edit writes the edited one)."""
        return self in (ReplyKind.CHAT, ReplyKind.EDIT)

    @property
    def in_words(self) -> str:
        return {
            ReplyKind.CHAT: "reply",
            ReplyKind.REGENERATE: "regenerated reply",
            ReplyKind.REPLAY: "replay",
            ReplyKind.FORK: "fork",
            ReplyKind.EDIT: "reply to the edit",
        }[self]
