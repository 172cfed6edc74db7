"""llama.cpp INI presets (``llama-server --models-preset``, docs/preset.md): one section per preset,
keys are CLI flag names without dashes (or ``LLAMA_ARG_*`` names), ``[*]`` applies to every preset.
Parsed with the same grammar as llama.cpp's common/preset.cpp rather than configparser, so line
numbers and inline comments behave the same."""

from __future__ import annotations

import re

from tui.core.errors import ProfileError
from tui.core.profiles.importers._common import CTX, GPU, LOAD, MODEL, SYSTEM, TEMPLATE, THREADS, Collector

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
    "jinja": TEMPLATE,
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
}

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
            sections.setdefault(current, {})
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


def read(text: str, source: str, col: Collector) -> str | None:
    """Import the first preset section (with the shared ``[*]`` keys under it) and name the others as
    dropped; returns the section name so it can become the profile name."""
    sections = _ini_sections(text, source)
    shared = sections.pop("*", {})
    chosen = next((name for name, values in sections.items() if values), next(iter(sections), None))
    for other in sections:
        if other != chosen:
            col.note(f"[{other}] (another preset in the file; only [{chosen}] was imported)")
    chosen_values = sections[chosen] if chosen is not None else {}
    for section, values in (("*", shared), (chosen, chosen_values)):
        for key, value in values.items():
            col.prefix = f"[{section}] "
            col.apply(_TABLE, _ini_key(key), value, key)
    return chosen if chosen not in (None, "default") else None
