"""Find the GGUF models already on this machine and describe them, without copying or loading them.

Each file's header is read with ``read_gguf_info`` (metadata only, arrays skipped on an mmap: tens of
milliseconds even for a 262k-token vocabulary, whatever the file's size) and checked with
``find_problem`` for the values llama.cpp aborts on, so the list only offers what can be loaded. A file
found twice (a symlink from one tool's folder into another's, an HF snapshot shared by two revisions) is
read once and listed once, under the first name found, with the other names as aliases. Anything that
cannot be listed comes back as a ``SkippedFile`` with a reason: one broken file never hides the others.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tui.core.errors import ModelError
from tui.core.models.gguf import read_gguf_info
from tui.core.models.loadable import find_problem
from tui.core.models.sources import Candidate, ScanSource, SkippedFile, SourceKind, find_candidates, is_later_split_part

__all__ = ["ModelEntry", "SkippedFile", "scan_models", "model_entries", "skipped_files", "result_to_json"]

_SPLIT_FIRST = re.compile(r"^(?P<stem>.*)-00001-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
_NOT_MODELS = {"clip": "a vision projector (mmproj), loaded beside its language model, not on its own"}


@dataclass(frozen=True)
class ModelEntry:
    name: str
    """What the file's own tool calls it: ``org/repo/file.gguf``, ``llama3.2:3b``, a relative path."""
    source: SourceKind
    path: Path
    """The real path (symlinks resolved): what llama.cpp should open."""
    architecture: str
    parameters: str | None
    """``general.size_label`` (``270M``, ``8x7B``); None when the file does not say."""
    quantization: str
    size_bytes: int
    context_length: int | None
    has_chat_template: bool
    split_parts: int = 1
    aliases: tuple[str, ...] = ()
    """Other places the same file was found, as ``source: name``."""

    @property
    def size_label(self) -> str:
        size = self.size_bytes
        return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def scan_models(sources: Iterable[ScanSource]) -> list[ModelEntry | SkippedFile]:
    """Models first (in source order, then by name), then the skipped files (by path)."""
    order: dict[SourceKind, int] = {}
    entries: dict[Path, ModelEntry] = {}
    aliases: dict[Path, list[str]] = {}
    skipped: dict[Path, SkippedFile] = {}
    failed: set[Path] = set()
    for source in sources:
        order.setdefault(source.kind, len(order))
        for found in _candidates(source):
            if isinstance(found, SkippedFile):
                skipped.setdefault(found.path, found)
                continue
            if is_later_split_part(found.path.name):
                continue  # counted into its first part
            try:
                real = Path(os.path.realpath(found.path, strict=True))
            except OSError as error:
                reason = "symlink loop" if error.errno == errno.ELOOP else f"cannot resolve ({error.strerror or error})"
                skipped.setdefault(found.path, SkippedFile(found.path, reason, found.source))
                continue
            if real in entries:
                label = f"{found.source.value}: {found.name}"
                if found.name != entries[real].name and label not in aliases[real]:
                    aliases[real].append(label)
                continue
            if real in failed:
                continue
            described = _describe(found, real)
            if isinstance(described, SkippedFile):
                failed.add(real)
                skipped.setdefault(described.path, described)
            else:
                entries[real] = described
                aliases[real] = []
    models = [replace(entry, aliases=tuple(aliases[real])) for real, entry in entries.items()]
    models.sort(key=lambda entry: (order.get(entry.source, len(order)), entry.name.casefold()))
    return [*models, *sorted(skipped.values(), key=lambda item: str(item.path))]


def model_entries(results: Iterable[ModelEntry | SkippedFile]) -> list[ModelEntry]:
    return [item for item in results if isinstance(item, ModelEntry)]


def skipped_files(results: Iterable[ModelEntry | SkippedFile]) -> list[SkippedFile]:
    return [item for item in results if isinstance(item, SkippedFile)]


def _candidates(source: ScanSource) -> Iterable[Candidate | SkippedFile]:
    """A source's files; a folder that fails mid-walk ends that source with a line, not the scan."""
    try:
        yield from find_candidates(source)
    except OSError as error:
        yield SkippedFile(source.root, f"cannot scan ({error.strerror or error})", source.kind)


def _describe(found: Candidate, real: Path) -> ModelEntry | SkippedFile:
    try:
        info = read_gguf_info(real)
        problem = find_problem(info)
    except ModelError as error:
        reason = str(error).removesuffix(f": {real}")
        return SkippedFile(found.path, reason, found.source)
    except Exception as error:  # noqa: BLE001 - one file never ends the listing, even through a reader bug
        return SkippedFile(found.path, f"cannot read its header ({type(error).__name__})", found.source)
    if problem is not None:
        return SkippedFile(found.path, problem, found.source)
    architecture = info.architecture
    if architecture in _NOT_MODELS:
        return SkippedFile(found.path, _NOT_MODELS[architecture], found.source)
    if info.metadata.get("general.type") == "adapter":
        return SkippedFile(found.path, "a LoRA adapter, applied to a base model, not a model on its own", found.source)
    size, parts = info.size_bytes, 1
    split = _SPLIT_FIRST.match(found.path.name)
    if split:
        parts = int(split["count"])
        sizes = _part_sizes(found.path, split["stem"], parts)
        if len(sizes) < parts:
            return SkippedFile(
                found.path, f"split model with only {len(sizes)} of its {parts} parts present", found.source
            )
        size = sum(sizes)
    label = info.metadata.get("general.size_label")
    return ModelEntry(
        name=found.name,
        source=found.source,
        path=real,
        architecture=architecture,
        parameters=label.strip() if isinstance(label, str) and label.strip() else None,
        quantization=info.quantization,
        size_bytes=size,
        context_length=info.context_length,
        has_chat_template=info.chat_template is not None,
        split_parts=parts,
    )


def _part_sizes(first: Path, stem: str, count: int) -> list[int]:
    sizes = []
    for index in range(1, count + 1):
        try:
            sizes.append((first.parent / f"{stem}-{index:05d}-of-{count:05d}.gguf").stat().st_size)
        except OSError:
            pass
    return sizes


def result_to_json(item: ModelEntry | SkippedFile) -> dict[str, Any]:
    """One object per line of the list; ``kind`` tells models from skipped files."""
    if isinstance(item, SkippedFile):
        return {
            "kind": "skipped",
            "path": str(item.path),
            "reason": item.reason,
            "source": item.source.value if item.source else None,
        }
    return {
        "kind": "model",
        "name": item.name,
        "source": item.source.value,
        "path": str(item.path),
        "architecture": item.architecture,
        "parameters": item.parameters,
        "quantization": item.quantization,
        "size_bytes": item.size_bytes,
        "context_length": item.context_length,
        "has_chat_template": item.has_chat_template,
        "split_parts": item.split_parts,
        "aliases": list(item.aliases),
    }
