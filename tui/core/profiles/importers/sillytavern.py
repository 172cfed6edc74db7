"""SillyTavern presets. Its preset folders hold three different kinds of flat JSON that share keys such
as ``top_a`` and ``typical_p``, so the kind is told apart by the keys only one kind has:

- text completion (``TextGen Settings``, ``KoboldAI Settings``): ``temp``, ``rep_pen``, ``genamt``, ...
- NovelAI (``NovelAI Settings``): ``temperature``, ``max_length`` (the reply length!), ``order``, ...
- Chat Completion (``OpenAI Settings``): ``temperature``, ``openai_max_tokens``, ``prompts``, ...

This module reads text-completion presets and hands the other two kinds to their own readers. The
neutral values below are SillyTavern's own "off" values; the exporter writes them too, so a preset it
writes switches off every sampler shotglass does not have.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.errors import ProfileError
from tui.core.profiles.importers import sillytavern_chat, sillytavern_novel
from tui.core.profiles.importers._common import CTX, NOT_SAMPLING, ORDER, REPEAT_WINDOW, Collector, Quiet, ReadInfo
from tui.core.text_files import parse_json

KIND_TEXT = "SillyTavern text-completion preset"

_TABLE = {
    "temp": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "rep_pen": "repeat_penalty",
    "genamt": "max_new_tokens",
    "seed": "seed",
    "stopping_strings": "stop",
    "max_length": CTX,
    "max_context": CTX,
    "truncation_length": CTX,
    "rep_pen_range": f"shotglass penalizes repeats in the last {REPEAT_WINDOW} tokens",
    "temperature_last": "shotglass applies temperature last, after top-k, top-p and min-p",
    "add_bos_token": "shotglass renders the prompt with the model's own BOS handling",
}

NEUTRAL_VALUES: dict[str, Any] = {
    # SillyTavern's "off" value for every text-completion sampler shotglass does not have; the exporter
    # writes these, the importer counts them instead of listing them.
    "temperature_last": True,
    "top_a": 0,
    "tfs": 1,
    "epsilon_cutoff": 0,
    "eta_cutoff": 0,
    "typical_p": 1,
    "rep_pen_range": REPEAT_WINDOW,
    "rep_pen_decay": 0,
    "rep_pen_slope": 1,
    "no_repeat_ngram_size": 0,
    "penalty_alpha": 0,
    "num_beams": 1,
    "length_penalty": 1,
    "min_length": 0,
    "encoder_rep_pen": 1,
    "freq_pen": 0,
    "presence_pen": 0,
    "skew": 0,
    "do_sample": True,
    "early_stopping": False,
    "dynatemp": False,
    "min_temp": 0,
    "max_temp": 2,
    "dynatemp_exponent": 1,
    "smoothing_factor": 0,
    "smoothing_curve": 1,
    "dry_allowed_length": 2,
    "dry_multiplier": 0,
    "dry_base": 1.75,
    "dry_sequence_breakers": '["\\n", ":", "\\"", "*"]',
    "dry_penalty_last_n": 0,
    "add_bos_token": True,
    "ban_eos_token": False,
    "skip_special_tokens": True,
    "mirostat_mode": 0,
    "mirostat_tau": 5,
    "mirostat_eta": 0.1,
    "guidance_scale": 1,
    "negative_prompt": "",
    "grammar_string": "",
    "json_schema": {},
    "banned_tokens": "",
    "ignore_eos_token": False,
    "spaces_between_special_tokens": True,
    "speculative_ngram": False,
    "xtc_threshold": 0.1,
    "xtc_probability": 0,
    "nsigma": 0,
    "min_keep": 0,
    "logit_bias": [],
    "rep_pen_size": 0,
}
_EXTRA_NEUTRAL = {  # older and KoboldAI spellings, and values that are off too
    "rep_pen_slope": (0, 1),
    "typical": (1,),
    "mirostat": (0,),
    "n": (1,),
    "max_tokens_second": (0,),
    "top_nsigma": (0,),
    "ignore_eos_token_aphrodite": (False,),
    "use_default_badwordsids": (False,),
    "rep_pen": (1,),
}
_RANGE_KEYS = ("rep_pen_range", "rep_pen_slope", "rep_pen_decay")
QUIET = Quiet(
    neutral={**{key: (value,) for key, value in NEUTRAL_VALUES.items()}, **_EXTRA_NEUTRAL},
    needs={
        **{key: ("rep_pen",) for key in _RANGE_KEYS},
        **{key: ("mirostat_mode", "mirostat") for key in ("mirostat_tau", "mirostat_eta")},
        **{key: ("dynatemp",) for key in ("min_temp", "max_temp", "dynatemp_exponent")},
        **{key: ("dry_multiplier",) for key in ("dry_allowed_length", "dry_base", "dry_sequence_breakers")},
        "dry_penalty_last_n": ("dry_multiplier",),
        "smoothing_curve": ("smoothing_factor",),
        "length_penalty": ("num_beams",),
        "early_stopping": ("num_beams",),
        "penalty_alpha": ("do_sample",),
        "negative_prompt": ("guidance_scale",),
        "xtc_threshold": ("xtc_probability",),
    },
    inert={
        **{key: ORDER for key in ("sampler_order", "sampler_priority", "samplers", "samplers_priorities")},
        **{
            key: NOT_SAMPLING
            for key in (
                "skip_special_tokens",
                "spaces_between_special_tokens",
                "spaces_between_special_tokens_aphrodite",
                "speculative_ngram",
                "streaming",
                "legacy_api",
                "type",
                "preset",
            )
        },
    },
)

_TEXT_MARKERS = {"temp", "rep_pen", "genamt", "rep_pen_range", "sampler_order", "typical", "tfs", "dynatemp"}
_TEMPLATES = {  # SillyTavern's other JSON files: formatting templates, not sampler presets
    "input_sequence": "instruct template",
    "story_string": "context template",
}


def preset_kind(data: dict[str, Any]) -> str | None:
    """ "chat" | "novel" | "text" for a SillyTavern sampler preset, None when the keys are none of those.
    Chat and NovelAI are checked first: their files also hold keys a text-completion preset has."""
    keys = data.keys()
    if sillytavern_chat.MARKERS & keys:
        return "chat"
    if sillytavern_novel.MARKERS & keys and "temp" not in keys:
        return "novel"
    if _TEXT_MARKERS & keys:
        return "text"
    return None


def refuse_template(data: dict[str, Any], source: str) -> None:
    """Name the kind when someone imports one of SillyTavern's formatting templates by mistake."""
    for key, kind in _TEMPLATES.items():
        if key in data:
            raise ProfileError(
                f"{source}: this is a SillyTavern {kind}, not a sampler preset; import a preset from "
                "SillyTavern's TextGen, KoboldAI, NovelAI or OpenAI settings instead"
            )


def read(data: dict[str, Any], source: str, col: Collector) -> ReadInfo:
    kind = preset_kind(data)
    if kind == "chat":
        return sillytavern_chat.read(data, source, col)
    if kind == "novel":
        return sillytavern_novel.read(data, source, col)
    return _read_text(data, col)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_text(data: dict[str, Any], col: Collector) -> ReadInfo:
    """Map the flat keys. ``do_sample: false`` decodes greedily whatever ``temp`` says (text-generation-
    webui's HF loaders); with ``dynatemp`` on, SillyTavern sends the midpoint of ``min_temp`` and
    ``max_temp`` as the temperature, not ``temp``. A ``top_p`` of 0 means "off" in SillyTavern and
    KoboldAI presets, which shotglass writes as 1.0 because its top_p must be above 0."""
    col.quiet, col.context = QUIET, data
    greedy = data.get("do_sample") is False
    low_raw: Any = data.get("min_temp")
    high_raw: Any = data.get("max_temp")
    dynatemp = data.get("dynatemp") is True and _is_number(low_raw) and _is_number(high_raw) and not greedy
    low, high = (float(low_raw), float(high_raw)) if dynatemp else (0.0, 0.0)
    unused: dict[str, str] = {}
    if greedy:
        col.used.add("do_sample")
        col.set("temperature", 0.0, "do_sample", " (false = greedy decoding; temp is not used)")
        unused = dict.fromkeys(("temp", "dynatemp", "min_temp", "max_temp", "dynatemp_exponent"), "do_sample is false")
    elif dynatemp:
        middle = float(f"{(low + high) / 2:.10g}")
        col.set("temperature", middle, "min_temp/max_temp", f" (dynatemp: the midpoint {middle:g} SillyTavern sends)")
        col.note(
            f"dynatemp = true (dynamic temperature {low:g} to {high:g} has no equivalent; "
            f"imported its midpoint {middle:g}, the temperature SillyTavern sends)"
        )
        unused = {"temp": "dynatemp is on"}
    for key, value in data.items():
        if key in unused:
            col.ignore(key, value, f"not used: {unused[key]}")
        elif (greedy and key == "do_sample") or (dynatemp and key in ("dynatemp", "min_temp", "max_temp")):
            continue  # said in the mapped line (and the dynatemp note)
        elif key == "top_p" and _is_number(value) and value <= 0:
            col.set("top_p", 1.0, key, f" ({value} = disabled in SillyTavern: 1.0)")
        elif key == "custom_stopping_strings":
            _custom_stops(col, key, value)
        else:
            col.apply(_TABLE, key, value)
    return ReadInfo(kind=KIND_TEXT)


def _custom_stops(col: Collector, key: str, value: Any) -> None:
    """SillyTavern keeps stop strings outside presets, as a JSON list in a text field ("Custom Stopping
    Strings"); shotglass's own exports carry them under that name so they survive a round trip."""
    try:
        stops = parse_json(value, "", ProfileError) if isinstance(value, str) else value
    except (json.JSONDecodeError, ProfileError):
        stops = None
    if isinstance(stops, list) and all(isinstance(item, str) for item in stops):
        col.set("stop", stops, key)
    else:
        col.drop(key, value, "not a JSON list of strings")
