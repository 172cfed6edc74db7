"""The real llama.cpp engine on the embedded Gemma 3 270M: determinism, seeds, counts, reuse, cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tui.core.chat.conversation import FinishReason
from tui.core.chat.prompt import PromptParts
from tui.core.chat.state import ChatState, ReplyPlan
from tui.core.contract import SamplingParams
from tui.core.errors import ModelError
from tui.core.profiles.profile import DecodingProfile

QUESTION = "What is the capital of France?"


def _params(**overrides) -> SamplingParams:
    values = dict(
        max_new_tokens=40,
        temperature=0.0,
        top_k=40,
        top_p=0.95,
        min_p=0.05,
        repeat_penalty=1.0,
        seed=7,
        stop=("\nUser:", "\nAssistant:"),
    )
    values.update(overrides)
    return SamplingParams(**values)


def _prompt(engine, message: str = QUESTION) -> str:
    return engine.prompt_format.render(PromptParts(new_message=message))


def _run(
    engine, prompt: str, params: SamplingParams, cancel: threading.Event | None = None, reuse_limit: int | None = 0
):
    """Runs from an empty KV cache by default: llama.cpp's logits differ slightly with the batch split,
    so reproducibility is defined for the same cache state (see test_replay_with_the_same_reuse_is_exact)."""
    pieces: list[str] = []
    result = engine.generate(
        prompt, params, lambda text, _n: pieces.append(text), cancel or threading.Event(), reuse_limit
    )
    assert "".join(pieces) == result.text
    return result


def test_base_model_gets_completion_format_not_llama2(engine) -> None:
    assert engine.info.prompt_format == "completion (User/Assistant)"
    assert "[INST]" not in _prompt(engine)


def test_greedy_is_deterministic(engine) -> None:
    first = _run(engine, _prompt(engine), _params(seed=1))
    second = _run(engine, _prompt(engine), _params(seed=2))
    assert first.text == second.text and "Paris" in first.text
    assert first.finish_reason in (FinishReason.STOP_STRING, FinishReason.END_OF_SEQUENCE)


def test_max_new_tokens_gives_exactly_that_many_and_length(engine) -> None:
    result = _run(engine, _prompt(engine, "Tell me a long story about a dragon."), _params(max_new_tokens=5, stop=()))
    assert result.completion_tokens == 5
    assert result.finish_reason is FinishReason.LENGTH
    assert result.finish_reason.contract_value == "length"


def test_seed_reproduces_a_sampled_reply_and_seeds_differ(engine) -> None:
    prompt = _prompt(engine, "Write one sentence about the sea.")
    sampled = dict(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, max_new_tokens=24, stop=())
    first = _run(engine, prompt, _params(seed=1234, **sampled))
    again = _run(engine, prompt, _params(seed=1234, **sampled))
    others = {_run(engine, prompt, _params(seed=seed, **sampled)).text for seed in (1, 2, 3)}
    assert first.text == again.text and first.seed == 1234
    assert len(others | {first.text}) >= 3


def test_gauge_count_equals_tokens_evaluated(engine) -> None:
    prompt = _prompt(engine, "A brand new question about counting tokens exactly?")
    counted = engine.count_tokens(prompt)
    # A prompt the cache has never seen: everything but a BOS-sized shared prefix is evaluated.
    result = _run(engine, prompt, _params(max_new_tokens=3))
    assert result.prompt_tokens == counted == result.evaluated_prompt_tokens
    assert engine._llm.input_ids[:counted].tolist() == engine.tokenize(prompt)


def _chat_turn(engine, state: ChatState, plan: ReplyPlan, cancel_after: int | None = None):
    """One reply through the chat state, as the TUI makes it (plan, begin, generate, finish)."""
    cancel = threading.Event()

    def on_text(text: str, n: int) -> None:
        state.stream(text, n)
        if cancel_after is not None and n >= cancel_after:
            cancel.set()

    state.begin(plan, engine.info.path)
    result = engine.generate(plan.prompt, plan.params, on_text, cancel, plan.reuse_limit, plan.forced)
    return result, state.finish(result)


def test_follow_up_turns_evaluate_only_new_tokens(engine) -> None:
    profile = DecodingProfile(name="greedy", max_new_tokens=24)
    state = ChatState(profile, system_prompt="You are a helpful assistant.")
    evaluated = []
    for message in ("Hello!", "What is 2 + 2?", "And the capital of Italy?", "Thanks."):
        plan = state.plan_chat(message, engine)
        history_only = engine.prompt_format.render(state.parts())
        new_tokens = engine.count_tokens(plan.prompt) - engine.count_tokens(history_only)
        result, _outcome = _chat_turn(engine, state, plan)
        evaluated.append((result.evaluated_prompt_tokens, result.prompt_tokens, new_tokens))
    for turn, (done, total, new) in enumerate(evaluated[1:], start=2):
        assert done < total / 2, f"turn {turn} re-evaluated {done} of {total} prompt tokens"
        assert done <= new + 4, f"turn {turn}: {done} evaluated for {new} new tokens"


def test_cancel_mid_stream_keeps_partial_and_engine_stays_usable(engine) -> None:
    cancel = threading.Event()
    seen: list[int] = []

    def on_text(_text: str, n: int) -> None:
        seen.append(n)
        if n >= 3:
            cancel.set()

    result = engine.generate(
        _prompt(engine, "Count from one to fifty in words."), _params(max_new_tokens=200, stop=()), on_text, cancel
    )
    assert result.finish_reason is FinishReason.CANCELLED
    assert 3 <= result.completion_tokens <= 4
    after = _run(engine, _prompt(engine), _params())
    assert "Paris" in after.text


def test_cancel_during_long_prompt_eval_uses_the_abort_callback(engine) -> None:
    cancel = threading.Event()
    long_prompt = _prompt(engine, " ".join(f"word{i}" for i in range(400)))
    assert engine.count_tokens(long_prompt) > 1200  # about 2 s of prompt evaluation on 2 cores
    timer = threading.Timer(0.05, cancel.set)
    timer.start()
    started = time.perf_counter()
    result = engine.generate(long_prompt, _params(max_new_tokens=5), lambda *_: None, cancel)
    aborted_after = time.perf_counter() - started
    timer.join()
    assert result.finish_reason is FinishReason.CANCELLED and result.completion_tokens == 0
    started = time.perf_counter()
    engine.generate(long_prompt, _params(max_new_tokens=1), lambda *_: None, threading.Event())
    full_eval = time.perf_counter() - started
    # Without the abort callback the cancel would only be seen after the whole prompt was evaluated.
    assert aborted_after < full_eval / 3, f"abort took {aborted_after:.2f} s of a {full_eval:.2f} s evaluation"
    assert "Paris" in _run(engine, _prompt(engine), _params()).text


def test_prompt_longer_than_context_is_refused_not_clipped(engine) -> None:
    with pytest.raises(ModelError, match="exceeds the context"):
        engine.generate(_prompt(engine, "word " * 3000), _params(), lambda *_: None, threading.Event())


def test_truncated_gguf_fails_to_load_with_a_clear_error(model_path: Path, tmp_path: Path) -> None:
    from tui.engine.llama import LlamaEngine, LoadOptions

    cut = tmp_path / "half.gguf"
    data = model_path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="could not load"):
        LlamaEngine(LoadOptions(model_path=cut, n_ctx=256, log_file=tmp_path / "log.txt"))


def _ask_json(engine, profile, prompt: str) -> dict:
    import io
    import json

    from tui.commands.ask import run_ask

    out = io.StringIO()
    assert run_ask(engine, profile, prompt, as_json=True, out=out) == 0
    return json.loads(out.getvalue())


def test_builtin_profiles_behave_as_described_on_the_real_model(engine, store) -> None:
    prompt = "Write one sentence about a lighthouse."
    greedy = store.get("greedy-factual").with_overrides(max_new_tokens=30)
    assert _ask_json(engine, greedy, prompt)["text"] == _ask_json(engine, greedy, prompt)["text"]
    seeded = store.get("seeded-reproducible").with_overrides(max_new_tokens=30)
    first, second = _ask_json(engine, seeded, prompt), _ask_json(engine, seeded, prompt)
    assert first["text"] == second["text"] and first["seed"] == second["seed"] == 1234
    creative = store.get("creative-sampling").with_overrides(max_new_tokens=30)
    replies = [_ask_json(engine, creative, prompt) for _ in range(3)]
    assert len({reply["seed"] for reply in replies}) == 3
    assert len({reply["text"] for reply in replies}) >= 2


def test_toggling_an_example_changes_the_count_by_exactly_its_tokens(engine) -> None:
    from tui.core.chat.budget import measure
    from tui.core.fewshot.example_set import read_example_set
    from tui.core.fewshot.pins import example_costs, toggled

    pins = read_example_set(Path(__file__).resolve().parent.parent / "examples" / "sentiment.toml")
    state = ChatState(DecodingProfile(name="g"), system_prompt="Be accurate.", pins=pins)
    fmt, count = engine.prompt_format, engine.count_tokens
    before = measure(state.parts("Great film"), fmt, count, engine.info.n_ctx, 16)
    costs = example_costs(pins, state.parts(), fmt, count)
    for index in (0, 3, 7):
        state.set_pins(toggled(pins, index))
        after = measure(state.parts("Great film"), fmt, count, engine.info.n_ctx, 16)
        example = pins.examples[index]
        block = f"Review: {example.input}\nSentiment: {example.output}\n\n"
        own_tokens = len(engine.tokenize(block)) - 1  # without the BOS the tokenizer adds at the start
        assert before.pins - after.pins == costs[index] == own_tokens
        assert after.prompt == count(fmt.render(state.parts("Great film")))


def test_replay_with_the_same_reuse_is_exact(engine) -> None:
    profile = DecodingProfile(name="sampled", temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, max_new_tokens=30)
    state = ChatState(profile)
    for message in ("Tell me about the moon.", "And the sun?"):
        original, _outcome = _chat_turn(engine, state, state.plan_chat(message, engine))
    assert original.evaluated_prompt_tokens < original.prompt_tokens  # the original reused the cache
    for _ in range(2):
        replay, outcome = _chat_turn(engine, state, state.plan_replay())
        assert replay.text == original.text and outcome.replay is not None and outcome.replay.identical
        assert replay.evaluated_prompt_tokens == original.evaluated_prompt_tokens
    assert len(state.messages) == 4  # replays never join the chat


def test_replaying_a_stopped_reply_reproduces_the_tokens_it_had(engine) -> None:
    """Ctrl+R on a reply stopped with Esc used to run to the full token limit and report "differs"."""
    # Greedy on a count the model continues for far longer than 12 tokens: the stop is always ours.
    state = ChatState(DecodingProfile(name="greedy", max_new_tokens=120))
    count = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10,"
    original, _outcome = _chat_turn(engine, state, state.plan_chat(count, engine), cancel_after=12)
    assert original.finish_reason is FinishReason.CANCELLED and original.completion_tokens == 12
    replay, outcome = _chat_turn(engine, state, state.plan_replay())
    assert replay.completion_tokens == 12 and replay.finish_reason is FinishReason.LENGTH
    assert outcome.replay is not None and outcome.replay.identical and outcome.replay.stopped_original
    assert outcome.replay.in_words == "identical for the 12 tokens before the original was stopped"


def test_tokenizing_after_close_is_an_error_not_a_crash(model_path: Path, tmp_path: Path) -> None:
    from tui.engine.llama import LlamaEngine, LoadOptions

    closing = LlamaEngine(LoadOptions(model_path=model_path, n_ctx=256, log_file=tmp_path / "log.txt"))
    closing.close()
    with pytest.raises(ModelError, match="closed"):
        closing.count_tokens("hello")
    with pytest.raises(ModelError, match="closed"):
        closing.generate("hello", _params(), lambda *_: None, threading.Event())


def _greedy_reply(engine, message: str = "Write a short story about a dragon.", max_new: int = 40):
    profile = DecodingProfile(name="g", max_new_tokens=max_new)
    plan = ChatState(profile).plan_chat(message, engine)
    return plan, plan.params, _run(engine, plan.prompt, plan.params)


def test_inspector_top1_is_the_greedy_choice_at_every_position(engine) -> None:
    plan, _params_, result = _greedy_reply(engine)
    assert result.completion_tokens >= 5 and len(result.tokens) == result.completion_tokens
    profile = DecodingProfile(name="g")
    scores = engine.rescore(plan.prompt, result.tokens, profile, 0, threading.Event())
    assert [score.chosen for score in scores] == list(result.tokens)
    assert all(score.candidates[0][0] == score.chosen for score in scores)


def test_inspector_probabilities_and_cuts_match_brute_force(engine) -> None:
    import math

    import llama_cpp
    import numpy as np

    from tui.core.inspector.scores import analyze
    from tui.engine.scoring import score_position

    prompt = _prompt(engine, "Name a colour.")
    tokens = engine.tokenize(prompt)
    with engine._lock:
        engine._llm.n_tokens = 0
        engine._llm.eval(tokens)
        n_vocab = engine._llm.n_vocab()
        row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(engine._ctx, -1), shape=(n_vocab,)).astype(
            np.float64
        )
    for profile in (
        DecodingProfile(name="a", temperature=0.7, top_k=40, top_p=0.9, min_p=0.0),
        DecodingProfile(name="b", temperature=1.5, top_k=0, top_p=0.5, min_p=0.0),
        DecodingProfile(name="c", temperature=0.9, top_k=5, top_p=1.0, min_p=0.2),
    ):
        chosen = int(np.argmax(row))
        scores = score_position(row, chosen, 0, profile, engine.token_text)
        temperature_p = np.exp(row / profile.temperature - np.logaddexp.reduce(row / profile.temperature))
        for candidate in analyze(scores, profile):
            assert math.isclose(candidate.temperature_p, temperature_p[candidate.token], rel_tol=1e-9)
        ordered = np.sort(row)[::-1]
        k = profile.top_k or n_vocab
        assert scores.kept_top_k == k
        top_k_probs = np.exp(ordered[:k] - np.logaddexp.reduce(ordered[:k]))
        expected_p = int(np.argmax(np.cumsum(top_k_probs) >= profile.top_p)) + 1 if profile.top_p < 1 else k
        assert scores.kept_top_p == expected_p  # the smallest set whose mass reaches p
        expected_min = (
            int((ordered[:expected_p] >= ordered[0] + math.log(profile.min_p)).sum()) if profile.min_p else expected_p
        )
        assert scores.kept_min_p == expected_min
        rows = analyze(scores, profile)
        assert all((row_.cut_by == "top-k") == (row_.rank >= k) for row_ in rows)
        survivors = [row_ for row_ in rows if row_.cut_by is None]
        if len(survivors) == expected_min:  # every survivor shown: final probabilities sum to one
            assert math.isclose(sum(row_.final_p for row_ in survivors), 1.0, rel_tol=1e-9)


def test_fork_continues_from_the_chosen_token(engine) -> None:
    plan, params, result = _greedy_reply(engine)
    profile = DecodingProfile(name="g")
    scores = engine.rescore(plan.prompt, result.tokens, profile, 0, threading.Event())
    position = 2
    alternative = scores[position].candidates[1][0]
    assert alternative != result.tokens[position]
    forced = result.tokens[:position] + (alternative,)
    fork = engine.generate(plan.prompt, params, lambda *_: None, threading.Event(), None, forced)
    assert fork.tokens[: position + 1] == forced
    assert fork.text.startswith(engine.detokenize(list(forced)))
    assert fork.text != result.text


def test_switching_models_back_and_forth_returns_memory(model_path: Path, tmp_path: Path) -> None:
    import gc
    import shutil

    from tui.core.models.hardware import resident_memory_bytes
    from tui.engine.llama import LlamaEngine, LoadOptions

    other = tmp_path / "copy.gguf"
    shutil.copyfile(model_path, other)  # a second, distinct file: two models to switch between
    log = tmp_path / "log.txt"

    def load(path: Path) -> LlamaEngine:
        engine = LlamaEngine(LoadOptions(model_path=path, n_ctx=512, log_file=log))
        engine.count_tokens("warm up the vocabulary")
        return engine

    current = load(model_path)
    baseline = resident_memory_bytes()
    for index in range(10):
        current.close()
        del current
        gc.collect()
        current = load(other if index % 2 == 0 else model_path)
    current.close()
    del current
    gc.collect()
    after_close = resident_memory_bytes()
    current = load(model_path)
    after = resident_memory_bytes()
    current.close()
    assert after <= baseline * 1.10, f"RSS {after / 2**20:.0f} MiB after 10 switches vs {baseline / 2**20:.0f} MiB"
    assert after_close < after  # closing really frees the model


def test_a_model_too_big_for_memory_is_refused_with_the_numbers(model_path: Path) -> None:
    from tui.engine.load_options import check_fits_in_memory

    with pytest.raises(ModelError, match=r"needs at least 0\.2 GiB .* only 0\.1 GiB is available"):
        check_fits_in_memory(model_path, available=100 * 2**20)
    check_fits_in_memory(model_path, available=None)  # unknown: no refusal


def test_header_names_the_backend(engine) -> None:
    from tui.engine.llama import gpu_offload_supported

    if gpu_offload_supported():
        assert "layers" in engine.info.backend
    else:
        assert engine.info.backend == "CPU-only build"


def test_forgetting_a_conversation_gives_its_kv_memory_back(model_path: Path, tmp_path: Path) -> None:
    """Ctrl+N: the KV pages a long chat filled go back to the system (a fresh context), and the next reply is
    what a cold start gives."""
    import gc

    from tui.core.models.hardware import resident_memory_bytes
    from tui.engine.llama import LlamaEngine, LoadOptions

    engine = LlamaEngine(LoadOptions(model_path=model_path, n_ctx=4096, log_file=tmp_path / "log.txt"))
    try:
        short = _prompt(engine, "Name a colour.")
        cold = _run(engine, short, _params(max_new_tokens=12), reuse_limit=None)
        before = resident_memory_bytes()
        long_chat = _prompt(engine, " ".join(f"word{index}" for index in range(700)))  # about 2,700 tokens
        _run(engine, long_chat, _params(max_new_tokens=4), reuse_limit=None)
        grown = resident_memory_bytes()
        engine.forget_conversation()
        gc.collect()
        after = resident_memory_bytes()
        again = _run(engine, short, _params(max_new_tokens=12), reuse_limit=None)
    finally:
        engine.close()
    assert grown - before > 20 * 2**20, "the long prompt should page in the KV cache"
    assert after - before < (grown - before) / 3, f"{(after - before) / 2**20:.0f} MiB still held"
    assert again.evaluated_prompt_tokens == again.prompt_tokens  # nothing of the old chat is reused
    assert again.text == cold.text
