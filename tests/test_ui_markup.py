"""Text from the user, a file, a model or a server is never parsed as Textual markup (issue 12, item 3).

Markup-like text goes through every screen: the chat transcript (user message and reply), the
conversations list and its search (Ctrl+O), a resumed conversation from another model's path, the model
picker (F10), the profile editor (F3), the pins panel, compare (F9), the inspector (F8) and error notices.
Each time the app stays up and the text is shown literally.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import DataTable, OptionList
from textual.widgets._toast import Toast
from ui_helpers import InspectableFake, send_and_wait, wait_for

from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.history.store import HistoryStore
from tui.core.models.scan import ModelEntry
from tui.core.models.sources import SkippedFile, SourceKind
from tui.engine.fake import FakeEngine
from tui.ui.common.choice import ChoiceScreen
from tui.ui.compare.column import CompareColumn
from tui.ui.compare.screen import CompareScreen
from tui.ui.history.screen import HistoryScreen
from tui.ui.inspector.screen import InspectorScreen
from tui.ui.models.picker import ModelPicker
from tui.ui.plain import plain
from tui.ui.profiles.editor import ProfileEditor

HOSTILE = ("[/]", "[bold red]x[/]", "[link=http://x]y[/link]", "[@click=app.quit]q[/]")
MESSAGE = "look: " + " ".join(HOSTILE)


def _shown(widget) -> str:
    """The text a Static/Label draws, as plain characters."""
    rendered = widget.render()
    return rendered.plain if isinstance(rendered, Content) else str(rendered)


def _screen_text(app) -> str:
    """Every Static/Label/option/toast on the current screen, as plain text."""
    from textual.widgets import Static

    parts = [_shown(widget) for widget in app.screen.query(Static)]
    for options in app.screen.query(OptionList):
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join(parts)


def _toasts(app) -> str:
    return "\n".join(_shown(toast) for toast in app.query(Toast)) + "\n".join(
        notification.message for notification in app._notifications
    )


def test_plain_keeps_markup_characters() -> None:
    for text in HOSTILE:
        assert plain(text).plain == text


async def test_chat_history_and_search_show_markup_literally(chat_app, tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "history.sqlite3")
    engine = FakeEngine().script("reply " + " ".join(HOSTILE))
    try:
        async with chat_app(engine, history=history, resume=False).run_test(size=(160, 50)) as pilot:
            app = pilot.app
            await send_and_wait(pilot, MESSAGE)
            await pilot.pause(0.1)
            assert app.is_running
            assert [m.text for m in app.screen.state.messages] == [MESSAGE, "reply " + " ".join(HOSTILE)]
            chat = app.screen
            await pilot.press("ctrl+t")  # which message to edit: the messages as options
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.pause(0.1)
            assert MESSAGE in _screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is chat)
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
            listing = app.screen
            await wait_for(pilot, lambda: listing.query_one("#history-list").option_count == 1)
            await pilot.pause(0.1)
            assert "[/] [bold red]x[/] [link=http://x]y[/link]" in _screen_text(app)
            await pilot.press(*"look")
            await wait_for(pilot, lambda: listing.query_one("#history-list").option_count == 1)
            await pilot.pause(0.1)
            assert "[bold red]x[/]" in _screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen))
            assert app.is_running
    finally:
        history.close()


async def test_a_resumed_conversation_from_a_markup_path(chat_app, tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "history.sqlite3")
    try:
        async with chat_app(FakeEngine(), history=history, resume=False).run_test(size=(160, 50)) as pilot:
            await send_and_wait(pilot, "hello")
        data = history.export_json(history.last_conversation_id())
        data["metadata"]["model"]["path"] = "/models/[/bold]evil[/].gguf"
        data["metadata"]["title"] = "[/]"
        imported = history.import_json(data)
        assert history.last_conversation_id() == imported
        async with chat_app(FakeEngine(), history=history).run_test(size=(160, 50)) as pilot:
            app = pilot.app
            await wait_for(pilot, lambda: app.screen.state.conversation_id == imported)
            await pilot.pause(0.2)
            assert app.is_running
            assert "/models/[/bold]evil[/].gguf" in _toasts(app)
    finally:
        history.close()


async def test_model_picker_and_header_show_markup_names(chat_app) -> None:
    def entry(name: str) -> ModelEntry:
        return ModelEntry(
            name=name,
            source=SourceKind.FOLDER,
            path=Path(f"/models/[/bold]/{name}"),
            architecture="[/]",
            parameters="1B",
            quantization="Q4_K_M",
            size_bytes=2**20,
            context_length=4096,
            has_chat_template=True,
        )

    def scan():
        return [entry("[/]"), entry("[@click=app.quit]q[/]"), SkippedFile(Path("/m/[/]bad.gguf"), "[bold]no[/]")]

    engine = FakeEngine()
    engine.info = dataclasses.replace(engine.info, name="[/]", path="/models/[link=http://x]y[/link].gguf")
    app = chat_app(engine, load_model=lambda path, layers: FakeEngine(), scan_models=scan, gpu_note="[/]note")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.1)
        assert "[/]" in _screen_text(app)
        await pilot.press("f10")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count
        )
        await pilot.pause(0.1)
        text = _screen_text(app)
        assert "[@click=app.quit]q[/]" in text and "[bold]no[/]" in text and "[/]note" in text
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.is_running


async def test_profile_editor_pins_and_error_notices(chat_app, tmp_path: Path) -> None:
    pins = ExampleSet(
        name="[/]set",
        instruction="[bold red]x[/]",
        input_label="[/]in",
        output_label="[link=http://x]y[/link]",
        examples=(Example("[@click=app.quit]q[/]", "[/]"),),
    )
    app = chat_app(FakeEngine(), pins=pins, estimate=lambda text: len(text) // 4)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.2)
        text = _screen_text(app)
        assert "[@click=app.quit]q[/]" in text and "[bold red]x[/]" in text and "[/]set" in text
        chat = app.screen
        chat.action_load_examples()
        await wait_for(pilot, lambda: app.screen is not chat and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(tmp_path / "[/]missing[bold].toml")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "[/]missing[bold].toml" in _toasts(app))
        await pilot.pause(0.1)
        assert app.is_running
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))
        editor = app.screen
        for field in editor.query("Input"):
            if field.id and "name" in field.id:
                field.value = "[/]"
                break
        else:
            pytest.fail("no name field in the profile editor")
        await pilot.pause(0.2)
        assert "[/]" in _shown(editor.query_one("#editor-status"))
        assert app.is_running


async def test_compare_and_inspector_show_markup_literally(chat_app) -> None:
    engine = InspectableFake().script("[/] one", "[bold red]x[/] two", "[@click=app.quit]q[/]")
    app = chat_app(engine)
    async with app.run_test(size=(160, 50)) as pilot:
        chat = app.screen
        chat.query_one("#input").text = "[link=http://x]y[/link]"
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        compare = app.screen
        await pilot.press("f9")
        await wait_for(pilot, lambda: not compare.running and all(c.result for c in compare.query(CompareColumn)))
        await pilot.pause(0.1)
        text = _screen_text(app)
        assert "[link=http://x]y[/link]" in text and "[bold red]x[/] two" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chat)
        await send_and_wait(pilot, "[/]")
        engine.token_text = lambda token: "[/]"  # type: ignore[method-assign]
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and app.screen.scores)
        await pilot.pause(0.1)
        assert app.screen.query_one(DataTable).row_count
        assert app.is_running
