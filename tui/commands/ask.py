"""``shotglass ask``: one prompt, one reply, through the same session and prompt function as the TUI."""

from __future__ import annotations

import json
import sys
import threading
from typing import TextIO

from tui.core.chat.fitting import PromptSettings, fit_request
from tui.core.chat.request import sampling_params
from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.fewshot.examples import ExampleSet
from tui.core.profiles.profile import DecodingProfile


def run_ask(
    engine: Engine,
    profiles: DecodingProfile | list[DecodingProfile],
    prompt: str,
    *,
    system: str = "",
    as_json: bool = False,
    seed: int | None = None,
    pins: ExampleSet | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """One reply per profile. Several profiles compare them: every prompt is planned (and refused if it
    does not fit) before the first generation; ``--json`` then prints one object per line."""
    if not prompt.strip():
        raise UserError("ask: the prompt is empty")
    profiles = profiles if isinstance(profiles, list) else [profiles]
    plans = []
    for profile in profiles:
        settings = PromptSettings(system_prompt=system, pins=pins or ExampleSet())
        try:
            plans.append(
                fit_request(
                    settings, profile, (), 0, prompt, engine.prompt_format, engine.count_tokens, engine.info.n_ctx
                )
            )
        except UserError as error:
            raise UserError(f"profile '{profile.name}': {error}") from None
    for profile, plan in zip(profiles, plans):
        if len(profiles) > 1 and not as_json:
            out.write(f"── {profile.name} ──\n")
        _answer(engine, profile, plan, seed, as_json, out)
    engine.save_prompt_state()  # the next run with the same system prompt and pins starts from here
    return 0


def _answer(engine: Engine, profile: DecodingProfile, plan, seed: int | None, as_json: bool, out: TextIO) -> None:
    params = sampling_params(profile, plan, seed)
    first = True
    held = ""
    """Trailing whitespace not yet written: printed only once more text follows, so a reply that ends
    in a newline (a few-shot reply stops right before the next label) leaves no blank line."""

    def stream(text: str, _tokens: int) -> None:
        nonlocal first, held
        if first:
            text = text.lstrip()  # the completion format's reply starts with the space after "Assistant:"
            first = not text
        body = (held + text).rstrip()
        held = (held + text)[len(body) :]
        if body:
            out.write(body)
            out.flush()

    result = engine.generate(
        plan.prompt, params, (lambda _text, _tokens: None) if as_json else stream, threading.Event()
    )
    if as_json:
        payload = {
            "text": result.text.strip(),
            "finish_reason": result.finish_reason.contract_value,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "profile": profile.name,
            "seed": None if profile.is_greedy else result.seed,  # greedy ignores the seed: the contract says null
            "ttft_s": round(result.ttft_s, 4),
            "tokens_per_s": round(result.tokens_per_s, 2),
            "model": engine.info.path,
            "prompt_format": engine.info.prompt_format,
        }
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        out.write("\n")
    out.flush()
