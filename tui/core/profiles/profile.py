"""Decoding profiles: a named generative configuration, validated strictly.

Profiles are shared as files between people, so every check names the file, the key and the allowed
range: a typo in a friend's profile must be a one-line fix, not a silent default.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from tui.core.chat.prompt import TemplateValue
from tui.core.errors import ProfileError, shown
from tui.core.text_files import parse_toml, read_bounded_text

SCHEMA_VERSION = 1
MAX_PROFILE_FILE_BYTES = 64 * 1024
MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 500
MAX_STOP_STRINGS = 16
MAX_NEW_TOKENS_LIMIT = 131_072
SEED_MAX = 2**32 - 1
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


PARAMETER_HELP: dict[str, str] = {
    "name": "File name of the profile: letters, digits, '.', '_' and '-'.",
    "description": "When to use this profile, in a sentence.",
    "max_new_tokens": "Upper bound on the reply length; a reply can end earlier at end of sequence or a stop string.",
    "temperature": "Divides the logits before softmax: below 1 sharpens the distribution, above 1 flattens it; "
    "0 = greedy, always the most probable token.",
    "top_k": "Keep only the k most probable tokens before sampling; 0 disables.",
    "top_p": "Keep the smallest set of tokens whose cumulative probability reaches p; 1 disables.",
    "min_p": "Drop tokens less probable than min_p times the top token's probability; 0 disables.",
    "repeat_penalty": "Lowers the scores of tokens used in the last 64 tokens; 1 disables, 1.1-1.3 curbs loops.",
    "seed": "Empty = a new random seed per reply (shown under it, so it can be replayed); a number repeats "
    "the same sampled reply.",
    "stop": 'Extra stop strings as a TOML list, e.g. ["###", "\\n\\n"]; the reply ends before them.',
    "template_kwargs": "Variables for the model's chat template as a TOML table, e.g. { enable_thinking = false } "
    'or { reasoning_effort = "low" }; models without a template ignore them.',
}

MAX_TEMPLATE_KWARGS = 16
MAX_TEMPLATE_TEXT = 200
TEMPLATE_KWARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
RESERVED_TEMPLATE_NAMES = frozenset(
    {"messages", "add_generation_prompt", "bos_token", "eos_token", "raise_exception", "strftime_now", "tools"}
)
"""Set by shotglass itself for every render: a profile may not replace them."""


@dataclass(frozen=True)
class DecodingProfile:
    """How the next token is picked. ``temperature == 0`` means greedy; ``seed is None`` means a fresh
    random seed per reply (drawn, passed and recorded so the reply can still be reproduced)."""

    name: str
    description: str = ""
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = field(default_factory=tuple)
    template_kwargs: tuple[tuple[str, TemplateValue], ...] = ()
    """Extra chat-template variables (``enable_thinking``, ``reasoning_effort``), sorted by name."""

    @property
    def is_greedy(self) -> bool:
        return self.temperature == 0

    def with_overrides(self, **overrides: Any) -> "DecodingProfile":
        """Apply CLI overrides through the same validation as a file, so ``--temperature -1`` fails
        exactly like ``temperature = -1`` in a profile."""
        data = self.to_dict()
        data.update({key: value for key, value in overrides.items() if value is not None})
        return parse_profile(data, source="command line")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or (item.name == "template_kwargs" and not value):
                continue
            if item.name == "template_kwargs":
                data[item.name] = dict(value)
            else:
                data[item.name] = list(value) if isinstance(value, tuple) else value
        return data


def _type_name(value: Any) -> str:
    return type(value).__name__


def _require_int(source: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(f"{source}: key '{key}' must be an integer, got {_type_name(value)} {value!r}")
    return value


def _require_number(source: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{source}: key '{key}' must be a number, got {_type_name(value)} {value!r}")
    return float(value)


def _check_range(source: str, key: str, value: float, ok: bool, allowed: str) -> None:
    if not ok:
        raise ProfileError(f"{source}: key '{key}' = {value!r} is out of range; allowed: {allowed}")


def validate_name(name: Any, source: str = "profile") -> str:
    """Names become file names, so anything that could escape the profiles folder is refused."""
    if not isinstance(name, str):
        raise ProfileError(f"{source}: key 'name' must be a string, got {_type_name(name)}")
    if not name:
        raise ProfileError(f"{source}: key 'name' is empty; allowed: 1-{MAX_NAME_LENGTH} characters")
    if len(name) > MAX_NAME_LENGTH:
        raise ProfileError(
            f"{source}: key 'name' is {len(name)} characters long; allowed: 1-{MAX_NAME_LENGTH} characters"
        )
    if not NAME_PATTERN.fullmatch(name):
        raise ProfileError(
            f"{source}: key 'name' = {name!r} is not allowed; use letters, digits, '.', '_' and '-' "
            "(no path characters, not starting with '.')"
        )
    return name


def parse_profile(data: dict[str, Any], source: str) -> DecodingProfile:
    """Validate a raw mapping (from TOML, a CLI or an editor form) into a profile."""
    known = {item.name for item in fields(DecodingProfile)} | {"schema_version"}
    for key in data:
        if key not in known:
            raise ProfileError(f"{source}: unknown key '{key}'; allowed keys: {', '.join(sorted(known))}")
    if "schema_version" in data:
        version = _require_int(source, "schema_version", data["schema_version"])
        _check_range(source, "schema_version", version, version == SCHEMA_VERSION, str(SCHEMA_VERSION))
    if "name" not in data:
        raise ProfileError(f"{source}: missing key 'name'")
    name = validate_name(data["name"], source)

    description = data.get("description", "")
    if not isinstance(description, str):
        raise ProfileError(f"{source}: key 'description' must be a string, got {_type_name(description)}")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ProfileError(f"{source}: key 'description' is longer than {MAX_DESCRIPTION_LENGTH} characters")

    defaults = DecodingProfile(name=name)
    max_new = _require_int(source, "max_new_tokens", data.get("max_new_tokens", defaults.max_new_tokens))
    _check_range(
        source,
        "max_new_tokens",
        max_new,
        1 <= max_new <= MAX_NEW_TOKENS_LIMIT,
        f"1 to {MAX_NEW_TOKENS_LIMIT} (and less than the context size)",
    )
    temperature = _require_number(source, "temperature", data.get("temperature", defaults.temperature))
    _check_range(source, "temperature", temperature, 0 <= temperature <= 5, "0 (greedy) to 5")
    top_k = _require_int(source, "top_k", data.get("top_k", defaults.top_k))
    _check_range(source, "top_k", top_k, top_k >= 0, "0 (disabled) or more")
    top_p = _require_number(source, "top_p", data.get("top_p", defaults.top_p))
    _check_range(source, "top_p", top_p, 0 < top_p <= 1, "greater than 0 and at most 1 (1 = disabled)")
    min_p = _require_number(source, "min_p", data.get("min_p", defaults.min_p))
    _check_range(source, "min_p", min_p, 0 <= min_p <= 1, "0 (disabled) to 1")
    repeat_penalty = _require_number(source, "repeat_penalty", data.get("repeat_penalty", defaults.repeat_penalty))
    _check_range(
        source, "repeat_penalty", repeat_penalty, 0 < repeat_penalty <= 5, "greater than 0 and at most 5 (1 = disabled)"
    )

    seed = data.get("seed")
    if seed is not None:
        seed = _require_int(source, "seed", seed)
        _check_range(source, "seed", seed, 0 <= seed <= SEED_MAX, f"0 to {SEED_MAX}")

    stop_raw = data.get("stop", [])
    if not isinstance(stop_raw, list) or not all(isinstance(item, str) for item in stop_raw):
        raise ProfileError(f"{source}: key 'stop' must be a list of strings, got {stop_raw!r}")
    if len(stop_raw) > MAX_STOP_STRINGS or any(not item for item in stop_raw):
        raise ProfileError(f"{source}: key 'stop' allows 0 to {MAX_STOP_STRINGS} non-empty strings")

    template_kwargs = _template_kwargs(source, data.get("template_kwargs", {}))

    return DecodingProfile(
        name=name,
        description=description,
        max_new_tokens=max_new,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        min_p=min_p,
        repeat_penalty=repeat_penalty,
        seed=seed,
        stop=tuple(stop_raw),
        template_kwargs=template_kwargs,
    )


def _template_kwargs(source: str, raw: Any) -> tuple[tuple[str, TemplateValue], ...]:
    """A table of a few scalar variables: a template may branch on them, never receive code or structures."""
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: key 'template_kwargs' must be a table, e.g. {{ enable_thinking = false }}")
    if len(raw) > MAX_TEMPLATE_KWARGS:
        raise ProfileError(f"{source}: key 'template_kwargs' allows at most {MAX_TEMPLATE_KWARGS} variables")
    items: list[tuple[str, TemplateValue]] = []
    for name, value in raw.items():
        where = f"{source}: template_kwargs.{name}" if isinstance(name, str) and name.isprintable() else source
        if not isinstance(name, str) or not TEMPLATE_KWARG_NAME.fullmatch(name):
            raise ProfileError(f"{where}: variable names are letters, digits and '_' (1-64, not starting with a digit)")
        if name in RESERVED_TEMPLATE_NAMES:
            raise ProfileError(f"{where}: '{name}' is set by shotglass itself; allowed: any other name")
        if isinstance(value, float) and value != value:
            raise ProfileError(f"{where}: must be a number, not nan")
        if not isinstance(value, (str, bool, int, float)):
            raise ProfileError(f"{where}: must be a string, number or true/false, got {_type_name(value)}")
        if isinstance(value, str) and len(value) > MAX_TEMPLATE_TEXT:
            raise ProfileError(f"{where}: text longer than {MAX_TEMPLATE_TEXT} characters")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise ProfileError(f"{where}: integer out of range; allowed: -2^53 to 2^53")
        items.append((name, value))
    return tuple(sorted(items))


def template_kwargs_label(kwargs: tuple[tuple[str, TemplateValue], ...]) -> str:
    """``enable_thinking=false reasoning_effort=low``: how the profile bar and the header show them."""
    return " ".join(f"{name}={str(value).lower() if isinstance(value, bool) else value}" for name, value in kwargs)


def parse_profile_toml(text: str, source: str) -> DecodingProfile:
    try:
        data = parse_toml(text, source, ProfileError)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{source}: malformed TOML: {error}") from None
    return parse_profile(data, source)


def read_profile_file(path: Path) -> DecodingProfile:
    """Read and validate one profile file; refuses huge files before reading them."""
    text = read_bounded_text(path, limit=MAX_PROFILE_FILE_BYTES, kind="profile file", error=ProfileError)
    return parse_profile_toml(text, shown(path))


def profile_to_toml(profile: DecodingProfile) -> str:
    """A self-contained, schema-versioned TOML document that ``parse_profile_toml`` reads back as equal."""
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    data.update(profile.to_dict())
    return tomli_w.dumps(data)
