"""The one owner of a chat: its turns, settings and the reply in progress.

One list of turns (each message with its stored id and, for replies, how it was made) replaces the three
parallel structures the screen used to keep in step. Every change follows the same two steps: a ``plan_*``
method computes what would be sent and changes nothing (so a refused request leaves the chat and the
history exactly as they were, and the compare view can plan for other profiles freely), then ``begin``
applies a plan and ``finish``/``fail`` end it. Whatever the outcome, what the state holds is what the
journal stored, so a restart resumes exactly what was on screen.
"""

from __future__ import annotations

from dataclasses import replace

from tui.core.chat.conversation import FinishReason, Message, Role
from tui.core.chat.fitting import PromptSettings, RequestPlan, fit_request
from tui.core.chat.journal import Journal, NullJournal
from tui.core.chat.prompt import PromptParts
from tui.core.chat.record import ReplyRecord
from tui.core.chat.reply_kind import ReplyKind
from tui.core.chat.request import reply_stats, sampling_params
from tui.core.chat.values import (
    ChatStateError,
    DeletePlan,
    PendingReply,
    ReplayVerdict,
    ReplyOutcome,
    ReplyPlan,
    SavedChat,
    Turn,
    replay_verdict,
)
from tui.core.contract import Engine, GenerationResult
from tui.core.fewshot.examples import ExampleSet
from tui.core.profiles.profile import DecodingProfile

__all__ = [
    "ChatState",
    "ChatStateError",
    "DeletePlan",
    "PendingReply",
    "ReplayVerdict",
    "ReplyOutcome",
    "ReplyPlan",
    "SavedChat",
    "Turn",
]


class ChatState:
    def __init__(
        self,
        profile: DecodingProfile,
        system_prompt: str = "",
        pins: ExampleSet | None = None,
        journal: Journal | None = None,
    ) -> None:
        self._profile = profile
        self._settings = PromptSettings(system_prompt, pins or ExampleSet())
        self._journal: Journal = journal or NullJournal()
        self._turns: list[Turn] = []
        self._context_start = 0
        self._pending: PendingReply | None = None

    # -- what there is --------------------------------------------------------------------------------

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(turn.message for turn in self._turns)

    @property
    def context_start(self) -> int:
        """Index of the first turn still in the context window; earlier ones were dropped on overflow."""
        return self._context_start

    @property
    def profile(self) -> DecodingProfile:
        return self._profile

    @property
    def system_prompt(self) -> str:
        return self._settings.system_prompt

    @property
    def pins(self) -> ExampleSet:
        return self._settings.pins

    @property
    def pending(self) -> PendingReply | None:
        return self._pending

    @property
    def generating(self) -> bool:
        return self._pending is not None

    @property
    def conversation_id(self) -> int | None:
        return self._journal.conversation_id

    def parts(self, new_message: str | None = None) -> PromptParts:
        """The prompt as it stands (history in context), with an optional draft as the next message."""
        return self._settings.parts(self.messages[self._context_start :], new_message, self._profile.template_kwargs)

    def last_record(self) -> ReplyRecord | None:
        if self._turns and self._turns[-1].message.role is Role.ASSISTANT:
            return self._turns[-1].record
        return None

    def user_turn_indexes(self) -> list[int]:
        return [index for index, turn in enumerate(self._turns) if turn.message.role is Role.USER]

    # -- settings -------------------------------------------------------------------------------------

    def set_profile(self, profile: DecodingProfile) -> None:
        self._profile = profile
        self._save_settings()

    def set_system_prompt(self, text: str) -> None:
        self._settings = replace(self._settings, system_prompt=text)
        self._save_settings()

    def set_pins(self, pins: ExampleSet) -> None:
        self._settings = replace(self._settings, pins=pins)
        self._save_settings()

    def _save_settings(self) -> None:
        self._journal.save_settings(self.system_prompt, self.pins, self._profile.name)

    # -- planning (changes nothing) -------------------------------------------------------------------

    def _require_idle(self) -> None:
        if self._pending is not None:
            raise ChatStateError("a reply is still being generated (Esc stops it)")

    def _fit(
        self,
        kind: ReplyKind,
        keep: int,
        text: str,
        engine: Engine,
        profile: DecodingProfile | None = None,
        edit_of: int | None = None,
    ) -> ReplyPlan:
        profile = profile or self._profile
        history = self.messages[:keep]
        request = fit_request(
            self._settings,
            profile,
            history,
            min(self._context_start, keep),
            text,
            engine.prompt_format,
            engine.count_tokens,
            engine.info.n_ctx,
        )
        user_text = text if kind.adds_user_message else None
        params = sampling_params(profile, request)
        return ReplyPlan(kind, keep, user_text, request, params, profile, edit_of=edit_of)

    def plan_chat(self, text: str, engine: Engine, profile: DecodingProfile | None = None) -> ReplyPlan:
        """A new message. ``profile`` plans for another profile without switching (the compare view)."""
        self._require_idle()
        if not text.strip():
            raise ChatStateError("the message is empty")
        if self._turns and self._turns[-1].message.role is Role.USER:
            raise ChatStateError("your last message has no reply (it was deleted): regenerate answers it")
        return self._fit(ReplyKind.CHAT, len(self._turns), text, engine, profile)

    def plan_regenerate(self, engine: Engine) -> ReplyPlan:
        """The last message again. A chat that ends with your message (its reply was deleted) gets that reply."""
        self._require_idle()
        if self._turns and self._turns[-1].message.role is Role.USER:
            keep = len(self._turns) - 1
        elif len(self._turns) >= 2:
            keep = len(self._turns) - 2
        else:
            raise ChatStateError("there is no finished reply to regenerate")
        plan = self._fit(ReplyKind.REGENERATE, keep, self._turns[keep].message.text, engine)
        return replace(plan, keep=keep + 1)  # the user message stays; only the reply is replaced

    def plan_edit(self, index: int, text: str, engine: Engine) -> ReplyPlan:
        self._require_idle()
        if not 0 <= index < len(self._turns) or self._turns[index].message.role is not Role.USER:
            raise ChatStateError("only your own messages can be edited")
        if not text.strip():
            raise ChatStateError("the edited message is empty")
        return self._fit(ReplyKind.EDIT, index, text, engine, edit_of=self._turns[index].stored_id)

    def plan_fork(self, position: int, token: int) -> ReplyPlan:
        """Continue the last reply from ``position`` with ``token`` instead of what the model picked."""
        self._require_idle()
        record = self.last_record()
        if record is None:
            raise ChatStateError("there is no reply with a token record to fork")
        forced = record.result.tokens[:position] + (token,)
        request = RequestPlan(
            record.prompt,
            record.result.prompt_tokens,
            record.params.max_new_tokens,
            record.params.stop,
            0,
            self._context_start,
        )
        return ReplyPlan(
            ReplyKind.FORK, len(self._turns) - 1, None, request, record.params, record.profile, forced=forced
        )

    def plan_replay(self) -> ReplyPlan:
        """The last reply's exact prompt, parameters and seed, reusing exactly the prefix the original reused
        (llama.cpp's logits depend slightly on how the prompt was split into batches). A stopped reply is
        replayed for exactly as many tokens as it had, so the comparison is fair."""
        self._require_idle()
        record = self.last_record()
        if record is None:
            raise ChatStateError("nothing to replay yet")
        params = record.params
        if record.result.finish_reason is FinishReason.CANCELLED:
            params = replace(params, max_new_tokens=max(1, record.result.completion_tokens))
        request = RequestPlan(
            record.prompt, record.result.prompt_tokens, params.max_new_tokens, params.stop, 0, self._context_start
        )
        return ReplyPlan(
            ReplyKind.REPLAY,
            len(self._turns),
            None,
            request,
            params,
            record.profile,
            forced=record.forced,
            reuse_limit=record.reused_prefix,
            original=record,
        )

    def plan_delete(self, index: int) -> DeletePlan:
        """Take the turn at ``index`` and every later one out of the chat (the history keeps them)."""
        self._require_idle()
        if not 0 <= index < len(self._turns):
            raise ChatStateError("there is no such message to delete")
        stored = next((turn.stored_id for turn in self._turns[index:] if turn.stored_id is not None), None)
        return DeletePlan(index, len(self._turns) - index, stored)

    # -- applying -------------------------------------------------------------------------------------

    def delete(self, plan: DeletePlan) -> None:
        """Apply ``plan``. The next prompt simply ends at the cut: its tokens up to there are the same, so the
        engine's prefix match reuses them and evaluates from the cut on. A cut at or before the first turn
        still in context brings the earlier turns back (the next plan drops them again if they do not fit)."""
        self._require_idle()
        if plan.index + plan.count != len(self._turns):
            raise ChatStateError("the chat changed since the deletion was chosen; choose again")
        del self._turns[plan.index :]
        if plan.index <= self._context_start:
            self._context_start = 0
        self._journal.delete_from(plan.stored_id)

    def begin(self, plan: ReplyPlan, model_path: str) -> PendingReply:
        """Apply ``plan``: replaced turns go, the user message is written, the reply is started in the journal."""
        self._require_idle()
        kind = plan.kind
        if kind.is_saved:
            del self._turns[plan.keep :]
            self._context_start = plan.request.context_start
            if kind is ReplyKind.EDIT:
                stored = self._journal.edit_user(plan.edit_of, plan.user_text or "")
                self._turns.append(Turn(Message(Role.USER, plan.user_text or ""), stored))
            elif kind is ReplyKind.CHAT:
                stored = self._journal.add_user(plan.user_text or "")
                self._turns.append(Turn(Message(Role.USER, plan.user_text or ""), stored))
            reply_id = self._journal.start_reply(plan.profile.name, replace_last=kind.replaces_last_reply)
        else:
            reply_id = None
        self._pending = PendingReply(plan, reply_id, model_path)
        return self._pending

    def stream(self, chunk: str, completion_tokens: int) -> str:
        """Add newly generated text; returns the part to show (a reply starts at its first non-space)."""
        pending = self._require_pending()
        pending.completion_tokens = completion_tokens
        if not pending.chunks:
            chunk = chunk.lstrip()
        if chunk:
            pending.chunks.append(chunk)
            if pending.plan.kind.is_saved:
                self._journal.reply_progress(pending.reply_id, chunk, lambda: pending.text)
        return chunk

    def finish(self, result: GenerationResult) -> ReplyOutcome:
        """The engine returned (finished, hit a limit, or was stopped): the reply joins the chat."""
        pending = self._require_pending()
        self._pending = None
        plan = pending.plan
        stats = reply_stats(plan.profile, result)
        if not plan.kind.is_saved:
            return ReplyOutcome(plan.kind, plan.profile, result.text, stats, None, replay=replay_verdict(plan, result))
        record = ReplyRecord(plan.prompt, plan.params, plan.profile, result, pending.model_path, plan.forced)
        self._turns.append(Turn(Message(Role.ASSISTANT, result.text, stats), pending.reply_id, record))
        self._journal.finish_reply(pending.reply_id, result.text, stats, record)
        return ReplyOutcome(plan.kind, plan.profile, result.text, stats, len(self._turns) - 1)

    def fail(self, error: str) -> ReplyOutcome:
        """Generation broke off: the partial text is kept (on screen and stored), with no stats."""
        pending = self._require_pending()
        self._pending = None
        text = pending.text
        if not pending.plan.kind.is_saved:
            return ReplyOutcome(pending.plan.kind, pending.plan.profile, text, None, None, error=error)
        self._turns.append(Turn(Message(Role.ASSISTANT, text), pending.reply_id))
        self._journal.fail_reply(pending.reply_id, text)
        return ReplyOutcome(pending.plan.kind, pending.plan.profile, text, None, len(self._turns) - 1, error=error)

    def add_kept_exchange(self, plan: ReplyPlan, result: GenerationResult, model_path: str) -> ReplyOutcome:
        """A reply made elsewhere (a compare column the user kept) joins the chat as if it had streamed here."""
        self.begin(plan, model_path)
        return self.finish(result)

    def _require_pending(self) -> PendingReply:
        if self._pending is None:
            raise ChatStateError("no reply is being generated")
        return self._pending

    # -- whole chats ------------------------------------------------------------------------------------

    def new_chat(self) -> None:
        self._require_idle()
        self._turns.clear()
        self._context_start = 0
        self._journal.open(None)

    def resume(self, saved: SavedChat, profile: DecodingProfile | None) -> None:
        """Show a saved chat: its turns (roles kept alternating), system prompt, pins and, if given, profile."""
        self._require_idle()
        turns: list[Turn] = []
        for turn in saved.turns:
            if turns and turns[-1].message.role is turn.message.role is Role.USER:
                turns.append(Turn(Message(Role.ASSISTANT, "")))  # a reply lost before its first token
            turns.append(turn)
        if turns and turns[-1].message.role is Role.USER:
            turns.append(Turn(Message(Role.ASSISTANT, "")))  # its reply was lost: keep the roles alternating
        self._turns = turns
        self._context_start = 0
        self._settings = PromptSettings(saved.system_prompt, saved.pins)
        if profile is not None:
            self._profile = profile
        self._journal.open(saved.conversation_id)

    def forget_deleted(self, deleted: set[int]) -> bool:
        """The history deleted conversations; if the open one is among them, this becomes a new chat.
        Returns whether it was."""
        if self.conversation_id is None or self.conversation_id not in deleted:
            return False
        self.new_chat()
        return True
