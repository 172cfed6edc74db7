"""Shared by the importers: the reasons a key is dropped, and the collector that remembers where each
mapped value came from so an error can name the foreign key."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from typing import Any

from tui.core.profiles.profile import DecodingProfile

FIELDS = {item.name for item in fields(DecodingProfile)} - {"name", "description"}
_INT_FIELDS = {"max_new_tokens", "top_k", "seed"}
DEFAULTS = DecodingProfile(name="defaults")

# Reasons for dropped keys. A table value is either a shotglass field name or one of these.
NONE = "no equivalent in shotglass"
CTX = "context size is a load option: use --ctx"
GPU = "GPU offload is a load option: use --gpu-layers"
THREADS = "threads are a load option: use --threads"
LOAD = "a load option, not part of a decoding profile"
SYSTEM = "the system prompt is not part of a decoding profile"
TEMPLATE = "the chat template comes from the model's GGUF file"
MODEL = "the model is chosen with --model"


def _number(text: str) -> Any:
    """Text formats carry numbers as words: convert them like the tool would, and leave anything else
    for ``parse_profile`` to reject with the key named."""
    for kind in (int, float):
        try:
            return kind(text.strip())
        except ValueError:
            pass
    return text


def _is_empty(value: Any) -> bool:
    """Empty strings, lists and 'none' objects switch nothing on, so listing them as dropped is noise."""
    return value is None or value == "" or value == [] or value == {} or value == {"type": "none"}


class Collector:
    """What one foreign file said: values for shotglass keys, where each came from, and what was left
    out. Keeping the origin lets a range error name the foreign key the user has to fix."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix  # how an origin reads in an error message, e.g. "PARAMETER "
        self.data: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.mapped: dict[str, str] = {}
        self.dropped: list[str] = []

    def apply(
        self, table: dict[str, str], key: str, value: Any, origin: str | None = None, default: str = NONE
    ) -> None:
        target = table.get(key, default)
        if target in FIELDS:
            self.set(target, value, origin or key)
        else:
            self.drop(origin or key, value, target)

    def set(self, key: str, value: Any, origin: str, note: str = "") -> None:
        if key != "stop" and isinstance(value, str):
            value = _number(value)
        if key in _INT_FIELDS and isinstance(value, float) and value.is_integer():
            value = int(value)
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if key == "max_new_tokens" and is_int and value <= 0:
            self.drop(
                origin,
                value,
                f"unlimited: shotglass needs a limit and keeps max_new_tokens = {DEFAULTS.max_new_tokens}",
            )
            return
        if key == "seed" and is_int and value < 0:
            value, note = None, f" ({value} = random: a fresh seed per reply)"
        if key == "top_k" and is_int and value < 0:
            value, note = 0, f" ({value} = disabled: 0)"
        if key == "stop":
            value = [value] if isinstance(value, str) else value
            if isinstance(value, list):
                value = [item for item in value if item != ""]  # LM Studio writes [""] for "none"
                if not value:
                    return
                value = self.data.get("stop", []) + value
        self.data[key] = value
        self.origins[key] = self.prefix + origin
        self.mapped[key] = f"{origin} -> {key}{note}"

    def drop(self, origin: str, value: Any, reason: str) -> None:
        if _is_empty(value):
            return
        value = _number(value) if isinstance(value, str) else value  # text formats: show 8192, not "8192"
        shown = json.dumps(value) if isinstance(value, (int, float, str)) else ""
        self.note(f"{origin} = {shown} ({reason})" if shown and len(shown) <= 40 else f"{origin} ({reason})")

    def note(self, text: str) -> None:
        if text not in self.dropped:
            self.dropped.append(text)

    def explain(self, message: str) -> str:
        """Add the foreign origin to a ``parse_profile`` error about a mapped key."""
        match = re.search(r"key '(\w+)'", message)
        if match and match.group(1) in self.origins:
            key = match.group(1)
            return message.replace(f"key '{key}'", f"key '{key}' (from {self.origins[key]})", 1)
        return message
