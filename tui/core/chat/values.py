"""The values a chat is made of: turns, the plan of a reply, the reply in progress and how it ended.

Frozen where they can be (a plan, an outcome, a turn); ``PendingReply`` is the one mutable value, owned by
``ChatState`` while a reply streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.core.chat.conversation import FinishReason, Message, ReplyStats
from tui.core.chat.fitting import RequestPlan
from tui.core.chat.record import ReplyRecord
from tui.core.chat.repetition import find_loop
from tui.core.chat.reply_kind import ReplyKind
from tui.core.contract import GenerationResult, SamplingParams
from tui.core.errors import UserError
from tui.core.fewshot.examples import ExampleSet
from tui.core.profiles.profile import DecodingProfile


class ChatStateError(UserError):
    """The asked-for change does not apply to the chat as it is (nothing to regenerate, a reply running)."""


@dataclass(frozen=True)
class Turn:
    message: Message
    stored_id: int | None = None
    """The history's id for this message; None where nothing is stored."""
    record: ReplyRecord | None = None
    """For replies: the prompt, parameters and tokens that made it (what replay and the inspector need)."""


@dataclass(frozen=True)
class SavedChat:
    """A conversation read back from the history, ready for ``ChatState.resume``."""

    conversation_id: int
    system_prompt: str
    pins: ExampleSet
    profile_name: str
    model_path: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class ReplyPlan:
    """Everything a reply needs before it starts; applying it (``ChatState.begin``) is the only change."""

    kind: ReplyKind
    keep: int
    """Turns kept as they are; the rest are replaced by this reply (and its user message, if any)."""
    user_text: str | None
    """The user message written before the reply: CHAT and EDIT only."""
    request: RequestPlan
    params: SamplingParams
    profile: DecodingProfile
    forced: tuple[int, ...] = ()
    reuse_limit: int | None = None
    original: ReplyRecord | None = None
    """REPLAY: the reply being reproduced."""
    edit_of: int | None = None
    """EDIT: the stored id of the message being replaced."""

    @property
    def prompt(self) -> str:
        return self.request.prompt


@dataclass(frozen=True)
class DeletePlan:
    """A deletion, planned: which turns leave the chat and which stored row the history retires from."""

    index: int
    """The chosen turn: it and every turn after it leave the chat."""
    count: int
    """How many turns leave (the chat had ``index + count`` when this was planned)."""
    stored_id: int | None
    """The first stored message among them (a reply lost before its first token has none); None: nothing to
    retire in the history."""


@dataclass
class PendingReply:
    """The reply being generated. Its text is kept as chunks: appending a token copies nothing."""

    plan: ReplyPlan
    reply_id: int | None
    model_path: str
    chunks: list[str] = field(default_factory=list)
    completion_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True)
class ReplayVerdict:
    identical: bool
    compared_tokens: int
    stopped_original: bool
    """The original was stopped with Esc: the replay ran for exactly as many tokens as it had."""

    @property
    def in_words(self) -> str:
        if self.stopped_original:
            scope = f"the {self.compared_tokens} tokens before the original was stopped"
            return f"identical for {scope}" if self.identical else f"differs within {scope}"
        return "identical to the original" if self.identical else "differs from the original"


@dataclass(frozen=True)
class ReplyOutcome:
    kind: ReplyKind
    profile: DecodingProfile
    text: str
    stats: ReplyStats | None
    turn_index: int | None
    """Where the reply now stands in the turns (None for a replay, which changes nothing)."""
    replay: ReplayVerdict | None = None
    error: str | None = None

    def notes(self) -> list[str]:
        """What the line under the reply adds to its stats: the replay verdict, the fork, the error, a loop."""
        notes = [f"replay: {self.replay.in_words}"] if self.replay is not None else []
        if self.kind is ReplyKind.FORK:
            notes.append("forked from the inspector")
        if self.error is not None:
            notes.append(f"{self.kind.in_words} error: {self.error}")
        loop = find_loop(self.text)
        if loop is not None:
            notes.append(loop.advice())
        return notes

    @property
    def stopped(self) -> bool:
        """A chat reply the user stopped (Esc): its partial text is kept."""
        return self.stats is not None and self.stats.finish_reason is FinishReason.CANCELLED and self.kind.is_saved


def replay_verdict(plan: ReplyPlan, result: GenerationResult) -> ReplayVerdict:
    original = plan.original
    assert original is not None  # a replay plan always carries its original
    stopped = original.result.finish_reason is FinishReason.CANCELLED
    if original.result.tokens and result.tokens:
        identical = result.tokens == original.result.tokens
        compared = len(original.result.tokens)
    else:
        identical = result.text == original.result.text
        compared = original.result.completion_tokens
    return ReplayVerdict(identical, compared, stopped)
