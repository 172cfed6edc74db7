"""Delete a message (Alt+D): pick one, and it and every later turn leave the chat.

Nothing is lost: the history keeps the removed tail as an old branch, as an edit does. The transcript is
drawn again from the chat state (what is on screen is what is stored) and the gauge recounts; the next reply's
prompt ends at the cut, so the engine reuses the tokens before it and evaluates from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.chat.conversation import Role
from tui.core.errors import UserError
from tui.ui.chat.transcript import Transcript
from tui.ui.common.choice import ChoiceScreen

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen

LABEL_WIDTH = 100


def delete_message(screen: ChatScreen) -> None:
    state = screen.state
    if not state.turns:
        screen.notify("There is no message to delete yet.", severity="warning")
        return
    labels = [_label(message.role, message.text) for message in state.messages]

    async def picked(choice: int | None) -> None:
        if choice is None or screen.busy():
            return
        try:
            plan = state.plan_delete(choice)
            state.delete(plan)
        except UserError as error:
            screen.notify(str(error).capitalize(), title="Not deleted", severity="error", timeout=10)
            return
        await show_turns(screen)
        screen.recount(0)
        removed = "1 message" if plan.count == 1 else f"{plan.count} messages"
        kept = "; the old branch is kept in the history" if plan.stored_id is not None else ""
        screen.notify(f"Deleted {removed} from the chat{kept}.", timeout=4)

    screen.app.push_screen(
        ChoiceScreen("Delete which message? It and every later turn leave the chat.", labels), picked
    )


def _label(role: Role, text: str) -> str:
    who = "You" if role is Role.USER else "Reply"
    return f"{who}: {' '.join(text.split())[:LABEL_WIDTH] or '(empty)'}"


async def show_turns(screen: ChatScreen) -> None:
    """The transcript as the chat state now holds it (the welcome text when nothing is left)."""
    transcript = screen.query_one(Transcript)
    state = screen.state
    if not state.messages:
        await transcript.show_welcome(screen.welcome_text())
        return
    await transcript.show_messages(state.messages)
    if state.context_start:
        transcript.mark_out_of_context(state.context_start)
