"""Bad model files are caught with a clear message before llama.cpp sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.errors import ModelError
from tui.core.models.gguf import read_gguf_info


def test_reads_embedded_model_metadata(model_path: Path) -> None:
    info = read_gguf_info(model_path)
    assert info.architecture == "gemma3"
    assert info.quantization == "Q4_K_M"
    assert info.context_length == 32768
    assert info.chat_template is None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model file not found"):
        read_gguf_info(tmp_path / "nope.gguf")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a directory"):
        read_gguf_info(tmp_path)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("these are not the weights you are looking for\n" * 3)
    with pytest.raises(ModelError, match="not a GGUF file"):
        read_gguf_info(path)


def test_header_truncated(model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(model_path.read_bytes()[:4096])
    with pytest.raises(ModelError, match="truncated or corrupt GGUF"):
        read_gguf_info(path)
