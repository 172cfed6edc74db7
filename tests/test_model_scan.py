"""Model discovery on fake trees laid out like each tool's, with the real embedded model as the GGUF.

The model is linked, never copied: hard links where two sources must hold distinct files (a real path
of their own), symlinks where the tool itself uses them (HF snapshots into blobs). Bad files sit beside
good ones to show a scan lists everything it can and says why it skipped the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
from io import StringIO
from pathlib import Path

import pytest

from tui.commands.models import register, run_models
from tui.core.errors import UserError
from tui.core.models.scan import ModelEntry, model_entries, scan_models, skipped_files
from tui.core.models.sources import (
    ScanSource,
    SkippedFile,
    SourceKind,
    default_sources,
    huggingface_hub_dir,
    read_folder_config,
)
from tui.core.paths import AppPaths

BLOB = "a" * 64
OLLAMA_DIGEST = "b" * 64
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _hardlink(model: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(model, target)
    except OSError as error:  # another filesystem: a 250 MB copy is not an option
        pytest.skip(f"cannot hard-link the embedded model into the test tree: {error}")
    return target


def _symlink(target: Path | str, link: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def _tiny_gguf(path: Path, metadata: dict[str, str | int]) -> Path:
    """A metadata-only GGUF v3 (no tensors): enough for the scanner, tiny on disk."""

    def string(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    body = b"".join(
        string(key) + (struct.pack("<I", 8) + string(value) if isinstance(value, str) else struct.pack("<II", 4, value))
        for key, value in metadata.items()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(metadata)) + body)
    return path


def _ollama_manifest(
    root: Path, host: str, namespace: str, model: str, tag: str, digest: str | None, text: str | None = None
) -> Path:
    layers = [{"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "c" * 64}]
    if digest is not None:
        layers.insert(0, {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}"})
    path = root / "manifests" / host / namespace / model / tag
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else json.dumps({"schemaVersion": 2, "layers": layers}))
    return path


@pytest.fixture
def home(tmp_path: Path, model_path: Path) -> Path:
    """A home directory with every source laid out the way its tool does it."""
    home = tmp_path / "home"
    # Hugging Face hub cache: snapshots/<rev>/... are relative symlinks into blobs/.
    repo = home / ".cache" / "huggingface" / "hub" / "models--google--gemma-3-270m-GGUF"
    _hardlink(model_path, repo / "blobs" / BLOB)
    _hardlink(model_path, repo / "blobs" / ("d" * 64))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("1111111111abcdef")
    _symlink(f"../../blobs/{BLOB}", repo / "snapshots" / "1111111111abcdef" / "gemma-3-270m-Q4_K_M.gguf")
    _symlink(f"../../../blobs/{BLOB}", repo / "snapshots" / "1111111111abcdef" / "q4" / "same-blob.gguf")
    _symlink("../../blobs/" + "e" * 64, repo / "snapshots" / "1111111111abcdef" / "missing.gguf")
    (repo / "snapshots" / "1111111111abcdef" / "README.md").write_text("not a model")
    _symlink("../../blobs/" + "d" * 64, repo / "snapshots" / "0000000000fedcba" / "gemma-3-270m-Q4_K_M.gguf")
    (home / ".cache" / "huggingface" / "hub" / "datasets--someone--data").mkdir()
    # LM Studio: publisher/model/file.gguf, plus files that are not (whole) models.
    lmstudio = home / ".lmstudio" / "models" / "lmstudio-community" / "gemma-3-270m-GGUF"
    _hardlink(model_path, lmstudio / "gemma-3-270m-Q4_K_M.gguf")
    (lmstudio / "x.gguf").write_text("this is a text file, not a model\n")
    with model_path.open("rb") as source:
        (lmstudio / "truncated.gguf").write_bytes(source.read(4096))
    (lmstudio / "empty.gguf").write_bytes(b"")
    _tiny_gguf(lmstudio / "mmproj-model-f16.gguf", {"general.architecture": "clip"})
    return home


@pytest.fixture
def ollama(tmp_path: Path, model_path: Path) -> Path:
    root = tmp_path / "ollama-models"
    _hardlink(model_path, root / "blobs" / f"sha256-{OLLAMA_DIGEST}")
    _ollama_manifest(root, "registry.ollama.ai", "library", "gemma3", "270m", OLLAMA_DIGEST)
    _ollama_manifest(root, "registry.ollama.ai", "library", "gemma3", "latest", OLLAMA_DIGEST)
    tiny_digest = "f" * 64
    _tiny_gguf(
        root / "blobs" / f"sha256-{tiny_digest}",
        {
            "general.architecture": "llama",
            "general.size_label": "1B",
            "general.file_type": 7,
            "llama.context_length": 4096,
            "tokenizer.chat_template": "{{ messages }}",
        },
    )
    _ollama_manifest(root, "registry.ollama.ai", "someuser", "tiny", "q8", tiny_digest)
    _ollama_manifest(root, "hf.co", "bartowski", "Tiny-GGUF", "Q8_0", tiny_digest)
    _ollama_manifest(root, "registry.ollama.ai", "library", "broken", "latest", None, text="{not json")
    _ollama_manifest(root, "registry.ollama.ai", "library", "nomodel", "latest", None)
    _ollama_manifest(root, "registry.ollama.ai", "library", "gone", "latest", "9" * 64)
    return root


@pytest.fixture
def folder(tmp_path: Path, model_path: Path) -> Path:
    folder = tmp_path / "my-models"
    _hardlink(model_path, folder / "gemma" / "gemma-copy.gguf")
    _symlink(model_path, folder / "links" / "embedded-link.gguf")
    _symlink(folder, folder / "links" / "loop")
    _symlink(folder / "ba.gguf", folder / "ab.gguf")
    _symlink(folder / "ab.gguf", folder / "ba.gguf")
    _hardlink(model_path, folder / ".hidden" / "not-scanned.gguf")
    (folder / "notes.txt").write_text("ignored: not *.gguf")
    return folder


def _scan(home: Path, ollama: Path, folder: Path, model_path: Path) -> list[ModelEntry | SkippedFile]:
    env = {"OLLAMA_MODELS": str(ollama)}
    return scan_models(default_sources(model_path, [folder], env=env, home=home))


def _by_name(results: list[ModelEntry | SkippedFile]) -> dict[str, ModelEntry]:
    return {entry.name: entry for entry in model_entries(results)}


def _reasons(results: list[ModelEntry | SkippedFile]) -> dict[str, str]:
    return {item.path.name: item.reason for item in skipped_files(results)}


@pytest.mark.model
def test_every_source_is_found_under_its_readable_name(home, ollama, folder, model_path) -> None:
    results = _scan(home, ollama, folder, model_path)
    entries = model_entries(results)
    assert [(entry.source, entry.name) for entry in entries] == [
        (SourceKind.EMBEDDED, model_path.name),
        (SourceKind.HUGGINGFACE, "google/gemma-3-270m-GGUF/gemma-3-270m-Q4_K_M.gguf"),
        (SourceKind.HUGGINGFACE, "google/gemma-3-270m-GGUF/gemma-3-270m-Q4_K_M.gguf@00000000"),
        (SourceKind.LMSTUDIO, "lmstudio-community/gemma-3-270m-GGUF/gemma-3-270m-Q4_K_M.gguf"),
        (SourceKind.OLLAMA, "gemma3:270m"),
        (SourceKind.OLLAMA, "hf.co/bartowski/Tiny-GGUF:Q8_0"),
        (SourceKind.FOLDER, "gemma/gemma-copy.gguf"),
    ]
    assert all(isinstance(item, SkippedFile) for item in results[len(entries) :])  # models first


@pytest.mark.model
def test_metadata_is_read_from_the_header(home, ollama, folder, model_path) -> None:
    entries = _by_name(_scan(home, ollama, folder, model_path))
    gemma = entries["lmstudio-community/gemma-3-270m-GGUF/gemma-3-270m-Q4_K_M.gguf"]
    assert (gemma.architecture, gemma.parameters, gemma.quantization) == ("gemma3", "270M", "Q4_K_M")
    assert gemma.context_length == 32768
    assert gemma.has_chat_template is False
    assert gemma.size_bytes == model_path.stat().st_size
    assert gemma.size_label == "241 MiB"
    tiny = entries["hf.co/bartowski/Tiny-GGUF:Q8_0"]
    assert (tiny.architecture, tiny.parameters, tiny.quantization, tiny.context_length) == ("llama", "1B", "Q8_0", 4096)
    assert tiny.has_chat_template is True


@pytest.mark.model
def test_paths_are_real_and_files_found_twice_are_listed_once(home, ollama, folder, model_path) -> None:
    entries = _by_name(_scan(home, ollama, folder, model_path))
    hf = entries["google/gemma-3-270m-GGUF/gemma-3-270m-Q4_K_M.gguf"]
    repo = home / ".cache" / "huggingface" / "hub" / "models--google--gemma-3-270m-GGUF"
    assert hf.path == (repo / "blobs" / BLOB).resolve()
    assert not hf.path.is_symlink()
    # The second snapshot file links to the same blob: an alias, not a second entry.
    assert hf.aliases == ("huggingface: google/gemma-3-270m-GGUF/q4/same-blob.gguf",)
    # A symlink to the embedded model in a user folder is the embedded model.
    assert entries[model_path.name].aliases == ("folder: links/embedded-link.gguf",)
    # Two tags of one Ollama model share a blob; the other namespace's manifest names a second one.
    assert entries["gemma3:270m"].aliases == ("ollama: gemma3:latest",)
    assert entries["gemma3:270m"].path == (ollama / "blobs" / f"sha256-{OLLAMA_DIGEST}").resolve()
    assert entries["hf.co/bartowski/Tiny-GGUF:Q8_0"].aliases == ("ollama: someuser/tiny:q8",)
    assert not any("not-scanned" in str(entry.path) for entry in entries.values())


@pytest.mark.model
def test_bad_files_are_skipped_with_a_reason(home, ollama, folder, model_path) -> None:
    reasons = _reasons(_scan(home, ollama, folder, model_path))
    assert reasons["x.gguf"] == "not a GGUF file (no GGUF magic bytes at the start)"
    assert reasons["truncated.gguf"] == "truncated or corrupt GGUF (metadata runs past the end of the file)"
    assert reasons["empty.gguf"] == "not a GGUF file (only 0 bytes)"
    assert reasons["mmproj-model-f16.gguf"].startswith("a vision projector (mmproj)")
    assert reasons["missing.gguf"] == "broken symlink: target is missing"
    assert reasons["loop"] == "symlink loop (links back to a folder above it)"
    assert reasons["ab.gguf"] == reasons["ba.gguf"] == "symlink loop"


@pytest.mark.model
def test_broken_ollama_manifests_say_what_is_wrong(home, ollama, folder, model_path) -> None:
    skipped = {
        item.path.parent.name: item.reason
        for item in skipped_files(_scan(home, ollama, folder, model_path))
        if item.source is SourceKind.OLLAMA
    }
    assert skipped["broken"].startswith("Ollama manifest for broken:latest: not valid JSON")
    assert skipped["nomodel"] == (
        "Ollama manifest for nomodel:latest: no layer of type application/vnd.ollama.image.model"
    )
    assert skipped["gone"].startswith(f"Ollama manifest for gone:latest: model blob sha256-{'9' * 64} is missing")


@pytest.mark.skipif(IS_ROOT, reason="root reads files and folders whatever their mode")
def test_unreadable_files_and_folders_are_skipped(tmp_path: Path, model_path: Path) -> None:
    folder = tmp_path / "models"
    locked = _hardlink(model_path, folder / "locked.gguf")
    closed = folder / "closed"
    _hardlink(model_path, closed / "inside.gguf")
    locked.chmod(0)
    closed.chmod(0)
    try:
        results = scan_models([ScanSource(SourceKind.FOLDER, folder, required=True)])
    finally:
        closed.chmod(0o755)
        locked.chmod(0o644)
    reasons = _reasons(results)
    assert reasons["locked.gguf"] == "model file is not readable (permission denied)"
    assert reasons["closed"] == "cannot list folder: permission denied"
    assert model_entries(results) == []


def test_missing_default_roots_are_silent_and_a_missing_folder_is_not(tmp_path: Path) -> None:
    results = scan_models(
        default_sources(None, [tmp_path / "nope"], env={"OLLAMA_MODELS": str(tmp_path / "o")}, home=tmp_path)
    )
    assert results == [SkippedFile(tmp_path / "nope", "not found", SourceKind.FOLDER)]


def test_split_models_are_listed_once_with_their_total_size(tmp_path: Path) -> None:
    folder = tmp_path / "split"
    meta = {"general.architecture": "llama", "general.size_label": "70B", "general.file_type": 15}
    parts = [_tiny_gguf(folder / f"big-{index:05d}-of-00003.gguf", meta) for index in (1, 2, 3)]
    _tiny_gguf(folder / "half" / "half-00001-of-00002.gguf", meta)
    results = scan_models([ScanSource(SourceKind.FOLDER, folder)])
    [entry] = model_entries(results)
    assert (entry.name, entry.split_parts) == ("big-00001-of-00003.gguf", 3)
    assert entry.size_bytes == sum(part.stat().st_size for part in parts)
    assert _reasons(results) == {"half-00001-of-00002.gguf": "split model with only 1 of its 2 parts present"}


def test_huggingface_cache_location_follows_the_environment(tmp_path: Path) -> None:
    home = tmp_path
    assert huggingface_hub_dir({}, home) == home / ".cache" / "huggingface" / "hub"
    assert huggingface_hub_dir({"XDG_CACHE_HOME": "/x"}, home) == Path("/x/huggingface/hub")
    assert huggingface_hub_dir({"XDG_CACHE_HOME": "/x", "HF_HOME": "/h"}, home) == Path("/h/hub")
    assert huggingface_hub_dir({"HF_HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/old"}, home) == Path("/old")
    assert huggingface_hub_dir({"HF_HUB_CACHE": "/new", "HUGGINGFACE_HUB_CACHE": "/old"}, home) == Path("/new")


def test_default_sources_in_list_order(tmp_path: Path) -> None:
    sources = default_sources(tmp_path / "e.gguf", [tmp_path / "f"], env={}, home=tmp_path)
    assert [(source.kind, source.root) for source in sources] == [
        (SourceKind.EMBEDDED, tmp_path / "e.gguf"),
        (SourceKind.HUGGINGFACE, tmp_path / ".cache" / "huggingface" / "hub"),
        (SourceKind.LMSTUDIO, tmp_path / ".lmstudio" / "models"),
        (SourceKind.LMSTUDIO, tmp_path / ".cache" / "lm-studio" / "models"),
        (SourceKind.OLLAMA, tmp_path / ".ollama" / "models"),
        (SourceKind.OLLAMA, Path("/usr/share/ollama/.ollama/models")),
        (SourceKind.FOLDER, tmp_path / "f"),
    ]
    with_env = default_sources(None, [], env={"OLLAMA_MODELS": "/srv/ollama"}, home=tmp_path)
    assert [source.root for source in with_env if source.kind is SourceKind.OLLAMA] == [Path("/srv/ollama")]


def test_folder_config(tmp_path: Path) -> None:
    assert read_folder_config(tmp_path) == ()
    (tmp_path / "models.toml").write_text('folders = ["~/models", "/srv/gguf"]\n')
    assert read_folder_config(tmp_path) == (Path("~/models").expanduser(), Path("/srv/gguf"))
    (tmp_path / "models.toml").write_text('folder = ["/srv"]\n')
    with pytest.raises(UserError, match=r"models.toml: unknown key 'folder' \(allowed: folders\)"):
        read_folder_config(tmp_path)
    (tmp_path / "models.toml").write_text("folders = '/srv'\n")
    with pytest.raises(UserError, match="'folders' must be a list"):
        read_folder_config(tmp_path)
    (tmp_path / "models.toml").write_text("folders = [\n")
    with pytest.raises(UserError, match="cannot read the model folders config"):
        read_folder_config(tmp_path)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["models", *argv])


@pytest.mark.model
def test_models_command_prints_a_table_and_the_skipped_files(
    home, ollama, folder, model_path, isolated_dirs: AppPaths
) -> None:
    isolated_dirs.config_dir.mkdir(parents=True)
    (isolated_dirs.config_dir / "models.toml").write_text(f"folders = [{str(folder)!r}]\n")
    out = StringIO()
    assert run_models(_parse(), isolated_dirs, model_path, out=out, env={"OLLAMA_MODELS": str(ollama)}, home=home) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["name", "source", "arch", "params", "quant", "size", "ctx", "template", "path"]
    row = next(line for line in lines if line.startswith("gemma3:270m"))
    assert row.split()[1:8] == ["ollama", "gemma3", "270M", "Q4_K_M", "241", "MiB", "32768"]
    assert row.split()[8:] == ["no", str((ollama / "blobs" / f"sha256-{OLLAMA_DIGEST}").resolve())]
    assert any(line.strip() == "also ollama: gemma3:latest" for line in lines)
    assert any(line.startswith("gemma/gemma-copy.gguf") for line in lines)  # from models.toml
    assert any(line.startswith("skipped ") for line in lines)
    assert any(line.endswith("x.gguf: not a GGUF file (no GGUF magic bytes at the start)") for line in lines)


@pytest.mark.model
def test_models_command_json(home, ollama, folder, model_path, isolated_dirs: AppPaths) -> None:
    out = StringIO()
    run_models(
        _parse("--json", "--folder", str(folder)),
        isolated_dirs,
        model_path,
        out=out,
        env={"OLLAMA_MODELS": str(ollama)},
        home=home,
    )
    items = json.loads(out.getvalue())
    models = [item for item in items if item["kind"] == "model"]
    embedded = models[0]
    assert embedded == {
        "kind": "model",
        "name": model_path.name,
        "source": "embedded",
        "path": str(model_path.resolve()),
        "architecture": "gemma3",
        "parameters": "270M",
        "quantization": "Q4_K_M",
        "size_bytes": model_path.stat().st_size,
        "context_length": 32768,
        "has_chat_template": False,
        "split_parts": 1,
        "aliases": ["folder: links/embedded-link.gguf"],
    }
    skipped = {Path(item["path"]).name: item for item in items if item["kind"] == "skipped"}
    assert skipped["x.gguf"]["source"] == "lmstudio"
    assert set(skipped["x.gguf"]) == {"kind", "path", "reason", "source"}


def test_models_command_with_nothing_found(tmp_path: Path, isolated_dirs: AppPaths) -> None:
    out = StringIO()
    run_models(_parse(), isolated_dirs, None, out=out, env={"OLLAMA_MODELS": str(tmp_path / "o")}, home=tmp_path)
    assert out.getvalue() == "no GGUF models found\n"
