"""SillyTavern's Chat Completion presets (``default/content/presets/openai/*.json``): a few sampler keys
among dozens of prompt-manager texts, model names and formatting switches. The sampler keys map; the
reply length is ``openai_max_tokens``; everything that is not about sampling is counted, not listed."""

from __future__ import annotations

from typing import Any

from tui.core.profiles.importers._common import CTX, NOT_SAMPLING, SYSTEM, Collector, Quiet, ReadInfo

KIND = "SillyTavern Chat Completion preset"
MARKERS = {"chat_completion_source", "openai_max_tokens", "openai_max_context", "prompt_order", "openai_model"}
_TABLE = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "repetition_penalty": "repeat_penalty",
    "openai_max_tokens": "max_new_tokens",
    "seed": "seed",
    "openai_max_context": CTX,
    "prompts": SYSTEM,
    "frequency_penalty": "no equivalent in shotglass",
    "presence_penalty": "no equivalent in shotglass",
    "top_a": "no equivalent in shotglass",
    "bias_preset_selected": "logit bias presets have no equivalent in shotglass",
    "reasoning_effort": "reasoning effort belongs to the chat template (template_kwargs)",
}
QUIET = Quiet(
    neutral={
        "frequency_penalty": (0,),
        "presence_penalty": (0,),
        "top_a": (0,),
        "bias_preset_selected": ("Default (none)",),
        "reasoning_effort": ("auto",),
    }
)


def read(data: dict[str, Any], source: str, col: Collector) -> ReadInfo:
    """Keys outside the table are model choices, prompt texts and formatting: not decoding settings."""
    col.quiet, col.context = QUIET, data
    for key, value in data.items():
        if key == "top_p" and isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
            col.set("top_p", 1.0, key, f" ({value} = off: 1.0)")
        elif key in _TABLE:
            col.apply(_TABLE, key, value)
        else:
            col.ignore(key, value, NOT_SAMPLING)
    return ReadInfo(kind=KIND)
