"""Chat actions that lead to a new reply through a dialog: inspect and fork, compare, edit and resend.

Each function opens its dialog and, when it returns, plans through the chat state and hands the plan to
``ChatScreen.send``; a plan that does not apply changes nothing and becomes one notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.core.chat.state import ReplyPlan
from tui.ui.common.choice import ChoiceScreen
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.compare.screen import CompareScreen, KeptReply
from tui.ui.inspector.screen import ForkRequest, InspectorScreen

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen

PlanMaker = Callable[[], ReplyPlan]


def same_model(screen: ChatScreen, consequence: str) -> bool:
    """The last reply was made with the model in use (else it cannot be reproduced or re-scored)."""
    record = screen.state.last_record()
    if record is not None and record.model_path != screen.engine.info.path:
        screen.notify(f"That reply was made with another model; {consequence}.", severity="warning")
        return False
    return True


def inspect_last_reply(screen: ChatScreen) -> None:
    record = screen.state.last_record()
    if record is None:
        screen.notify("There is no reply with a token record to inspect yet.", severity="warning")
        return
    if not screen.engine.capabilities.rescoring:
        screen.notify("This engine cannot re-score replies (remote servers do not expose logits).", severity="warning")
        return
    if not same_model(screen, "it cannot be re-scored with this one"):
        return
    if not record.result.tokens:
        screen.notify("That reply has no tokens to inspect.", severity="warning")
        return

    async def chosen(fork: ForkRequest | None) -> None:
        if fork is None:
            return
        if screen.busy() or not same_model(screen, "the fork was not started"):
            return
        await screen.send(lambda: screen.state.plan_fork(fork.position, fork.token))

    screen.app.push_screen(InspectorScreen(screen.engine, record, screen.scores), chosen)


def compare_profiles(screen: ChatScreen) -> None:
    """Run the draft under 2-4 profiles side by side; a kept column becomes the chat's next exchange."""
    draft = screen.draft().strip()
    if not draft:
        screen.notify("Type the prompt to compare in the message box first.", severity="warning")
        return
    current = screen.state.profile.name
    others = [name for name in screen.profile_names if name != current]
    second = "creative-sampling" if "creative-sampling" in others else (others[0] if others else None)
    preselected = [current] + ([second] if second else [])

    async def kept(choice: KeptReply | None) -> None:
        if choice is None or screen.busy():
            return
        outcome = screen.state.add_kept_exchange(choice.plan, choice.result, choice.model_path)
        await screen.show_kept_exchange(choice.plan, outcome)

    screen.app.push_screen(
        CompareScreen(screen.engine, screen.services.profiles, screen.state, draft, preselected), kept
    )


def edit_message(screen: ChatScreen) -> None:
    """Edit one of your messages and resend it: later turns are replaced, the old branch is kept."""
    state = screen.state
    users = state.user_turn_indexes()
    if not users:
        screen.notify("There is no message of yours to edit yet.", severity="warning")
        return

    def picked(choice: int | None) -> None:
        if choice is None:
            return
        index = users[choice]

        async def edited(values: tuple[str, ...] | None) -> None:
            if values is not None and values[0].strip() and not screen.busy():
                await screen.send(lambda: state.plan_edit(index, values[0].strip(), screen.engine))

        screen.app.push_screen(
            TextFieldsEditor(
                "Edit and resend (later turns are replaced; the old branch is kept in the history)",
                [("your message", state.messages[index].text)],
            ),
            edited,
        )

    labels = [" ".join(state.messages[index].text.split())[:100] for index in users]
    screen.app.push_screen(ChoiceScreen("Which message do you want to edit?", labels), picked)
