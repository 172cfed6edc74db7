"""A model reply as Markdown that loses nothing the model wrote.

Textual's Markdown (markdown-it's "gfm-like" rules) is made for documents, and three of its habits hide a
chat reply's text:

- a single line break is a *soft* break, drawn as a space: a reply written as lines (a poem, a list without
  markers, a few-shot answer per line) collapses into one paragraph. Here every soft break is a hard one.
- HTML is dropped: ``use <br> here`` shows as ``use  here`` and ``<b>x</b>`` as ``x``. A terminal cannot draw
  HTML, so tags are shown as the text they are.
- a list whose items are all empty (``*`` lines, what a looping small model writes) draws nothing at all: a
  600-token reply looked empty. Such a list is shown as the lines that were written.

The rules run on markdown-it's token stream (a core rule after parsing), so streaming still appends: each
``MarkdownStream.write`` parses only the last block, with these same rules.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownParagraph  # not re-exported; Textual is pinned exactly

_LIST_OPEN = ("bullet_list_open", "ordered_list_open")


def _inline_text(text: str, line: list[int] | None) -> list[Token]:
    """``paragraph_open, inline, paragraph_close`` holding ``text`` literally, one hard break per newline."""
    children: list[Token] = []
    for index, part in enumerate(text.split("\n")):
        if index:
            children.append(Token("hardbreak", "br", 0))
        children.append(Token("text", "", 0, content=part))
    return [
        Token("paragraph_open", "p", 1, map=line, block=True),
        Token("inline", "", 0, map=line, content=text, children=children, block=True),
        Token("paragraph_close", "p", -1, block=True),
    ]


def _empty_list_end(tokens: list[Token], start: int) -> int | None:
    """Index of the ``*_list_close`` ending the list opened at ``start`` when every item in it is empty."""
    index = start + 1
    while index + 1 < len(tokens) and tokens[index].type == "list_item_open":
        if tokens[index + 1].type != "list_item_close":
            return None
        index += 2
    closing = tokens[index] if index < len(tokens) else None
    if closing is not None and closing.type == tokens[start].type.replace("_open", "_close"):
        return index
    return None


def _keep_what_was_written(state: StateCore) -> None:
    lines = state.src.split("\n")
    tokens: list[Token] = []
    index = 0
    source = state.tokens
    while index < len(source):
        token = source[index]
        if token.type in _LIST_OPEN and token.map is not None:
            end = _empty_list_end(source, index)
            if end is not None:
                written = [line.strip() for line in lines[token.map[0] : token.map[1]] if line.strip()]
                tokens += _inline_text("\n".join(written), token.map)
                index = end + 1
                continue
        if token.type == "html_block":
            tokens += _inline_text(token.content.rstrip("\n"), token.map)
            index += 1
            continue
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "softbreak":
                    child.type, child.tag = "hardbreak", "br"
                elif child.type == "html_inline":
                    child.type = "text"
        tokens.append(token)
        index += 1
    state.tokens = tokens


@functools.cache
def reply_parser() -> MarkdownIt:
    """Textual's own "gfm-like" parser plus the rule above. Markdown asks its factory for a parser at every
    append; building one is a tenth of the UI thread's streaming time, and a parser keeps no state between
    parses, so one is built (on first use) and shared."""
    parser = MarkdownIt("gfm-like")
    parser.core.ruler.push("keep_what_was_written", _keep_what_was_written)
    # Each rule list builds its lookup cache on first use; build them all now, before threads share the parser
    # (Markdown.update parses in the loop's executor).
    parser.parse("# a\n\n*b* `c` http://x.io\n\n- d\n\n> e\n\n| f |\n| - |\n| g |\n\n```\nh\n```\n")
    return parser


class StreamedParagraph(MarkdownParagraph):
    """A paragraph that grows while a reply streams. Most batches only add words to its last line, so a repaint
    is enough; Textual's ``update`` always asks for a layout, which re-arranges the whole screen (a third of the
    UI thread's time while streaming). Layout only when the wrapped height changes (or it was never laid out)."""

    def set_content(self, content: Content) -> None:
        width, height = self.content_size
        self._content = content
        self.update(content, layout=False)
        if not width or not self.is_mounted or self.get_content_height(self.size, self.size, width) != height:
            self.refresh(layout=True)


class ReplyMarkdown(Markdown):
    """A reply's Markdown body; ``source`` is the text as the model wrote it."""

    BLOCKS = {**Markdown.BLOCKS, "paragraph_open": StreamedParagraph}

    def __init__(self, markdown: str = "", **kwargs) -> None:
        super().__init__(markdown, parser_factory=reply_parser, **kwargs)
