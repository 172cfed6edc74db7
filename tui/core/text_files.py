"""Reading a file a user handed us: one size check, one set of one-line errors, for every format.

Profiles, example sets, eval data, conversation files and foreign presets all come from people's disks;
each refuses a huge file before reading it and says in one line why a file cannot be used. A UTF-8
byte-order mark is accepted and dropped. ``parse_json`` and ``parse_toml`` bound what the parsers would
otherwise turn into a traceback: nesting too deep to recurse, integers too long to convert, and JSON
strings holding a lone surrogate (``"\\ud800"``), which no UTF-8 file, database or terminal can hold.
"""

from __future__ import annotations

import json
import re
import tomllib
from itertools import accumulate
from pathlib import Path
from typing import Any

from tui.core.errors import UserError, shown

MAX_NESTING = 100  # every format shotglass reads needs fewer than 10 levels
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def read_bounded_text(path: Path, *, limit: int, kind: str, error: type[UserError], encoding: str = "utf-8") -> str:
    """The text of ``path``, or ``error`` naming the path: missing, not a file, over ``limit`` bytes, not
    text in ``encoding`` (UTF-8, or UTF-16 for a file that starts with its byte-order mark), unreadable.
    ``kind`` names what was expected ("profile file"). The path is shown with control characters escaped."""
    where = shown(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{where}: no such {kind}") from None
    except OSError as problem:
        raise error(f"{where}: cannot read: {problem.strerror or problem}") from None
    except ValueError:  # an embedded NUL byte
        raise error(f"{where}: not a usable path") from None
    if not path.is_file():
        raise error(f"{where}: not a file")
    if size > limit:
        raise error(f"{where}: the {kind} is {size} bytes; at most {limit} bytes are accepted")
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # Notepad's BOM: strip it and read
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise error(f"{where}: not {'UTF-16' if encoding.startswith('utf-16') else 'UTF-8'} text") from None
    except OSError as problem:
        raise error(f"{where}: cannot read: {problem.strerror or problem}") from None


def json_depth(text: str) -> int:
    """How deep ``text``'s arrays and objects nest, counted without recursing (strings skipped)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def parse_json(text: str, source: str, error: type[UserError]) -> Any:
    """``json.loads`` for a file from outside. Syntax errors stay ``json.JSONDecodeError`` (callers name
    the line their way); nesting deeper than ``MAX_NESTING``, integers over Python's digit limit and lone
    surrogates become ``error`` with ``source`` (already shown) in front."""
    if json_depth(text) > MAX_NESTING:
        raise error(f"{source}: JSON nested too deeply (more than {MAX_NESTING} levels)")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise error(f"{source}: JSON nested too deeply") from None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise error(f"{source}: JSON holds a number with too many digits") from None
    _refuse_surrogates(value, source, error)
    return value


def parse_toml(text: str, source: str, error: type[UserError]) -> dict[str, Any]:
    """``tomllib.loads`` for a file from outside. Syntax errors stay ``tomllib.TOMLDecodeError``; nesting
    too deep for the parser and integers over Python's digit limit become ``error``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except RecursionError:
        raise error(f"{source}: TOML nested too deeply") from None
    except ValueError:
        raise error(f"{source}: TOML holds a number with too many digits") from None


def _refuse_surrogates(value: Any, source: str, error: type[UserError]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise error(f"{source}: JSON holds a lone surrogate escape (like \\ud800), which is not text")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
