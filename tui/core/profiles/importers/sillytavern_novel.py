"""SillyTavern's NovelAI presets (``default/content/presets/novel/*.json``).

Two things make them differ from text-completion presets although they share key names: ``max_length``
is the reply length (the context is ``max_context``), and ``order`` lists the samplers that run; a sampler
missing from it is off whatever its value says (SillyTavern's nai-settings.js sends ``order`` and NovelAI
applies only those). So a sampler shotglass has is imported at its value when it is in the order and at
its "off" value when it is not.
"""

from __future__ import annotations

from typing import Any

from tui.core.profiles.importers._common import CTX, NONE, NOT_SAMPLING, REPEAT_WINDOW, Collector, Quiet, ReadInfo

KIND = "SillyTavern NovelAI preset"
MARKERS = {
    "tail_free_sampling",
    "repetition_penalty_range",
    "repetition_penalty_slope",
    "repetition_penalty_frequency",
    "repetition_penalty_presence",
    "phrase_rep_pen",
    "math1_temp",
    "math1_quad",
    "mirostat_lr",
}
SAMPLER_IDS = {  # NovelAI's sampler ids, as SillyTavern writes them into ``order``
    "temperature": 0,
    "top_k": 1,
    "top_p": 2,
    "tfs": 3,
    "top_a": 4,
    "typical_p": 5,
    "mirostat": 8,
    "math1": 9,
    "min_p": 10,
}
DEFAULT_ORDER = (1, 5, 0, 2, 3, 4)  # what SillyTavern uses when a preset has no order
_MAPPED = {  # key -> (shotglass field, sampler id, value when the sampler is not in the order)
    "temperature": ("temperature", 0, 1.0),
    "top_k": ("top_k", 1, 0),
    "top_p": ("top_p", 2, 1.0),
    "min_p": ("min_p", 10, 0.0),
}
_UNMAPPED_SAMPLERS = {  # key -> sampler id, for samplers shotglass does not have
    "tail_free_sampling": 3,
    "top_a": 4,
    "typical_p": 5,
    "mirostat_tau": 8,
    "mirostat_lr": 8,
    "math1_temp": 9,
    "math1_quad": 9,
    "math1_quad_entropy_scale": 9,
}
_TABLE = {
    "max_length": "max_new_tokens",
    "repetition_penalty": "repeat_penalty",
    "max_context": CTX,
    "repetition_penalty_range": f"shotglass penalizes repeats in the last {REPEAT_WINDOW} tokens",
    "repetition_penalty_slope": "shotglass penalizes every token in its window alike",
    "prefix": "a NovelAI module has no equivalent",
}
QUIET = Quiet(
    neutral={
        "tail_free_sampling": (1,),
        "top_a": (0,),
        "typical_p": (1,),
        "mirostat_tau": (0,),
        "math1_temp": (1,),
        "math1_quad": (0,),
        "math1_quad_entropy_scale": (0,),
        "repetition_penalty": (1,),
        "repetition_penalty_slope": (0,),
        "repetition_penalty_frequency": (0,),
        "repetition_penalty_presence": (0,),
        "phrase_rep_pen": ("off",),
        "min_length": (0, 1),
        "prefix": ("vanilla",),
        "logit_bias": ([],),
    },
    needs={
        "repetition_penalty_range": ("repetition_penalty",),
        "repetition_penalty_slope": ("repetition_penalty",),
        "mirostat_lr": ("mirostat_tau",),
    },
    inert={
        key: NOT_SAMPLING
        for key in ("use_cache", "return_full_text", "streaming_novel", "model_novel", "preset_settings_novel")
    },
)


def _order(data: dict[str, Any]) -> set[int]:
    """The sampler ids that run. SillyTavern writes ids; NovelAI's own export writes {"id": name,
    "enabled": bool} objects, which SillyTavern reads the same way."""
    raw = data.get("order")
    if not isinstance(raw, list):
        return set(DEFAULT_ORDER)
    order: set[int] = set()
    for item in raw:
        if isinstance(item, int) and not isinstance(item, bool):
            order.add(item)
        elif isinstance(item, dict) and item.get("enabled") and item.get("id") in SAMPLER_IDS:
            order.add(SAMPLER_IDS[item["id"]])
    return order


def read(data: dict[str, Any], source: str, col: Collector) -> ReadInfo:
    col.quiet, col.context = QUIET, data
    order = _order(data)
    for key, value in data.items():
        if key == "order":
            col.ignore(key, value, "read: it says which samplers run")
        elif key in _MAPPED:
            target, sampler, off = _MAPPED[key]
            if sampler in order:
                if key == "top_p" and isinstance(value, (int, float)) and value <= 0:
                    col.set(target, 1.0, key, f" ({value} = off: 1.0)")
                else:
                    col.set(target, value, key)
            else:
                col.set(target, off, key, f" (not in the sampler order, so off: {off})")
        elif key in _UNMAPPED_SAMPLERS and _UNMAPPED_SAMPLERS[key] not in order:
            col.ignore(key, value, "not in the sampler order: off")
        else:
            col.apply(_TABLE, key, value, default=NONE)
    return ReadInfo(kind=KIND)
