"""Where a reasoning model's "thinking" ends and its answer begins, for display only.

Reasoning models write their thinking first, between markers their chat template names: ``<think>…</think>``
(Qwen3, QwQ, DeepSeek R1 and V3.x, GLM, SmolLM3, Granite 3.3, Nemotron, MiniMax M2, Kimi K2 Thinking and most of
llama.cpp's template corpus), ``[THINK]…[/THINK]`` (Mistral's reasoning models) and
``<seed:think>…</seed:think>`` (ByteDance Seed-OSS). Some templates open the block themselves at the end of the
generation prompt (DeepSeek R1 writes ``<｜Assistant｜><think>\\n``), so the reply starts inside the thinking
and only its closing marker is in the text. Markers that are control tokens (gpt-oss' ``<|channel|>``,
Cohere's ``<|START_THINKING|>``, Gemma 4's ``<|think|>``) never reach the reply text, so they are not here.

Nothing here changes what is stored: the reply text keeps its markers and goes back to the template as written
(the template itself drops earlier thinking from later turns). ``ReasoningSplitter`` is fed the streamed
chunks as they arrive and holds back a chunk's tail while it may be the start of a marker, so a marker split
across two chunks is still found and never flashes on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class ReasoningMarkers:
    open: str
    close: str


THINK = ReasoningMarkers("<think>", "</think>")
MISTRAL_THINK = ReasoningMarkers("[THINK]", "[/THINK]")
SEED_THINK = ReasoningMarkers("<seed:think>", "</seed:think>")
KNOWN_MARKERS: tuple[ReasoningMarkers, ...] = (THINK, MISTRAL_THINK, SEED_THINK)


def markers_named_in(template: str) -> tuple[ReasoningMarkers, ...]:
    """The marker pairs a chat template writes. A reasoning template names its closing marker (to split earlier
    replies, or to close an empty block when thinking is off); a template that names none gets no thinking
    section, so an ordinary model's ``<think>`` stays text."""
    return tuple(markers for markers in KNOWN_MARKERS if markers.close in template)


def opened_by_prompt(prompt: str, markers: tuple[ReasoningMarkers, ...]) -> ReasoningMarkers | None:
    """The pair whose opening marker ends the prompt (the template opened the thinking for the model)."""
    tail = prompt.rstrip()
    return next((pair for pair in markers if tail.endswith(pair.open)), None)


def opened_by_text(text: str, markers: tuple[ReasoningMarkers, ...]) -> ReasoningMarkers | None:
    """For a stored reply whose prompt is not at hand: a closing marker with no opening marker before it means
    the template had opened the block (what ``opened_by_prompt`` would have said)."""
    for pair in markers:
        close = text.find(pair.close)
        if close >= 0 and pair.open not in text[:close]:
            return pair
    return None


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of ``text`` that is a proper beginning of ``marker``."""
    for size in range(min(len(text), len(marker) - 1), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


@dataclass(frozen=True)
class ReasoningChunk:
    """What one streamed chunk adds to each part. ``answer_started`` is set on the chunk where the thinking
    closed; ``thinking_chars`` is where, in the chunk's own text, the closing marker ended."""

    thinking: str = ""
    answer: str = ""
    answer_started: bool = False
    thinking_chars: int = 0


class Phase(Enum):
    START = "start"
    """Nothing but whitespace yet: the reply may still open a thinking block."""
    THINKING = "thinking"
    ANSWER = "answer"


class ReasoningSplitter:
    """Splits a streamed reply into thinking and answer, chunk by chunk (no re-scan of what came before)."""

    def __init__(self, markers: tuple[ReasoningMarkers, ...], opened: ReasoningMarkers | None = None) -> None:
        self._markers = markers
        self._pair: ReasoningMarkers | None = opened
        self.phase = Phase.THINKING if opened is not None else (Phase.START if markers else Phase.ANSWER)
        self._held = ""
        self._thinking_begun = False
        self._answer_begun = False
        """Whitespace right after the closing marker is dropped (templates write ``</think>\\n\\n``)."""

    @property
    def has_thinking(self) -> bool:
        return self._pair is not None

    def feed(self, chunk: str) -> ReasoningChunk:
        text = self._held + chunk
        held_before = len(self._held)
        self._held = ""
        if self.phase is Phase.START:
            stripped = text.lstrip()
            for pair in self._markers:
                if stripped.startswith(pair.open):
                    self._pair, self.phase = pair, Phase.THINKING
                    skipped = len(text) - len(stripped) + len(pair.open)
                    return self._thinking(stripped[len(pair.open) :], skipped - held_before)
            if not stripped or any(pair.open.startswith(stripped) for pair in self._markers):
                self._held = text
                return ReasoningChunk()
            self.phase = Phase.ANSWER
            return ReasoningChunk(answer=self._answer(text))
        if self.phase is Phase.THINKING:
            return self._thinking(text, -held_before)
        return ReasoningChunk(answer=self._answer(text))

    def _thinking(self, text: str, offset: int) -> ReasoningChunk:
        """``text`` is inside the block; ``offset`` maps its positions back onto the chunk just fed."""
        assert self._pair is not None
        if not self._thinking_begun:
            stripped = text.lstrip()
            offset += len(text) - len(stripped)
            text, self._thinking_begun = stripped, bool(stripped)
        close = text.find(self._pair.close)
        if close >= 0:
            self.phase = Phase.ANSWER
            end = close + len(self._pair.close)
            answer = self._answer(text[end:])
            thinking = text[:close].rstrip()
            return ReasoningChunk(thinking, answer, answer_started=True, thinking_chars=max(0, offset + end))
        # Held back: a possible start of the closing marker, and trailing whitespace (shown once more follows,
        # dropped if the marker does: templates write ``\n</think>``).
        partial = _partial_suffix(text, self._pair.close)
        shown = text[: len(text) - partial]
        keep = partial + len(shown) - len(shown.rstrip())
        self._held = text[len(text) - keep :] if keep else ""
        return ReasoningChunk(thinking=text[: len(text) - keep])

    def _answer(self, text: str) -> str:
        if not self._answer_begun:
            text = text.lstrip()
            self._answer_begun = bool(text)
        return text

    def flush(self) -> ReasoningChunk:
        """The reply ended: text held back as a possible marker was text after all."""
        held, self._held = self._held, ""
        if not held:
            return ReasoningChunk()
        if self.phase is Phase.THINKING:
            return ReasoningChunk(thinking=held.rstrip())
        self.phase = Phase.ANSWER
        return ReasoningChunk(answer=self._answer(held))


@dataclass(frozen=True)
class ReplyParts:
    thinking: str | None
    """None: the reply has no thinking block."""
    answer: str
    closed: bool
    """The thinking block ended (False while a model is still thinking, or when it stopped mid-thought)."""


def split_reply(text: str, markers: tuple[ReasoningMarkers, ...], opened: ReasoningMarkers | None = None) -> ReplyParts:
    """A whole reply, split as streaming it would have split it."""
    splitter = ReasoningSplitter(markers, opened)
    first, last = splitter.feed(text), splitter.flush()
    if not splitter.has_thinking:
        return ReplyParts(None, first.answer + last.answer, closed=False)
    return ReplyParts(first.thinking + last.thinking, first.answer + last.answer, first.answer_started)


def thinking_tokens(before: int, after: int, chunk_chars: int, thinking_chars: int) -> tuple[int, bool]:
    """Tokens generated up to the end of the closing marker, from the counts before and after the chunk it
    arrived in, and whether that is exact (the marker ended the chunk) or interpolated by characters."""
    if thinking_chars >= chunk_chars or after == before:
        return after, True
    share = thinking_chars / chunk_chars if chunk_chars else 1.0
    return before + round((after - before) * share), False


def estimated_thinking_tokens(reply_tokens: int, thinking_chars: int, reply_chars: int) -> int:
    """The thinking's share of a stored reply's tokens, by characters (its count was not recorded)."""
    return round(reply_tokens * thinking_chars / reply_chars) if reply_chars else 0


def token_words(count: int | None, exact: bool) -> str:
    """``thought for 120 tokens`` / ``thought for ≈120 tokens`` (≈: estimated, as the gauge writes it)."""
    if count is None:
        return "thought"
    unit = "token" if count == 1 else "tokens"
    return f"thought for {'' if exact else '≈'}{count:,} {unit}"
