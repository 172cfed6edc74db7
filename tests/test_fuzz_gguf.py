"""Hostile GGUF files: a seeded, bounded fuzz of the header reader, and one regression test per defect.

Mutants are copies of the embedded Gemma 3 270M written by ``gguf_mutants`` (byte level: the metadata
re-encoded, tensor infos kept, the weights a sparse hole unless a test needs them). The reader must
answer every mutant with a ``GgufInfo`` or one ``ModelError`` line, quickly; a value llama.cpp aborts on
is refused before llama.cpp sees it (``tui/core/models/loadable.py``); a FIFO never blocks; one bad file
never hides the rest of ``shotglass models`` or the F10 picker. Every loop has a fixed count, and each
read is bounded in time (a hang detector: 100x the normal read, not a benchmark).
"""

from __future__ import annotations

import math
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gguf_mutants import (
    ARRAY,
    F32,
    I32,
    STRING,
    U32,
    U64,
    Layout,
    Raw,
    encode,
    encode_array,
    gemma_like_items,
    header_from_items,
    read_layout,
    write_mutant,
)

from tui.core.errors import ModelError
from tui.core.models.gguf import MAX_STRING_ITEMS, read_gguf_info
from tui.core.models.loadable import MAX_TRAINED_CONTEXT, check_loadable, find_problem, unescape_rwkv_token
from tui.core.models.scan import model_entries, scan_models, skipped_files
from tui.core.models.sources import ScanSource, SourceKind

SEED = 20240612
READ_LIMIT_S = 2.0
A = "gemma3."


def _one_line(message: str) -> None:
    assert "\n" not in message and "\r" not in message, message
    assert all(char.isprintable() for char in message), repr(message)
    assert len(message) < 600, message


@pytest.fixture(scope="module")
def layout(model_path: Path) -> Layout:
    return read_layout(model_path)


@pytest.fixture(scope="module")
def small_header() -> bytes:
    """Every key and type of the embedded model's metadata, its 262k-entry arrays cut to 300 entries: a
    few KB that needs no model file, so thousands of mutants cost nothing and run in the fast lane."""
    return header_from_items(gemma_like_items())


def _timed_read(path: Path):
    start = time.monotonic()
    try:
        result: object = read_gguf_info(path)
    except ModelError as error:
        result = error
    elapsed = time.monotonic() - start
    assert elapsed < READ_LIMIT_S, f"{path.name}: {elapsed:.1f} s"
    return result


# -- the seeded fuzz ------------------------------------------------------------------------------------------


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buffer = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:  # a few flipped bits anywhere
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(4, len(buffer))
            buffer[position] ^= 1 << rng.randrange(8)
    elif kind == 1:  # a random 8-byte word: counts and lengths are u64
        position = rng.randrange(4, len(buffer) - 8)
        value = rng.choice([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63 - 1, 2**64 - 1, rng.getrandbits(64)])
        buffer[position : position + 8] = struct.pack("<Q", value)
    elif kind == 2:  # a random 4-byte word: value types and u32 values
        position = rng.randrange(4, len(buffer) - 4)
        buffer[position : position + 4] = struct.pack("<I", rng.choice([0, 9, 13, 255, 2**32 - 1]))
    elif kind == 3:  # cut short
        del buffer[rng.randrange(24, len(buffer)) :]
    else:  # a block of random bytes
        position = rng.randrange(4, len(buffer) - 64)
        buffer[position : position + 64] = rng.randbytes(64)
    return bytes(buffer)


def test_seeded_byte_mutants_are_read_or_refused_in_one_line(small_header: bytes, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    outcomes = {"read": 0, "refused": 0}
    folder = tmp_path / "mutants"
    folder.mkdir()
    for index in range(300):
        path = folder / f"m{index:03d}.gguf"
        path.write_bytes(_mutate(rng, small_header))
        result = _timed_read(path)
        if isinstance(result, ModelError):
            outcomes["refused"] += 1
            _one_line(str(result))
        else:
            outcomes["read"] += 1
            problem = find_problem(result)  # never raises, whatever the values
            assert problem is None or "\n" not in problem
    assert outcomes["read"] > 20 and outcomes["refused"] > 20, outcomes  # the fuzz reached both sides
    # One scan over all of them: every file listed once, as a model or skipped with a reason.
    results = scan_models([ScanSource(SourceKind.FOLDER, folder, required=True)])
    assert len(model_entries(results)) + len(skipped_files(results)) == 300
    for skipped in skipped_files(results):
        _one_line(skipped.reason)


def test_seeded_value_mutants_never_reach_an_abort(small_header: bytes, tmp_path: Path) -> None:
    """Typed values at random: each is either refused by the loadability check or is one llama.cpp takes."""
    rng = random.Random(SEED + 1)
    base = tmp_path / "base.gguf"
    base.write_bytes(small_header)
    layout = read_layout(base)
    keys = [A + "block_count", A + "context_length", A + "attention.layer_norm_rms_epsilon", "tokenizer.ggml.model"]
    keys += [A + "expert_count", A + "expert_used_count", A + "rope.scaling.type", A + "nextn_predict_layers"]
    values = [
        encode(U32, 0),
        encode(U32, 2**32 - 1),
        encode(U32, rng.randrange(1, 600)),
        encode(I32, -1),
        encode(U64, 2**40),
        encode(F32, math.nan),
        encode(F32, -math.inf),
        encode(F32, 1e-6),
        encode(STRING, "yarn"),
        encode(STRING, "\x1b[31m[/]"),
        encode_array(U32, [rng.randrange(0, 9) for _ in range(18)]),
    ]
    for index in range(120):
        key, value = rng.choice(keys), rng.choice(values)
        path = write_mutant(base, tmp_path / f"v{index}.gguf", {key: value}, layout=layout)
        info = read_gguf_info(path)
        problem = find_problem(info)
        if problem is not None:
            assert key in problem and "\n" not in problem and "\x1b" not in problem


# -- item 2: the reader -----------------------------------------------------------------------------------------


def _value_offsets(path: Path) -> dict[str, int]:
    """Where each key's value starts (after its type tag) in a file written by ``gguf_mutants``."""
    offsets, offset = {}, 24
    for key, raw in read_layout(path).kv.items():
        offset += 8 + len(key.encode()) + 4
        offsets[key] = offset
        offset += len(raw.payload)
    return offsets


@pytest.mark.parametrize(
    ("target", "at", "value"),
    [
        ("general.name", 0, 2**64 - 1),  # a string length past anything C can index: was OverflowError
        ("general.name", 0, 2**63 + 5),
        ("tokenizer.ggml.tokens", 4, 2**63),  # a string array's count: was a walk through the whole file
        ("tokenizer.ggml.tokens", 4, 262_144 * 2),  # one bit: the walk runs into the scores' floats
        ("tokenizer.ggml.token_type", 4, 2**62),  # an int32 array's count
    ],
)
def test_flipped_lengths_and_counts_are_one_line(
    model_path: Path, layout: Layout, tmp_path: Path, target: str, at: int, value: int
) -> None:
    path = write_mutant(model_path, tmp_path / "flip.gguf", {}, layout=layout)
    with path.open("r+b") as handle:
        handle.seek(_value_offsets(path)[target] + at)
        handle.write(struct.pack("<Q", value))
    result = _timed_read(path)
    assert isinstance(result, ModelError), result
    assert "truncated or corrupt GGUF" in str(result) or "corrupt GGUF metadata" in str(result)
    _one_line(str(result))


def test_a_string_inside_the_vocabulary_with_a_huge_length(model_path: Path, layout: Layout, tmp_path: Path) -> None:
    """The flipped bytes of the issue: a length inside the 262k-string walk, so the offset overflows C's."""
    path = write_mutant(model_path, tmp_path / "flip.gguf", {}, layout=layout)
    start = _value_offsets(path)["tokenizer.ggml.tokens"] + 12
    with path.open("r+b") as handle:
        handle.seek(start + 8 + 5 + 8 + 5)  # the third token's length field ("<pad>", "<eos>" are 5 bytes)
        handle.write(struct.pack("<Q", 2**64 - 9))
    result = _timed_read(path)
    assert isinstance(result, ModelError) and "truncated or corrupt GGUF" in str(result)


def test_nested_arrays_5000_deep_are_refused_without_recursion(small_header: bytes, tmp_path: Path) -> None:
    base = tmp_path / "base.gguf"
    base.write_bytes(small_header)
    nested = struct.pack("<IQ", 9, 1) * 5000 + struct.pack("<IQ", 4, 1) + struct.pack("<I", 7)
    path = write_mutant(base, tmp_path / "nested.gguf", {"general.nested": Raw(ARRAY, nested)})
    result = _timed_read(path)
    assert isinstance(result, ModelError) and "array of arrays" in str(result)
    _one_line(str(result))


def test_string_arrays_are_bounded_in_count(small_header: bytes, tmp_path: Path) -> None:
    """Millions of empty strings: the walk stops at a fixed count instead of following the file."""
    base = tmp_path / "base.gguf"
    base.write_bytes(small_header)
    count = MAX_STRING_ITEMS + 1
    path = tmp_path / "many.gguf"
    write_mutant(base, path, {"general.many": Raw(ARRAY, struct.pack("<IQ", 8, count))})
    with path.open("r+b") as handle:  # the strings themselves: a sparse run of zero lengths
        handle.seek(0, os.SEEK_END)
        handle.truncate(handle.tell() + 8 * count)
    result = _timed_read(path)
    assert isinstance(result, ModelError), result


def test_duplicate_and_empty_keys_are_refused_like_llama_cpp_does(tmp_path: Path) -> None:
    items = gemma_like_items()
    duplicate = tmp_path / "dup.gguf"
    duplicate.write_bytes(header_from_items([*items, ("general.name", encode(STRING, "again"))]))
    result = _timed_read(duplicate)
    assert isinstance(result, ModelError) and "duplicate metadata key 'general.name'" in str(result)
    empty = tmp_path / "empty-key.gguf"
    empty.write_bytes(header_from_items([("", encode(U32, 1)), *items]))
    result = _timed_read(empty)
    assert isinstance(result, ModelError) and "an empty metadata key" in str(result)
    escape = tmp_path / "escape.gguf"
    escape.write_bytes(header_from_items([*items, ("x\x1b[2J\n", encode(U32, 1)), ("x\x1b[2J\n", encode(U32, 1))]))
    result = _timed_read(escape)
    assert isinstance(result, ModelError)
    _one_line(str(result))  # a key from the file is never echoed raw


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_never_blocks_the_reader_or_the_scan(tmp_path: Path, small_header: bytes) -> None:
    fifo = tmp_path / "models" / "pipe.gguf"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    (tmp_path / "models" / "good.gguf").write_bytes(small_header)
    result = _timed_read(fifo)
    assert isinstance(result, ModelError) and "not a regular file (a FIFO (named pipe))" in str(result)
    results = scan_models(
        [
            ScanSource(SourceKind.FOLDER, tmp_path / "models", required=True),
            ScanSource(SourceKind.FOLDER, fifo, required=True),  # a FIFO given as the folder itself
        ]
    )
    reasons = {item.path.name: item.reason for item in skipped_files(results)}
    assert reasons == {"pipe.gguf": "not a regular file (a FIFO (named pipe))"}
    assert [entry.name for entry in model_entries(results)] == ["good.gguf"]


def test_devices_are_not_models(tmp_path: Path) -> None:
    result = _timed_read(Path("/dev/zero"))
    assert isinstance(result, ModelError) and "not a regular file (a character device)" in str(result)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifos_in_tool_layouts_never_block(tmp_path: Path) -> None:
    """An HF ``refs/main``, an Ollama manifest and ``models.toml`` that are FIFOs: read without blocking."""
    from tui.core.errors import UserError
    from tui.core.models.sources import read_folder_config

    hub = tmp_path / "hub" / "models--org--repo"
    (hub / "refs").mkdir(parents=True)
    (hub / "snapshots" / "abc").mkdir(parents=True)
    os.mkfifo(hub / "refs" / "main")
    manifest = tmp_path / "ollama" / "manifests" / "registry.ollama.ai" / "library" / "m" / "latest"
    manifest.parent.mkdir(parents=True)
    os.mkfifo(manifest)
    config = tmp_path / "config"
    config.mkdir()
    os.mkfifo(config / "models.toml")
    start = time.monotonic()
    results = scan_models(
        [ScanSource(SourceKind.HUGGINGFACE, tmp_path / "hub"), ScanSource(SourceKind.OLLAMA, tmp_path / "ollama")]
    )
    with pytest.raises(UserError, match="cannot read the model folders config"):
        read_folder_config(config)
    assert time.monotonic() - start < READ_LIMIT_S
    assert [item.reason for item in skipped_files(results)] == ["not a regular file (a FIFO (named pipe))"]


def test_cli_fifo_as_model_and_the_models_listing(
    shotglass_cmd, tmp_path: Path, small_header: bytes, isolated_dirs
) -> None:
    import argparse
    from io import StringIO

    from tui.commands.models import run_models

    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)
    asked = subprocess.run(
        [*shotglass_cmd, "ask", "hi", "--model", str(fifo)], capture_output=True, text=True, timeout=60
    )
    assert asked.returncode == 2, asked.stderr
    assert asked.stderr.splitlines() == [
        f"shotglass: error: not a regular file (a FIFO (named pipe)), not a GGUF file: {fifo}"
    ]
    (tmp_path / "ok.gguf").write_bytes(small_header)
    (tmp_path / "cut.gguf").write_bytes(small_header[:100])
    nested = struct.pack("<IQ", 9, 1) * 5000 + struct.pack("<IQ", 4, 1) + struct.pack("<I", 7)
    (tmp_path / "deep.gguf").write_bytes(header_from_items([*gemma_like_items(), ("x", Raw(ARRAY, nested))]))
    aborting = [(key, encode(U32, 0) if key.endswith("block_count") else raw) for key, raw in gemma_like_items()]
    (tmp_path / "layers0.gguf").write_bytes(header_from_items(aborting))
    out = StringIO()
    args = argparse.Namespace(folder=[tmp_path], json=False)
    assert run_models(args, isolated_dirs, None, out=out, env={}, home=tmp_path / "home") == 0
    listed = out.getvalue()
    assert "ok.gguf" in listed.splitlines()[1] and "skipped 4:" in listed
    assert f"{tmp_path / 'cut.gguf'}: truncated or corrupt GGUF" in listed
    assert f"{tmp_path / 'deep.gguf'}: corrupt GGUF metadata (key 'x' is an array of arrays" in listed
    assert f"{tmp_path / 'layers0.gguf'}: unloadable GGUF: gemma3.block_count = 0" in listed
    assert f"{fifo}: not a regular file (a FIFO (named pipe))" in listed


async def test_the_picker_lists_bad_files_as_skipped_and_shows_names_as_plain_text(chat_app) -> None:
    """F10 with hostile names and reasons: the picker stays up and shows them literally."""
    from ui_helpers import open_model_picker

    from tui.core.models.scan import ModelEntry
    from tui.core.models.sources import SkippedFile
    from tui.engine.fake import FakeEngine

    entry = ModelEntry(
        name="[/]evil[bold].gguf",
        source=SourceKind.FOLDER,
        path=Path("/models/[/]evil[bold].gguf"),
        architecture="[red]llama",
        parameters="1B",
        quantization="Q4_K_M",
        size_bytes=2**20,
        context_length=4096,
        has_chat_template=False,
    )
    skipped = SkippedFile(Path("/models/[/]x.gguf"), "unloadable GGUF: tokenizer.ggml.model = '[/]' (llama.cpp ...)")
    app = chat_app(FakeEngine(), load_model=lambda *_: FakeEngine(), scan_models=lambda: [entry, skipped], gpu_note="")
    async with app.run_test(size=(160, 40)) as pilot:
        await open_model_picker(pilot)
        shown = str(app.screen.query_one("#models-skipped").render())
        assert "skipped /models/[/]x.gguf: unloadable GGUF: tokenizer.ggml.model = '[/]'" in shown
        await pilot.press("escape")


# -- item 1: values llama.cpp aborts on ------------------------------------------------------------------------------

ABORTING = {
    "block_count 0": ({A + "block_count": encode(U32, 0)}, A + "block_count = 0"),
    "block_count 1000": ({A + "block_count": encode(U32, 1000)}, A + "block_count = 1000"),
    "block_count 2^32-1": ({A + "block_count": encode(U32, 2**32 - 1)}, A + "block_count = 4294967295"),
    "norm epsilon NaN": ({A + "attention.layer_norm_rms_epsilon": encode(F32, math.nan)}, "epsilon = nan"),
    "norm epsilon -1": ({A + "attention.layer_norm_rms_epsilon": encode(F32, -1.0)}, "epsilon = -1.0"),
    "unknown tokenizer": ({"tokenizer.ggml.model": encode(STRING, "xyzzy")}, "tokenizer.ggml.model = 'xyzzy'"),
    "bert tokenizer, byte tokens": ({"tokenizer.ggml.model": encode(STRING, "bert")}, "'bert' (WordPiece)"),
    "rwkv tokenizer, no byte tokens": ({"tokenizer.ggml.model": encode(STRING, "rwkv")}, "RWKV tokenizer never ends"),
    "no vocabulary": ({"tokenizer.ggml.model": encode(STRING, "none")}, "has no vocabulary"),
    "context_length 2^31-1": ({A + "context_length": encode(U32, 2**31 - 1)}, "context_length = 2147483647"),
    "context_length 2^31": ({A + "context_length": encode(U32, 2**31)}, "context_length = 2147483648"),
    "context_length 2^32-1": ({A + "context_length": encode(U32, 2**32 - 1)}, "context_length = 4294967295"),
    "context_length 0": ({A + "context_length": encode(U32, 0)}, "context_length = 0"),
    "experts used > experts": (
        {A + "expert_count": encode(U32, 4), A + "expert_used_count": encode(U32, 8)},
        "expert_used_count = 8",
    ),
    "rope scaling type": ({A + "rope.scaling.type": encode(STRING, "warp")}, "rope.scaling.type = 'warp'"),
}


@pytest.mark.parametrize("name", list(ABORTING))
def test_values_llama_cpp_aborts_on_are_refused_before_it_loads(
    model_path: Path, layout: Layout, tmp_path: Path, name: str
) -> None:
    changes, fragment = ABORTING[name]
    path = write_mutant(model_path, tmp_path / "bad.gguf", changes, layout=layout)
    with pytest.raises(ModelError) as caught:
        check_loadable(read_gguf_info(path))
    message = str(caught.value)
    assert fragment in message and message.startswith("unloadable GGUF: ") and message.endswith(f": {path}")
    _one_line(message)


def test_the_engine_refuses_them_without_loading_llama_cpp(model_path: Path, layout: Layout, tmp_path: Path) -> None:
    from tui.engine.llama import LlamaEngine, LoadOptions

    path = write_mutant(model_path, tmp_path / "eps.gguf", ABORTING["norm epsilon NaN"][0], layout=layout)
    log = tmp_path / "llama.log"
    with pytest.raises(ModelError, match="layer_norm_rms_epsilon = nan"):
        LlamaEngine(LoadOptions(model_path=path, n_threads=1, log_file=log))
    assert "llama_model_load" not in (log.read_text() if log.exists() else "")  # llama.cpp never saw it


@pytest.mark.parametrize("name", ["block_count 0", "norm epsilon NaN", "rwkv tokenizer, no byte tokens"])
def test_cli_refuses_them_with_one_line_and_exit_2(
    shotglass_cmd, model_path: Path, layout: Layout, tmp_path: Path, name: str
) -> None:
    path = write_mutant(model_path, tmp_path / "bad.gguf", ABORTING[name][0], layout=layout)
    result = subprocess.run(
        [*shotglass_cmd, "ask", "hi", "--model", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("shotglass: error: unloadable GGUF:")
    assert ABORTING[name][1] in result.stderr


def test_real_large_contexts_still_load_with_bounded_tokenization(
    model_path: Path, layout: Layout, tmp_path: Path
) -> None:
    """Llama 4 Scout's 10,485,760 is within the cap: it loads, n_ctx stays capped, counting works."""
    from tui.engine.llama import LlamaEngine, LoadOptions

    assert 10_485_760 <= MAX_TRAINED_CONTEXT
    path = write_mutant(
        model_path, tmp_path / "long.gguf", {A + "context_length": encode(U32, 10_485_760)}, layout=layout
    )
    engine = LlamaEngine(LoadOptions(model_path=path, n_threads=1, log_file=tmp_path / "llama.log"))
    try:
        assert engine.info.n_ctx == 8192 and engine.info.n_ctx_train == 10_485_760
        assert engine.count_tokens("Hello world") > 0
    finally:
        engine.close()


def test_mismatched_tokenizers_llama_cpp_handles_are_not_refused(
    model_path: Path, layout: Layout, tmp_path: Path
) -> None:
    """Only what aborts is refused: t5/gpt2 on this vocabulary load or fail cleanly in llama.cpp itself."""
    for model in ("t5", "gpt2", "llama"):
        path = write_mutant(
            model_path, tmp_path / f"{model}.gguf", {"tokenizer.ggml.model": encode(STRING, model)}, layout=layout
        )
        assert find_problem(read_gguf_info(path)) is None


def test_rwkv_unescape_matches_llama_cpp() -> None:
    assert unescape_rwkv_token(b"\\x41\\n\\t\\r\\\\b") == b"A\n\t\r\\b"
    assert unescape_rwkv_token(b"\\x4F") == bytes([0x56])  # llama.cpp reads hex digits lowercase-only


# -- crashes that get past the checks: contained -----------------------------------------------------------------

BYPASS = """
import sys
import tui.core.models.loadable as loadable
loadable.find_problem = lambda info: None  # as if a value were unknown to the checks
from tui.cli import main
sys.argv[0] = "shotglass"
sys.exit(main())
"""


def test_an_abort_inside_llama_cpp_is_one_line_and_exit_2(model_path: Path, layout: Layout, tmp_path: Path) -> None:
    path = write_mutant(model_path, tmp_path / "eps.gguf", ABORTING["norm epsilon NaN"][0], layout=layout)
    script = tmp_path / "bypass.py"
    script.write_text(BYPASS)
    env = {key: value for key, value in os.environ.items() if key != "GGML_NO_BACKTRACE"}
    result = subprocess.run(
        [sys.executable, str(script), "ask", "hi", "--model", str(path), "--max-new-tokens", "4"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no assert text, no gdb backtrace, no Python traceback
    assert lines[0].startswith("shotglass: error: llama.cpp crashed (SIGABRT: ops.cpp:")
    assert "GGML_ASSERT(eps >= 0.0f) failed" in lines[0] and "details in " in lines[0]


def test_seeded_mutants_through_the_whole_command_end_in_a_reply_or_one_line(
    shotglass_cmd, model_path: Path, layout: Layout, tmp_path: Path
) -> None:
    """Flipped bytes in the tensor infos (shapes, types, offsets: llama.cpp's part of the header) and
    random header values, loaded by the real command: each ends in a reply or one line with exit 2, the
    crash guard included. Four loads, about a second each."""
    rng = random.Random(SEED + 2)
    for index in range(4):
        infos = bytearray(layout.tensor_infos)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(infos))
            infos[position] ^= 1 << rng.randrange(8)
        changes = {}
        if index % 2:
            key = rng.choice([A + "attention.head_count", A + "embedding_length", A + "attention.key_length"])
            changes[key] = encode(U32, rng.choice([0, 1, 3, 2**31]))
        path = write_mutant(model_path, tmp_path / f"t{index}.gguf", changes, layout=layout, tensor_infos=bytes(infos))
        result = subprocess.run(
            [*shotglass_cmd, "ask", "hi", "--model", str(path), "--max-new-tokens", "2"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode in (0, 2), (index, result.returncode, result.stderr[-2000:])
        if result.returncode == 2:
            assert len(result.stderr.splitlines()) == 1, (index, result.stderr[-2000:])
            assert result.stderr.startswith("shotglass: error: ")
