"""Chat-template prompt format: the model's own ``tokenizer.chat_template``, rendered as transformers does.

A GGUF's template is code from a file someone downloaded: it is compiled and rendered in the bounded sandbox
of ``tui/engine/template_sandbox.py`` (transformers' environment, limits on time, steps and sizes). What the
template itself does not say is derived from it once, by rendering probe conversations:

- **whether it takes a system role**: templates that refuse one (Gemma 1/2, Mistral v0.x), or silently drop
  it, get the system text merged into the first user turn, as llama.cpp does;
- **where an assistant turn ends** (``<|im_end|>``, ``<end_of_turn>``, ``<|eot_id|>``): render a user turn and
  a reply and read what follows the reply. It is sent as a stop (engines turn a stop that is one control token
  into a token stop, since control tokens never appear in the text).

Message text (and the system prompt and pins) is marked so that engines tokenize any special-token text in
it as plain text (``tui/core/chat/literal.py``); the template's own markers stay special.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tui.core.chat.chat_turns import ChatTurn, chat_turns
from tui.core.chat.literal import SpecialTexts
from tui.core.chat.prompt import PromptParts
from tui.core.chat.reasoning import ReasoningMarkers, markers_named_in
from tui.engine.template_sandbox import CompiledTemplate, TemplateError, compile_template

__all__ = ["ChatTemplateFormat", "TemplateError"]


PROBE_SYSTEM = "Probe system text 7f3a."
PROBE_USER = "Probe user text 51c2."
PROBE_REPLY = "Probe reply text 9d04."
PROBE_NEXT = "Probe next text e6b8."

MERGED_NOTE = "system merged into first user turn"
_MARKER = re.compile(r"<[^<>\s]{1,64}>|\[[^\[\]\s]{1,64}\]")


@dataclass(frozen=True)
class ChatTemplateFormat:
    template: str
    bos_token: str = ""
    eos_token: str = ""
    special_texts: Callable[[], frozenset[str]] = frozenset
    """Gives the texts of the vocabulary's control tokens (read once, on first use: reading a 262k vocabulary
    takes a quarter of a second); found in text people wrote, they are tokenized as plain text."""
    _compiled: CompiledTemplate = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", compile_template(self.template))

    # -- what the template says about itself ---------------------------------------------------------

    def _render_dicts(self, messages: list[dict[str, Any]], add_generation_prompt: bool, **extra: Any) -> str:
        return self._compiled.render(
            messages,
            add_generation_prompt=add_generation_prompt,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            **extra,
        )

    @cached_property
    def merges_system(self) -> bool:
        """True when the template refuses a system turn or drops its text."""
        probe = [{"role": "system", "content": PROBE_SYSTEM}, {"role": "user", "content": PROBE_USER}]
        try:
            return PROBE_SYSTEM not in self._render_dicts(probe, True)
        except TemplateError:
            return True

    @cached_property
    def turn_end(self) -> str | None:
        """The marker the template writes right after an assistant reply (or, if none, before the next turn)."""
        exchange = [{"role": "user", "content": PROBE_USER}, {"role": "assistant", "content": PROBE_REPLY}]
        try:
            rendered = self._render_dicts(exchange, False)
            after = rendered[rendered.rindex(PROBE_REPLY) + len(PROBE_REPLY) :].strip()
            if not after:
                longer = self._render_dicts([*exchange, {"role": "user", "content": PROBE_NEXT}], False)
                start = longer.rindex(PROBE_REPLY) + len(PROBE_REPLY)
                after = longer[start : longer.index(PROBE_NEXT, start)].strip()
        except (TemplateError, ValueError):
            return None
        return self._first_marker(after)

    def _first_marker(self, after: str) -> str | None:
        """The terminator at the start of ``after``: the longest special-token text it starts with, else a
        marker such as ``<|end|>`` or ``[/INST]``, else its first line (``User:`` in a plain-text template)."""
        if not after:
            return None
        specials = [text for text in self._special.texts if text and after.startswith(text)]
        if specials:
            return max(specials, key=len)
        marker = _MARKER.match(after)
        if marker:
            return marker.group()
        return after.splitlines()[0].strip() or None

    @cached_property
    def _special(self) -> SpecialTexts:
        """The vocabulary's control-token texts, read once (the turn-end probe and every render use them)."""
        return SpecialTexts(self.special_texts())

    @property
    def description(self) -> str:
        return f"chat template ({MERGED_NOTE})" if self.merges_system else "chat template"

    @cached_property
    def reasoning_markers(self) -> tuple[ReasoningMarkers, ...]:
        """The thinking markers the template itself writes (``<think>``, ``[THINK]``, ``<seed:think>``)."""
        return markers_named_in(self.template)

    # -- rendering -----------------------------------------------------------------------------------

    def _message(self, turn: ChatTurn) -> dict[str, Any]:
        return {"role": turn.role, "content": self._special.mark(turn.content)}

    def render(self, parts: PromptParts) -> str:
        messages = [self._message(turn) for turn in chat_turns(parts, merge_system=self.merges_system)]
        return self._render_dicts(messages, parts.new_message is not None, **dict(parts.template_options))

    def stop_strings(self, parts: PromptParts) -> tuple[str, ...]:
        return (self.turn_end,) if self.turn_end else ()
