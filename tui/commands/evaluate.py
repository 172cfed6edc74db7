"""``shotglass eval``: score a few-shot task at several shot counts on the loaded model.

Every data line is run at each shot count with the first k examples pinned, through the same session and
prompt function as the chat. Scores are computed from the replies, never assumed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TextIO

from tui.core.chat.fitting import PromptSettings, fit_request
from tui.core.chat.request import sampling_params
from tui.core.contract import Engine
from tui.core.fewshot.evaluation import EvalItem, ShotResult, first_k, is_correct
from tui.core.fewshot.examples import ExampleSet, PinRender
from tui.core.profiles.profile import DecodingProfile

EVAL_MAX_NEW_TOKENS = 32
"""Only the reply's first line is scored, so replies are cut at a newline and at this many tokens."""


def score_shots(
    engine: Engine,
    profile: DecodingProfile,
    examples: ExampleSet,
    items: list[EvalItem],
    shots: int,
    on_item=lambda: None,
    render: PinRender | None = None,
) -> ShotResult:
    pins = first_k(examples, shots)
    if render is not None:
        pins = replace(pins, render=render)
    profile = profile.with_overrides(max_new_tokens=min(profile.max_new_tokens, EVAL_MAX_NEW_TOKENS))
    correct = prompt_tokens = 0
    started = time.perf_counter()
    for item in items:
        plan = fit_request(
            PromptSettings(pins=pins),
            profile,
            (),
            0,
            item.input,
            engine.prompt_format,
            engine.count_tokens,
            engine.info.n_ctx,
        )
        params = sampling_params(profile, plan)
        params = type(params)(**{**params.__dict__, "stop": params.stop + ("\n",)})
        result = engine.generate(plan.prompt, params, lambda _text, _n: None, threading.Event())
        correct += is_correct(result.text, item.output)
        prompt_tokens += result.prompt_tokens
        on_item()
    return ShotResult(
        shots=shots,
        correct=correct,
        total=len(items),
        prompt_tokens=round(prompt_tokens / len(items)),
        seconds=time.perf_counter() - started,
        render=render,
    )


def run_eval(
    engine: Engine,
    profile: DecodingProfile,
    examples: ExampleSet,
    items: list[EvalItem],
    shots: list[int],
    *,
    as_json: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    renders: Sequence[PinRender | None] = (None,),
) -> int:
    """``renders``: the ways of writing the pins to compare (``eval --render turns,labelled``); (None,) runs the
    example set's own. Completion-format models see labelled pins either way, and are told so."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    results: list[ShotResult] = []
    console = Console(file=err)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not err.isatty(),
    ) as progress:
        for render in renders:
            for k in shots:
                label = f"{k}-shot" if render is None else f"{k}-shot {render.value}"
                task = progress.add_task(label, total=len(items))
                advance = partial(progress.advance, task)
                results.append(score_shots(engine, profile, examples, items, k, advance, render))
    if any(render is not None for render in renders) and "chat template" not in engine.info.prompt_format:
        err.write(f"note: {engine.info.name} has no chat template; its prompt is labelled whatever --render says\n")
    engine.save_prompt_state()  # the pinned examples' prefix, for the next run over the same set
    if as_json:
        out.write(json.dumps({"results": [result.to_json() for result in results]}) + "\n")
        return 0
    table = Table(title=f"{examples.name} · {len(items)} items · profile {profile.name} · {engine.info.name}")
    compared = any(result.render is not None for result in results)
    for column in ("render",) * compared + ("shots", "correct/total", "accuracy", "prompt tokens/item", "seconds"):
        table.add_column(column, justify="right")
    for result in results:
        table.add_row(
            *((result.render.value if result.render else "",) if compared else ()),
            f"{result.shots}-shot",
            f"{result.correct}/{result.total}",
            f"{result.accuracy:.0%}",
            str(result.prompt_tokens),
            f"{result.seconds:.1f}",
        )
    Console(file=out, width=100).print(table)
    return 0
