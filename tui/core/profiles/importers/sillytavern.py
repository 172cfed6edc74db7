"""SillyTavern text-completion presets: one flat JSON object of sampler settings (``temp``,
``rep_pen``, ``top_p``, ...). Most keys target backends with samplers shotglass does not have."""

from __future__ import annotations

from typing import Any

from tui.core.profiles.importers._common import CTX, Collector

_TABLE = {
    "temp": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "rep_pen": "repeat_penalty",
    "genamt": "max_new_tokens",
    "seed": "seed",
    "max_length": CTX,
    "max_context": CTX,
    "truncation_length": CTX,
}
# Keys that only SillyTavern/KoboldAI presets use: how detection tells them from other JSON.
MARKERS = {
    "temp",
    "rep_pen",
    "genamt",
    "top_a",
    "tfs",
    "typical_p",
    "typical",
    "mirostat_mode",
    "sampler_order",
    "rep_pen_range",
}


def read(data: dict[str, Any], source: str, col: Collector) -> str | None:
    """Map the flat keys. A top_p of 0 means "off" in SillyTavern (and KoboldAI) presets, which
    shotglass writes as 1.0 because its top_p must be above 0."""
    for key, value in data.items():
        if key == "top_p" and isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
            col.set("top_p", 1.0, key, f" ({value} = disabled in SillyTavern: 1.0)")
        else:
            col.apply(_TABLE, key, value)
    return None
