"""Where GGUF files already live on a machine, and how each tool lays them out.

People keep models in the Hugging Face hub cache, LM Studio's models folder, Ollama's blob store and
folders of their own. shotglass lists them in place (never copies them), so each source here only finds
candidate files and gives them the name that tool's users know them by; ``model_scan`` reads the
metadata. Nothing here touches the filesystem until a finder runs: roots are computed from the
environment, and a default root that does not exist is simply not there.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tui.core.errors import UserError
from tui.core.models.gguf import file_kind, read_small_file

MODELS_CONFIG_NAME = "models.toml"
MAX_WALK_DEPTH = 12
"""Deep enough for any tool's layout (HF snapshots nest a few levels); keeps a folder like ``~`` bounded."""
MAX_MANIFEST_BYTES = 1 << 20
OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
OLLAMA_DEFAULT_HOST = "registry.ollama.ai"
_SPLIT_PART = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)


class SourceKind(str, Enum):
    EMBEDDED = "embedded"
    HUGGINGFACE = "huggingface"
    LMSTUDIO = "lmstudio"
    OLLAMA = "ollama"
    FOLDER = "folder"


@dataclass(frozen=True)
class ScanSource:
    kind: SourceKind
    root: Path
    required: bool = False
    """A root the user named (a ``--folder``, the embedded model): missing is worth a line in the list.
    A default location that does not exist just means the tool is not installed."""


@dataclass(frozen=True)
class Candidate:
    """A file that may be a GGUF, with the name its tool shows (``org/repo/file.gguf``, ``llama3:8b``)."""

    name: str
    path: Path
    source: SourceKind


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str
    source: SourceKind | None = None


def default_sources(
    embedded: Path | None,
    folders: Sequence[Path] = (),
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> list[ScanSource]:
    """Every place to look, in the order the list shows them (first one wins when a file is found twice)."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    sources: list[ScanSource] = []
    if embedded is not None:
        sources.append(ScanSource(SourceKind.EMBEDDED, embedded, required=True))
    sources.append(ScanSource(SourceKind.HUGGINGFACE, huggingface_hub_dir(env, home)))
    for root in (home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"):
        sources.append(ScanSource(SourceKind.LMSTUDIO, root))
    if env.get("OLLAMA_MODELS"):
        sources.append(ScanSource(SourceKind.OLLAMA, Path(env["OLLAMA_MODELS"]).expanduser()))
    else:
        sources.append(ScanSource(SourceKind.OLLAMA, home / ".ollama" / "models"))
        # The Linux install script runs Ollama as its own user, with its home here.
        sources.append(ScanSource(SourceKind.OLLAMA, Path("/usr/share/ollama/.ollama/models")))
    sources.extend(ScanSource(SourceKind.FOLDER, Path(folder).expanduser(), required=True) for folder in folders)
    return sources


def huggingface_hub_dir(env: Mapping[str, str], home: Path) -> Path:
    """The same precedence huggingface_hub uses: HF_HUB_CACHE, the legacy name, HF_HOME/hub, XDG, ~/.cache."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(name):
            return Path(env[name]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    cache = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else home / ".cache"
    return cache / "huggingface" / "hub"


def read_folder_config(config_dir: Path) -> tuple[Path, ...]:
    """Extra model folders from ``models.toml`` in the config dir: ``folders = ["~/models", ...]``."""
    path = config_dir / MODELS_CONFIG_NAME
    try:
        data = tomllib.loads(read_small_file(path, MAX_MANIFEST_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return ()
    except (OSError, ValueError, RecursionError) as error:  # ValueError: too big, not UTF-8, not TOML
        raise UserError(f"{path}: cannot read the model folders config ({error})") from None
    unknown = sorted(set(data) - {"folders"})
    if unknown:
        raise UserError(f"{path}: unknown key '{unknown[0]}' (allowed: folders)")
    folders = data.get("folders", [])
    if not isinstance(folders, list) or not all(isinstance(item, str) and item.strip() for item in folders):
        raise UserError(f"{path}: 'folders' must be a list of folder paths (strings)")
    return tuple(Path(item).expanduser() for item in folders)


# -- finders --------------------------------------------------------------------------------------------


def find_candidates(source: ScanSource) -> Iterator[Candidate | SkippedFile]:
    finder = {
        SourceKind.EMBEDDED: _find_embedded,
        SourceKind.HUGGINGFACE: _find_huggingface,
        SourceKind.LMSTUDIO: _find_in_folder,
        SourceKind.OLLAMA: _find_ollama,
        SourceKind.FOLDER: _find_in_folder,
    }[source.kind]
    try:
        exists = source.root.exists()
    except OSError:
        exists = False
    if not exists:
        if source.required:
            yield SkippedFile(source.root, "not found", source.kind)
        return
    yield from finder(source)


def is_later_split_part(name: str) -> bool:
    """``model-00002-of-00003.gguf``: llama.cpp loads a split model from its first part only."""
    match = _SPLIT_PART.search(name)
    return bool(match and int(match.group(1)) > 1)


def _find_embedded(source: ScanSource) -> Iterator[Candidate | SkippedFile]:
    yield Candidate(source.root.name, source.root, source.kind)


def _find_in_folder(source: ScanSource) -> Iterator[Candidate | SkippedFile]:
    """Any ``*.gguf`` below the root, named by its path relative to it (``publisher/model/file.gguf``)."""
    if not source.root.is_dir():
        yield Candidate(source.root.name, source.root, source.kind)
        return
    for found in walk_files(source.root, source.kind, suffix=".gguf"):
        if isinstance(found, SkippedFile):
            yield found
        else:
            yield Candidate(found.relative_to(source.root).as_posix(), found, source.kind)


def _find_huggingface(source: ScanSource) -> Iterator[Candidate | SkippedFile]:
    """``models--org--name/snapshots/<rev>/**.gguf``, symlinks into ``blobs/``.

    The snapshot ``refs/main`` points at is listed first and under the plain name; files that only an
    older revision still holds get ``@rev`` appended, so two revisions never share a name.
    """
    try:
        with os.scandir(source.root) as listing:
            repos = sorted(
                (entry for entry in listing if entry.name.startswith("models--") and entry.is_dir()),
                key=lambda entry: entry.name,
            )
    except OSError as error:
        yield SkippedFile(source.root, _os_reason(error, "cannot list folder"), source.kind)
        return
    for repo in repos:
        repo_name = repo.name.removeprefix("models--").replace("--", "/", 1)
        snapshots_dir = Path(repo.path) / "snapshots"
        try:
            with os.scandir(snapshots_dir) as listing:
                revisions = sorted(entry.name for entry in listing if entry.is_dir())
        except FileNotFoundError:
            continue
        except OSError as error:
            yield SkippedFile(snapshots_dir, _os_reason(error, "cannot list folder"), source.kind)
            continue
        main = _read_ref(Path(repo.path) / "refs" / "main")
        if main in revisions:
            revisions.remove(main)
            revisions.insert(0, main)
        for revision in revisions:
            snapshot = snapshots_dir / revision
            suffix = "" if revision == main or len(revisions) == 1 else f"@{revision[:8]}"
            for found in walk_files(snapshot, source.kind, suffix=".gguf"):
                if isinstance(found, SkippedFile):
                    yield found
                else:
                    name = f"{repo_name}/{found.relative_to(snapshot).as_posix()}{suffix}"
                    yield Candidate(name, found, source.kind)


def _read_ref(path: Path) -> str | None:
    try:
        return read_small_file(path, 256).decode("ascii").strip() or None
    except (OSError, ValueError):
        return None


def _find_ollama(source: ScanSource) -> Iterator[Candidate | SkippedFile]:
    """``manifests/<host>/<namespace>/<model>/<tag>`` JSON files; the model layer's digest names its blob."""
    manifests = source.root / "manifests"
    if not manifests.is_dir():
        return
    for manifest in walk_files(manifests, source.kind):
        if isinstance(manifest, SkippedFile):
            yield manifest
            continue
        parts = manifest.relative_to(manifests).parts
        if len(parts) != 4:
            continue
        host, namespace, model, tag = parts
        if host == OLLAMA_DEFAULT_HOST:
            name = f"{model}:{tag}" if namespace == "library" else f"{namespace}/{model}:{tag}"
        else:
            name = f"{host}/{namespace}/{model}:{tag}"
        blob = _ollama_model_blob(manifest, source.root / "blobs")
        if isinstance(blob, str):
            yield SkippedFile(manifest, f"Ollama manifest for {name}: {blob}", source.kind)
        else:
            yield Candidate(name, blob, source.kind)


def _ollama_model_blob(manifest: Path, blobs: Path) -> Path | str:
    """The model blob's path, or why there is none (a string: the manifest is broken)."""
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            return "too large to be a manifest"
        data = json.loads(read_small_file(manifest, MAX_MANIFEST_BYTES).decode("utf-8"))
    except OSError as error:
        return _os_reason(error, "cannot read")
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, nested past the parser's depth
        return f"not valid JSON ({str(error)[:120] or type(error).__name__})"
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        return "no 'layers' list"
    digests = [
        layer.get("digest")
        for layer in layers
        if isinstance(layer, dict) and layer.get("mediaType") == OLLAMA_MODEL_LAYER
    ]
    if not digests:
        return f"no layer of type {OLLAMA_MODEL_LAYER}"
    digest = digests[0]
    if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        return f"unexpected model layer digest {digest!r}"
    for name in (digest.replace(":", "-"), digest):  # current name, and the one older releases used
        if (blobs / name).exists():
            return blobs / name
    return f"model blob {digest.replace(':', '-')} is missing from {blobs}"


# -- walking ----------------------------------------------------------------------------------------------


def walk_files(root: Path, kind: SourceKind, suffix: str | None = None) -> Iterator[Path | SkippedFile]:
    """Files below ``root`` (following symlinks), depth-first in name order.

    Folders are tracked by (device, inode), so a symlink back to an ancestor is reported as a loop and a
    second link to an already-walked folder is not walked twice. Hidden folders are not entered. Errors
    become ``SkippedFile`` entries: a scan never stops at one bad folder.
    """
    visited: set[tuple[int, int]] = set()
    try:
        info = root.stat()
    except OSError as error:
        yield SkippedFile(root, _os_reason(error, "cannot open folder"), kind)
        return
    yield from _walk(root, kind, suffix, visited, ((info.st_dev, info.st_ino),), 0)


def _walk(
    folder: Path,
    kind: SourceKind,
    suffix: str | None,
    visited: set[tuple[int, int]],
    ancestors: tuple[tuple[int, int], ...],
    depth: int,
) -> Iterator[Path | SkippedFile]:
    visited.add(ancestors[-1])
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        yield SkippedFile(folder, _os_reason(error, "cannot list folder"), kind)
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            info = entry.stat()  # follows symlinks
        except OSError as error:
            if entry.is_symlink() and (suffix is None or entry.name.lower().endswith(suffix)):
                yield SkippedFile(path, _os_reason(error, "broken symlink"), kind)
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                yield SkippedFile(path, "symlink loop (links back to a folder above it)", kind)
            elif key not in visited and not entry.name.startswith(".") and depth < MAX_WALK_DEPTH:
                yield from _walk(path, kind, suffix, visited, (*ancestors, key), depth + 1)
        elif suffix is None or entry.name.lower().endswith(suffix):
            if stat.S_ISREG(info.st_mode):
                yield path
            else:  # a FIFO would block the reader, a device is not a model: said, never opened
                yield SkippedFile(path, f"not a regular file ({file_kind(info.st_mode)})", kind)


def _os_reason(error: OSError, what: str) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if isinstance(error, PermissionError):
        return f"{what}: permission denied"
    if isinstance(error, FileNotFoundError):
        return f"{what}: target is missing" if what == "broken symlink" else f"{what}: not found"
    return f"{what}: {error.strerror or error}"
