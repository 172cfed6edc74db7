"""Text fields to profile and back, for the profile editor: validation as you type uses exactly the
same rules (and messages) as loading a file, because the form becomes a mapping for ``parse_profile``."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from tui.core.errors import ProfileError
from tui.core.profiles.profile import DecodingProfile, parse_profile

FORM_FIELDS = (
    "name",
    "description",
    "max_new_tokens",
    "temperature",
    "top_k",
    "top_p",
    "min_p",
    "repeat_penalty",
    "seed",
    "stop",
    "template_kwargs",
)
_INTS = {"max_new_tokens", "top_k", "seed"}
_FLOATS = {"temperature", "top_p", "min_p", "repeat_penalty"}


def profile_to_form(profile: DecodingProfile) -> dict[str, str]:
    data = profile.to_dict()
    form = {key: "" for key in FORM_FIELDS}
    for key in FORM_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if key == "stop":
            form[key] = json.dumps(value, ensure_ascii=False)  # a JSON list of strings is valid TOML
        elif key == "template_kwargs":
            form[key] = _inline_table(value)
        elif isinstance(value, float):
            form[key] = f"{value:g}"
        else:
            form[key] = str(value)
    return form


def _inline_table(table: dict[str, Any]) -> str:
    """``{ enable_thinking = false, reasoning_effort = "low" }``: one line of TOML the form reads back."""
    cells = []
    for name, value in table.items():
        if isinstance(value, bool):
            cells.append(f"{name} = {str(value).lower()}")
        elif isinstance(value, str):
            cells.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
        else:
            cells.append(f"{name} = {value!r}")
    return "{ " + ", ".join(cells) + " }" if cells else ""


def _convert(key: str, text: str) -> Any:
    """Numbers that do not parse are passed on as text, so ``parse_profile`` reports the key and type."""
    text = text.strip()
    if key in _INTS:
        try:
            return int(text)
        except ValueError:
            return text
    if key in _FLOATS:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def profile_from_form(form: dict[str, str], source: str = "editor") -> DecodingProfile:
    data: dict[str, Any] = {}
    for key in FORM_FIELDS:
        text = form.get(key, "")
        if key == "stop":
            if text.strip():
                try:
                    data["stop"] = tomllib.loads(f"stop = {text}")["stop"]
                except tomllib.TOMLDecodeError:
                    raise ProfileError(f"{source}: key 'stop' must be a list of strings, e.g. [\"###\"]") from None
            continue
        if key == "template_kwargs":
            if text.strip():
                try:
                    data[key] = tomllib.loads(f"template_kwargs = {text}")["template_kwargs"]
                except tomllib.TOMLDecodeError:
                    raise ProfileError(
                        f"{source}: key 'template_kwargs' must be a TOML table, e.g. {{ enable_thinking = false }}"
                    ) from None
            continue
        if key == "seed" and not text.strip():
            continue
        if key in ("name", "description"):
            data[key] = text.strip()
        elif text.strip():
            data[key] = _convert(key, text)
        else:
            raise ProfileError(f"{source}: key '{key}' is empty")
    return parse_profile(data, source)
