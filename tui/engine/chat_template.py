"""Chat-template prompt format, rendered in a sandboxed Jinja environment like llama-cpp-python does.

A GGUF's ``tokenizer.chat_template`` is code from a file someone downloaded: the sandbox keeps it from
reaching Python internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tui.core.prompt import PromptParts, to_chat_turns


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


@dataclass(frozen=True)
class ChatTemplateFormat:
    template: str
    bos_token: str = ""
    eos_token: str = ""
    extra_stops: tuple[str, ...] = ()
    _compiled: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            loader=jinja2.BaseLoader())
        object.__setattr__(self, "_compiled", env.from_string(self.template))

    @property
    def description(self) -> str:
        return "chat template"

    def render(self, parts: PromptParts) -> str:
        turns = [{"role": turn.role, "content": turn.content} for turn in to_chat_turns(parts)]
        return self._compiled.render(
            messages=turns,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            add_generation_prompt=parts.new_message is not None,
            raise_exception=_raise_exception,
        )

    def stop_strings(self, parts: PromptParts) -> tuple[str, ...]:
        return self.extra_stops
