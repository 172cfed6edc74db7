"""The evaluation loop over any engine: one record per item per cell, yielded as it is scored.

A generator rather than a callback so the headless command advances a progress bar and the TUI's worker posts
a message per record with the same code; the cancel event is checked before every item and passed to the
engine, so a stop takes effect within one token (or one label evaluation).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

from tui.core.chat.fitting import PromptSettings, fit_request
from tui.core.chat.prompt import CompletionFormat
from tui.core.chat.request import sampling_params
from tui.core.contract import Engine
from tui.core.eval.plan import EvalCell, EvalRequest
from tui.core.eval.records import ItemRecord
from tui.core.eval.scoring import ScoreKind, answer_of, is_correct
from tui.core.fewshot.evaluation import EvalDataError, EvalItem, first_k

EVAL_MAX_NEW_TOKENS = 32
"""Only the reply's first line is scored, so replies are cut at a newline and at this many tokens."""


def check_engine(engine: Engine, request: EvalRequest) -> None:
    if request.scoring.kind is ScoreKind.CHOICE and not engine.capabilities.label_scoring:
        raise EvalDataError(
            f"--score choice needs an engine that scores labels by log-probability; {engine.info.name} does not "
            "(use a local model, or --score prefix)"
        )


def continuation_prefix(engine: Engine) -> str:
    """What separates the prompt from the answer: the completion format ends on ``Label:`` and the answer
    follows after a space; a chat template's assistant turn starts right at the answer."""
    return " " if isinstance(engine.prompt_format, CompletionFormat) else ""


def iter_records(engine: Engine, request: EvalRequest, cancel: threading.Event) -> Iterator[ItemRecord]:
    check_engine(engine, request)
    for cell in request.cells():
        for index, item in enumerate(request.items):
            if cancel.is_set():
                return
            record = _score_item(engine, request, cell, index, item, cancel)
            if record is None:  # stopped mid-item: a partial reply is not a score
                return
            yield record


def _score_item(
    engine: Engine, request: EvalRequest, cell: EvalCell, index: int, item: EvalItem, cancel: threading.Event
) -> ItemRecord | None:
    pins = first_k(request.examples, cell.key.shots)
    if cell.key.render is not None:
        pins = replace(pins, render=cell.key.render)
    profile = cell.profile.with_overrides(max_new_tokens=min(cell.profile.max_new_tokens, EVAL_MAX_NEW_TOKENS))
    started = time.perf_counter()
    plan = fit_request(
        PromptSettings(request.system_prompt, pins),
        profile,
        (),
        0,
        item.input,
        engine.prompt_format,
        engine.count_tokens,
        engine.info.n_ctx,
    )
    scoring = request.scoring
    logprobs: tuple[tuple[str, float], ...] = ()
    if scoring.kind is ScoreKind.CHOICE:
        prefix = continuation_prefix(engine)
        values = engine.label_logprobs(plan.prompt, tuple(prefix + label for label in scoring.labels), cancel)
        if cancel.is_set():
            return None
        logprobs = tuple(zip(scoring.labels, values))
        got = max(logprobs, key=lambda pair: pair[1])[0]
        correct = got.casefold() == item.output.strip().casefold()
        prompt_tokens = plan.prompt_tokens
    else:
        params = sampling_params(profile, plan, seed=cell.seed)
        params = replace(params, stop=(*params.stop, "\n"))
        result = engine.generate(plan.prompt, params, lambda _text, _n: None, cancel)
        if cancel.is_set():
            return None
        got = answer_of(scoring, result.text)
        correct = is_correct(scoring, result.text, item.output)
        prompt_tokens = result.prompt_tokens
    return ItemRecord(
        key=cell.key,
        repeat=cell.repeat,
        seed=cell.seed,
        index=index,
        input=item.input,
        expected=item.output,
        got=got,
        correct=correct,
        prompt=plan.prompt,
        prompt_tokens=prompt_tokens,
        seconds=time.perf_counter() - started,
        label_logprobs=logprobs,
    )
