"""LM Studio ``*.preset.json``: the current format lists ``{"key": "llm.prediction.*", "value": ...}``
entries under ``operation.fields`` (and ``load.fields``); the legacy 0.2 format has flat
``inference_params`` / ``load_params`` objects (lmstudio-ai/configs schema.json)."""

from __future__ import annotations

from typing import Any

from tui.core.errors import ProfileError
from tui.core.profiles.importers._common import (
    CTX,
    DEFAULTS,
    GPU,
    LOAD,
    NEUTRAL,
    NONE,
    NOT_SAMPLING,
    REPEAT_WINDOW,
    SYSTEM,
    TEMPLATE,
    THREADS,
    Collector,
    Quiet,
    ReadInfo,
)

_TABLE = {
    "llm.prediction.temperature": "temperature",
    "llm.prediction.topKSampling": "top_k",
    "llm.prediction.topPSampling": "top_p",
    "llm.prediction.minPSampling": "min_p",
    "llm.prediction.repeatPenalty": "repeat_penalty",
    "llm.prediction.maxPredictedTokens": "max_new_tokens",
    "llm.prediction.stopStrings": "stop",
    "llm.prediction.seed": "seed",
    "llm.load.seed": "seed",
    "llm.prediction.systemPrompt": SYSTEM,
    "llm.prediction.promptTemplate": TEMPLATE,
    "llm.prediction.llama.cpuThreads": THREADS,
    "llm.load.contextLength": CTX,
    "llm.load.llama.acceleration.offloadRatio": GPU,
    "llm.load.llama.cpuThreadPoolSize": THREADS,
}
_UNCHECKED = {"top_p": 1.0, "min_p": 0.0, "repeat_penalty": 1.0, "seed": None}  # the "off" value
_LEGACY = {
    "temp": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "repeat_penalty": "repeat_penalty",
    "n_predict": "max_new_tokens",
    "antiprompt": "stop",
    "seed": "seed",
    "n_ctx": CTX,
    "n_threads": THREADS,
    "n_gpu_layers": GPU,
    "pre_prompt": SYSTEM,
    "input_prefix": TEMPLATE,
    "input_suffix": TEMPLATE,
    "pre_prompt_prefix": TEMPLATE,
    "pre_prompt_suffix": TEMPLATE,
    "repeat_last_n": f"shotglass penalizes repeats in the last {REPEAT_WINDOW} tokens",
    "memory_f16": LOAD,
}
_PREDICTION = "llm.prediction."
QUIET = Quiet(  # LM Studio's "off" values, current (llm.prediction.*) and legacy (inference_params) names
    neutral={
        f"{_PREDICTION}llama.presencePenalty": (0,),
        f"{_PREDICTION}llama.frequencyPenalty": (0,),
        f"{_PREDICTION}llama.tailFreeSampling": (1,),
        f"{_PREDICTION}llama.locallyTypicalSampling": (1,),
        f"{_PREDICTION}llama.xtcProbability": (0,),
        "tfs_z": (1,),
        "typical_p": (1,),
        "repeat_last_n": (REPEAT_WINDOW,),
        "frequency_penalty": (0,),
        "presence_penalty": (0,),
        "mirostat": (0,),
        "repeat_penalty": (1,),
        "penalize_nl": (True,),  # llama.cpp's samplers penalize newlines like any token, as shotglass does
    },
    needs={
        "mirostat_tau": ("mirostat",),
        "mirostat_eta": ("mirostat",),
        "repeat_last_n": ("repeat_penalty",),
        "penalize_nl": ("repeat_penalty",),
    },
    inert={
        **{
            f"{_PREDICTION}{key}": NOT_SAMPLING
            for key in (
                "contextOverflowPolicy",
                "contextPrefill",
                "tools",
                "toolChoice",
                "toolNaming",
                "toolCallStopStrings",
                "reasoning.parsing",
                "logProbs",
                "vision.userMaxImageDimensionPixels",
                "vision.ignoreModelPreferredMaxImageDimension",
            )
        },
        "n_keep": NOT_SAMPLING,
        "multiline_input": NOT_SAMPLING,
    },
)
_MODEL_OPTION = "ext.virtualModel.customField."


def _field(col: Collector, key: str, value: Any) -> None:
    """Current presets store checkbox settings as ``{"checked": bool, "value": x}``; unchecked means
    the sampler is off, which shotglass expresses with its neutral value."""
    # Some 0.3 pre-releases nested the llama.cpp samplers as llm.prediction.llama.<name>.
    lookup = key if key in _TABLE else key.replace("llm.prediction.llama.", "llm.prediction.", 1)
    target = _TABLE.get(lookup, LOAD if key.startswith("llm.load.") else NONE)
    if key.startswith(_MODEL_OPTION):
        target = "a model-specific chat template switch; a decoding profile does not carry it"
    if key.endswith(".mirostatSampling") and isinstance(value, dict) and value.get("version") == 0:
        col.ignore(key, value, NEUTRAL)
        return
    if isinstance(value, dict) and "checked" in value:
        if value["checked"]:
            value = value.get("value")
        elif target in _UNCHECKED:
            col.set(target, _UNCHECKED[target], key, " (unchecked: off)")
            return
        elif target == "max_new_tokens":
            col.note(
                f"{key} (unchecked: no limit in LM Studio; shotglass keeps max_new_tokens = {DEFAULTS.max_new_tokens})"
            )
            return
        else:
            col.ignore(key, None, "unchecked: off")  # a disabled setting changes nothing
            return
    col.apply({lookup: target}, lookup if lookup in _TABLE else key, value, key)


def read(data: dict[str, Any], source: str, col: Collector) -> ReadInfo:
    """Read both layouts from the same object: a file has one or the other, and an older key that
    shows up in a newer file is still worth mapping."""
    col.quiet = QUIET
    for section in ("operation", "load"):
        entries = (data.get(section) or {}).get("fields", []) if isinstance(data.get(section), dict) else []
        if not isinstance(entries, list):
            raise ProfileError(f"{source}: '{section}.fields' must be a JSON list, got {type(entries).__name__}")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise ProfileError(f"{source}: {section}.fields holds an entry without a 'key': {entry!r:.60}")
            _field(col, entry["key"], entry.get("value"))
    for section in ("inference_params", "load_params"):
        params = data.get(section) or {}
        if not isinstance(params, dict):
            raise ProfileError(f"{source}: '{section}' must be a JSON object, got {type(params).__name__}")
        col.context = params
        for key, value in params.items():
            default = LOAD if section == "load_params" else NONE
            col.apply(_LEGACY, key, value, f"{section}.{key}", default)
    return ReadInfo()
