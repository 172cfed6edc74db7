"""Chat actions on what the transcript shows: the raw/Markdown view, copy, and folding a reply's thinking.

Each says in a short notice what it did, or why it did nothing; none changes the chat or its history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.ui.chat.transcript import Transcript

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen


async def toggle_raw(screen: ChatScreen) -> None:
    transcript = screen.query_one(Transcript)
    await transcript.set_raw(not transcript.raw)
    if transcript.raw:
        screen.notify("Raw view: replies exactly as the model wrote them (thinking markers included).", timeout=3)
    else:
        screen.notify("Markdown view: replies formatted, their thinking folded.", timeout=3)


def copy_message(screen: ChatScreen) -> None:
    """Copy the selection, else the focused message, else the last reply (OSC 52: the terminal's clipboard)."""
    found = screen.query_one(Transcript).copy_text()
    if found is None or not found[0]:
        screen.notify("Nothing to copy yet: no reply, no selection.", severity="warning", timeout=3)
        return
    text, what = found
    screen.app.copy_to_clipboard(text)
    lines = text.count("\n") + 1
    size = f"{len(text):,} characters" + (f", {lines:,} lines" if lines > 1 else "")
    screen.notify(f"Copied {what} ({size}).", timeout=3)


def toggle_thinking(screen: ChatScreen) -> None:
    transcript = screen.query_one(Transcript)
    if transcript.raw:
        screen.notify("The raw view shows the thinking inline; switch back to Markdown to fold it.", timeout=4)
    elif not transcript.toggle_thinking():
        screen.notify("No reply here has a thinking section.", severity="warning", timeout=3)
