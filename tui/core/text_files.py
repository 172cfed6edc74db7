"""Reading a file a user handed us: one size check, one set of one-line errors, for every format.

Profiles, example sets, eval data, conversation files and foreign presets all come from people's disks;
each refuses a huge file before reading it and says in one line why a file cannot be used.
"""

from __future__ import annotations

from pathlib import Path

from tui.core.errors import UserError


def read_bounded_text(path: Path, *, limit: int, kind: str, error: type[UserError], encoding: str = "utf-8") -> str:
    """The text of ``path``, or ``error`` naming the path: missing, not a file, over ``limit`` bytes, not
    text in ``encoding`` (UTF-8, or UTF-16 for a file that starts with its byte-order mark), unreadable.
    ``kind`` names what was expected ("profile file")."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{path}: no such {kind}") from None
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror or problem}") from None
    if not path.is_file():
        raise error(f"{path}: not a file")
    if size > limit:
        raise error(f"{path}: the {kind} is {size} bytes; at most {limit} bytes are accepted")
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise error(f"{path}: not {'UTF-16' if encoding.startswith('utf-16') else 'UTF-8'} text") from None
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror or problem}") from None
