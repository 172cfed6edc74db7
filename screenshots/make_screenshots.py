"""Regenerate the SVG screenshots in this folder from the real app and the real embedded model.

Why this exists: screenshots drawn from a fake engine drift from what users actually see (reply length,
token counts, gauge proportions, timing stats). This script loads the embedded Gemma 3 270M exactly as
``shotglass`` does, drives the Textual app headlessly with a Pilot, and saves what the screen shows:

    python screenshots/make_screenshots.py

writes chat.svg (one answered question), few-shot.svg (the sentiment example set pinned), gauge-draft.svg
(a second turn plus an unsent draft, so the context gauge shows draft tokens) and profile-switch.svg (F2
until creative-sampling, then a short poem) and eval.svg (the eval screen: the sentiment set at 0, 1 and 2 shots
over the shipped 24 held-out reviews, choice scoring).
User profiles come from an empty temporary folder, so local profile files cannot change the pictures.
Expect diffs on every run: timings differ, and creative-sampling draws a fresh seed per reply.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tui.core.chat.conversation import Role
from tui.core.fewshot.example_set import read_example_set
from tui.core.models.hardware import physical_cores
from tui.core.paths import AppPaths
from tui.core.profiles.store import ProfileStore
from tui.engine.embedded import embedded_model_path
from tui.engine.llama import LlamaEngine, LoadOptions
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.chat.chat_input import ChatInput

OUT_DIR = Path(__file__).resolve().parent
SIZE = (110, 34)
REPLY_TIMEOUT_S = 180.0


async def wait_until(pilot, condition, what: str, timeout: float) -> None:
    """Poll ``condition`` between pilot pauses, failing loudly instead of hanging forever."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.1)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def settle(pilot, seconds: float = 0.5) -> None:
    """Let debounced gauge recounts (a worker thread) land and the screen repaint."""
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def count(screen, role: Role, text: str | None = None) -> int:
    return sum(1 for m in screen.state.messages if m.role is role and text in (None, m.text))


async def ask(pilot, question: str) -> None:
    """Type ``question``, send it, and wait until the real model has finished the reply."""
    screen = pilot.app.screen
    asked, replied = count(screen, Role.USER, question), count(screen, Role.ASSISTANT)
    await type_text(pilot, question)
    await pilot.press("enter")
    # A short greedy reply can finish within the press itself, so never wait to *see* it generating.
    await wait_until(
        pilot,
        lambda: count(screen, Role.USER, question) > asked,
        "the question to be sent (a 'Does not fit' toast?)",
        10,
    )
    await wait_until(
        pilot,
        lambda: not screen.generating and count(screen, Role.ASSISTANT) > replied,
        f"the reply to {question!r}",
        REPLY_TIMEOUT_S,
    )
    await settle(pilot)


def save(app: ShotglassApp, name: str) -> None:
    app.save_screenshot(filename=name, path=str(OUT_DIR))
    print(f"wrote {OUT_DIR / name}", file=sys.stderr)


async def shoot(app: ShotglassApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await ask(pilot, "What is the capital of France?")
        save(app, "chat.svg")

        await ask(pilot, "And what river runs through it?")
        await type_text(pilot, "Name three famous museums there and say one thing about each.")
        chat_input = app.screen.query_one(ChatInput)
        await wait_until(pilot, lambda: chat_input.text.endswith("each."), "the draft to be typed", 10)
        await settle(pilot)
        save(app, "gauge-draft.svg")

        chat_input.clear()
        for _ in app.screen.profile_names:  # F2 cycles through the profiles in name order
            if app.screen.state.profile.name == "creative-sampling":
                break
            await pilot.press("f2")
            await pilot.pause(0.05)
        await wait_until(pilot, lambda: app.screen.state.profile.name == "creative-sampling", "the profile switch", 10)
        await settle(pilot)
        await ask(pilot, "Write a short poem about the sea.")
        save(app, "profile-switch.svg")


async def shoot_few_shot(app: ShotglassApp) -> None:
    """few-shot.svg: the sentiment set pinned (pins panel open, 8-shot), one review classified."""
    async with app.run_test(size=(130, 38)) as pilot:
        await settle(pilot)
        await ask(pilot, "A slow, joyless film that I could not wait to end.")
        await settle(pilot)
        save(app, "few-shot.svg")


async def shoot_eval(app: ShotglassApp) -> None:
    """eval.svg: the eval screen opened on start (``shotglass --eval``), after its run has finished."""
    from tui.ui.eval.screen import EvalScreen

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, EvalScreen), "the eval screen", 30)
        screen = app.screen
        await wait_until(pilot, lambda: not screen.running, "the eval run", REPLY_TIMEOUT_S * 3)
        await settle(pilot)
        save(app, "eval.svg")


def main() -> int:
    paths = AppPaths.default()
    with tempfile.TemporaryDirectory(prefix="shotglass-shots-") as tmp:
        store = ProfileStore(Path(tmp) / "profiles")
        print("loading the embedded model…", file=sys.stderr)
        engine = LlamaEngine(
            LoadOptions(
                model_path=embedded_model_path(paths.models_cache_dir),
                n_threads=physical_cores(),
                log_file=paths.llama_log_file,
            )
        )
        try:
            settings = AppSettings(engine=engine, profiles=store, profile=store.get("greedy-factual"))
            asyncio.run(shoot(ShotglassApp(settings)))
            pins = read_example_set(Path(__file__).resolve().parent.parent / "examples" / "sentiment.toml")
            few_shot = AppSettings(engine=engine, profiles=store, profile=store.get("greedy-factual"), pins=pins)
            asyncio.run(shoot_few_shot(ShotglassApp(few_shot)))
            from tui.core.eval.plan import EvalOptions

            data = Path(__file__).resolve().parent.parent / "examples" / "sentiment.jsonl"
            lab = AppSettings(
                engine=engine,
                profiles=store,
                profile=store.get("greedy-factual"),
                pins=pins,
                eval_on_start=EvalOptions(dataset=str(data), shots="0,1,2", score="choice"),
            )
            asyncio.run(shoot_eval(ShotglassApp(lab)))
        finally:
            engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
