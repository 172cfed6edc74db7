"""The chat screen: transcript, context gauge, profile bar and message box.

It owns no chat state: ``ChatState`` (core) holds the turns, settings and the reply in progress; this screen
shows it and forwards input. Each handler plans through the state, shows what the plan changed and starts
the generation worker; the worker only calls the engine and posts messages (``ReplyToken``,
``ReplyFinished``, ``ReplyFailed``), and every widget is touched on the UI thread.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Select, TextArea
from textual.worker import Worker, get_current_worker

from tui.core.chat.batching import TokenBatcher
from tui.core.chat.conversation import Role
from tui.core.chat.display_pace import DisplayPace
from tui.core.chat.prompt import PromptParts
from tui.core.chat.reply_kind import ReplyKind
from tui.core.chat.state import ChatState, ReplyOutcome, ReplyPlan
from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.inspector.cache import ScoreCache
from tui.ui.actions import chat_bindings, welcome_text
from tui.ui.chat import conversation_flows, delete_flows, reply_flows, settings_flows, transcript_flows
from tui.ui.chat.chat_footer import ChatFooter
from tui.ui.chat.chat_input import ChatInput
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.chat.gauge_meter import DEBOUNCE_S, GaugeMeasured, GaugeMeter
from tui.ui.chat.header_bar import HeaderBar
from tui.ui.chat.message_view import MessageView
from tui.ui.chat.messages import ReplyFailed, ReplyFinished, ReplyToken
from tui.ui.chat.model_switcher import ModelLoaded, ModelLoadFailed, ModelSwitcher
from tui.ui.chat.palette import ChatCommands
from tui.ui.chat.pins_panel import PinsPanel
from tui.ui.chat.transcript import Transcript
from tui.ui.chat.wiring import ChatServices
from tui.ui.common.memory_trim import give_back_memory
from tui.ui.eval import flows as eval_flows
from tui.ui.profiles.profile_bar import ProfileBar
from tui.ui.workers import failure_notice

REPLACED_BY = {
    ReplyKind.REGENERATE: "replaced by a regenerated reply below",
    ReplyKind.FORK: "replaced by the fork below",
    ReplyKind.EDIT: "replaced by an edit below",
}


def _seed_words(seed: int | None) -> str:
    """A greedy reply has no seed that matters: say nothing rather than a meaningless number."""
    return "" if seed is None else f" with seed {seed}"


class ChatScreen(Screen[None]):
    BINDINGS = chat_bindings()
    COMMANDS = Screen.COMMANDS | {ChatCommands}

    def __init__(self, services: ChatServices, state: ChatState) -> None:
        super().__init__()
        self.services = services
        self.engine: Engine = services.engine
        self.state = state
        profiles = services.profiles.scan()  # F2 and the dropdown offer the files that load; the rest: one notice
        self.profile_names = profiles.names
        self._profiles_notice = profiles.notice()
        self.models = ModelSwitcher(self, services.load_model, services.scan_models, services.gpu_note)
        self._reply_view: MessageView | None = None
        self.scores = ScoreCache()
        """The inspector's re-scores, per reply: opening F8 again on a reply does not re-score it."""
        self.pace = DisplayPace()
        """How often streamed text is shown, kept within the UI thread's CPU budget (one for every reply)."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield PinsPanel(id="pins")
        yield Transcript(id="transcript")
        yield ContextGauge(id="gauge")
        yield ProfileBar(self.profile_names, self.state.profile, id="profile-bar")
        yield ChatInput(id="input", placeholder="Message (Enter sends, Ctrl+J new line, Esc stops a reply)")
        yield ChatFooter()

    async def on_mount(self) -> None:
        self.gauge = GaugeMeter(self, self.query_one(ContextGauge), self._to_count)
        self.query_one(ChatInput).focus()
        if self.services.history_notice:
            self.notify(self.services.history_notice, title="History", severity="warning", timeout=15)
        if self._profiles_notice:
            self.notify(self._profiles_notice, title="Profiles", severity="warning", timeout=15, markup=False)
        if self.services.load_first is None:
            await self._engine_ready()
            return
        self.show_engine()  # "loading …" in the header: the first frame does not wait for the model
        await self.query_one(Transcript).show_welcome(f"Loading {self.engine.info.path}…")
        self.models.start_first(self.services.load_first)

    async def _engine_ready(self) -> None:
        self.show_engine()
        ignored = self.engine.capabilities.ignored_params
        if ignored:
            self.notify(
                f"This server may ignore: {', '.join(ignored)}. Profiles still send them.",
                title="Remote endpoint",
                timeout=10,
            )
        await self.query_one(Transcript).show_welcome(self.welcome_text())
        await self.show_settings()
        if self.services.resume_id is not None:
            await conversation_flows.open_conversation(self, self.services.resume_id)
        if self.services.eval_on_start is not None:
            eval_flows.open_eval(self, self.services.eval_on_start)

    def welcome_text(self) -> str:
        return welcome_text(self.engine.info)

    def show_engine(self) -> None:
        self.query_one(HeaderBar).show_model(self.engine.info, self.engine.capabilities)
        self.query_one(ContextGauge).estimated = not self.engine.capabilities.exact_counts
        self.query_one(Transcript).reasoning_markers = self.engine.prompt_format.reasoning_markers
        self.refresh_bindings()  # the footer follows what this engine can do (check_action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers no key that would only refuse: F8 where the engine cannot re-score (a remote
        server), F10 where there is nothing to switch to (a remote endpoint)."""
        if action == "inspect" and not self.engine.capabilities.rescoring:
            return False
        if action == "pick_model" and not self.models.available:
            return False
        return True

    async def show_settings(self) -> None:
        """Profile bar, pins panel and gauge after the profile, pins or system prompt changed."""
        self.query_one(ProfileBar).show(self.state.profile)
        await settings_flows.refresh_pins(self)
        self.recount(0)

    def draft(self) -> str:
        return self.query_one(ChatInput).text

    @property
    def generating(self) -> bool:
        return self.state.generating

    def busy(self) -> bool:
        """Say why an action must wait, if it must."""
        if self.state.generating or self.models.loading:
            self.notify("Wait for the reply to finish (Esc stops it) or for the model to load.", severity="warning")
            return True
        return False

    # -- the gauge ------------------------------------------------------------------------------------

    @on(TextArea.Changed, "#input")
    def _draft_changed(self) -> None:
        self.recount()

    def recount(self, delay: float | None = None) -> None:
        self.gauge.schedule(DEBOUNCE_S if delay is None else delay)

    def _to_count(self) -> tuple[Engine, PromptParts, int]:
        """What the gauge counts: the prompt as it stands with the draft as the next message."""
        draft = self.draft()
        return self.engine, self.state.parts(draft if draft.strip() else None), self.state.profile.max_new_tokens

    @on(GaugeMeasured)
    def _gauge_measured(self, message: GaugeMeasured) -> None:
        self.gauge.measured(message, self.engine)

    # -- replies --------------------------------------------------------------------------------------

    @on(ChatInput.Submitted)
    async def _submit(self, event: ChatInput.Submitted) -> None:
        if self.busy():
            return
        if await self.send(lambda: self.state.plan_chat(event.text.strip(), self.engine)):
            self.query_one(ChatInput).clear()

    async def send(self, make_plan: reply_flows.PlanMaker) -> bool:
        """Plan (nothing changes if that fails), then apply the plan, show it and start generating."""
        try:
            plan = make_plan()
        except UserError as error:
            self.notify(str(error).capitalize(), title="Cannot send", severity="error", timeout=10)
            return False
        await self.start_reply(plan)
        return True

    async def start_reply(self, plan: ReplyPlan) -> None:
        transcript = self.query_one(Transcript)
        kind = plan.kind
        if plan.request.dropped_messages:
            transcript.mark_out_of_context(plan.request.context_start)
            self.notify(
                f"Dropped the {plan.request.dropped_messages} oldest messages from the context to make "
                "room; the system prompt and pinned examples were kept.",
                title="Context full",
                timeout=8,
            )
        self.state.begin(plan, self.engine.info.path)
        if kind in REPLACED_BY:
            transcript.retire_from(plan.keep, REPLACED_BY[kind])
        if plan.user_text is not None:
            await transcript.add_message(Role.USER, plan.user_text, index=plan.keep)
        index = len(self.state.turns) if kind.is_saved else None
        self._reply_view = await transcript.add_message(Role.ASSISTANT, index=index, prompt=plan.prompt)
        if kind is ReplyKind.REPLAY:
            self._reply_view.mark_replay(None if plan.params.temperature == 0 else plan.params.seed)
        self.gauge.start_stream(plan.request.prompt_tokens, plan.params.max_new_tokens, self.engine.info.n_ctx)
        self.query_one(ChatInput).hold_cursor(True)
        self.pace.begin()
        self._generate(self.engine, plan)

    @work(thread=True, group="generate", exit_on_error=False)
    def _generate(self, engine: Engine, plan: ReplyPlan) -> None:
        worker = get_current_worker()

        def post(text: str, count: int) -> None:
            self.post_message(ReplyToken(text, count))

        batcher = TokenBatcher(post, self.pace)
        try:
            result = engine.generate(
                plan.prompt, plan.params, batcher.add, worker.cancelled_event, plan.reuse_limit, plan.forced
            )
        except UserError as error:
            batcher.flush()  # the partial reply reaches the screen before the failure does
            self.post_message(ReplyFailed(str(error)))
            return
        finally:
            batcher.flush()
        self.post_message(ReplyFinished(result))
        engine.save_prompt_state()  # after the reply is shown, still off the UI thread

    @on(ReplyToken)
    async def _reply_token(self, message: ReplyToken) -> None:
        if not self.state.generating or self._reply_view is None:
            return
        self.pace.observe(time.thread_time(), time.monotonic())  # this handler runs on the UI thread
        chunk = self.state.stream(message.text, message.completion_tokens)
        if chunk:
            await self._reply_view.append(chunk, message.completion_tokens)
            self.query_one(Transcript).follow()
        self.gauge.streamed(message.completion_tokens)

    @on(ReplyFinished)
    async def _reply_finished(self, message: ReplyFinished) -> None:
        if self.state.generating:
            await self._show_outcome(self.state.finish(message.result))

    @on(ReplyFailed)
    async def _reply_failed(self, message: ReplyFailed) -> None:
        if self.state.generating:
            await self._show_outcome(self.state.fail(message.error))

    async def _show_outcome(self, outcome: ReplyOutcome) -> None:
        view, self._reply_view = self._reply_view, None
        if outcome.replay is not None:
            self.notify(
                f"Replay{_seed_words(outcome.stats.seed if outcome.stats else None)}: {outcome.replay.in_words}.",
                severity="information" if outcome.replay.identical else "warning",
            )
        if outcome.error is not None:
            self.notify(outcome.error, title="Generation failed", severity="error", timeout=10)
        elif outcome.stopped:
            self.notify("Reply stopped; the partial text is kept.", timeout=3)
        if view is not None:
            await view.finish(outcome.stats, note=" · ".join(outcome.notes()), sampled=not outcome.profile.is_greedy)
        self.gauge.end_stream()
        self.query_one(ChatInput).hold_cursor(False)
        self.recount(0)
        self.query_one(Transcript).follow()

    async def show_kept_exchange(self, plan: ReplyPlan, outcome: ReplyOutcome) -> None:
        """A compare column the user kept: it joined the chat as a whole exchange."""
        transcript = self.query_one(Transcript)
        await transcript.add_message(Role.USER, plan.user_text or "", index=plan.keep)
        view = await transcript.add_message(Role.ASSISTANT, outcome.text.strip(), index=outcome.turn_index)
        notes = " · ".join(["kept from compare", *outcome.notes()])
        await view.finish(outcome.stats, note=notes, sampled=not outcome.profile.is_greedy)
        self.query_one(ChatInput).clear()
        self.recount(0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notice = failure_notice(event)
        if notice is None:
            return
        if event.worker.group == "generate" and self.state.generating:
            self.post_message(ReplyFailed(f"generation failed: {event.worker.error}"))
        else:
            self.notify(notice, title="Something went wrong", severity="error", timeout=10)

    def action_stop(self) -> None:
        self.workers.cancel_group(self, "generate")

    async def action_toggle_raw(self) -> None:
        await transcript_flows.toggle_raw(self)

    def action_copy_message(self) -> None:
        transcript_flows.copy_message(self)

    def action_toggle_thinking(self) -> None:
        transcript_flows.toggle_thinking(self)

    async def action_replay(self) -> None:
        if not self.busy() and reply_flows.same_model(self, "replaying it on this one would not reproduce it"):
            await self.send(self.state.plan_replay)

    async def action_regenerate(self) -> None:
        if not self.busy():
            await self.send(lambda: self.state.plan_regenerate(self.engine))

    def action_inspect(self) -> None:
        if not self.busy():
            reply_flows.inspect_last_reply(self)

    def action_compare(self) -> None:
        if not self.busy():
            reply_flows.compare_profiles(self)

    def action_edit_message(self) -> None:
        if not self.busy():
            reply_flows.edit_message(self)

    def action_delete_message(self) -> None:
        if not self.busy():  # a reply streaming: refused with a notice
            delete_flows.delete_message(self)

    async def action_new_chat(self) -> None:
        if self.busy():
            return
        self.state.new_chat()
        self.scores.clear()  # Ctrl+N gives back what the old chat held
        await self.query_one(Transcript).show_welcome(self.welcome_text())
        self.call_after_refresh(self._give_back_memory)  # once the old chat's widgets are gone from the screen
        self.recount(0)
        self.notify("New chat.", timeout=2)

    @work(thread=True, group="give-back", exit_on_error=False)
    def _give_back_memory(self) -> None:
        """The engine's KV cache (a fresh context, made once any computation still running has ended), then the
        allocator's free pages. Off the UI thread: a context takes tens of milliseconds to create."""
        self.engine.forget_conversation()
        give_back_memory()

    def action_evaluate(self) -> None:
        if not self.busy():
            eval_flows.ask_dataset(self)

    def put_draft(self, text: str) -> None:
        """An eval item sent to the chat: it becomes the draft, to send (with the pins) or edit first."""
        box = self.query_one(ChatInput)
        box.text = text
        box.focus()

    def action_history(self) -> None:
        if not self.busy():
            conversation_flows.browse_history(self)

    # -- profiles, pins, system prompt --------------------------------------------------------------------

    def select_profile(self, name: str) -> None:
        try:
            profile = self.services.profiles.get(name)
        except UserError as error:
            self.notify(str(error), title="Profile not loaded", severity="error", timeout=10)
            profile = self.state.profile
        else:
            self.state.set_profile(profile)
        self.query_one(ProfileBar).show(profile)
        self.recount(0)

    def refresh_profile_names(self) -> None:
        self.profile_names = self.services.profiles.scan().names
        self.query_one(ProfileBar).set_names(self.profile_names)

    def action_cycle_profile(self) -> None:
        names, current = self.profile_names, self.state.profile.name
        index = names.index(current) if current in names else -1
        self.select_profile(names[(index + 1) % len(names)])
        self.notify(f"Profile: {self.state.profile.name}", timeout=2)

    @on(Select.Changed, "#profile-select")
    def _profile_picked(self, event: Select.Changed) -> None:
        # Only the dropdown's current value counts: setting it in code queues Changed events that may
        # arrive after a later switch, and acting on a stale one would flip the profile back and forth.
        if (
            isinstance(event.value, str)
            and event.value == event.select.value
            and event.value != self.state.profile.name
        ):
            self.select_profile(event.value)

    def action_edit_profile(self) -> None:
        settings_flows.edit_profile(self)

    def action_import_profile(self) -> None:
        settings_flows.import_profile(self)

    def action_toggle_pins(self) -> None:
        panel = self.query_one(PinsPanel)
        panel.toggle_class("-open")
        if panel.has_class("-open"):
            panel.query_one("#pins-list").focus()
        else:
            self.query_one(ChatInput).focus()

    async def action_pin_last(self) -> None:
        await settings_flows.pin_last_exchange(self)

    @on(PinsPanel.Leave)
    def _pins_left(self, event: PinsPanel.Leave) -> None:
        box = self.query_one(ChatInput)
        box.focus()
        if event.text:
            box.insert(event.text)

    @on(PinsPanel.Action)
    async def _pins_action(self, event: PinsPanel.Action) -> None:
        await settings_flows.pins_panel_action(self, event)

    def action_load_examples(self) -> None:
        settings_flows.load_examples(self)

    def action_save_examples(self) -> None:
        settings_flows.save_examples(self)

    def action_edit_system(self) -> None:
        settings_flows.edit_system_prompt(self)

    def action_show_prompt(self) -> None:
        settings_flows.show_prompt(self)

    # -- models -------------------------------------------------------------------------------------------

    def action_pick_model(self) -> None:
        conversation_flows.pick_model(self)

    @on(ModelLoaded)
    async def _model_loaded(self, message: ModelLoaded) -> None:
        old, self.engine = self.engine, message.engine
        if message.first:
            self.services.on_engine_changed(message.engine)
            self.models.done()
            await self._engine_ready()
            return
        self.services.on_engine_changed(message.engine)  # whoever started the app closes the engine in use
        self.models.done()
        self.gauge.forget()
        self.show_engine()
        self.models.close_later(old)
        await settings_flows.refresh_pins(self)
        self.recount(0)
        self.notify(
            f"Loaded {self.engine.info.name} in {message.seconds:.1f} s. The conversation is kept; the "
            "gauge now counts with this model's tokenizer, and the next reply re-evaluates the prompt.",
            timeout=8,
        )

    @on(ModelLoadFailed)
    def _model_load_failed(self, message: ModelLoadFailed) -> None:
        self.models.done()
        if message.first:  # nothing to chat with: leave, and let the command line say why (exit 2)
            self.services.on_first_load_failed(message.error)
            return
        self.notify(message.error, title="Model not loaded (the current one stays)", severity="error", timeout=12)
