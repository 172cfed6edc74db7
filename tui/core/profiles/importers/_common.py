"""Shared by the importers: the reasons a key is dropped, which unmapped keys change nothing (counted, not
listed), and the collector that remembers where each mapped value came from so an error can name the
foreign key."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from tui.core.profiles.profile import DecodingProfile

FIELDS = {item.name for item in fields(DecodingProfile)} - {"name", "description", "template_kwargs"}
"""The sampling fields other tools' presets can set (template variables are shotglass's own)."""
_INT_FIELDS = {"max_new_tokens", "top_k", "seed"}
DEFAULTS = DecodingProfile(name="defaults")
REPEAT_WINDOW = 64
"""shotglass (llama-cpp-python's ``last_n_tokens_size``) penalizes repeats in the last 64 tokens."""

# Reasons for dropped keys. A table value is either a shotglass field name or one of these.
NONE = "no equivalent in shotglass"
CTX = "context size is a load option: use --ctx"
GPU = "GPU offload is a load option: use --gpu-layers"
THREADS = "threads are a load option: use --threads"
LOAD = "a load option, not part of a decoding profile"
SYSTEM = "the system prompt is not part of a decoding profile"
TEMPLATE = "the chat template comes from the model's GGUF file"
MODEL = "the model is chosen with --model"

# Reasons for ignored keys: they change nothing here, so they are counted instead of listed.
NEUTRAL = "neutral value: off"
EMPTY = "empty: switches nothing on"
ORDER = "sampler order: shotglass applies top-k, top-p, min-p, then temperature"
NOT_SAMPLING = "not a sampling setting"


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
    """Empty strings, lists and 'none' objects switch nothing on."""
    return value is None or value == "" or value == [] or value == {} or value == {"type": "none"}


def _same(value: Any, options: tuple[Any, ...]) -> bool:
    """Equal to one of ``options`` without letting ``True == 1`` or ``"0" != 0`` decide it: text formats
    spell booleans and numbers as words."""
    if isinstance(value, str):
        if any(isinstance(option, str) and option == value.strip() for option in options):
            return True
        lowered = value.strip().lower()
        value = {"true": True, "false": False, "on": True, "off": False}.get(lowered, _number(value))
    for option in options:
        if isinstance(option, bool) or isinstance(value, bool):
            if isinstance(option, bool) and isinstance(value, bool) and option is value:
                return True
        elif value == option:
            return True
    return False


@dataclass(frozen=True)
class Quiet:
    """Which unmapped keys of one format change nothing, and why: a key at its neutral value, a knob of a
    sampler that is switched off, or a key that is not about sampling at all. Listing those buried the
    few dropped settings that matter (``mirostat_mode = 2`` among 45 neutral lines), so they are counted
    instead, and ``--verbose`` still shows every one."""

    neutral: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """key -> the switches it belongs to: the key only matters while one of them is not at its neutral value."""
    inert: Mapping[str, str] = field(default_factory=dict)
    """key -> why it never changes sampling (e.g. ``ORDER``, ``NOT_SAMPLING``)."""

    def is_off(self, key: str, value: Any) -> bool:
        return value is None or (key in self.neutral and _same(value, self.neutral[key]))

    def why(self, key: str, value: Any, lookup: Callable[[str], Any]) -> str | None:
        """Why ``key = value`` may go uncounted in the dropped list, or None when it would change sampling."""
        if _is_empty(value):
            return EMPTY
        if key in self.inert:
            return self.inert[key]
        if key in self.neutral and _same(value, self.neutral[key]):
            return NEUTRAL
        switches = self.needs.get(key)
        if switches and all(self.is_off(switch, lookup(switch)) for switch in switches):
            return f"only used while {switches[0]} is on"
        return None


def show(origin: str, value: Any, reason: str) -> str:
    """One dropped or ignored line: ``mirostat_mode = 2 (no equivalent in shotglass)``."""
    value = _number(value) if isinstance(value, str) else value  # text formats: show 8192, not "8192"
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (int, float, str)) else ""
    return f"{origin} = {shown} ({reason})" if shown and len(shown) <= 40 else f"{origin} ({reason})"


class Collector:
    """What one foreign file said: values for shotglass keys, where each came from, what was left out and
    what changes nothing. Keeping the origin lets a range error name the foreign key the user has to fix."""

    def __init__(self, prefix: str = "", quiet: Quiet | None = None) -> None:
        self.prefix = prefix  # how an origin reads in an error message, e.g. "PARAMETER "
        self.quiet = quiet or Quiet()
        self.context: Mapping[str, Any] = {}
        """The keys of the file (or INI section) being read, for ``Quiet.needs`` look-ups."""
        self.data: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.mapped: dict[str, str] = {}
        self.dropped: list[str] = []
        self.ignored: list[str] = []
        self.used: set[str] = set()
        """Foreign keys that mapped: a knob of one of them is listed, a knob of a dropped switch is not."""

    def apply(
        self, table: Mapping[str, str], key: str, value: Any, origin: str | None = None, default: str = NONE
    ) -> None:
        target = table.get(key, default)
        if target in FIELDS:
            self.used.add(key)
            self.set(target, value, origin or key)
        elif (why := self.quiet.why(key, value, self.context.get)) is not None:
            self.ignore(origin or key, value, why)
        elif target == LOAD:
            self.ignore(origin or key, value, LOAD)
        elif (switch := self._dropped_switch(key)) is not None:
            self.ignore(origin or key, value, f"a setting of {switch}, listed as dropped")
        else:
            self.drop(origin or key, value, target)

    def _dropped_switch(self, key: str) -> str | None:
        """The switch a knob belongs to when that switch is on but dropped (``dry_base`` under a dropped
        ``dry_multiplier``): the switch's own line already says the sampler is not imported."""
        switches = self.quiet.needs.get(key, ())
        on = [switch for switch in switches if not self.quiet.is_off(switch, self.context.get(switch))]
        return on[0] if on and not any(switch in self.used for switch in on) else None

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
                    self.ignore(origin, "", EMPTY)
                    return
                value = self.data.get("stop", []) + value
        self.data[key] = value
        self.origins[key] = self.prefix + origin
        self.mapped[key] = f"{origin} -> {key}{note}"

    def drop(self, origin: str, value: Any, reason: str) -> None:
        if _is_empty(value):
            self.ignore(origin, value, EMPTY)
            return
        self.note(show(origin, value, reason))

    def ignore(self, origin: str, value: Any, why: str) -> None:
        text = show(origin, value, why) if not _is_empty(value) else f"{origin} ({why})"
        if text not in self.ignored:
            self.ignored.append(text)

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


@dataclass(frozen=True)
class ReadInfo:
    """What a reader learned about the file besides its keys: a name it suggests, the preset kind for
    the description, and for INI files the sections it holds and the one imported."""

    name: str | None = None
    kind: str | None = None
    sections: tuple[str, ...] = ()
    section: str | None = None
