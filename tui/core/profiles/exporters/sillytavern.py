"""SillyTavern text-completion preset (its ``TextGen Settings`` folder, or Import in the sampler panel).

SillyTavern loads every sampler key it knows from a preset, so the file carries all of them: the eight
shotglass settings, and every other sampler at its "off" value, in the order SillyTavern's shipped
presets use. ``rep_pen_range`` is 64 because llama-server and text-generation-webui both read it as the
repeat window shotglass uses. Two things a text-completion preset cannot hold are listed: the
description, and stop strings, which SillyTavern keeps in Advanced Formatting ("Custom Stopping
Strings"); they are also written under that setting's name, which SillyTavern ignores in a preset and
shotglass reads back, so a round trip keeps them.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.profiles.exporters._common import DESCRIPTION_JSON, Written
from tui.core.profiles.importers.sillytavern import NEUTRAL_VALUES
from tui.core.profiles.profile import DecodingProfile

TOOL = "SillyTavern text-completion preset"
_ORDERS: dict[str, Any] = {  # SillyTavern's default orders; each puts temperature last, as shotglass does
    "sampler_priority": [
        "temperature",
        "dynamic_temperature",
        "quadratic_sampling",
        "top_k",
        "top_p",
        "typical_p",
        "epsilon_cutoff",
        "eta_cutoff",
        "tfs",
        "top_a",
        "min_p",
        "mirostat",
    ],
    "samplers": ["top_k", "tfs_z", "typical_p", "top_p", "min_p", "temperature"],
    "sampler_order": [6, 0, 1, 3, 4, 2, 5],
}


def export(profile: DecodingProfile, model: str | None) -> Written:
    """``model`` is unused: a SillyTavern preset applies to whichever backend and model are connected."""
    preset: dict[str, Any] = {
        "temp": profile.temperature,
        "top_p": profile.top_p,
        "top_k": profile.top_k,
        "min_p": profile.min_p,
        "rep_pen": profile.repeat_penalty,
    }
    preset.update((key, value) for key, value in NEUTRAL_VALUES.items() if key not in preset)
    if profile.is_greedy:
        preset["do_sample"] = False  # text-generation-webui's HF loaders need it for greedy decoding
    preset.update(_ORDERS)
    preset["seed"] = -1 if profile.seed is None else profile.seed
    preset["genamt"] = profile.max_new_tokens
    not_expressed = [DESCRIPTION_JSON.format(tool=TOOL)] if profile.description else []
    if profile.stop:
        preset["custom_stopping_strings"] = json.dumps(list(profile.stop), ensure_ascii=False)
        not_expressed.append(
            f"stop {json.dumps(list(profile.stop), ensure_ascii=False)} (SillyTavern keeps stop strings out of "
            "presets: paste them into Advanced Formatting > Custom Stopping Strings; the file carries them "
            "for shotglass only)"
        )
    text = json.dumps(preset, indent=4, ensure_ascii=False) + "\n"
    return Written(text, f"{profile.name}.json", tuple(not_expressed))
