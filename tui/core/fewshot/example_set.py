"""Example-set files (pinned few-shot examples), validated as strictly as profiles.

``name``, ``instruction``, ``input_label``, ``output_label``, ``render`` (``turns`` or ``labelled``: how a chat
template model sees the examples) and ``[[examples]]`` with ``input``/``output``
(and optionally ``enabled``). Labels become line prefixes in the completion format, so a label with a
newline would silently break the transcript: refused.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from tui.core.errors import ExampleSetError, shown
from tui.core.fewshot.examples import Example, ExampleSet, PinRender
from tui.core.text_files import parse_toml, read_bounded_text

MAX_EXAMPLE_FILE_BYTES = 1024 * 1024
MAX_LABEL_LENGTH = 40
_TOP_KEYS = {"name", "instruction", "input_label", "output_label", "examples", "render", "schema_version"}
_EXAMPLE_KEYS = {"input", "output", "enabled"}


def _string(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ExampleSetError(f"{source}: key '{key}' must be a string, got {type(value).__name__}")
    return value


def _label(source: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    label = _string(source, key, value)
    if not label.strip() or "\n" in label or "\r" in label or len(label) > MAX_LABEL_LENGTH:
        raise ExampleSetError(
            f"{source}: key '{key}' = {label!r} must be one line of 1-{MAX_LABEL_LENGTH} "
            "characters (it starts each line of the transcript)"
        )
    return label.strip()


def parse_example_set(data: dict[str, Any], source: str) -> ExampleSet:
    for key in data:
        if key not in _TOP_KEYS:
            raise ExampleSetError(f"{source}: unknown key '{key}'; allowed keys: {', '.join(sorted(_TOP_KEYS))}")
    raw_examples = data.get("examples", [])
    if not isinstance(raw_examples, list):
        raise ExampleSetError(f"{source}: 'examples' must be an array of tables ([[examples]])")
    examples: list[Example] = []
    for number, item in enumerate(raw_examples, start=1):
        where = f"{source}: example {number}"
        if not isinstance(item, dict):
            raise ExampleSetError(f"{where}: must be a table with 'input' and 'output'")
        for key in item:
            if key not in _EXAMPLE_KEYS:
                raise ExampleSetError(f"{where}: unknown key '{key}'; allowed keys: enabled, input, output")
        for key in ("input", "output"):
            if key not in item:
                raise ExampleSetError(f"{where}: missing key '{key}'")
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ExampleSetError(f"{where}: key 'enabled' must be true or false")
        examples.append(
            Example(
                input=_string(where, "input", item["input"]),
                output=_string(where, "output", item["output"]),
                enabled=enabled,
            )
        )
    return ExampleSet(
        name=_string(source, "name", data.get("name", Path(source).stem)) or "examples",
        instruction=_string(source, "instruction", data.get("instruction", "")),
        input_label=_label(source, "input_label", data.get("input_label")),
        output_label=_label(source, "output_label", data.get("output_label")),
        examples=tuple(examples),
        render=_render(source, data.get("render", PinRender.TURNS.value)),
    )


def _render(source: str, value: Any) -> PinRender:
    allowed = [choice.value for choice in PinRender]
    if not isinstance(value, str) or value not in allowed:
        raise ExampleSetError(f"{source}: key 'render' = {value!r} must be one of: {', '.join(allowed)}")
    return PinRender(value)


def read_example_set(path: Path) -> ExampleSet:
    text = read_bounded_text(path, limit=MAX_EXAMPLE_FILE_BYTES, kind="example set file", error=ExampleSetError)
    try:
        data = parse_toml(text, shown(path), ExampleSetError)
    except tomllib.TOMLDecodeError as error:
        raise ExampleSetError(f"{shown(path)}: malformed TOML: {error}") from None
    return parse_example_set(data, shown(path))


def example_set_to_toml(examples: ExampleSet) -> str:
    data: dict[str, Any] = {"name": examples.name, "instruction": examples.instruction}
    if examples.input_label:
        data["input_label"] = examples.input_label
    if examples.output_label:
        data["output_label"] = examples.output_label
    if examples.render is not PinRender.TURNS:
        data["render"] = examples.render.value
    data["examples"] = [
        {"input": example.input, "output": example.output, **({} if example.enabled else {"enabled": False})}
        for example in examples.examples
    ]
    return tomli_w.dumps(data, multiline_strings=True)
