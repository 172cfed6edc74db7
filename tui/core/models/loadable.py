"""Refuse, before llama.cpp loads a model, the header values it aborts on instead of reporting an error.

llama.cpp checks most of a GGUF with exceptions (a missing key, a wrong type, a bad tensor shape: one
clean "failed to load" that the engine turns into a ``ModelError``), but a few values hit a
``GGML_ASSERT``/``GGML_ABORT`` that kills the process with SIGABRT, at load or later, mid-reply:
``block_count`` outside 1..512, a NaN or negative norm epsilon (asserted at the first decode), expert
counts that do not add up, an unknown RoPE scaling type, a WordPiece (``bert``) vocabulary with byte
tokens. An RWKV vocabulary whose tokens start with a byte that is not a token of its own makes llama.cpp's
tokenizer loop forever, growing its output. A huge ``context_length`` is not checked at all, and
llama-cpp-python allocates a token buffer of that many entries on every tokenization (2^31-1: 8.6 GB and
20 s per count; 2^31 and up overflow its int32 and raise).

Why validate the header rather than probe the load in a throwaway child process (measured on the 2-core
machine with the embedded Gemma 3 270M; ``python benchmarks/bench_load_check.py`` re-runs it): reading
the header and checking it takes 20-40 ms, and the header is read anyway (``read_gguf_info``); a probe
child that starts an interpreter, loads the model and decodes one token (needed: the epsilon assert
fires at the first decode, not at load) takes ~1.6 s and ~340 MiB (40x; the load alone is ~0.7 s), and
for a big model it doubles the load (reading or GPU-uploading the weights twice). A probe also misses
what only happens later, with real input: the context-length buffer at tokenization, the RWKV loop. So
known values are refused here, each with one line that names the key, the value and what llama.cpp
accepts; anything llama.cpp aborts on that this does not know about is contained by the CLI's
supervisor (``tui/crash_guard.py``), which restores the terminal and prints one line.

The numbers are llama.cpp's own limits in the pinned llama-cpp-python 0.3.36 (``src/llama-hparams.h``,
``src/llama-model.cpp: load_hparams``, ``src/llama-vocab.cpp``); check them when that pin moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from tui.core.errors import ModelError
from tui.core.models.gguf import GgufArray, GgufInfo, iter_string_array, read_int_array

MAX_LAYERS = 512
"""``LLAMA_MAX_LAYERS``: llama.cpp asserts ``0 < block_count <= 512``."""
MAX_EXPERTS = 1024
"""``LLAMA_MAX_EXPERTS``."""
MAX_TRAINED_CONTEXT = 1 << 24
"""16,777,216 tokens. The largest trained context of a released model is 10,485,760 (Llama 4 Scout).
llama-cpp-python's tokenizer allocates ``context_length`` int32s per call: at this cap 64 MiB and 26-36 ms
per count (measured; 0.05 ms at Gemma's 32k), at 2^31-1 8.6 GB and 20 s."""
TOKENIZER_MODELS = frozenset(
    {"llama", "bert", "gpt2", "hybriddna", "whitespace", "t5", "rwkv", "plamo2", "gemma4", "test", "none", "no_vocab"}
)
"""What ``llama_vocab::load`` knows; anything else is refused by it (cleanly), by this with a clearer line."""
ROPE_SCALING_TYPES = ("none", "linear", "yarn", "longrope")
TOKEN_TYPE_BYTE = 6
"""``LLAMA_TOKEN_TYPE_BYTE`` in ``tokenizer.ggml.token_type``."""


def check_loadable(info: GgufInfo) -> None:
    """Raise ``ModelError`` (one line, ending in the path) for a header value llama.cpp would abort on.

    Only values that are present are checked: a missing required key is llama.cpp's to report, and it
    does so cleanly."""
    problem = find_problem(info)
    if problem is not None:
        raise ModelError(f"{problem}: {info.path}")


def find_problem(info: GgufInfo) -> str | None:
    """The first value llama.cpp would abort on, described in one line, or None."""
    for check in (_layers, _experts, _epsilons, _rope, _context, _tokenizer):
        problem = check(info.metadata, info.architecture, info)
        if problem is not None:
            return problem
    return None


def _shown(value: Any) -> str:
    """A value from the file, safe to print on one line (no control characters, bounded)."""
    text = repr(value) if isinstance(value, (str, float)) else str(value)
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= 60 else text[:59] + "…"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(key: str, value: Any, allowed: str) -> str:
    return f"unloadable GGUF: {key} = {_shown(value)} (llama.cpp accepts {allowed})"


def _int_value(metadata: dict[str, Any], key: str, low: int, high: int) -> tuple[int | None, str | None]:
    """The integer under ``key`` (None when absent), or why it is unusable."""
    if key not in metadata:
        return None, None
    value = metadata[key]
    if not _is_int(value) or not low <= value <= high:
        return None, _bad(key, value, f"an integer from {low} to {high}")
    return value, None


def _layers(metadata: dict[str, Any], arch: str, _info: GgufInfo) -> str | None:
    layers, problem = _int_value(metadata, f"{arch}.block_count", 1, MAX_LAYERS)
    if problem is not None:
        return problem
    nextn, problem = _int_value(metadata, f"{arch}.nextn_predict_layers", 0, layers or MAX_LAYERS)
    return problem


def _per_layer_max(value: Any) -> int | None:
    """``expert_used_count`` is a number or one number per layer; llama.cpp checks the largest."""
    if _is_int(value):
        return value
    if isinstance(value, tuple) and value and all(_is_int(item) for item in value):
        return max(value)
    return None


def _experts(metadata: dict[str, Any], arch: str, _info: GgufInfo) -> str | None:
    experts, problem = _int_value(metadata, f"{arch}.expert_count", 0, MAX_EXPERTS)
    if problem is not None:
        return problem
    experts = experts or 0
    used_key, groups_key, group_used_key = (
        f"{arch}.expert_used_count",
        f"{arch}.expert_group_count",
        f"{arch}.expert_group_used_count",
    )
    used = _per_layer_max(metadata.get(used_key, 0))
    groups = metadata.get(groups_key, 0)
    group_used = metadata.get(group_used_key, 0)
    if used is None:
        return _bad(used_key, metadata.get(used_key), "an integer or one integer per layer")
    if not _is_int(groups) or not _is_int(group_used):
        bad_key, bad_value = (groups_key, groups) if not _is_int(groups) else (group_used_key, group_used)
        return _bad(bad_key, bad_value, "an integer")
    if experts == 0:
        if used != 0:
            return _bad(used_key, used, f"0 when {arch}.expert_count is 0")
        if groups != 0:
            return _bad(groups_key, groups, f"0 when {arch}.expert_count is 0")
        return None
    if not 0 < used <= experts:
        return _bad(used_key, used, f"1 to {arch}.expert_count ({experts})")
    if not 0 <= groups < experts:
        return _bad(groups_key, groups, f"0 to {experts - 1} (fewer than {arch}.expert_count)")
    if groups > 1:
        if experts % groups:
            return _bad(groups_key, groups, f"a divisor of {arch}.expert_count ({experts})")
        if not 0 < group_used < groups:
            return _bad(group_used_key, group_used, f"1 to {groups - 1} (fewer than {groups_key})")
    return None


def _epsilons(metadata: dict[str, Any], arch: str, _info: GgufInfo) -> str | None:
    """Norm epsilons (``attention.layer_norm_rms_epsilon`` and its kin): ggml asserts ``eps >= 0`` at the
    first decode, which NaN fails too. Infinity passes the assert and zeroes every activation: refused."""
    for key, value in metadata.items():
        if key.startswith(f"{arch}.") and key.endswith("epsilon"):
            if not isinstance(value, float) or not math.isfinite(value) or value < 0:
                return _bad(key, value, "a finite number >= 0")
    return None


def _rope(metadata: dict[str, Any], arch: str, _info: GgufInfo) -> str | None:
    key = f"{arch}.rope.scaling.type"
    if key in metadata and metadata[key] not in ROPE_SCALING_TYPES:
        return _bad(key, metadata[key], "one of " + ", ".join(ROPE_SCALING_TYPES))
    return None


def _context(metadata: dict[str, Any], arch: str, _info: GgufInfo) -> str | None:
    key = f"{arch}.context_length"
    if key not in metadata:
        return None
    value = metadata[key]
    if not _is_int(value) or not 1 <= value <= MAX_TRAINED_CONTEXT:
        return (
            f"unloadable GGUF: {key} = {_shown(value)} (shotglass accepts 1 to {MAX_TRAINED_CONTEXT:,} tokens: "
            "llama-cpp-python allocates that many tokens at every tokenization)"
        )
    return None


def _tokenizer(metadata: dict[str, Any], _arch: str, info: GgufInfo) -> str | None:
    key = "tokenizer.ggml.model"
    if key not in metadata:
        return None
    model = metadata[key]
    if model not in TOKENIZER_MODELS:
        return _bad(key, model, "one of " + ", ".join(sorted(TOKENIZER_MODELS)))
    if model in ("none", "no_vocab"):
        return f"unloadable GGUF: {key} = {model!r}: the model has no vocabulary, and shotglass needs one to tokenize"
    if model == "bert":
        types = read_int_array(info, "tokenizer.ggml.token_type")
        if types is not None and TOKEN_TYPE_BYTE in types:
            return (
                f"unloadable GGUF: {key} = 'bert' (WordPiece) with byte tokens (token type 6) in the vocabulary, "
                "which llama.cpp aborts on"
            )
    if model == "rwkv" and isinstance(metadata.get("tokenizer.ggml.tokens"), GgufArray):
        missing = _rwkv_unreachable_bytes(iter_string_array(info, "tokenizer.ggml.tokens"))
        if missing:
            return (
                f"unloadable GGUF: {key} = 'rwkv', but tokens start with {len(missing)} byte value(s) that are "
                f"not tokens of their own (e.g. 0x{min(missing):02x}), on which llama.cpp's RWKV tokenizer never ends"
            )
    return None


def _rwkv_unreachable_bytes(tokens: Iterable[bytes]) -> set[int]:
    """First bytes of tokens that have no single-byte token: there llama.cpp's greedy trie walk finds no
    match, sets its position back to 0 and starts again, forever."""
    first: set[int] = set()
    single: set[int] = set()
    for raw in tokens:
        if not raw:
            continue
        if raw[0] != 0x5C:  # no escape: the first byte is itself
            first.add(raw[0])
            if len(raw) == 1:
                single.add(raw[0])
            continue
        if len(raw) <= 4:
            unescaped = unescape_rwkv_token(raw)
            if unescaped:
                first.add(unescaped[0])
                if len(unescaped) == 1:
                    single.add(unescaped[0])
        else:
            unescaped = unescape_rwkv_token(raw[:4])
            if unescaped:
                first.add(unescaped[0])
    return first - single


def unescape_rwkv_token(escaped: bytes) -> bytes:
    """``llama_unescape_rwkv_token``, byte for byte: ``\\t \\n \\r \\xHH``, any other escaped byte as itself.
    (Its hex digits are read lowercase-only from a signed ``char``, as there: other bytes give what that
    arithmetic gives.)"""
    out = bytearray()
    escaping = False
    hex_left = 0
    acc = 0
    for byte in escaped:
        if hex_left:
            char = byte - 256 if byte >= 0x80 else byte
            value = (char - 0x61 + 10) if char >= 0x61 else (char - 0x30)
            acc = ((acc << 4) + value) & 0xFF
            hex_left -= 1
            if not hex_left:
                out.append(acc)
                acc = 0
        elif escaping:
            escaping = False
            if byte == 0x78:  # x
                hex_left = 2
            else:
                out.append({0x74: 0x09, 0x6E: 0x0A, 0x72: 0x0D}.get(byte, byte))
        elif byte == 0x5C:
            escaping = True
        else:
            out.append(byte)
    return bytes(out)
