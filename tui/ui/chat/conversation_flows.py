"""Chat actions that change which conversation or model is on screen: resume a saved chat, browse the
history (Ctrl+O), switch models (F10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.errors import UserError
from tui.core.history.journal import load_saved_chat
from tui.ui.chat.transcript import Transcript
from tui.ui.history.screen import HistoryScreen
from tui.ui.models.picker import ModelChoice, ModelPicker

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen


async def open_conversation(screen: ChatScreen, conversation_id: int) -> None:
    """Resume a saved chat: transcript, system prompt, pins, profile, and the gauge at once."""
    store = screen.services.history
    if store is None:
        return
    try:
        saved = load_saved_chat(store, conversation_id)
    except UserError as error:
        screen.notify(str(error), title="Cannot open", severity="error", timeout=10)
        return
    profile = None
    if saved.profile_name and saved.profile_name in screen.services.profiles.names():
        try:
            profile = screen.services.profiles.get(saved.profile_name)
        except UserError:
            profile = None  # a broken user profile: keep the current one
    screen.state.resume(saved, profile)
    if saved.model_path and saved.model_path != screen.engine.info.path:
        screen.notify(f"This chat was made with {saved.model_path}; it continues with the current model.", timeout=8)
    await screen.query_one(Transcript).show_messages(screen.state.messages)
    await screen.show_settings()


def browse_history(screen: ChatScreen) -> None:
    store = screen.services.history
    if store is None:
        screen.notify("History is off.", severity="warning")
        return
    history = HistoryScreen(store, screen.state.conversation_id)

    async def closed(conversation_id: int | None) -> None:
        if screen.state.forget_deleted(history.deleted):
            await screen.query_one(Transcript).show_welcome(screen.welcome_text())
            screen.recount(0)
            screen.notify("The open conversation was deleted; this is a new chat.", timeout=6)
        if conversation_id is not None:
            await open_conversation(screen, conversation_id)

    screen.app.push_screen(history, closed)


def pick_model(screen: ChatScreen) -> None:
    models = screen.models
    if not models.available or models.scan is None:
        screen.notify("Switching models is not available here (a remote endpoint, or no loader).", severity="warning")
        return
    if models.loading:
        screen.notify("A model is already loading.", severity="warning")
        return

    async def chosen(choice: ModelChoice | None) -> None:
        if choice is None:
            return
        if screen.state.generating:
            screen.action_stop()
            screen.notify("The running reply was stopped to switch models.", timeout=4)
        screen.notify(f"Loading {choice.path.name}…", timeout=3)
        models.start(choice)

    screen.app.push_screen(ModelPicker(models.scan, screen.engine.info.path, models.gpu_note), chosen)
