"""How messages look (issue 14 items 1 and 6, issue 11 item 6): your text literally, replies as Markdown that
keep their lines, the raw/Markdown view, copy, a one-line stats line, and a reasoning model's thinking folded
above its answer, on the scripted engine."""

from __future__ import annotations

import threading

from sdist import real_template
from textual.content import Content
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownBlock
from ui_helpers import send, send_and_wait, wait_for

from tui.core.chat.conversation import FinishReason, Message, ReplyStats, Role
from tui.core.chat.reasoning import THINK
from tui.engine.chat_template import ChatTemplateFormat
from tui.engine.fake import FakeEngine
from tui.ui.chat.literal_text import BLOCK_LINES, LiteralText
from tui.ui.chat.message_view import MessageView
from tui.ui.chat.reply_markdown import ReplyMarkdown, StreamedParagraph
from tui.ui.chat.stats_line import one_line
from tui.ui.chat.transcript import Transcript, snapshot_of

USER_TEXT = "# not a heading\n*stars* and <b>tag</b>\n[bold]not bold[/bold] [@click=app.quit]q[/]"


def _shown(widget) -> str:
    rendered = widget.render()
    return rendered.plain if isinstance(rendered, Content) else str(rendered)


def _markdown_text(markdown: Markdown) -> str:
    """What the Markdown widget draws, block by block (its leaf blocks' content)."""
    return "\n".join(block._content.plain for block in markdown.query(MarkdownBlock) if not block.query(MarkdownBlock))


def _views(app) -> list[MessageView]:
    return app.screen.query_one(Transcript).views


def _qwen3() -> ChatTemplateFormat:
    return ChatTemplateFormat(real_template("Qwen-Qwen3-0.6B.jinja"))


async def test_your_message_is_shown_exactly_as_written(chat_app) -> None:
    async with chat_app(FakeEngine()).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, USER_TEXT)
        user = _views(pilot.app)[0]
        assert isinstance(user.body, LiteralText) and user.body.source == USER_TEXT
        drawn = "\n".join(_shown(static) for static in user.body.query(Static))
        assert drawn == USER_TEXT  # no heading, asterisks kept, tags and markup as characters


async def test_a_reply_keeps_its_line_breaks_and_what_markdown_would_hide(chat_app) -> None:
    reply = "First line\nsecond line\n\nuse <br> here\n\n*\n\n*\n\n*"
    async with chat_app(FakeEngine().script(reply)).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "go")
        body = _views(pilot.app)[1].body
        assert isinstance(body, Markdown)
        assert _markdown_text(body).split("\n") == ["First line", "second line", "use <br> here", "*", "*", "*"]


async def test_a_long_reply_of_stars_and_blank_lines_is_not_empty(chat_app) -> None:
    reply = "\n\n".join(["*"] * 300)
    async with chat_app(FakeEngine(n_ctx=100_000).script(reply)).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "go")
        stored = pilot.app.screen.state.messages[1].text  # as many as max_new_tokens allowed
        assert stored.count("*") > 200
        assert _markdown_text(_views(pilot.app)[1].body).count("*") == stored.count("*")


async def test_the_raw_view_shows_replies_as_written_and_is_kept_for_later_replies(chat_app) -> None:
    engine = FakeEngine().script("**bold** reply", "# second")
    async with chat_app(engine).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "one")
        await pilot.press("ctrl+l")
        transcript = pilot.app.screen.query_one(Transcript)
        await wait_for(pilot, lambda: isinstance(_views(pilot.app)[1].body, LiteralText))
        assert transcript.raw and _views(pilot.app)[1].body.source == "**bold** reply"
        await send_and_wait(pilot, "two")
        last = _views(pilot.app)[3].body
        assert isinstance(last, LiteralText) and last.source == "# second"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(_views(pilot.app)[3].body, Markdown))
        assert not transcript.raw and _markdown_text(_views(pilot.app)[1].body) == "bold reply"
        assert [message.text for message in pilot.app.screen.state.messages][1::2] == ["**bold** reply", "# second"]


async def test_copy_takes_the_last_reply_or_the_focused_message_and_says_so(chat_app) -> None:
    engine = FakeEngine().script("the first reply", "the second reply")
    async with chat_app(engine).run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+c")  # nothing yet: a notice, the app stays up
        assert pilot.app.clipboard == ""
        await send_and_wait(pilot, "one")
        await send_and_wait(pilot, "two\nlines")
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == "the second reply"
        messages = [notification.message for notification in pilot.app._notifications]
        assert any(message.startswith("Copied the last reply (16 characters)") for message in messages)
        _views(pilot.app)[2].focus()
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == "two\nlines"
        _views(pilot.app)[1].focus()
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == "the first reply"
        await pilot.press("h", "i")  # typing after pointing at a message goes to the message box
        box = pilot.app.screen.query_one("#input")
        assert box.has_focus and box.text == "hi"


async def test_the_message_box_still_copies_its_own_selection(chat_app) -> None:
    async with chat_app(FakeEngine()).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        box = pilot.app.screen.query_one("#input")
        box.text = "draft words"
        box.focus()
        box.select_all()
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == "draft words"


async def test_a_mouse_selection_is_what_copy_takes(chat_app) -> None:
    async with chat_app(FakeEngine().script("alpha beta gamma")).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        reply = _views(pilot.app)[1]
        paragraph = reply.body.query(MarkdownBlock).first()
        await pilot.mouse_down(paragraph, offset=(0, 0))
        await pilot.hover(paragraph, offset=(5, 0))
        await pilot.mouse_up(paragraph, offset=(5, 0))
        await pilot.pause()
        selected = pilot.app.screen.get_selected_text()
        assert selected and "alpha".startswith(selected.strip()[:3])
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == selected


async def test_the_stats_line_stays_one_line_when_the_loop_note_quotes_line_breaks(chat_app) -> None:
    reply = "ab\ncd\n" * 8
    async with chat_app(FakeEngine().script(reply)).run_test(size=(100, 40)) as pilot:
        await send_and_wait(pilot, "loop")
        stats = pilot.app.screen.query(".message-stats").last()
        text = _shown(stats)
        assert "repeats" in text and "⏎" in text and "\n" not in text
        assert stats.region.height == 1


def test_one_line_escapes_every_kind_of_break() -> None:
    assert one_line("a\nb\r\nc\rd\u2028e\tf\x00g") == "a⏎b⏎c⏎d⏎e f g"


async def test_a_literal_text_streams_into_blocks_and_redraws_only_the_last(chat_app) -> None:
    async with chat_app(FakeEngine()).run_test(size=(100, 40)) as pilot:
        text = LiteralText("start")
        await pilot.app.screen.query_one(Transcript).mount(text)
        lines = [f"line {number}" for number in range(BLOCK_LINES * 3)]
        for line in lines:
            await text.append("\n" + line)
        first = list(text.query(Static))[0]
        assert text.source == "start\n" + "\n".join(lines)
        assert len(text.query(Static)) == 4 and _shown(first).count("\n") == BLOCK_LINES - 1
        await text.append(" end")
        assert list(text.query(Static))[0] is first and text.source.endswith("end")


async def test_a_thinking_reply_streams_open_then_folds_with_its_length(chat_app) -> None:
    reply = "<think>\nLet me think.\nTwo and two.\n</think>\n\nThe answer is **4**."
    gate = threading.Event()
    engine = FakeEngine(gate=gate, prompt_format=_qwen3()).script(reply)
    async with chat_app(engine).run_test(size=(100, 40)) as pilot:
        await send(pilot, "2+2?")
        await wait_for(pilot, lambda: len(_views(pilot.app)) == 2 and _views(pilot.app)[1].thinking is not None)
        section = _views(pilot.app)[1].thinking
        assert section is not None and not section.collapsed  # open while the model thinks
        gate.set()
        await wait_for(pilot, lambda: len(pilot.app.screen.state.messages) == 2 and not pilot.app.screen.generating)
        view = _views(pilot.app)[1]
        section = view.thinking
        assert section is not None and section.collapsed and section.query_one(LiteralText).display is False
        assert section.text == "Let me think.\nTwo and two."
        assert section.words.startswith("thought for ") and section.words.endswith(" tokens")
        assert _markdown_text(view.body) == "The answer is 4."
        assert pilot.app.screen.state.messages[1].text == reply  # stored as written, markers and all
        assert view.answer_text == "The answer is **4**."
        await pilot.press("ctrl+f")
        assert not section.collapsed and section.query_one(LiteralText).display is True
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == "The answer is **4**."  # what the Markdown view shows, no thinking
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(_views(pilot.app)[1].body, LiteralText))
        assert _views(pilot.app)[1].body.source == reply
        await pilot.press("ctrl+c")
        assert pilot.app.clipboard == reply


async def test_without_markers_in_the_template_a_think_tag_is_text(chat_app) -> None:
    reply = "<think>not a block</think> text"
    async with chat_app(FakeEngine().script(reply)).run_test(size=(100, 40)) as pilot:  # completion format
        await send_and_wait(pilot, "hi")
        view = _views(pilot.app)[1]
        assert view.thinking is None and _markdown_text(view.body) == reply
        await pilot.press("ctrl+f")  # nothing to fold: a notice, the app stays up
        assert any("thinking section" in n.message for n in pilot.app._notifications)


async def test_a_resumed_reply_gets_its_thinking_folded_with_an_estimated_length() -> None:
    stats = ReplyStats("greedy-factual", None, FinishReason.END_OF_SEQUENCE, 10, 40, 10, 0.1, 50.0)
    text = "Step one, step two.</think>Done."  # the template had opened the block (DeepSeek R1)
    snapshot = snapshot_of(Message(Role.ASSISTANT, text, stats), 1, (THINK,))
    assert snapshot.opened == THINK
    assert snapshot.thinking_words == f"thought for ≈{round(40 * 19 / len(text))} tokens"
    view = MessageView.from_snapshot(snapshot)
    assert view.answer_text == "Done." and view.raw_text == text


async def test_a_streamed_paragraph_relays_out_only_when_it_needs_another_line(chat_app, monkeypatch) -> None:
    """Streaming repaints the growing paragraph; the screen is re-arranged only when its wrapped height
    changes (each layout re-arranges every mounted message), and then its height is always right."""
    layouts: list[int] = []
    refresh = StreamedParagraph.refresh

    def counting(self, *regions, layout: bool = False, **kwargs):
        if layout and self.is_mounted:  # Markdown.append parses into new, never-mounted blocks too
            layouts.append(1)
        return refresh(self, *regions, layout=layout, **kwargs)

    monkeypatch.setattr(StreamedParagraph, "refresh", counting)
    async with chat_app(FakeEngine()).run_test(size=(60, 40)) as pilot:
        body = ReplyMarkdown()
        await pilot.app.screen.query_one(Transcript).mount(body)
        words = [f"w{number}" for number in range(120)]
        for word in words:
            await body.append(word + " ")
            await pilot.pause()
            paragraph = body.query_one(StreamedParagraph)
            width = paragraph.content_size.width
            assert paragraph.content_size.height == paragraph._content.get_height(paragraph.styles, width)
        lines = paragraph.content_size.height
        assert lines > 5  # the reply wrapped many times
        assert lines <= len(layouts) < len(words) // 3  # a layout per new line (and the first), not per batch
        assert _markdown_text(body) == " ".join(words)
