"""Ollama Modelfile: ``PARAMETER name value`` lines; everything else (FROM, TEMPLATE, SYSTEM, ...) is
not a sampling setting. Parsed like Ollama's own parser (parser/parser.go): instruction names are
case-insensitive, ``#`` starts a comment only at the start of an instruction, and an argument opened
with a double quote or three double quotes runs on until it is closed."""

from __future__ import annotations

import re

from tui.core.errors import ProfileError
from tui.core.profiles.importers._common import (
    CTX,
    GPU,
    LOAD,
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
    "temperature": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "repeat_penalty": "repeat_penalty",
    "seed": "seed",
    "num_predict": "max_new_tokens",
    "stop": "stop",
    "num_ctx": CTX,
    "num_gpu": GPU,
    "main_gpu": GPU,
    "num_thread": THREADS,
    "num_batch": LOAD,
    "use_mmap": LOAD,
    "use_mlock": LOAD,
    "numa": LOAD,
    "low_vram": LOAD,
    "f16_kv": LOAD,
    "vocab_only": LOAD,
    "logits_all": LOAD,
    "draft_num_predict": LOAD,
    "repeat_last_n": f"shotglass penalizes repeats in the last {REPEAT_WINDOW} tokens",
}
QUIET = Quiet(  # Ollama's own "off" values (api/types.go), so a neutral PARAMETER is counted, not listed
    neutral={
        "repeat_last_n": (REPEAT_WINDOW,),
        "presence_penalty": (0,),
        "frequency_penalty": (0,),
        "typical_p": (1,),
        "tfs_z": (1,),
        "mirostat": (0,),
        "repeat_penalty": (1,),
        "penalize_newline": (True,),  # llama.cpp's samplers penalize newlines like any token, as shotglass does
    },
    needs={
        "mirostat_tau": ("mirostat",),
        "mirostat_eta": ("mirostat",),
        "repeat_last_n": ("repeat_penalty",),
        "penalize_newline": ("repeat_penalty",),
    },
    inert={"num_keep": NOT_SAMPLING, "keep_alive": NOT_SAMPLING},
)
_NOTES = {
    "system": f"SYSTEM prompt ({SYSTEM})",
    "template": f"TEMPLATE ({TEMPLATE})",
    "message": "MESSAGE lines (conversation history is not part of a decoding profile)",
    "adapter": "ADAPTER (LoRA adapters are not supported)",
}
_COMMANDS = {
    "from",
    "license",
    "template",
    "system",
    "adapter",
    "draft",
    "renderer",
    "parser",
    "parameter",
    "message",
    "requires",
}


def _closed(value: str) -> bool:
    """Ollama keeps reading lines while an argument opened with a quote is not closed."""
    value = value.strip()
    if value.startswith('"""'):
        return len(value) >= 6 and value.endswith('"""')
    if value.startswith('"'):
        return len(value) >= 2 and value.endswith('"')
    return True


def _unquote(value: str) -> str:
    """Quotes only delimit the argument (``stop "User:"``); they are not part of the value."""
    value = value.strip()
    for quote in ('"""', '"'):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return value[len(quote) : -len(quote)]
    return value


def _modelfile_commands(text: str, source: str) -> list[tuple[int, str, str]]:
    """Split a Modelfile into (line, command, argument) as Ollama does, so text inside a multi-line
    TEMPLATE or SYSTEM block is never mistaken for a PARAMETER line."""
    lines, commands, index = text.splitlines(), [], 0
    while index < len(lines):
        start, line = index + 1, lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z]+)(?:[ \t]+(.*))?", line)
        command = match.group(1).lower() if match else ""
        if match is None or command not in _COMMANDS:
            raise ProfileError(f"{source}: line {start}: not a Modelfile instruction: {line[:60]!r}")
        chunks = [match.group(2) or ""]
        value = (chunks[0].split(None, 1) or [""])[-1] if command in ("parameter", "message") else chunks[0]
        if not _closed(value):
            quote = '"""' if value.strip().startswith('"""') else '"'
            while len(chunks) == 1 or not chunks[-1].rstrip().endswith(quote):
                if index >= len(lines):
                    raise ProfileError(f"{source}: line {start}: {command.upper()} opens a quote that is never closed")
                chunks.append(lines[index])
                index += 1
        commands.append((start, command, "\n".join(chunks)))
    return commands


def read(text: str, source: str, col: Collector) -> ReadInfo:
    """Map the PARAMETER lines; note the instructions that matter for replies but not for decoding."""
    commands = _modelfile_commands(text, source)
    col.quiet = QUIET
    col.context = {
        parts[0].lower(): parts[1]
        for _line, command, argument in commands
        if command == "parameter" and len(parts := argument.split(None, 1)) == 2
    }
    for line, command, argument in commands:
        if command in _NOTES:
            col.note(_NOTES[command])
        if command != "parameter":
            continue
        parts = argument.split(None, 1)
        if len(parts) < 2 or not re.fullmatch(r"\w+", parts[0]):
            raise ProfileError(f"{source}: line {line}: PARAMETER needs a name and a value")
        col.apply(_TABLE, parts[0].lower(), _unquote(parts[1]), parts[0])
    return ReadInfo()
