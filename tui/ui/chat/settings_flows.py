"""Chat actions that change what comes before the conversation: decoding profiles, pinned examples and the
system prompt, plus the exact-prompt view.

Every change goes through the chat state (which journals it), then the screen redraws the profile bar, the
pins panel and the gauge. A change to the pins or the system prompt says that the next reply re-evaluates
the prompt from that point: the KV-cache prefix no longer matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.chat.literal import unmarked
from tui.core.errors import UserError
from tui.core.fewshot.example_set import example_set_to_toml, read_example_set
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.fewshot.pins import example_costs, moved, pinned_from_exchange, removed, replaced, shot_label, toggled
from tui.core.output_file import Existing, existing, write_new_text
from tui.core.profiles.importers import import_foreign
from tui.ui.chat.pins_panel import PinsPanel
from tui.ui.common.prompt_view import PromptView
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.profiles.editor import ProfileEditor
from tui.ui.profiles.profile_bar import ProfileBar

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen

PREFIX_NOTE = "The next reply re-evaluates the prompt from the pins on (the cached prefix changed)."


async def set_pins(screen: ChatScreen, pins: ExampleSet, note: str | None = PREFIX_NOTE) -> None:
    screen.state.set_pins(pins)
    await refresh_pins(screen)
    screen.recount(0)
    if note:
        screen.notify(note, timeout=4)


async def refresh_pins(screen: ChatScreen) -> None:
    """The pins panel with each example's exact token cost under the current model."""
    state, engine = screen.state, screen.engine
    pins, fmt, count = state.pins, engine.prompt_format, engine.count_tokens
    base = state.parts()
    try:
        costs = example_costs(pins, base, fmt, count)
        pins_tokens = count(fmt.render(replace(base.upto_pins(), new_message=""))) - count(
            fmt.render(replace(base.upto_system(), new_message=""))
        )
    except UserError:  # the template refuses this chat at all: the gauge says why, once, in place
        costs, pins_tokens = [0] * len(pins.examples), 0
    panel = screen.query_one(PinsPanel)
    await panel.show(pins, costs, engine.info.n_ctx, pins_tokens)
    panel.set_class(bool(pins.examples) or panel.has_class("-open"), "-open")
    screen.query_one(ProfileBar).set_shots(shot_label(pins))


async def pin_last_exchange(screen: ChatScreen) -> None:
    try:
        pins = pinned_from_exchange(screen.state.pins, list(screen.state.messages))
    except ValueError as error:
        screen.notify(str(error).capitalize() + ".", severity="warning")
        return
    await set_pins(screen, pins, note=f"Pinned the last exchange as example {len(pins.examples)}. " + PREFIX_NOTE)


async def pins_panel_action(screen: ChatScreen, event: PinsPanel.Action) -> None:
    pins = screen.state.pins
    if event.kind == "toggle":
        await set_pins(screen, toggled(pins, event.index))
    elif event.kind == "remove":
        await set_pins(screen, removed(pins, event.index))
    elif event.kind == "move":
        await set_pins(screen, moved(pins, event.index, event.offset))
    elif event.kind == "edit":
        example = pins.examples[event.index]
        labels = (pins.input_label or "User", pins.output_label or "Assistant")

        async def edited(values: tuple[str, ...] | None) -> None:
            if values is not None and all(value.strip() for value in values):
                new = Example(values[0], values[1], example.enabled)
                await set_pins(screen, replaced(screen.state.pins, event.index, new))

        screen.app.push_screen(
            TextFieldsEditor(
                f"Example {event.index + 1}",
                [(f"{labels[0]} (input)", example.input), (f"{labels[1]} (output)", example.output)],
            ),
            edited,
        )


def _first_value(values: Sequence[str] | None) -> str | None:
    return values[0].strip() if values is not None and values[0].strip() else None


def load_examples(screen: ChatScreen) -> None:
    async def chosen(values: tuple[str, ...] | None) -> None:
        path = _first_value(values)
        if path is None:
            return
        try:
            pins = read_example_set(Path(path).expanduser())
        except UserError as error:
            screen.notify(str(error), title="Example set not loaded", severity="error", timeout=12)
            return
        await set_pins(screen, pins, note=f"Loaded '{pins.name}' ({shot_label(pins)}). " + PREFIX_NOTE)

    screen.app.push_screen(
        TextFieldsEditor("Load an example set (replaces the current pins)", [("example set file (TOML)", "")]), chosen
    )


def save_examples(screen: ChatScreen, suggested: str | None = None, armed: Path | None = None) -> None:
    """An existing file is replaced only when the same path is saved to again (the confirmation); a
    symlink, FIFO, device or folder at the path is never replaced (``tui.core.output_file``)."""
    pins = screen.state.pins

    def chosen(values: tuple[str, ...] | None) -> None:
        path = _first_value(values)
        if path is None:
            return
        target = Path(path).expanduser()
        if target.is_dir() and not target.is_symlink():
            target = target / f"{pins.name}.toml"
        found = existing(target)
        if found is Existing.FILE and armed != target:
            screen.notify(f"{target} exists: save to it again to replace it.", severity="warning", timeout=10)
            save_examples(screen, path, target)
            return
        try:
            text = example_set_to_toml(pins)
            write_new_text(target, text, force=found is Existing.FILE, force_hint="save to it again to replace it")
        except UserError as error:
            screen.notify(f"Could not save: {error}", severity="error", timeout=10, markup=False)
            return
        screen.notify(f"Saved {len(pins.examples)} examples to {target}", timeout=6, markup=False)

    note = "An existing file is replaced only if you save to it again; a link, FIFO or device never is."
    if armed is not None:
        note = f"{armed} exists: Ctrl+S again replaces it."
    screen.app.push_screen(
        TextFieldsEditor(
            "Save the pinned examples as an example set",
            [("file to write (TOML)", suggested or f"./{pins.name}.toml")],
            note=note,
        ),
        chosen,
    )


def edit_system_prompt(screen: ChatScreen) -> None:
    def edited(values: tuple[str, ...] | None) -> None:
        if values is None or values[0] == screen.state.system_prompt:
            return
        screen.state.set_system_prompt(values[0])
        screen.recount(0)
        screen.notify("System prompt changed. The next reply re-evaluates the whole prompt.", timeout=4)

    screen.app.push_screen(
        TextFieldsEditor("System prompt", [("sent first, before the pins and the chat", screen.state.system_prompt)]),
        edited,
    )


def show_prompt(screen: ChatScreen) -> None:
    draft = screen.draft()
    parts = screen.state.parts(draft if draft.strip() else "")
    engine = screen.engine
    try:
        prompt = engine.prompt_format.render(parts)
    except UserError as error:
        screen.notify(str(error), title="Prompt format", severity="error", timeout=12)
        return
    shown_prompt = unmarked(prompt)  # the marks only tell the tokenizer which text is plain
    estimate = screen.services.estimate(shown_prompt) if screen.services.estimate is not None else None
    screen.app.push_screen(
        PromptView(
            shown_prompt,
            engine.count_tokens(prompt),
            estimate,
            engine.info.name,
            engine.info.prompt_format,
            exact=engine.capabilities.exact_counts,
        )
    )


def edit_profile(screen: ChatScreen) -> None:
    def saved(name: str | None) -> None:
        if name is not None:
            screen.refresh_profile_names()
            screen.select_profile(name)

    screen.app.push_screen(ProfileEditor(screen.services.profiles, screen.state.profile), saved)


def import_profile(screen: ChatScreen) -> None:
    """Import a shotglass, Ollama, LM Studio, SillyTavern or llama.cpp preset file from the TUI."""

    def chosen(values: tuple[str, ...] | None) -> None:
        path_text = _first_value(values)
        if values is None or path_text is None:
            return
        path, name = Path(path_text).expanduser(), values[1].strip() or None
        try:
            result = import_foreign(path, name=name)
            entry = screen.services.profiles.import_profile(result.profile, path)
        except UserError as error:
            screen.notify(str(error), title="Not imported", severity="error", timeout=12)
            return
        dropped = f" Dropped: {'; '.join(result.dropped)}." if result.dropped else ""
        screen.notify(f"Imported '{entry.profile.name}' from {result.source_format}.{dropped}", timeout=12)
        screen.refresh_profile_names()
        screen.select_profile(entry.profile.name)

    screen.app.push_screen(
        TextFieldsEditor(
            "Import a decoding profile",
            [
                (
                    "file path (shotglass .toml, Ollama Modelfile, LM Studio .preset.json, SillyTavern .json, "
                    "llama.cpp .ini)",
                    "",
                ),
                ("name (optional; a new name avoids overwriting)", ""),
            ],
            note="Existing profiles and built-ins are never overwritten from here.",
        ),
        chosen,
    )
