"""Names of models on the Hugging Face Hub, as people type them: ``org/name`` and ``hf:org/name/file.gguf``.

Pure: what ``shotglass pull`` and ``--model hf:...`` accept, and which file of a repository's listing to take,
decided before any network or cache code runs, so a typo is one line and never a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tui.core.errors import UserError, shown
from tui.core.models.sources import is_later_split_part

HF_PREFIX = "hf:"
# The Hub's own rule for a repository id part: letters, digits, '-', '_', '.', not starting or ending with
# '-' or '.', no '--' or '..' (huggingface_hub's validate_repo_id), at most 96 characters.
_REPO_PART = re.compile(r"(?!.*(--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?")


class HubNameError(UserError):
    """A repository id or ``hf:`` model name that cannot name anything on the Hub."""


@dataclass(frozen=True)
class HubFile:
    """One file of one Hub repository (the ``main`` revision): what is downloaded and resolved."""

    repo: str
    filename: str

    @property
    def spec(self) -> str:
        """How ``--model`` names it."""
        return f"{HF_PREFIX}{self.repo}/{self.filename}"


def parse_repo_id(text: str) -> str:
    """``org/name`` as given to ``shotglass pull``, or a ``HubNameError`` that says what was wrong."""
    parts = text.split("/")
    if len(parts) != 2 or not all(_REPO_PART.fullmatch(part) for part in parts):
        raise HubNameError(
            f"'{shown(text)}' is not a Hub repository id (expected org/name, e.g. unsloth/gemma-3-1b-it-GGUF)"
        )
    return text


def parse_filename(text: str) -> str:
    """A path inside a repository: relative, forward slashes, no empty, '.' or '..' parts, a .gguf at the end."""
    parts = text.split("/")
    if not text or any(part in ("", ".", "..") for part in parts) or "\\" in text or not text.isprintable():
        raise HubNameError(f"'{shown(text)}' is not a file path inside a repository (e.g. model-Q4_K_M.gguf)")
    if not text.lower().endswith(".gguf"):
        raise HubNameError(f"'{shown(text)}' is not a .gguf file (shotglass pulls GGUF models only)")
    return text


def is_hub_spec(text: str) -> bool:
    return text.startswith(HF_PREFIX)


def parse_hub_spec(text: str) -> HubFile:
    """``hf:org/name/path/file.gguf``: the first two parts are the repository, the rest the file in it."""
    rest = text.removeprefix(HF_PREFIX)
    parts = rest.split("/")
    if len(parts) < 3:
        raise HubNameError(f"--model '{shown(text)}': expected hf:org/name/file.gguf")
    return HubFile(parse_repo_id("/".join(parts[:2])), parse_filename("/".join(parts[2:])))


@dataclass(frozen=True)
class GgufChoice:
    """What a repository's listing offers: the one file to take, or the candidates to name one from."""

    chosen: str | None
    candidates: tuple[str, ...]


def choose_gguf(files: Iterable[str]) -> GgufChoice:
    """The repository's loadable GGUFs (a split model by its first part only: llama.cpp opens the rest), and the
    one to take when there is exactly one. Vision projectors (``mmproj``) are not models to chat with."""
    candidates = tuple(
        sorted(
            name
            for name in files
            if name.lower().endswith(".gguf")
            and not is_later_split_part(name)
            and "mmproj" not in name.rsplit("/", 1)[-1].lower()
        )
    )
    return GgufChoice(candidates[0] if len(candidates) == 1 else None, candidates)


_SPLIT_FIRST = re.compile(r"^(?P<stem>.*)-00001-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)


def split_parts(filename: str) -> tuple[str, ...]:
    """Every file a split model needs (``x-00001-of-00003.gguf`` -> its three parts), or just ``filename``."""
    match = _SPLIT_FIRST.match(filename)
    if match is None or int(match.group("count")) < 2:
        return (filename,)
    stem, count = match.group("stem"), int(match.group("count"))
    suffix = filename[-len(".gguf") :]
    return tuple(f"{stem}-{index:05d}-of-{count:05d}{suffix}" for index in range(1, count + 1))
