"""Pins, system prompt and prompt view for the chat screen, kept apart from the streaming logic.

Mixed into ``ChatScreen``; every change to the pins or the system prompt replaces the session's frozen
``ExampleSet``/text and says that the next reply re-evaluates the prompt from that point (the KV-cache
prefix no longer matches).
"""

from __future__ import annotations

from tui.core.errors import UserError
from tui.core.examples import Example, ExampleSet
from tui.core.pins import example_costs, moved, pinned_from_exchange, removed, replaced, shot_label, toggled
from tui.ui.screens.prompt_view import PromptView
from tui.ui.screens.text_editor import TextFieldsEditor
from tui.ui.widgets.pins_panel import PinsPanel
from tui.ui.widgets.profile_bar import ProfileBar

PREFIX_NOTE = "The next reply re-evaluates the prompt from the pins on (the cached prefix changed)."


class ChatPinsMixin:
    async def set_pins(self, pins: ExampleSet, note: str | None = PREFIX_NOTE) -> None:
        self.session.pins = pins
        self.persist_settings()
        await self.refresh_pins()
        self._schedule_recount(0)
        if note:
            self.notify(note, timeout=4)

    async def refresh_pins(self) -> None:
        from tui.core.errors import UserError

        pins = self.session.pins
        fmt, count = self.engine.prompt_format, self.engine.count_tokens
        base = self.session.parts()
        try:
            costs = example_costs(pins, base, fmt, count)
            pins_tokens = count(fmt.render(base.upto_pins())) - count(fmt.render(base.upto_system()))
        except UserError as error:  # e.g. a chat template that rejects a system turn
            self.notify(str(error), title="Prompt format", severity="error", timeout=12)
            costs, pins_tokens = [0] * len(pins.examples), 0
        await self.query_one(PinsPanel).show(pins, costs, self.engine.info.n_ctx, pins_tokens)
        self.query_one(ProfileBar).set_shots(shot_label(pins))

    def action_toggle_pins(self) -> None:
        panel = self.query_one(PinsPanel)
        panel.toggle_class("-open")
        if panel.has_class("-open"):
            panel.query_one("#pins-list").focus()
        else:
            self.query_one("#input").focus()

    async def action_pin_last(self) -> None:
        try:
            pins = pinned_from_exchange(self.session.pins, self.session.messages)
        except ValueError as error:
            self.notify(str(error).capitalize() + ".", severity="warning")
            return
        await self.set_pins(pins, note=f"Pinned the last exchange as example {len(pins.examples)}. " + PREFIX_NOTE)
        self.query_one(PinsPanel).add_class("-open")

    async def on_pins_panel_action(self, event: PinsPanel.Action) -> None:
        """Named handler, not ``@on``: Textual collects ``@on`` only from the class body, not from mixins."""
        pins = self.session.pins
        if event.kind == "toggle":
            await self.set_pins(toggled(pins, event.index))
        elif event.kind == "remove":
            await self.set_pins(removed(pins, event.index))
        elif event.kind == "move":
            await self.set_pins(moved(pins, event.index, event.offset))
        elif event.kind == "edit":
            example = pins.examples[event.index]
            labels = (pins.input_label or "User", pins.output_label or "Assistant")

            async def edited(values: tuple[str, ...] | None) -> None:
                if values is not None and all(value.strip() for value in values):
                    await self.set_pins(replaced(self.session.pins, event.index,
                                                 Example(values[0], values[1], example.enabled)))

            self.app.push_screen(TextFieldsEditor(f"Example {event.index + 1}",
                                                  [(f"{labels[0]} (input)", example.input),
                                                   (f"{labels[1]} (output)", example.output)]), edited)

    def action_load_examples(self) -> None:
        from pathlib import Path

        from tui.core.errors import UserError
        from tui.core.example_set import read_example_set

        async def chosen(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0].strip():
                return
            try:
                pins = read_example_set(Path(values[0].strip()).expanduser())
            except UserError as error:
                self.notify(str(error), title="Example set not loaded", severity="error", timeout=12)
                return
            await self.set_pins(pins, note=f"Loaded '{pins.name}' ({shot_label(pins)}). " + PREFIX_NOTE)
            self.query_one(PinsPanel).add_class("-open")

        self.app.push_screen(TextFieldsEditor("Load an example set (replaces the current pins)",
                                              [("example set file (TOML)", "")]), chosen)

    def action_save_examples(self) -> None:
        from pathlib import Path

        from tui.core.atomic import write_text_atomic
        from tui.core.example_set import example_set_to_toml

        def chosen(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0].strip():
                return
            target = Path(values[0].strip()).expanduser()
            if target.exists() and target.is_dir():
                target = target / f"{self.session.pins.name}.toml"
            try:
                write_text_atomic(target, example_set_to_toml(self.session.pins))
            except OSError as error:
                self.notify(f"Could not write {target}: {error.strerror}", severity="error", timeout=10)
                return
            self.notify(f"Saved {len(self.session.pins.examples)} examples to {target}", timeout=6)

        self.app.push_screen(TextFieldsEditor("Save the pinned examples as an example set",
                                              [("file to write (TOML)", f"./{self.session.pins.name}.toml")],
                                              note="An existing file at that path is replaced (atomically)."),
                             chosen)

    def action_edit_system(self) -> None:
        async def edited(values: tuple[str, ...] | None) -> None:
            if values is None or values[0] == self.session.system_prompt:
                return
            self.session.system_prompt = values[0]
            self.persist_settings()
            self._schedule_recount(0)
            self.notify("System prompt changed. The next reply re-evaluates the whole prompt.", timeout=4)

        self.app.push_screen(TextFieldsEditor("System prompt", [("sent first, before the pins and the chat",
                                                                  self.session.system_prompt)]), edited)

    def action_show_prompt(self) -> None:
        draft = self.query_one("#input").text
        parts = self.session.parts(draft if draft.strip() else "")
        try:
            prompt = self.engine.prompt_format.render(parts)
        except UserError as error:
            self.notify(str(error), title="Prompt format", severity="error", timeout=12)
            return
        estimate = self.estimate(prompt) if self.estimate is not None else None
        self.app.push_screen(PromptView(prompt, self.engine.count_tokens(prompt), estimate, self.engine.info.name,
                                        self.engine.info.prompt_format))
