"""Generating replies for the chat screen: the worker, streaming into the transcript, and the three kinds
of reply — a normal chat reply, a replay (same prompt, profile and seed, compared with the original) and
a fork (the last reply continued from a token picked in the inspector).

Mixed into ``ChatScreen``. The worker only calls the engine and posts messages; every widget and the
session are touched on the UI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import work

from tui.core.budget import GaugeCounts
from tui.core.conversation import FinishReason, Role
from tui.core.errors import UserError
from tui.core.profile import DecodingProfile
from tui.core.repetition import find_loop
from tui.engine.base import SamplingParams
from tui.engine.turn import reply_stats
from tui.ui.messages import ReplyFailed, ReplyFinished, ReplyToken
from tui.ui.reply_record import ReplyRecord
from tui.ui.screens.inspector import ForkRequest, InspectorScreen
from tui.ui.widgets.context_gauge import ContextGauge
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.transcript import Transcript


@dataclass
class PendingReply:
    kind: str
    """'chat', 'regenerate', 'replay' or 'fork'."""
    prompt: str
    params: SamplingParams
    profile: DecodingProfile
    view: MessageView
    original: str = ""
    forced: tuple[int, ...] = ()
    model_path: str = ""
    """The model that makes this reply, fixed when it starts (a model switch may land before it ends)."""


class ChatRepliesMixin:
    def start_reply(self, pending: PendingReply, reuse_limit: int | None = None, forced: tuple[int, ...] = (),
                    gauge: GaugeCounts | None = None) -> None:
        pending.forced = forced
        pending.model_path = self.engine.info.path
        self._pending = pending
        self._stream_base = gauge
        if pending.kind in ("chat", "fork", "regenerate"):
            self.persist_reply_start(pending.profile.name, replace_last=pending.kind != "chat")
        if gauge is not None:
            self.query_one(ContextGauge).counts = gauge
        self._cancel = threading.Event()
        self._generate(pending.prompt, pending.params, self._cancel, reuse_limit, forced)

    @work(thread=True, group="generate")
    def _generate(self, prompt: str, params: SamplingParams, cancel: threading.Event,
                  reuse_limit: int | None = None, forced: tuple[int, ...] = ()) -> None:
        try:
            result = self.engine.generate(prompt, params, lambda text, n: self.post_message(ReplyToken(text, n)),
                                          cancel, reuse_limit, forced)
        except UserError as error:
            self.post_message(ReplyFailed(str(error)))
        except Exception as error:  # noqa: BLE001 - the app must stay up whatever the engine does
            self.post_message(ReplyFailed(f"generation failed: {error}"))
        else:
            self.post_message(ReplyFinished(result))

    async def on_reply_token(self, message: ReplyToken) -> None:
        pending = self._pending
        if pending is None:
            return
        if message.text:
            await pending.view.append(message.text)
            self.query_one(Transcript).follow()
            if pending.kind != "replay":
                self.persist_reply_progress(pending.view.raw_text)
        base = self._stream_base
        if base is not None:
            self.query_one(ContextGauge).counts = GaugeCounts(
                system=base.system, pins=base.pins, history=base.history + message.completion_tokens, draft=0,
                reserve=max(0, base.reserve - message.completion_tokens), n_ctx=base.n_ctx)

    async def on_reply_finished(self, message: ReplyFinished) -> None:
        pending, result = self._pending, message.result
        if pending is None:
            return
        stats = reply_stats(pending.profile, result)
        record = ReplyRecord(pending.prompt, pending.params, pending.profile, result, pending.model_path,
                             pending.forced)
        notes = []
        if pending.kind == "replay":
            same = result.text == pending.original
            verdict = "identical to the original" if same else "differs from the original"
            notes.append(f"replay: {verdict}")
            self.notify(f"Replay with seed {stats.seed}: {verdict}.", severity="information" if same else "warning")
        else:
            if pending.kind == "fork":
                self.session.messages.pop()
                if self.message_ids:
                    self.message_ids.pop()
                replaced = len(self.session.messages)
                for view in self.query_one(Transcript).views:
                    if view.message_index == replaced and view is not pending.view:
                        view.mark_replaced("replaced by the fork below")
                pending.view.message_index = replaced
                notes.append("forked from the inspector")
            self.session.add_reply(result.text, stats)
            self.message_ids.append(self.persist_reply_end(result.text, stats))
            self.records[len(self.session.messages) - 1] = record
            if result.finish_reason is FinishReason.CANCELLED:
                self.notify("Reply stopped; the partial text is kept.", timeout=3)
        loop = find_loop(result.text)
        if loop is not None:
            notes.append(loop.advice())
        await pending.view.finish(stats, note=" · ".join(notes), sampled=not pending.profile.is_greedy)
        self._end_reply()

    async def on_reply_failed(self, message: ReplyFailed) -> None:
        pending = self._pending
        if pending is None:
            return
        if pending.kind in ("chat", "regenerate"):
            self.session.add_reply(pending.view.raw_text, None)
            self.message_ids.append(self.persist_reply_end(pending.view.raw_text, None))
        await pending.view.finish(None, note=f"{pending.kind} error: {message.error}")
        self.notify(message.error, title="Generation failed", severity="error", timeout=10)
        self._end_reply()

    def _end_reply(self) -> None:
        self._pending = None
        self._cancel = None
        self._stream_base = None
        self._schedule_recount(0)
        self.query_one(Transcript).follow()

    def _last_record(self) -> ReplyRecord | None:
        if not self.session.messages:
            return None
        return self.records.get(len(self.session.messages) - 1)

    def _busy(self) -> bool:
        if self.generating or self._loading:
            self.notify("Wait for the reply to finish (Esc stops it) or for the model to load.", severity="warning")
            return True
        return False

    async def action_replay(self) -> None:
        """Re-run the last reply's exact prompt with its profile and seed: the same text should come back.

        It reuses exactly the cached prefix the original reused, because llama.cpp's logits depend slightly
        on how the prompt was split into batches. Shown and compared; the conversation is left as it was.
        """
        record = self._last_record()
        if self._busy():
            return
        if record is None:
            self.notify("Nothing to replay yet.", severity="warning")
            return
        if record.model_path != self.engine.info.path:
            self.notify("That reply was made with another model; replaying it on this one would not reproduce it.",
                        severity="warning")
            return
        view = await self.query_one(Transcript).add_message(Role.ASSISTANT)
        view.mark_replay(record.result.seed)
        self.start_reply(PendingReply("replay", record.prompt, record.params, record.profile, view,
                                      original=self.session.messages[-1].text), reuse_limit=record.reused_prefix,
                         forced=record.forced)

    def action_inspect(self) -> None:
        record = self._last_record()
        if self._busy():
            return
        if record is None:
            self.notify("There is no reply with a token record to inspect yet.", severity="warning")
            return
        if not hasattr(self.engine, "rescore"):
            self.notify("This engine cannot re-score replies (remote servers do not expose logits).",
                        severity="warning")
            return
        if record.model_path != self.engine.info.path:
            self.notify("That reply was made with another model; it cannot be re-scored with this one.",
                        severity="warning")
            return
        if not record.result.tokens:
            self.notify("That reply has no tokens to inspect.", severity="warning")
            return

        async def chosen(fork: ForkRequest | None) -> None:
            if fork is None:
                return
            if record.model_path != self.engine.info.path or self._busy():
                self.notify("The model changed (or is busy); the fork was not started.", severity="warning")
                return
            await self.fork_reply(record, fork)

        self.app.push_screen(InspectorScreen(self.engine, record), chosen)

    def action_compare(self) -> None:
        """Run the draft under 2-4 profiles side by side; a kept column becomes the chat's next exchange."""
        from tui.ui.screens.compare import CompareScreen, KeptReply

        draft = self.query_one("#input").text.strip()
        if self._busy():
            return
        if not draft:
            self.notify("Type the prompt to compare in the message box first.", severity="warning")
            return
        others = [name for name in self.profile_names if name != self.session.profile.name]
        second = "creative-sampling" if "creative-sampling" in others else (others[0] if others else None)
        preselected = [self.session.profile.name] + ([second] if second else [])

        async def kept(choice: KeptReply | None) -> None:
            if choice is None:
                return
            transcript = self.query_one(Transcript)
            self.session.add_user(choice.message)
            self.persist_user(choice.message)
            await transcript.add_message(Role.USER, choice.message, index=len(self.session.messages) - 1)
            stats = reply_stats(choice.profile, choice.result)
            self.session.add_reply(choice.result.text, stats)
            self.persist_reply_start(choice.profile.name)
            self.message_ids.append(self.persist_reply_end(choice.result.text, stats))
            self.records[len(self.session.messages) - 1] = ReplyRecord(
                choice.prompt, choice.params, choice.profile, choice.result, choice.model_path)
            view = await transcript.add_message(Role.ASSISTANT, choice.result.text.strip(),
                                                index=len(self.session.messages) - 1)
            await view.finish(stats, note="kept from compare", sampled=not choice.profile.is_greedy)
            self.query_one("#input").clear()
            self._schedule_recount(0)

        self.app.push_screen(CompareScreen(self.engine, self.profiles, self.session, draft, preselected), kept)

    async def action_regenerate(self) -> None:
        """Regenerate the last reply with the current profile; the old one is kept as a history branch."""
        messages = self.session.messages
        if self._busy():
            return
        if len(messages) < 2 or messages[-1].role is not Role.ASSISTANT:
            self.notify("There is no finished reply to regenerate.", severity="warning")
            return
        old_messages, old_ids = messages[-2:], self.message_ids[-2:]
        user_id = old_ids[0] if len(old_ids) == 2 else None
        del messages[-2:]
        del self.message_ids[-2:]
        if not await self.send_message(old_messages[0].text, stored_user_id=user_id, kind="regenerate"):
            messages.extend(old_messages)
            self.message_ids.extend(old_ids)
            return
        self.records.pop(len(messages), None)  # the old reply's record (messages now ends with the user turn)
        transcript = self.query_one(Transcript)
        for view in transcript.views[:-2]:
            if view.message_index is not None and view.message_index >= len(messages) - 1:
                view.mark_replaced("replaced by a regenerated reply below")

    async def fork_reply(self, record: ReplyRecord, fork: ForkRequest) -> None:
        """Continue the last reply from the inspector's chosen token: it replaces the last reply."""
        forced = record.result.tokens[: fork.position] + (fork.token,)
        view = await self.query_one(Transcript).add_message(Role.ASSISTANT)
        self.start_reply(PendingReply("fork", record.prompt, record.params, record.profile, view), forced=forced)
