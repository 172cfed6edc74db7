"""Write mutated copies of a GGUF: metadata values changed, added or removed, the tensors kept.

Byte level, standard library only: the key/value section is re-encoded, the tensor infos are copied as
they are, and the data section starts again at the file's alignment, so tensor offsets (relative to it)
stay valid. The tensor data is either copied (``copy_file_range``: what llama.cpp needs to generate) or
left as a hole (``weights="hole"``: a sparse file of zero weights, instant and taking no disk, which is
all a header check or a load needs).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9
U8, I8, U16, I16, U32, I32, F32, BOOL, U64, I64, F64 = 0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12


@dataclass(frozen=True)
class Raw:
    """A value already encoded: its type tag and its bytes (arrays are kept this way, undecoded)."""

    value_type: int
    payload: bytes


@dataclass
class Layout:
    version: int
    tensor_count: int
    kv: dict[str, Raw]
    tensor_infos: bytes
    alignment: int
    data_offset: int
    size: int


def _string(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def encode(value_type: int, value: Any) -> Raw:
    if value_type in SCALARS:
        return Raw(value_type, struct.pack(SCALARS[value_type], value))
    if value_type == STRING:
        return Raw(STRING, _string(value))
    raise ValueError(f"encode arrays with encode_array, not type {value_type}")


def encode_array(item_type: int, items: list[Any]) -> Raw:
    body = struct.pack("<IQ", item_type, len(items))
    for item in items:
        body += encode(item_type, item).payload
    return Raw(ARRAY, body)


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.offset = data, offset

    def take(self, fmt: str) -> Any:
        (value,) = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return value

    def skip_value(self, value_type: int) -> None:
        if value_type in SCALARS:
            self.offset += struct.calcsize(SCALARS[value_type])
        elif value_type == STRING:
            self.offset += 8 + self.take("<Q")
        elif value_type == ARRAY:
            item_type, count = self.take("<I"), self.take("<Q")
            if item_type in SCALARS:
                self.offset += struct.calcsize(SCALARS[item_type]) * count
            else:
                for _ in range(count):
                    self.skip_value(item_type)
        else:
            raise ValueError(f"unknown type {value_type}")


def read_layout(path: Path) -> Layout:
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(min(size, 64 << 20))  # the header of the embedded model is ~6 MB
    cursor = _Cursor(head, 4)
    version, tensor_count, kv_count = cursor.take("<I"), cursor.take("<Q"), cursor.take("<Q")
    kv: dict[str, Raw] = {}
    for _ in range(kv_count):
        key_len = cursor.take("<Q")
        key = head[cursor.offset : cursor.offset + key_len].decode()
        cursor.offset += key_len
        value_type = cursor.take("<I")
        start = cursor.offset
        cursor.skip_value(value_type)
        kv[key] = Raw(value_type, head[start : cursor.offset])
    infos_start = cursor.offset
    for _ in range(tensor_count):
        cursor.offset += 8 + cursor.take("<Q")
        n_dims = cursor.take("<I")
        cursor.offset += 8 * n_dims + 4 + 8
    alignment_raw = kv.get("general.alignment")
    alignment = struct.unpack("<I", alignment_raw.payload)[0] if alignment_raw else 32
    data_offset = -(-cursor.offset // alignment) * alignment
    return Layout(version, tensor_count, kv, head[infos_start : cursor.offset], alignment, data_offset, size)


def header_bytes(layout: Layout, kv: dict[str, Raw], *, version: int | None = None) -> bytes:
    parts = [b"GGUF", struct.pack("<IQQ", layout.version if version is None else version, layout.tensor_count, len(kv))]
    for key, raw in kv.items():
        parts += [_string(key), struct.pack("<I", raw.value_type), raw.payload]
    parts.append(layout.tensor_infos)
    header = b"".join(parts)
    return header + b"\0" * (-len(header) % layout.alignment)


def write_mutant(
    source: Path,
    target: Path,
    changes: dict[str, Raw | None],
    *,
    weights: str = "hole",
    layout: Layout | None = None,
    tensor_infos: bytes | None = None,
) -> Path:
    """``changes``: key -> new encoded value (added at the end when new), or None to remove the key;
    ``tensor_infos``: replaces the tensor infos (same count), for mutants of that section."""
    layout = layout or read_layout(source)
    if tensor_infos is not None:
        layout = Layout(
            layout.version,
            layout.tensor_count,
            layout.kv,
            tensor_infos,
            layout.alignment,
            layout.data_offset,
            layout.size,
        )
    kv = dict(layout.kv)
    for key, raw in changes.items():
        if raw is None:
            kv.pop(key, None)
        else:
            kv[key] = raw
    header = header_bytes(layout, kv)
    data_size = layout.size - layout.data_offset
    with target.open("wb") as out:
        out.write(header)
        if weights == "copy":
            with source.open("rb") as src:
                offset, left = layout.data_offset, data_size
                while left:
                    done = os.copy_file_range(src.fileno(), out.fileno(), left, offset)
                    if done == 0:
                        break
                    offset += done
                    left -= done
        else:
            out.truncate(len(header) + data_size)
    return target


def header_from_items(items: list[tuple[str, Raw]], *, version: int = 3, alignment: int = 32) -> bytes:
    """A metadata-only GGUF (no tensors) from ``(key, value)`` pairs in order, duplicates allowed."""
    parts = [b"GGUF", struct.pack("<IQQ", version, 0, len(items))]
    for key, raw in items:
        parts += [_string(key), struct.pack("<I", raw.value_type), raw.payload]
    header = b"".join(parts)
    return header + b"\0" * (-len(header) % alignment)


def gemma_like_items(vocab: int = 300) -> list[tuple[str, Raw]]:
    """Every key of the embedded Gemma 3 270M with its type and value, the vocabulary cut to ``vocab``
    entries (special tokens, then the 256 byte tokens ``<0x00>``.., then plain ones): a 10 KB header that
    needs no model file, so the reader fuzz runs in the fast lane."""
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>"] + [f"<0x{byte:02X}>" for byte in range(256)]
    tokens += [f"▁t{index}" for index in range(max(0, vocab - len(tokens)))]
    types = [3, 3, 3, 2] + [6] * 256 + [1] * (len(tokens) - 260)
    a = "gemma3."
    return [
        ("general.architecture", encode(STRING, "gemma3")),
        ("general.type", encode(STRING, "model")),
        ("general.name", encode(STRING, "Gemma 3 270m")),
        ("general.basename", encode(STRING, "gemma-3")),
        ("general.size_label", encode(STRING, "270M")),
        ("general.license", encode(STRING, "gemma")),
        ("general.tags", encode_array(STRING, ["gemma3", "gemma", "google", "text-generation"])),
        (a + "context_length", encode(U32, 32768)),
        (a + "embedding_length", encode(U32, 640)),
        (a + "block_count", encode(U32, 18)),
        (a + "feed_forward_length", encode(U32, 2048)),
        (a + "attention.head_count", encode(U32, 4)),
        (a + "attention.layer_norm_rms_epsilon", encode(F32, 1e-6)),
        (a + "attention.key_length", encode(U32, 256)),
        (a + "attention.value_length", encode(U32, 256)),
        (a + "rope.freq_base", encode(F32, 1e6)),
        (a + "attention.sliding_window", encode(U32, 512)),
        (a + "attention.head_count_kv", encode(U32, 1)),
        ("tokenizer.ggml.model", encode(STRING, "llama")),
        ("tokenizer.ggml.pre", encode(STRING, "default")),
        ("tokenizer.ggml.tokens", encode_array(STRING, tokens)),
        ("tokenizer.ggml.scores", encode_array(F32, [0.0] * len(tokens))),
        ("tokenizer.ggml.token_type", encode_array(I32, types)),
        ("tokenizer.ggml.bos_token_id", encode(U32, 2)),
        ("tokenizer.ggml.eos_token_id", encode(U32, 1)),
        ("tokenizer.ggml.unknown_token_id", encode(U32, 3)),
        ("tokenizer.ggml.padding_token_id", encode(U32, 0)),
        ("tokenizer.ggml.add_bos_token", encode(BOOL, True)),
        ("tokenizer.ggml.add_eos_token", encode(BOOL, False)),
        ("general.quantization_version", encode(U32, 2)),
        ("general.file_type", encode(U32, 15)),
    ]
