"""Persistence for the chat screen: every message goes to the SQLite history as it happens.

A user message is committed before generation starts; a reply is written as it streams (at the end of a
sentence or at least every second) and finally with its stats, so ``kill -9`` mid-reply loses at most the
last second. Mixed into ``ChatScreen``; with no store (tests, ``--no-history``) every hook is a no-op.
History errors never take the chat down: they become one notice.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from tui.core.conversation import Message, ReplyStats, Role
from tui.core.errors import UserError

FLUSH_EVERY_S = 1.0
SENTENCE_FLUSH_S = 0.25


class ChatHistoryMixin:
    history = None
    conversation_id: int | None = None

    def _history_call(self, action, *args, **kwargs):
        if self.history is None:
            return None
        try:
            return action(*args, **kwargs)
        except UserError as error:
            self.notify(str(error), title="History not saved", severity="error", timeout=10)
            return None

    def _ensure_conversation(self) -> int | None:
        if self.history is None:
            return None
        if self.conversation_id is None:
            from tui.core.history_model import model_fingerprint

            path = self.engine.info.path
            fingerprint = self._history_call(model_fingerprint, Path(path)) if Path(path).is_file() else ""
            self.conversation_id = self._history_call(
                self.history.create_conversation, model_path=path, model_fingerprint=fingerprint or "",
                system_prompt=self.session.system_prompt, pins=self.session.pins, profile=self.session.profile.name)
        return self.conversation_id

    def persist_user(self, text: str) -> None:
        conversation = self._ensure_conversation()
        if conversation is not None:
            self.message_ids.append(self._history_call(self.history.add_user_message, conversation, text))

    def persist_reply_start(self, profile: str, replace_last: bool = False) -> None:
        self._reply_id = None
        self._flushed_at = time.monotonic()
        conversation = self._ensure_conversation()
        if conversation is None:
            return
        start = self.history.replace_last_reply if replace_last else self.history.start_reply
        self._reply_id = self._history_call(start, conversation, profile)

    def persist_reply_progress(self, text: str) -> None:
        if self.history is None or getattr(self, "_reply_id", None) is None:
            return
        since = time.monotonic() - self._flushed_at
        sentence_end = text.rstrip(" ").endswith((".", "!", "?", "\n"))
        if since >= FLUSH_EVERY_S or (sentence_end and since >= SENTENCE_FLUSH_S):
            self._history_call(self.history.update_reply_text, self._reply_id, text)
            self._flushed_at = time.monotonic()

    def persist_reply_end(self, text: str, stats: ReplyStats | None) -> int | None:
        reply_id, self._reply_id = getattr(self, "_reply_id", None), None
        if self.history is None or reply_id is None:
            return None
        if stats is None:
            self._history_call(self.history.update_reply_text, reply_id, text)
        else:
            self._history_call(self.history.finish_reply, reply_id, text, stats)
        return reply_id

    def persist_settings(self) -> None:
        """System prompt, pins and profile, so a resumed chat comes back as it was left."""
        if self.history is not None and self.conversation_id is not None:
            self._history_call(self.history.update_conversation, self.conversation_id,
                               system_prompt=self.session.system_prompt, pins=self.session.pins,
                               profile=self.session.profile.name)

    def load_conversation(self, conversation_id: int) -> list[Message]:
        """Load a saved chat into the session: its messages, system prompt, pins and profile."""
        loaded = self.history.get_conversation(conversation_id)
        messages: list[Message] = []
        ids: list[int | None] = []
        for message, message_id in zip(loaded.messages, loaded.message_ids):
            if messages and messages[-1].role is message.role is Role.USER:
                messages.append(Message(Role.ASSISTANT, ""))  # a reply lost before its first token
                ids.append(None)
            messages.append(message)
            ids.append(message_id)
        if messages and messages[-1].role is Role.USER:
            messages.append(Message(Role.ASSISTANT, ""))  # its reply was lost: keep the roles alternating
            ids.append(None)
        self.conversation_id = conversation_id
        self.session.messages = messages
        self.session.context_start = 0
        self.session.system_prompt = loaded.info.system_prompt
        self.session.pins = loaded.info.pins
        self.message_ids = ids
        self.records.clear()
        if loaded.info.profile and loaded.info.profile in self.profiles.names():
            try:
                self.session.profile = self.profiles.get(loaded.info.profile)
            except UserError:
                pass
        if loaded.info.model_path and loaded.info.model_path != self.engine.info.path:
            self.notify(f"This chat was made with {loaded.info.model_path}; it continues with the current model.",
                        timeout=8)
        return messages

    async def open_conversation(self, conversation_id: int) -> None:
        """Resume a saved chat: transcript, system prompt, pins, profile, and the gauge at once."""
        from tui.ui.widgets.pins_panel import PinsPanel
        from tui.ui.widgets.profile_bar import ProfileBar
        from tui.ui.widgets.transcript import Transcript

        try:
            messages = self.load_conversation(conversation_id)
        except UserError as error:
            self.notify(str(error), title="Cannot open", severity="error", timeout=10)
            return
        await self.query_one(Transcript).show_messages(messages)
        self.query_one(ProfileBar).show(self.session.profile)
        await self.refresh_pins()
        self.query_one(PinsPanel).set_class(bool(self.session.pins.examples), "-open")
        self._schedule_recount(0)

    def action_history(self) -> None:
        if self.history is None:
            self.notify("History is off.", severity="warning")
            return
        if self.generating:
            self.notify("Wait for the reply to finish (or press Esc) first.", severity="warning")
            return
        from tui.ui.screens.history import HistoryScreen

        async def chosen(conversation_id: int | None) -> None:
            if self.conversation_id is not None and self.conversation_id in screen.deleted:
                # The open chat was deleted: keep it on screen, saved again from its next message.
                self.conversation_id = None
                self.message_ids = [None] * len(self.session.messages)
                self.notify("This conversation was deleted from the history; new messages start a new one.",
                            timeout=6)
            if conversation_id is not None:
                await self.open_conversation(conversation_id)

        screen = HistoryScreen(self.history, self.conversation_id)
        self.app.push_screen(screen, chosen)

    def action_edit_message(self) -> None:
        """Edit one of your messages and resend it: later turns are replaced, the old branch is kept."""
        from tui.ui.screens.choice import ChoiceScreen
        from tui.ui.screens.text_editor import TextFieldsEditor

        if self.generating:
            self.notify("Wait for the reply to finish (or press Esc) first.", severity="warning")
            return
        users = [index for index, message in enumerate(self.session.messages) if message.role is Role.USER]
        if not users:
            self.notify("There is no message of yours to edit yet.", severity="warning")
            return

        def picked(choice: int | None) -> None:
            if choice is None:
                return
            index = users[choice]

            async def edited(values: tuple[str, ...] | None) -> None:
                if values is not None and values[0].strip():
                    await self._resend_edited(index, values[0].strip())

            self.app.push_screen(TextFieldsEditor("Edit and resend (later turns are replaced; the old branch "
                                                  "is kept in the history)",
                                                  [("your message", self.session.messages[index].text)]), edited)

        labels = [" ".join(self.session.messages[index].text.split())[:100] for index in users]
        self.app.push_screen(ChoiceScreen("Which message do you want to edit?", labels), picked)

    async def _resend_edited(self, index: int, text: str) -> None:
        from tui.ui.widgets.transcript import Transcript

        trial = copy.deepcopy(self.session)
        del trial.messages[index:]
        trial.context_start = min(trial.context_start, index)
        try:  # refuse before anything (the history included) changes
            trial.plan(text, self.engine.prompt_format, self.engine.count_tokens, self.engine.info.n_ctx)
        except UserError as error:
            self.notify(str(error), title="Cannot send", severity="error", timeout=10)
            return
        stored = self.message_ids[index] if index < len(self.message_ids) else None
        new_id = self._history_call(self.history.edit_user_message, stored, text) \
            if self.history is not None and stored is not None else None
        del self.session.messages[index:]
        del self.message_ids[index:]
        self.session.context_start = min(self.session.context_start, index)
        for key in [key for key in self.records if key >= index]:
            del self.records[key]
        self.query_one(Transcript).retire_from(index, "replaced by an edit below")
        await self.send_message(text, stored_user_id=new_id)
