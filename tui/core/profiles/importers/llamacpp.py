"""llama.cpp INI presets (``llama-server --models-preset``, docs/preset.md): one section per preset,
keys are CLI flag names without dashes (or ``LLAMA_ARG_*`` names), ``[*]`` applies to every preset.
Parsed with the same grammar as llama.cpp's common/preset.cpp rather than configparser, so line
numbers and inline comments behave the same."""

from __future__ import annotations

import re

from tui.core.errors import ProfileError, shown
from tui.core.profiles.importers._common import (
    CTX,
    FIELDS,
    GPU,
    LOAD,
    MODEL,
    NONE,
    NOT_SAMPLING,
    ORDER,
    REPEAT_WINDOW,
    SYSTEM,
    TEMPLATE,
    THREADS,
    Collector,
    Quiet,
    ReadInfo,
)

_TABLE = {  # CLI flag names without dashes, every alias the flag has
    "temp": "temperature",
    "temperature": "temperature",
    "top-k": "top_k",
    "top-p": "top_p",
    "min-p": "min_p",
    "repeat-penalty": "repeat_penalty",
    "n-predict": "max_new_tokens",
    "predict": "max_new_tokens",
    "n": "max_new_tokens",
    "seed": "seed",
    "s": "seed",
    "reverse-prompt": "stop",
    "r": "stop",
    "ctx-size": CTX,
    "c": CTX,
    "threads": THREADS,
    "t": THREADS,
    "n-gpu-layers": GPU,
    "gpu-layers": GPU,
    "ngl": GPU,
    "model": MODEL,
    "m": MODEL,
    "hf-repo": MODEL,
    "hf": MODEL,
    "hf-file": MODEL,
    "model-url": MODEL,
    "system-prompt": SYSTEM,
    "sys": SYSTEM,
    "chat-template": TEMPLATE,
    "chat-template-file": TEMPLATE,
    "jinja": LOAD,  # use the GGUF's Jinja template: what shotglass always does
    "mmproj": MODEL,
    "mmap": LOAD,
    "no-mmap": LOAD,
    "mlock": LOAD,
    "flash-attn": LOAD,
    "fa": LOAD,
    "batch-size": LOAD,
    "b": LOAD,
    "ubatch-size": LOAD,
    "ub": LOAD,
    "parallel": LOAD,
    "np": LOAD,
    "kv-unified": LOAD,
    "cache-type-k": LOAD,
    "ctk": LOAD,
    "cache-type-v": LOAD,
    "ctv": LOAD,
    "chat-template-kwargs": "chat template options are not part of a decoding profile",
    "repeat-last-n": f"shotglass penalizes repeats in the last {REPEAT_WINDOW} tokens",
}
SAMPLING = {  # llama.cpp's sampling options (common/arg.cpp, set_sampling()) and the generation ones
    *("samplers", "seed", "s", "sampler-seq", "sampling-seq", "ignore-eos", "temp", "temperature", "top-k"),
    *("top-p", "min-p", "top-nsigma", "top-n-sigma", "xtc-probability", "xtc-threshold", "typical", "typical-p"),
    *("repeat-last-n", "repeat-penalty", "presence-penalty", "frequency-penalty", "dry-multiplier", "dry-base"),
    *("dry-allowed-length", "dry-penalty-last-n", "dry-sequence-breaker", "adaptive-target", "adaptive-decay"),
    *("dynatemp-range", "dynatemp-exp", "mirostat", "mirostat-lr", "mirostat-ent", "l", "logit-bias", "grammar"),
    *("grammar-file", "j", "json-schema", "jf", "json-schema-file", "n-predict", "predict", "n"),
    *("reverse-prompt", "r"),
}
"""Any other key is a load or server option: counted, not listed, unless shotglass has a flag for it."""
QUIET = Quiet(  # llama.cpp's "off" values
    neutral={
        "presence-penalty": (0,),
        "frequency-penalty": (0,),
        "typical": (1,),
        "typical-p": (1,),
        "repeat-last-n": (REPEAT_WINDOW,),
        "repeat-penalty": (1,),
        "dry-multiplier": (0,),
        "mirostat": (0,),
        "xtc-probability": (0,),
        "top-nsigma": (-1,),
        "top-n-sigma": (-1,),
        "dynatemp-range": (0,),
        "ignore-eos": (False,),
    },
    needs={
        **{key: ("dry-multiplier",) for key in ("dry-base", "dry-allowed-length", "dry-penalty-last-n")},
        "dry-sequence-breaker": ("dry-multiplier",),
        "mirostat-lr": ("mirostat",),
        "mirostat-ent": ("mirostat",),
        "xtc-threshold": ("xtc-probability",),
        "dynatemp-exp": ("dynatemp-range",),
        "repeat-last-n": ("repeat-penalty",),
        "adaptive-decay": ("adaptive-target",),
    },
    inert={"samplers": ORDER, "sampler-seq": ORDER, "sampling-seq": ORDER, "backend-sampling": NOT_SAMPLING},
)

_SECTION = re.compile(r"\[([^\]]*)\][ \t]*(?:[;#].*)?")
_KEY_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=(.*)")


def _ini_sections(text: str, source: str) -> dict[str, dict[str, str]]:
    """Parse the INI subset llama.cpp reads: sections, ``key = value``, ``;``/``#`` comments (also
    after a value), no quoting, no continuation lines; keys before any section belong to 'default'."""
    sections: dict[str, dict[str, str]] = {}
    current = "default"
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        if header := _SECTION.fullmatch(stripped):
            current = header.group(1).strip()
            sections.pop(current, None)  # llama.cpp starts a repeated section afresh; keep file order
            sections[current] = {}
        elif pair := _KEY_VALUE.fullmatch(stripped):
            value = re.split(r"[;#]", pair.group(2), maxsplit=1)[0].strip()
            if pair.group(1) != "version":
                sections.setdefault(current, {})[pair.group(1)] = value
        else:
            raise ProfileError(
                f"{source}: line {number}: not an INI section, 'key = value' or comment: {stripped[:60]!r}"
            )
    return sections


def _ini_key(key: str) -> str:
    """Accept ``top-k``, ``top_k`` and the ``LLAMA_ARG_TOP_K`` environment name alike."""
    if key.startswith("LLAMA_ARG_"):
        key = key[len("LLAMA_ARG_") :]
    return key.lower().replace("_", "-")


def _has_sampling(values: dict[str, str]) -> bool:
    return any(_TABLE.get(_ini_key(key)) in FIELDS for key in values)


def _choose(sections: dict[str, dict[str, str]], wanted: str | None, source: str) -> str | None:
    """``--section`` if given, else the first preset section that sets a sampling parameter of its own
    (a first section with load options only is common: an embedding model, a vision model), else the
    first section, which may inherit sampling keys from ``[*]``."""
    names = [name for name in sections if name != "*"]
    listed = shown(", ".join(f"[{name}]" for name in sections) or "none")
    if wanted is not None:
        if wanted == "*":
            raise ProfileError(f"{source}: [*] holds the options every preset shares; choose a preset: {listed}")
        if wanted not in sections:
            raise ProfileError(f"{source}: no section [{shown(wanted)}]; the file has {listed}")
        return wanted
    return next((name for name in names if _has_sampling(sections[name])), names[0] if names else None)


def read(text: str, source: str, col: Collector, section: str | None = None) -> ReadInfo:
    """Import one preset section with the shared ``[*]`` keys under it, like llama-server applies them;
    the section name becomes the profile name and every section is reported, so the user can pick
    another with ``--section``."""
    sections = _ini_sections(text, source)
    chosen = _choose(sections, section, source)
    shared = sections.get("*", {})
    chosen_values = sections[chosen] if chosen is not None else {}
    merged = {_ini_key(key): value for values in (shared, chosen_values) for key, value in values.items()}
    col.quiet, col.context = QUIET, merged
    own = {_ini_key(key) for key in chosen_values}
    for name, values in (("*", shared), (chosen, chosen_values)):
        for key, value in values.items():
            normalized = _ini_key(key)
            if name == "*" and normalized in own:
                continue  # the section's own value wins, as llama-server merges them
            col.prefix = f"[{name}] "
            col.apply(_TABLE, normalized, value, key, default=NONE if normalized in SAMPLING else LOAD)
    if not col.mapped:
        where = shown(f"[{chosen}]" + (" or [*]" if shared else "") if chosen is not None else "the file")
        raise ProfileError(
            f"{source}: no sampling parameters found in {where} (nothing maps to {', '.join(sorted(FIELDS))}); "
            f"sections: {shown(', '.join(f'[{name}]' for name in sections) or 'none')}"
        )
    return ReadInfo(name=chosen if chosen not in (None, "default") else None, sections=tuple(sections), section=chosen)
