"""Instant resume: saved prompt states on disk, restored into a fresh engine, never trusted blindly."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tui.core.chat.state import ChatState, SavedChat
from tui.core.kvcache.store import PromptStateCache, model_key
from tui.core.profiles.profile import DecodingProfile

GREEDY = DecodingProfile(name="greedy", max_new_tokens=24)
SYSTEM = " ".join(f"Fact {index}: the number {index} is written as {index}." for index in range(40))
"""About 600 tokens of system prompt: long enough to be saved (and worth restoring)."""


# -- the store (no model) ---------------------------------------------------------------------------------


def _entry(cache: PromptStateCache, tokens: list[int], size: int = 100) -> Path:
    path = cache.path_for("model", tokens)
    path.write_bytes(b"s" * size)
    cache.commit(path, tokens)
    return path


def test_the_longest_shared_prefix_wins_and_too_long_entries_are_skipped(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    _entry(cache, [1, 2, 3, 4])
    _entry(cache, [1, 2, 9, 9, 9, 9])
    match = cache.best_match("model", [1, 2, 3, 4, 5], at_least=1, max_tokens=100)
    assert match is not None and match[1] == 4 and match[0].tokens == (1, 2, 3, 4)
    assert cache.best_match("model", [1, 2, 3, 4, 5], at_least=4, max_tokens=100) is None
    assert cache.best_match("model", [1, 2, 3, 4, 5], at_least=1, max_tokens=3) is None
    assert cache.best_match("other model", [1, 2, 3, 4, 5], at_least=0, max_tokens=100) is None


def test_a_state_that_shares_less_than_half_of_itself_is_not_restored(tmp_path: Path) -> None:
    """After Ctrl+N a new chat shares only its system prompt and pins with the old chat's saved state: loading
    all of it would page the old chat's KV cache back in, to drop most of it."""
    cache = PromptStateCache(tmp_path)
    old_chat = list(range(100))
    _entry(cache, old_chat)
    new_chat = old_chat[:40] + [999, 998]
    assert cache.best_match("model", new_chat, at_least=1, max_tokens=1000) is None
    resumed = old_chat + [999]  # the same chat resumed: all of the state is used
    match = cache.best_match("model", resumed, at_least=1, max_tokens=1000)
    assert match is not None and match[1] == 100


def test_a_longer_state_of_the_same_chat_replaces_its_prefix(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    first = _entry(cache, [1, 2, 3])
    _entry(cache, [1, 2, 3, 4, 5])
    assert not first.exists() and cache.info().entries == 1


def test_least_recently_used_states_go_first_beyond_the_budget(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path, budget_bytes=250)
    old = _entry(cache, [1])
    newer = _entry(cache, [2])
    os.utime(old, (1, 1))
    os.utime(newer, (2, 2))
    cache.touch(old)  # used just now: the other one is the least recently used
    _entry(cache, [3])
    assert old.exists() and not newer.exists()
    assert cache.info().size_bytes <= 250


def test_a_damaged_or_incomplete_entry_is_deleted_not_used(tmp_path: Path) -> None:
    cache = PromptStateCache(tmp_path)
    path = _entry(cache, [1, 2, 3])
    path.with_suffix(".tokens").write_bytes(b"\x01\x02\x03")  # not whole uint32s
    assert cache.best_match("model", [1, 2, 3, 4], at_least=0, max_tokens=100) is None
    assert not path.exists()
    orphan = cache.path_for("model", [7, 8])
    orphan.with_suffix(".tokens").write_bytes(b"\x07\x00\x00\x00")  # tokens but no state file
    assert cache.entries("model") == [] and not orphan.with_suffix(".tokens").exists()
    assert cache.clear() == 0


def test_the_model_key_changes_when_the_file_does(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 100)
    first = model_key(model)
    os.utime(model, ns=(1, 1))
    assert model_key(model) != first


# -- the real engine ---------------------------------------------------------------------------------------


def _engine(model_path: Path, cache_dir: Path, log: Path):
    from tui.engine.llama import LlamaEngine, LoadOptions

    engine = LlamaEngine(LoadOptions(model_path=model_path, n_ctx=2048, n_threads=2, log_file=log))
    engine.use_state_cache(PromptStateCache(cache_dir))
    return engine


def _turn(engine, state: ChatState, message: str):
    plan = state.plan_chat(message, engine)
    state.begin(plan, engine.info.path)
    result = engine.generate(plan.prompt, plan.params, lambda _t, _n: None, threading.Event(), None, ())
    state.finish(result)
    return result


def test_a_restart_restores_the_saved_prompt_and_answers_exactly_as_without_one(
    model_path: Path, tmp_path: Path
) -> None:
    log = tmp_path / "llama.log"
    first = _engine(model_path, tmp_path / "states", log)
    state = ChatState(GREEDY, system_prompt=SYSTEM)
    cold = _turn(first, state, "What is fact 3?")
    assert cold.evaluated_prompt_tokens == cold.prompt_tokens > 256
    first.save_prompt_state()
    assert PromptStateCache(tmp_path / "states").info().entries == 1
    continued = _turn(first, state, "And fact 7?")  # the same process: the KV cache prefix is reused
    first.close()

    second = _engine(model_path, tmp_path / "states", log)  # a restart
    resumed = ChatState(GREEDY)
    resumed.resume(SavedChat(1, SYSTEM, state.pins, GREEDY.name, str(model_path), state.turns[:2]), None)
    restored = _turn(second, resumed, "And fact 7?")
    second.close()
    assert restored.evaluated_prompt_tokens < 40 < restored.prompt_tokens  # only the new message
    assert restored.text == continued.text and restored.tokens == continued.tokens


def test_a_corrupt_state_file_is_deleted_and_the_prompt_simply_evaluated(model_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "llama.log"
    first = _engine(model_path, tmp_path / "states", log)
    state = ChatState(GREEDY, system_prompt=SYSTEM)
    _turn(first, state, "What is fact 3?")
    first.save_prompt_state()
    first.close()
    (state_file,) = (tmp_path / "states").glob("*/*.state")
    state_file.write_bytes(state_file.read_bytes()[: state_file.stat().st_size // 3])  # truncated
    second = _engine(model_path, tmp_path / "states", log)
    result = _turn(second, ChatState(GREEDY, system_prompt=SYSTEM), "What is fact 3?")
    second.close()
    assert result.evaluated_prompt_tokens == result.prompt_tokens
    assert not state_file.exists()


@pytest.mark.parametrize("garbage", [b"", b"\xff" * 64, b"GGSQ" + b"\x00" * 60])
def test_garbage_state_files_never_crash_the_engine(model_path: Path, tmp_path: Path, garbage: bytes) -> None:
    cache = PromptStateCache(tmp_path / "states")
    engine = _engine(model_path, tmp_path / "states", tmp_path / "llama.log")
    state = ChatState(GREEDY, system_prompt=SYSTEM)
    tokens = engine.tokenize(engine.prompt_format.render(state.parts("What is fact 3?")))[:-3]
    path = PromptStateCache(tmp_path / "states").path_for(model_key(model_path), tokens)
    path.write_bytes(garbage)
    cache.commit(path, tokens)
    result = _turn(engine, state, "What is fact 3?")
    engine.close()
    assert result.evaluated_prompt_tokens == result.prompt_tokens and result.completion_tokens > 0
    assert not path.exists()
