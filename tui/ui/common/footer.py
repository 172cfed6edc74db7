"""The footer of a screen that lives as long as the app (the chat): it lets go of the keys it replaced.

Textual's ``Footer`` recomposes on every bindings change (focus moves, a dialog closes, F8 comes and goes),
and each new ``FooterKey`` is data-bound to ``Footer.compact``. The binding is a watcher kept on the footer,
and Textual drops the watchers of removed widgets only when that reactive changes, which ``compact`` never
does here: every recompose kept ~20 dead keys (widgets, styles, rendered lines) for the life of the app.
"""

from __future__ import annotations

from textual.widgets import Footer


class PruningFooter(Footer):
    async def recompose(self) -> None:
        await super().recompose()
        # A mutation runs the watchers once, and Textual removes those whose widget has closed (the old keys).
        self.mutate_reactive(Footer.compact)
