"""The chat screen: transcript, context gauge, profile bar and prompt box, and the generation worker.

The screen owns the ``ChatSession``; workers get immutable snapshots (a rendered prompt, frozen
``PromptParts``) and report back only through messages.
"""

from __future__ import annotations

import threading
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Select, TextArea

from tui.core.budget import GaugeCounts, PrefixCounts, measure_with_cache
from tui.core.conversation import FinishReason, Role
from tui.core.errors import UserError
from tui.core.examples import ExampleSet
from tui.core.profile import DecodingProfile
from tui.core.profile_store import ProfileStore
from tui.core.prompt import PromptParts
from tui.core.session import ChatSession
from tui.engine.base import Engine, SamplingParams
from tui.engine.turn import reply_stats, sampling_params
from tui.ui.commands import ChatCommands
from tui.ui.messages import GaugeMeasured, ReplyFailed, ReplyFinished, ReplyToken
from tui.ui.widgets.chat_input import ChatInput
from tui.ui.widgets.context_gauge import ContextGauge
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.profile_bar import ProfileBar
from tui.ui.screens.chat_pins import ChatPinsMixin
from tui.ui.screens.profile_editor import ProfileEditor
from tui.ui.screens.text_editor import TextFieldsEditor
from tui.ui.widgets.pins_panel import PinsPanel
from tui.ui.widgets.transcript import Transcript

GAUGE_DEBOUNCE_S = 0.12


class ChatScreen(ChatPinsMixin, Screen):
    BINDINGS = [
        Binding("escape", "stop", "Stop"),
        Binding("f2", "cycle_profile", "Profile"),
        Binding("f3", "edit_profile", "Edit profile"),
        Binding("f4", "toggle_pins", "Pins"),
        Binding("f5", "pin_last", "Pin last"),
        Binding("f6", "edit_system", "System", show=False, priority=True),  # over TextArea's select-line
        Binding("f7", "show_prompt", "Prompt", priority=True),  # over TextArea's select-all
        Binding("ctrl+r", "replay", "Replay", show=False),
        Binding("ctrl+n", "new_chat", "New chat", show=False),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]
    COMMANDS = Screen.COMMANDS | {ChatCommands}

    def __init__(self, engine: Engine, profiles: ProfileStore, profile: DecodingProfile, system_prompt: str = "",
                 pins: ExampleSet | None = None, estimate: Callable[[str], int] | None = None):
        super().__init__()
        self.engine = engine
        self.profiles = profiles
        self.session = ChatSession(profile=profile, system_prompt=system_prompt, pins=pins or ExampleSet())
        self.profile_names = profiles.names()
        self.estimate = estimate
        self._cancel: threading.Event | None = None
        self._reply_view: MessageView | None = None
        self._reply_profile: DecodingProfile = profile
        self._gauge_cache: PrefixCounts | None = None
        self._gauge_timer: Timer | None = None
        self._stream_base: GaugeCounts | None = None
        self._last_request: tuple[str, SamplingParams] | None = None
        self._replay_of: str | None = None
        """While a replay streams: the text of the reply being replayed, to compare against."""

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield PinsPanel(id="pins")
        yield Transcript(id="transcript")
        yield ContextGauge(id="gauge")
        yield ProfileBar(self.profile_names, self.session.profile, id="profile-bar")
        yield ChatInput(id="input", placeholder="Message (Enter sends, Ctrl+J new line, Esc stops a reply)")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(HeaderBar).show_model(self.engine.info)
        await self.query_one(Transcript).show_welcome(self._welcome_text())
        await self.refresh_pins()
        if self.session.pins.examples:
            self.query_one(PinsPanel).add_class("-open")
        self.query_one(ChatInput).focus()
        self._schedule_recount(0)

    def on_unmount(self) -> None:
        # Quitting mid-reply: let the worker leave the engine within one token so close() can proceed.
        if self._cancel is not None:
            self._cancel.set()

    def _welcome_text(self) -> str:
        info = self.engine.info
        if info.prompt_format.startswith("completion"):
            kind = (f"{info.name} has no chat template, so it sees a plain transcript "
                    f"({info.prompt_format}) and continues it. Small base models answer best when the "
                    "prompt shows the pattern you want.")
        else:
            kind = f"{info.name} is prompted through its own chat template."
        return (f"{kind}\n\nEnter sends · Ctrl+J new line · Esc stops a reply · F2 next decoding profile · "
                "F3 edit it · F4 pinned examples · F5 pin the last exchange · F6 system prompt · F7 show the "
                "exact prompt · Ctrl+R replay · Ctrl+P everything else.\n"
                "The gauge below counts the exact tokens the model will see.")

    @property
    def generating(self) -> bool:
        return self._cancel is not None

    # -- the gauge ----------------------------------------------------------------------------------

    @on(TextArea.Changed, "#input")
    def _draft_changed(self) -> None:
        self._schedule_recount(GAUGE_DEBOUNCE_S)

    def _schedule_recount(self, delay: float) -> None:
        if self._gauge_timer is not None:
            self._gauge_timer.stop()
        self._gauge_timer = self.set_timer(delay, self._recount) if delay else None
        if not delay:
            self._recount()

    def _recount(self) -> None:
        draft = self.query_one(ChatInput).text
        parts = self.session.parts(draft if draft.strip() else None)
        self._measure(parts, self.session.profile.max_new_tokens, self._gauge_cache, draft)

    @work(thread=True, exclusive=True, group="gauge")
    def _measure(self, parts: PromptParts, reserve: int, cache: PrefixCounts | None, draft: str) -> None:
        try:
            counts, cache = measure_with_cache(parts, self.engine.prompt_format, self.engine.count_tokens,
                                               self.engine.info.n_ctx, reserve, cache)
        except UserError:
            return  # the model was closed while quitting: there is no gauge left to update
        self.post_message(GaugeMeasured(counts, cache, draft))

    def on_gauge_measured(self, message: GaugeMeasured) -> None:
        self._gauge_cache = message.cache
        if not self.generating:
            self.query_one(ContextGauge).counts = message.counts

    # -- sending and streaming ----------------------------------------------------------------------

    @on(ChatInput.Submitted)
    async def _submit(self, event: ChatInput.Submitted) -> None:
        if self.generating:
            self.notify("A reply is still being generated; press Esc to stop it first.", severity="warning")
            return
        text = event.text.strip()
        session = self.session
        try:
            plan = session.plan(text, self.engine.prompt_format, self.engine.count_tokens, self.engine.info.n_ctx)
        except UserError as error:
            self.notify(str(error), title="Does not fit", severity="error", timeout=10)
            return
        transcript = self.query_one(Transcript)
        if plan.dropped_messages:
            for view in transcript.views[: session.context_start]:
                view.mark_out_of_context()
            self.notify(f"Dropped the {plan.dropped_messages} oldest messages from the context to make room; "
                        "the system prompt and pinned examples were kept.", title="Context full", timeout=8)
        session.add_user(text)
        self.query_one(ChatInput).clear()
        await transcript.add_message(Role.USER, text)
        self._reply_view = await transcript.add_message(Role.ASSISTANT)
        self._reply_profile = session.profile
        params = sampling_params(session.profile, plan)
        cache = self._gauge_cache
        system, pins = (cache.system, cache.pins) if cache else (0, 0)
        self._stream_base = GaugeCounts(system=system, pins=pins, history=plan.prompt_tokens - system - pins,
                                        draft=0, reserve=plan.max_new_tokens, n_ctx=self.engine.info.n_ctx)
        self.query_one(ContextGauge).counts = self._stream_base
        self._last_request = (plan.prompt, params)
        self._replay_of = None
        self._cancel = threading.Event()
        self._generate(plan.prompt, params, self._cancel)

    @work(thread=True, group="generate")
    def _generate(self, prompt: str, params: SamplingParams, cancel: threading.Event,
                  reuse_limit: int | None = None) -> None:
        try:
            result = self.engine.generate(prompt, params, lambda text, n: self.post_message(ReplyToken(text, n)),
                                          cancel, reuse_limit)
        except UserError as error:
            self.post_message(ReplyFailed(str(error)))
        except Exception as error:  # noqa: BLE001 - the app must stay up whatever the engine does
            self.post_message(ReplyFailed(f"generation failed: {error}"))
        else:
            self.post_message(ReplyFinished(result))

    async def on_reply_token(self, message: ReplyToken) -> None:
        if self._reply_view is None:
            return
        if message.text:
            await self._reply_view.append(message.text)
            self.query_one(Transcript).follow()
        base = self._stream_base
        if base is not None:
            self.query_one(ContextGauge).counts = GaugeCounts(
                system=base.system, pins=base.pins, history=base.history + message.completion_tokens, draft=0,
                reserve=max(0, base.reserve - message.completion_tokens), n_ctx=base.n_ctx)

    async def on_reply_finished(self, message: ReplyFinished) -> None:
        stats = reply_stats(self._reply_profile, message.result)
        if self._replay_of is not None:
            await self._finish_replay(message, stats)
            return
        self.session.add_reply(message.result.text, stats)
        if self._reply_view is not None:
            await self._reply_view.finish(stats, sampled=not self._reply_profile.is_greedy)
            if message.result.finish_reason is FinishReason.CANCELLED:
                self.notify("Reply stopped; the partial text is kept.", timeout=3)
        self._end_reply()

    async def _finish_replay(self, message: ReplyFinished, stats) -> None:
        same = message.result.text == self._replay_of
        verdict = "identical to the original" if same else "differs from the original"
        if self._reply_view is not None:
            await self._reply_view.finish(stats, note=f"replay: {verdict}", sampled=True)
        self.notify(f"Replay with seed {stats.seed}: {verdict}.", severity="information" if same else "warning")
        self._end_reply()

    async def on_reply_failed(self, message: ReplyFailed) -> None:
        if self._replay_of is not None:
            if self._reply_view is not None:
                await self._reply_view.finish(None, note=f"replay error: {message.error}")
            self.notify(message.error, title="Replay failed", severity="error", timeout=10)
            self._end_reply()
            return
        partial = self._reply_view._raw if self._reply_view is not None else ""
        self.session.add_reply(partial, None)
        if self._reply_view is not None:
            await self._reply_view.finish(None, note=f"error: {message.error}")
        self.notify(message.error, title="Generation failed", severity="error", timeout=10)
        self._end_reply()

    def _end_reply(self) -> None:
        self._replay_of = None
        self._cancel = None
        self._reply_view = None
        self._stream_base = None
        self._schedule_recount(0)
        self.query_one(Transcript).follow()

    # -- actions --------------------------------------------------------------------------------------

    def action_stop(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    async def action_new_chat(self) -> None:
        if self.generating:
            self.notify("Stop the running reply first (Esc).", severity="warning")
            return
        self.session.messages.clear()
        self.session.context_start = 0
        await self.query_one(Transcript).show_welcome(self._welcome_text())
        self._schedule_recount(0)
        self.notify("New chat.", timeout=2)

    def select_profile(self, name: str) -> None:
        try:
            profile = self.profiles.get(name)
        except UserError as error:
            self.notify(str(error), title="Profile not loaded", severity="error", timeout=10)
            self.query_one(ProfileBar).show(self.session.profile)
            return
        self.session.profile = profile
        self.query_one(ProfileBar).show(profile)
        self._schedule_recount(0)

    async def action_replay(self) -> None:
        """Re-run the last reply's exact prompt with its profile and seed: the same text should come back.

        The replay is shown under the chat and compared; the conversation itself is left as it was.
        """
        last = self.session.messages[-1] if self.session.messages else None
        if self.generating or self._last_request is None or last is None or last.stats is None:
            self.notify("Nothing to replay yet (or a reply is running).", severity="warning")
            return
        prompt, params = self._last_request
        self._replay_of = last.text
        self._reply_profile = self.profiles_by_name_or_current(last.stats.profile)
        self._reply_view = await self.query_one(Transcript).add_message(Role.ASSISTANT)
        self._reply_view.mark_replay(last.stats.seed)
        self._cancel = threading.Event()
        # Reuse exactly the prefix the original reused, so llama.cpp evaluates the same batches.
        self._generate(prompt, params, self._cancel, last.stats.prompt_tokens - last.stats.evaluated_prompt_tokens)

    def profiles_by_name_or_current(self, name: str) -> DecodingProfile:
        try:
            return self.profiles.get(name)
        except UserError:
            return self.session.profile

    def action_edit_profile(self) -> None:
        def saved(name: str | None) -> None:
            if name is None:
                return
            self.profile_names = self.profiles.names()
            self.query_one(ProfileBar).set_names(self.profile_names)
            self.select_profile(name)

        self.app.push_screen(ProfileEditor(self.profiles, self.session.profile), saved)

    def action_import_profile(self) -> None:
        """Import a shotglass, Ollama, LM Studio, SillyTavern or llama.cpp preset file from the TUI."""
        from pathlib import Path

        from tui.core.importers import import_foreign

        def chosen(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0].strip():
                return
            path, name = Path(values[0].strip()).expanduser(), values[1].strip() or None
            try:
                result = import_foreign(path, name=name)
                entry = self.profiles.import_profile(result.profile, path)
            except UserError as error:
                self.notify(str(error), title="Not imported", severity="error", timeout=12)
                return
            dropped = f" Dropped: {'; '.join(result.dropped)}." if result.dropped else ""
            self.notify(f"Imported '{entry.profile.name}' from {result.source_format}.{dropped}", timeout=12)
            self.profile_names = self.profiles.names()
            self.query_one(ProfileBar).set_names(self.profile_names)
            self.select_profile(entry.profile.name)

        self.app.push_screen(TextFieldsEditor(
            "Import a decoding profile",
            [("file path (shotglass .toml, Ollama Modelfile, LM Studio .preset.json, SillyTavern .json, "
              "llama.cpp .ini)", ""), ("name (optional; a new name avoids overwriting)", "")],
            note="Existing profiles and built-ins are never overwritten from here."), chosen)

    def action_cycle_profile(self) -> None:
        names = self.profile_names
        current = self.session.profile.name
        index = names.index(current) if current in names else -1
        self.select_profile(names[(index + 1) % len(names)])
        self.notify(f"Profile: {self.session.profile.name}", timeout=2)

    @on(Select.Changed, "#profile-select")
    def _profile_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.session.profile.name:
            self.select_profile(event.value)
