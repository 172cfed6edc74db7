"""Turn other tools' sampling presets into a shotglass ``DecodingProfile``.

People arrive with presets from Ollama, LM Studio, SillyTavern or llama.cpp. Each importer maps what
has an exact equivalent, lists everything it left out (with the reason), and builds the profile with
``parse_profile`` so the same range checks apply as for a hand-written profile; a range error also
names the foreign key it came from, because that is the line the user will look for.

Supported: Ollama Modelfiles (``PARAMETER`` lines; UTF-8 or UTF-16 with a byte-order mark, as Windows
PowerShell writes them), LM Studio ``*.preset.json`` (current ``operation.fields`` and legacy
``inference_params``), SillyTavern text-completion, NovelAI and Chat Completion presets (flat JSON, told
apart by their keys), llama.cpp INI presets (``llama-server --models-preset``, one section at a time),
and shotglass TOML profiles. Not supported: text-generation-webui YAML presets (YAML would need a new
dependency); they are refused with a line that says so.

Settings that would change sampling but have no equivalent are listed as dropped; settings that change
nothing (neutral values, knobs of samplers that are off, sampler order, display options) are counted in
``ignored`` so the dropped list stays short enough to read.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.errors import ProfileError, shown
from tui.core.profiles.importers import llamacpp, lmstudio, ollama, sillytavern
from tui.core.profiles.importers._common import FIELDS, Collector, ReadInfo
from tui.core.profiles.profile import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    NAME_PATTERN,
    DecodingProfile,
    parse_profile,
    read_profile_file,
)
from tui.core.text_files import parse_json, parse_toml, read_bounded_text

__all__ = ["MAX_IMPORT_FILE_BYTES", "ImportResult", "detect_format", "import_foreign", "sanitize_name"]

MAX_IMPORT_FILE_BYTES = 1024 * 1024

_FORMATS = {  # format id -> (source_format, phrase for the description)
    "toml": ("shotglass profile", "a shotglass profile"),
    "ollama": ("Ollama Modelfile", "an Ollama Modelfile"),
    "lmstudio": ("LM Studio preset", "an LM Studio preset"),
    "sillytavern": ("SillyTavern preset", "a SillyTavern preset"),
    "ini": ("llama.cpp INI preset", "a llama.cpp INI preset"),
}


_YAML_LINE = re.compile(r"[A-Za-z_][\w.-]*:(?:[ \t]|$)")
_YAML_REFUSAL = (
    "{path}: text-generation-webui YAML presets are not supported (shotglass reads no YAML); copy its "
    "temperature, top_p, top_k, min_p and repetition_penalty into a profile with the F3 editor"
)


@dataclass(frozen=True)
class ImportResult:
    """A validated profile plus the audit trail: every foreign key either mapped or dropped with why."""

    profile: DecodingProfile
    source_format: str  # e.g. "Ollama Modelfile"
    mapped: tuple[str, ...]  # "num_predict -> max_new_tokens", ...
    dropped: tuple[str, ...]  # "mirostat = 2 (no equivalent in shotglass)", ...
    unset: tuple[str, ...] = ()  # "temperature = 0.0 (kept the shotglass default)": keys nothing mapped to
    ignored: tuple[str, ...] = ()  # "tfs = 1 (neutral value: off)": keys that change nothing, counted
    sections: tuple[str, ...] = ()  # INI presets: every section in the file, in order
    section: str | None = None  # INI presets: the section imported

    def ignored_summary(self) -> str:
        """One line for the counted keys, so they are never dropped silently."""
        count = len(self.ignored)
        noun = "setting changes" if count == 1 else "settings change"
        return f"{count} more {noun} nothing here (neutral values, samplers that are off, load or display options)"


def _encoding(path: Path) -> str:
    """UTF-16 with a byte-order mark is what Windows PowerShell's ``>`` writes, and Ollama reads it (its
    parser decodes with a BOM override), so shotglass does too; everything else is UTF-8. Only a regular
    file is peeked at: opening a FIFO would block."""
    try:
        if path.is_file():
            with path.open("rb") as handle:
                if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                    return "utf-16"
    except OSError:
        pass  # read_bounded_text names the problem
    return "utf-8-sig"


def _read_text(path: Path) -> str:
    """Refuse huge or unreadable files before reading them: an import never needs more than 1 MiB."""
    return read_bounded_text(
        path, limit=MAX_IMPORT_FILE_BYTES, kind="file", error=ProfileError, encoding=_encoding(path)
    )


def _load_json(path: Path, text: str) -> dict[str, Any]:
    """Both JSON formats are one object; name the line and column so a hand-edited file is easy to fix."""
    try:
        data = parse_json(text, shown(path), ProfileError)
    except json.JSONDecodeError as error:
        raise ProfileError(
            f"{shown(path)}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ProfileError(f"{shown(path)}: JSON is nested too deeply to be a preset") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{shown(path)}: a preset must be a JSON object, got {type(data).__name__}")
    return data


def _is_shotglass_toml(text: str) -> bool:
    """A profile saved without its .toml suffix is still ours; ``schema_version`` tells it from INI."""
    try:
        return "schema_version" in parse_toml(text, "", ProfileError)
    except (tomllib.TOMLDecodeError, ProfileError):
        return False


def detect_format(path: Path, text: str) -> str:
    """Pick the importer from the file name and content: "toml" | "ollama" | "lmstudio" |
    "sillytavern" | "ini". Malformed JSON raises here, so the error names the line."""
    name, suffix = path.name.lower(), path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".yaml", ".yml"):
        raise ProfileError(_YAML_REFUSAL.format(path=shown(path)))
    if suffix == ".json" or text.lstrip().startswith("{"):
        data = _load_json(path, text)
        if any(key in data for key in ("operation", "load", "inference_params", "load_params")):
            return "lmstudio"
        if sillytavern.preset_kind(data) is not None:
            return "sillytavern"
        sillytavern.refuse_template(data, shown(path))
        raise ProfileError(
            f"{shown(path)}: JSON file is neither an LM Studio preset nor a SillyTavern sampler preset "
            "(text completion, NovelAI or Chat Completion)"
        )
    if (
        name == "modelfile"
        or name.startswith("modelfile.")
        or suffix == ".modelfile"
        or re.search(r"^[ \t]*(from|parameter)[ \t]+[^=\s]", text, re.IGNORECASE | re.MULTILINE)
    ):
        return "ollama"
    if _is_shotglass_toml(text):
        return "toml"
    if suffix in (".ini", ".cfg", ".conf") or re.search(
        r"^[ \t]*(\[[^\]\n]+\]|[A-Za-z_][\w.-]*[ \t]*=)", text, re.MULTILINE
    ):
        return "ini"
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(_YAML_LINE.match(line) for line in lines):
        raise ProfileError(_YAML_REFUSAL.format(path=shown(path)))
    raise ProfileError(
        f"{shown(path)}: not a recognized preset; supported: Ollama Modelfile, LM Studio "
        "*.preset.json, SillyTavern text-completion preset, llama.cpp INI preset, shotglass TOML"
    )


def sanitize_name(raw: str) -> str:
    """Make any text a valid profile name: ASCII letters, digits, '.', '_', '-', starting with a letter
    or digit, at most 64 characters. Returns "" when nothing usable is left."""
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"^[^A-Za-z0-9]+", "", text)
    return text[:MAX_NAME_LENGTH].rstrip("-._")


def _default_name(path: Path, fmt: str, suggested: str | None) -> str:
    """A Modelfile is always called 'Modelfile', so its folder names it; other files name themselves."""
    base = path.name
    if suggested:
        base = suggested
    elif base.lower() == "modelfile":
        base = path.absolute().parent.name
    elif base.lower().startswith("modelfile.") and len(base) > len("modelfile."):
        base = f"{path.absolute().parent.name}-{base[len('modelfile.') :]}"  # Modelfile.pro: a variant
    else:
        for suffix in (".preset.json", ".json", ".modelfile", ".ini", ".cfg", ".conf", ".toml"):
            if base.lower().endswith(suffix) and len(base) > len(suffix):
                base = base[: -len(suffix)]
                break
    if len(base) <= MAX_NAME_LENGTH and NAME_PATTERN.fullmatch(base):
        return base  # already a valid name: keep it exactly (an exported "v1." reads back as "v1.")
    return sanitize_name(base) or f"{fmt}-import"


def _import_toml(path: Path, name: str | None) -> ImportResult:
    """Our own format maps one to one; it goes through the normal profile reader and its checks."""
    profile = read_profile_file(path)
    if name is not None:
        profile = parse_profile({**profile.to_dict(), "name": name}, source=shown(path))
    keys = [key for key in profile.to_dict() if key in FIELDS]
    return ImportResult(profile, _FORMATS["toml"][0], tuple(f"{key} -> {key}" for key in keys), ())


_READERS: dict[str, Callable[[Any, str, Collector], ReadInfo]] = {
    "ollama": ollama.read,
    "lmstudio": lmstudio.read,
    "sillytavern": sillytavern.read,
}


def import_foreign(path: Path, name: str | None = None, section: str | None = None) -> ImportResult:
    """Read a preset file of any supported format into a validated profile, reporting what mapped, what
    was dropped, what changes nothing and which shotglass keys the file left at their defaults.
    ``section`` picks a section of a llama.cpp INI preset (default: the first that sets sampling)."""
    text = _read_text(path)
    fmt = detect_format(path, text)
    if section is not None and fmt != "ini":
        raise ProfileError(f"{shown(path)}: --section applies to llama.cpp INI presets; this is {_FORMATS[fmt][1]}")
    if fmt == "toml":
        return _import_toml(path, name)
    col = Collector("PARAMETER " if fmt == "ollama" else "")
    if fmt == "ini":
        info = llamacpp.read(text, shown(path), col, section)
    else:
        info = _READERS[fmt](_load_json(path, text) if fmt in ("lmstudio", "sillytavern") else text, shown(path), col)
    if not col.mapped:
        raise ProfileError(f"{shown(path)}: no sampling parameters found (nothing maps to {', '.join(sorted(FIELDS))})")
    source_format, phrase = _FORMATS[fmt]
    if info.kind is not None:
        source_format, phrase = info.kind, f"a {info.kind}"
    where = f"[{info.section}] in {shown(path.name)}" if info.section and fmt == "ini" else shown(path.name)
    data = dict(
        col.data,
        name=name if name is not None else _default_name(path, fmt, info.name),
        description=f"Imported from {phrase} ({where})"[:MAX_DESCRIPTION_LENGTH],
    )
    try:
        profile = parse_profile(data, source=shown(path))
    except ProfileError as error:
        raise ProfileError(col.explain(str(error))) from None
    unset = tuple(
        f"{key} = {getattr(profile, key)!r} (kept the shotglass default)" for key in sorted(FIELDS - col.mapped.keys())
    )
    return ImportResult(
        profile,
        source_format,
        tuple(col.mapped.values()),
        tuple(col.dropped),
        unset,
        ignored=tuple(col.ignored),
        sections=info.sections,
        section=info.section,
    )
