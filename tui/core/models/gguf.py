"""Read a GGUF file's metadata without loading its weights.

Used to check a ``--model`` before llama.cpp sees it (a text file or a truncated header gets a clear
message instead of a C-level failure), to pick ``n_ctx`` from the trained context, and to fill the
header (architecture, quantization, chat template). Arrays (the 262k-entry vocabulary) are skipped, not
decoded, by walking an mmap; where they lie is kept (``GgufArray``) so a check that needs one can read it.

The file is hostile until read: every count and length is checked against the bytes that are left
before it is used, so a flipped byte is one ``ModelError`` and never an ``OverflowError``, a multi-second
walk or a huge allocation. Nothing recurses (llama.cpp reads no arrays of arrays, so neither does this),
and only regular files are opened, without blocking: a FIFO or a device never hangs the reader.
"""

from __future__ import annotations

import array
import mmap
import os
import stat
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.errors import ModelError

GGUF_MAGIC = b"GGUF"

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_ARRAY_CODES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 10: "Q", 11: "q", 12: "d"}
_INTEGER_TYPES = (0, 1, 2, 3, 4, 5, 10, 11)
LONG_STRING = -1
"""``GgufArray.item_type`` of a string too long to copy into memory (``count`` is then its length in bytes)."""

MAX_KEYS = 1 << 16
"""Real files have 20 to 60 metadata keys; a count above this is a corrupt header, not a model."""
MAX_KEY_BYTES = 1 << 16
MAX_STRING_BYTES = 1 << 22
"""4 MiB: far above any chat template. A longer string is located (a ``GgufArray`` of ``LONG_STRING``),
not copied into memory."""
MAX_STRING_ITEMS = 1 << 23
"""String-array items walked per file, all arrays together: 32x Gemma's 262k vocabulary. Bounds the one
loop whose length a file chooses (each item is at least 8 bytes, so a huge file could ask for billions)."""
SMALL_ARRAY = 1024
"""Numeric arrays up to this length are decoded (per-layer hyperparameters); longer ones are only located."""

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


class _Corrupt(Exception):
    pass


_U64 = struct.Struct("<Q")


@dataclass(frozen=True)
class GgufArray:
    """An array (or an oversized string) left in the file: its item type, item count and where the items
    start. ``read_int_array`` and ``iter_string_array`` read one on demand."""

    item_type: int
    count: int
    offset: int

    def __str__(self) -> str:
        return f"<array of {self.count}>" if self.item_type != LONG_STRING else f"<string of {self.count} bytes>"


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
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

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
        self.size = len(buffer)
        self.offset = 0
        self.string_items = 0

    def left(self) -> int:
        return self.size - self.offset

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if size > self.left():
            raise _Truncated
        (value,) = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset += size
        return value

    def skip(self, size: int) -> None:
        if size > self.left():
            raise _Truncated
        self.offset += size

    def key(self) -> str:
        length = self.take("<Q")
        if length > MAX_KEY_BYTES:
            raise _Truncated if length > self.left() else _Corrupt(f"a metadata key of {length} bytes")
        if length == 0:
            raise _Corrupt("an empty metadata key")
        start = self.offset
        self.skip(length)
        return self.buffer[start : self.offset].decode("utf-8", errors="replace")

    def string(self) -> str | GgufArray:
        length = self.take("<Q")
        start = self.offset
        self.skip(length)
        if length > MAX_STRING_BYTES:
            return GgufArray(LONG_STRING, length, start)
        return self.buffer[start : self.offset].decode("utf-8", errors="replace")

    def value(self, value_type: int, key: str) -> Any:
        if value_type in _SCALARS:
            return self.take(_SCALARS[value_type])
        if value_type == _STRING:
            return self.string()
        if value_type != _ARRAY:
            raise _Corrupt(f"key {key!r} has unknown value type {value_type}")
        item_type = self.take("<I")
        count = self.take("<Q")
        start = self.offset
        if item_type in _SCALARS:
            self.skip(struct.calcsize(_SCALARS[item_type]) * count)
            if count <= SMALL_ARRAY and item_type in _ARRAY_CODES:
                return struct.unpack_from(f"<{count}{_ARRAY_CODES[item_type]}", self.buffer, start)
            if count <= SMALL_ARRAY:  # bools
                return tuple(bool(byte) for byte in self.buffer[start : self.offset])
        elif item_type == _STRING:
            if count > self.left() // 8:
                raise _Truncated
            self.string_items += count
            if self.string_items > MAX_STRING_ITEMS:
                raise _Corrupt(f"more than {MAX_STRING_ITEMS} strings in metadata arrays")
            self.offset = _skip_strings(self.buffer, self.offset, count)
        elif item_type == _ARRAY:
            raise _Corrupt(f"key {key!r} is an array of arrays, which llama.cpp does not read")
        else:
            raise _Corrupt(f"key {key!r} is an array of unknown type {item_type}")
        return GgufArray(item_type, count, start)


def _skip_strings(buffer: mmap.mmap, offset: int, count: int) -> int:
    """A tight loop: 262k iterations for a Gemma vocabulary are the bulk of a header read. A corrupt
    length throws the offset past the end (``struct.error``) or past what C can index (``OverflowError``)."""
    unpack = _U64.unpack_from
    try:
        for _ in range(count):
            (length,) = unpack(buffer, offset)
            offset += 8 + length
    except (struct.error, OverflowError):
        raise _Truncated from None
    if offset > len(buffer):
        raise _Truncated
    return offset


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _open_regular(path: Path) -> tuple[int, int]:
    """Open ``path`` for reading without blocking and return ``(fd, size)`` if it is a regular file.

    ``O_NONBLOCK``: opening a FIFO for reading otherwise waits for a writer, forever. The type is checked
    on the open descriptor, so a file swapped for a FIFO after a ``stat`` is still refused."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ModelError(f"model path is a directory, not a GGUF file: {path}") from None
    except PermissionError:
        raise ModelError(f"model file is not readable (permission denied): {path}") from None
    except OSError as error:
        raise ModelError(f"cannot read model file ({error.strerror or error}): {path}") from None
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode):
        return fd, info.st_size
    os.close(fd)
    if stat.S_ISDIR(info.st_mode):
        raise ModelError(f"model path is a directory, not a GGUF file: {path}")
    raise ModelError(f"not a regular file ({file_kind(info.st_mode)}), not a GGUF file: {path}")


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a one-line reason (``a FIFO (named pipe)``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a plain file")


def read_small_file(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of a small regular file (a ref, a manifest, a config), never blocking on a
    FIFO; ``OSError`` (``FileNotFoundError`` included) for anything else, ``ValueError`` when too big."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > limit:
            raise ValueError(f"larger than {limit} bytes")
        return os.read(fd, limit + 1)[:limit]
    finally:
        os.close(fd)


def read_gguf_info(path: Path) -> GgufInfo:
    """Validate that ``path`` is a readable GGUF and return its metadata, or raise ``ModelError``."""
    fd, size = _open_regular(path)
    try:
        if size < 24:
            raise ModelError(f"not a GGUF file (only {size} bytes): {path}")
        if os.pread(fd, 4, 0) != GGUF_MAGIC:
            raise ModelError(f"not a GGUF file (no GGUF magic bytes at the start): {path}")
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as buffer:
            reader = _Reader(buffer)
            reader.offset = 4
            version = reader.take("<I")
            if version not in (2, 3):
                raise ModelError(f"unsupported GGUF version {version} (expected 2 or 3): {path}")
            tensor_count = reader.take("<Q")
            kv_count = reader.take("<Q")
            if kv_count > MAX_KEYS:
                raise _Truncated if kv_count > reader.left() // 14 else _Corrupt(f"{kv_count} metadata keys")
            if tensor_count > reader.left() // 24:  # name, dims, type, offset: at least 24 bytes each
                raise _Truncated
            metadata: dict[str, Any] = {}
            for _ in range(kv_count):
                key = reader.key()
                if key in metadata:
                    raise _Corrupt(f"duplicate metadata key {key!r}")
                metadata[key] = reader.value(reader.take("<I"), key)
    except ModelError:
        raise
    except _Truncated:
        raise ModelError(f"truncated or corrupt GGUF (metadata runs past the end of the file): {path}") from None
    except _Corrupt as error:
        raise ModelError(f"corrupt GGUF metadata ({_printable(str(error))}): {path}") from None
    except (ValueError, struct.error, OverflowError) as error:
        raise ModelError(f"corrupt GGUF metadata ({error}): {path}") from None
    except PermissionError:
        raise ModelError(f"model file is not readable (permission denied): {path}") from None
    except OSError as error:
        raise ModelError(f"cannot read model file ({error.strerror or error}): {path}") from None
    finally:
        os.close(fd)
    return GgufInfo(path=path, size_bytes=size, version=version, tensor_count=tensor_count, metadata=metadata)


def _printable(text: str, limit: int = 200) -> str:
    """Keys come from the file: keep the one-line message one line and free of terminal escapes."""
    flat = "".join(char if char.isprintable() else "?" for char in text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def read_int_array(info: GgufInfo, key: str) -> array.array | None:
    """An integer array's items (``tokenizer.ggml.token_type``), read on demand; None if it is not one."""
    ref = info.metadata.get(key)
    if isinstance(ref, tuple):
        return array.array("q", [item for item in ref if isinstance(item, int)])
    if not isinstance(ref, GgufArray) or ref.item_type not in _INTEGER_TYPES:
        return None
    items = array.array(_ARRAY_CODES[ref.item_type])
    fd, _size = _open_regular(info.path)
    try:
        items.frombytes(os.pread(fd, items.itemsize * ref.count, ref.offset))
    finally:
        os.close(fd)
    if len(items) != ref.count:
        raise ModelError(f"truncated or corrupt GGUF (array {key} runs past the end of the file): {info.path}")
    if sys.byteorder != "little":
        items.byteswap()
    return items


def iter_string_array(info: GgufInfo, key: str) -> Iterator[bytes]:
    """A string array's items as raw bytes (``tokenizer.ggml.tokens``), read on demand from an mmap."""
    ref = info.metadata.get(key)
    if not isinstance(ref, GgufArray) or ref.item_type != _STRING:
        return
    fd, _size = _open_regular(info.path)
    try:
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as buffer:
            offset = ref.offset
            for _ in range(ref.count):
                if offset + 8 > len(buffer):
                    break
                (length,) = _U64.unpack_from(buffer, offset)
                if offset + 8 + length > len(buffer):
                    break
                yield buffer[offset + 8 : offset + 8 + length]
                offset += 8 + length
    finally:
        os.close(fd)
