"""LM Studio's current preset format (0.3 and later): ``NAME.preset.json`` in its ``config-presets``
folder, settings as ``{"key": "llm.prediction.*", "value": ...}`` under ``operation.fields``.

Checkbox settings (top-p, min-p, repeat penalty, reply limit, seed) are written checked with their value,
since an unchecked box means "LM Studio's default", not shotglass's; the seed box stays unchecked (random
per reply) when the profile has no seed. The key names are those of lmstudio-js's kv-config schema.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.profiles.exporters._common import DESCRIPTION_JSON, Written
from tui.core.profiles.profile import DecodingProfile

TOOL = "LM Studio preset"


def _checked(value: Any, checked: bool = True) -> dict[str, Any]:
    return {"checked": checked, "value": value}


def export(profile: DecodingProfile, model: str | None) -> Written:
    """``model`` is unused: an LM Studio preset applies to whichever model is loaded."""
    fields = [
        ("llm.prediction.temperature", profile.temperature),
        ("llm.prediction.topKSampling", profile.top_k),
        ("llm.prediction.topPSampling", _checked(profile.top_p)),
        ("llm.prediction.minPSampling", _checked(profile.min_p)),
        ("llm.prediction.repeatPenalty", _checked(profile.repeat_penalty)),
        ("llm.prediction.maxPredictedTokens", _checked(profile.max_new_tokens)),
        ("llm.prediction.stopStrings", list(profile.stop)),
        ("llm.prediction.seed", _checked(-1, False) if profile.seed is None else _checked(profile.seed)),
    ]
    preset = {
        "identifier": f"@local:{profile.name}",
        "name": profile.name,
        "changed": False,
        "operation": {"fields": [{"key": key, "value": value} for key, value in fields]},
        "load": {"fields": []},
    }
    not_expressed = (DESCRIPTION_JSON.format(tool=TOOL),) if profile.description else ()
    text = json.dumps(preset, indent=2, ensure_ascii=False) + "\n"
    return Written(text, f"{profile.name}.preset.json", not_expressed)
