"""Read a GGUF file's metadata without loading its weights.

Used to check a ``--model`` before llama.cpp sees it (a text file or a truncated header gets a clear
message instead of a C-level failure), to pick ``n_ctx`` from the trained context, and to fill the
header (architecture, quantization, chat template). Arrays (the 262k-entry vocabulary) are skipped, not
decoded, by walking an mmap.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.errors import ModelError

GGUF_MAGIC = b"GGUF"

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
}


class _Truncated(Exception):
    pass


_U64 = struct.Struct("<Q")


def _skip_strings(buffer, offset: int, count: int) -> int:
    """A tight loop: 262k iterations for a Gemma vocabulary are the bulk of a header read."""
    unpack = _U64.unpack_from
    try:
        for _ in range(count):
            (length,) = unpack(buffer, offset)
            offset += 8 + length
    except struct.error:
        raise _Truncated from None
    if offset > len(buffer):
        raise _Truncated
    return offset


@dataclass(frozen=True)
class GgufInfo:
    path: Path
    size_bytes: int
    version: int
    tensor_count: int
    metadata: dict[str, Any]

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if isinstance(value, int) else None

    @property
    def quantization(self) -> str:
        file_type = self.metadata.get("general.file_type")
        if isinstance(file_type, int):
            return FILE_TYPES.get(file_type, f"type {file_type}")
        return "unknown"

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def size_label(self) -> str:
        size = self.size_bytes
        return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


class _Reader:
    def __init__(self, buffer: mmap.mmap) -> None:
        self.buffer = buffer
        self.offset = 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.buffer):
            raise _Truncated
        (value,) = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset += size
        return value

    def string(self) -> str:
        length = self.take("<Q")
        end = self.offset + length
        if end > len(self.buffer):
            raise _Truncated
        raw = self.buffer[self.offset : end]
        self.offset = end
        return raw.decode("utf-8", errors="replace")

    def value(self, value_type: int) -> Any:
        if value_type in _SCALARS:
            return self.take(_SCALARS[value_type])
        if value_type == _STRING:
            return self.string()
        if value_type == _ARRAY:
            item_type = self.take("<I")
            count = self.take("<Q")
            if item_type in _SCALARS:
                self.offset += struct.calcsize(_SCALARS[item_type]) * count
                if self.offset > len(self.buffer):
                    raise _Truncated
            elif item_type == _STRING:
                self.offset = _skip_strings(self.buffer, self.offset, count)
            else:
                for _ in range(count):
                    self.value(item_type)
            return f"<array of {count}>"
        raise ValueError(f"unknown metadata value type {value_type}")


def read_gguf_info(path: Path) -> GgufInfo:
    """Validate that ``path`` is a readable GGUF and return its metadata, or raise ``ModelError``."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelError(f"model path is a directory, not a GGUF file: {path}")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            if size < 24:
                raise ModelError(f"not a GGUF file (only {size} bytes): {path}")
            if handle.read(4) != GGUF_MAGIC:
                raise ModelError(f"not a GGUF file (no GGUF magic bytes at the start): {path}")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
                reader = _Reader(buffer)
                reader.offset = 4
                version = reader.take("<I")
                if version not in (2, 3):
                    raise ModelError(f"unsupported GGUF version {version} (expected 2 or 3): {path}")
                tensor_count = reader.take("<Q")
                kv_count = reader.take("<Q")
                metadata: dict[str, Any] = {}
                for _ in range(kv_count):
                    key = reader.string()
                    metadata[key] = reader.value(reader.take("<I"))
    except ModelError:
        raise
    except _Truncated:
        raise ModelError(f"truncated or corrupt GGUF (metadata runs past the end of the file): {path}") from None
    except (ValueError, struct.error) as error:
        raise ModelError(f"corrupt GGUF metadata ({error}): {path}") from None
    except PermissionError:
        raise ModelError(f"model file is not readable (permission denied): {path}") from None
    except OSError as error:
        raise ModelError(f"cannot read model file ({error.strerror}): {path}") from None
    return GgufInfo(path=path, size_bytes=size, version=version, tensor_count=tensor_count, metadata=metadata)
