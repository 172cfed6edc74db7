"""Text from outside (the user, a file, a model, a server) as Textual content that is never parsed as markup.

Every Static, Label, Option prompt, Button label or table cell built from such text goes through ``plain``.
"""

from __future__ import annotations

from textual.content import Content


def plain(text: object) -> Content:
    """``text`` exactly as written: ``[/]`` or ``[@click=app.quit]`` shows as those characters."""
    return Content(str(text))
