"""The chat screen: transcript, context gauge, profile bar and prompt box.

The screen owns the ``ChatSession``; workers get immutable snapshots (a rendered prompt, frozen
``PromptParts``) and report back only through messages. Replies, profiles and pins live in mixins
(``chat_replies``, ``chat_profiles``, ``chat_pins``) to keep each module to one job.
"""

from __future__ import annotations

import threading
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, TextArea

from tui.core.budget import GaugeCounts, PrefixCounts, measure_with_cache
from tui.core.conversation import Role
from tui.core.errors import UserError
from tui.core.examples import ExampleSet
from tui.core.profile import DecodingProfile
from tui.core.profile_store import ProfileStore
from tui.core.prompt import PromptParts
from tui.core.session import ChatSession
from tui.engine.base import Engine
from tui.engine.turn import sampling_params
from tui.ui.commands import ChatCommands
from tui.ui.messages import GaugeMeasured
from tui.ui.reply_record import ReplyRecord
from tui.ui.widgets.chat_input import ChatInput
from tui.ui.widgets.context_gauge import ContextGauge
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.profile_bar import ProfileBar
from tui.ui.screens.chat_history import ChatHistoryMixin
from tui.ui.screens.chat_models import ChatModelsMixin
from tui.ui.screens.chat_pins import ChatPinsMixin
from tui.ui.screens.chat_profiles import ChatProfilesMixin
from tui.ui.screens.chat_replies import ChatRepliesMixin, PendingReply
from tui.ui.widgets.pins_panel import PinsPanel
from tui.ui.widgets.transcript import Transcript

GAUGE_DEBOUNCE_S = 0.12


class ChatScreen(ChatRepliesMixin, ChatProfilesMixin, ChatPinsMixin, ChatHistoryMixin, ChatModelsMixin, Screen):
    BINDINGS = [
        Binding("escape", "stop", "Stop"),
        Binding("f2", "cycle_profile", "Profile"),
        Binding("f3", "edit_profile", "Edit profile"),
        Binding("f4", "toggle_pins", "Pins"),
        Binding("f5", "pin_last", "Pin last"),
        Binding("f6", "edit_system", "System", show=False, priority=True),  # over TextArea's select-line
        Binding("f7", "show_prompt", "Prompt", priority=True),  # over TextArea's select-all
        Binding("f8", "inspect", "Inspect"),
        Binding("f9", "compare", "Compare"),
        Binding("f10", "pick_model", "Model"),
        Binding("ctrl+r", "replay", "Replay", show=False),
        Binding("ctrl+n", "new_chat", "New chat", show=False),
        Binding("ctrl+o", "history", "History"),
        Binding("ctrl+t", "edit_message", "Edit message", show=False),  # ctrl+e is end-of-line
        Binding("ctrl+g", "regenerate", "Regenerate", show=False),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]
    COMMANDS = Screen.COMMANDS | {ChatCommands}

    def __init__(self, engine: Engine, profiles: ProfileStore, profile: DecodingProfile, system_prompt: str = "",
                 pins: ExampleSet | None = None, estimate: Callable[[str], int] | None = None,
                 history=None, resume: bool = False, load_model=None, scan_models=None, gpu_note: str = ""):
        super().__init__()
        self.engine = engine
        self.profiles = profiles
        self.session = ChatSession(profile=profile, system_prompt=system_prompt, pins=pins or ExampleSet())
        self.profile_names = profiles.names()
        self.estimate = estimate
        self.history = history
        self.load_model = load_model
        self.scan_models = scan_models
        self.gpu_note = gpu_note
        self.resume = resume
        self.conversation_id: int | None = None
        self.message_ids: list[int | None] = []
        """History ids parallel to ``session.messages`` (None where nothing is stored)."""
        self.records: dict[int, ReplyRecord] = {}
        """Per assistant message index: how it was generated (for replay, the inspector and forks)."""
        self._cancel: threading.Event | None = None
        self._pending: PendingReply | None = None
        self._gauge_cache: PrefixCounts | None = None
        self._gauge_timer: Timer | None = None
        self._stream_base: GaugeCounts | None = None

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
        self.query_one(ContextGauge).estimated = bool(getattr(self.engine, "counts_are_estimates", False))
        ignored = getattr(self.engine, "unsupported_params", ())
        if ignored:
            self.notify(f"This server may ignore: {', '.join(ignored)}. Profiles still send them.",
                        title="Remote endpoint", timeout=10)
        await self.query_one(Transcript).show_welcome(self._welcome_text())
        await self.refresh_pins()
        if self.session.pins.examples:
            self.query_one(PinsPanel).add_class("-open")
        self.query_one(ChatInput).focus()
        self._schedule_recount(0)
        if self.history is not None:
            if self.history.notice:
                self.notify(self.history.notice, title="History", severity="warning", timeout=15)
            last = self.history.last_conversation_id() if self.resume else None
            if last is not None:
                await self.open_conversation(last)

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
                "exact prompt · F8 inspect token probabilities · F9 compare profiles side by side · Ctrl+R replay · "
                "F10 switch model · Ctrl+G regenerate · Ctrl+T edit a message · Ctrl+O saved chats · "
                "Ctrl+P everything else.\n"
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
        engine = self.engine
        try:
            counts, cache = measure_with_cache(parts, engine.prompt_format, engine.count_tokens,
                                               engine.info.n_ctx, reserve, cache)
        except UserError:
            return  # the model was closed while quitting: there is no gauge left to update
        self.post_message(GaugeMeasured(counts, cache, draft, engine))

    def on_gauge_measured(self, message: GaugeMeasured) -> None:
        if message.engine is not self.engine:
            return  # measured with a model that has since been replaced
        self._gauge_cache = message.cache
        if not self.generating:
            self.query_one(ContextGauge).counts = message.counts

    # -- sending ------------------------------------------------------------------------------------

    @on(ChatInput.Submitted)
    async def _submit(self, event: ChatInput.Submitted) -> None:
        if self.generating or self._loading:
            self.notify("A reply is still being generated (Esc stops it) or a model is loading; wait a moment.",
                        severity="warning")
            return
        if await self.send_message(event.text.strip()):
            self.query_one(ChatInput).clear()

    async def send_message(self, text: str, stored_user_id: int | None = None, kind: str = "chat") -> bool:
        """Plan, record and start the reply to ``text``. ``stored_user_id``: the message is already in the
        history (an edit or a regenerate made it). Returns False if it does not fit."""
        session = self.session
        try:
            plan = session.plan(text, self.engine.prompt_format, self.engine.count_tokens, self.engine.info.n_ctx)
        except UserError as error:
            self.notify(str(error), title="Cannot send", severity="error", timeout=10)
            return False
        transcript = self.query_one(Transcript)
        if plan.dropped_messages:
            for view in transcript.views:
                if view.message_index is not None and view.message_index < session.context_start:
                    view.mark_out_of_context()
            self.notify(f"Dropped the {plan.dropped_messages} oldest messages from the context to make room; "
                        "the system prompt and pinned examples were kept.", title="Context full", timeout=8)
        session.add_user(text)
        if stored_user_id is None:
            self.persist_user(text)
        else:
            self.message_ids.append(stored_user_id)
        await transcript.add_message(Role.USER, text, index=len(session.messages) - 1)
        view = await transcript.add_message(Role.ASSISTANT, index=len(session.messages))
        cache = self._gauge_cache
        system, pins = (cache.system, cache.pins) if cache else (0, 0)
        gauge = GaugeCounts(system=system, pins=pins, history=plan.prompt_tokens - system - pins, draft=0,
                            reserve=plan.max_new_tokens, n_ctx=self.engine.info.n_ctx)
        params = sampling_params(session.profile, plan)
        self.start_reply(PendingReply(kind, plan.prompt, params, session.profile, view), gauge=gauge)
        return True

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
        self.records.clear()
        self.message_ids.clear()
        self.conversation_id = None
        await self.query_one(Transcript).show_welcome(self._welcome_text())
        self._schedule_recount(0)
        self.notify("New chat.", timeout=2)
