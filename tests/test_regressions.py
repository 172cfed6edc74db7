"""Regressions found in review: state stays consistent across forks, edits, deletes, model loads, strict
chat templates and resumed chats whose last reply was lost."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.widgets import SelectionList
from ui_helpers import InspectableFake, open_model_picker, send, send_and_wait, wait_for

from tui.core.chat.conversation import Role
from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.message_view import MessageView
from tui.ui.common.choice import ChoiceScreen
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.history.screen import HistoryScreen
from tui.ui.inspector.screen import InspectorScreen


def _views(screen):
    return [
        (v.role.value, v.message_index, v.has_class("-dropped"), v.raw_text or v.body.source)
        for v in screen.query(MessageView)
    ]


async def test_a_fork_after_a_replay_dims_the_replaced_reply(chat_app):
    engine = InspectableFake().script("one two three", "one two three", "forked")
    app = chat_app(engine)
    async with app.run_test(size=(130, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "count")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(engine.requests) == 2 and not chat.generating)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and app.screen.scores)
        await pilot.press("down", "f")
        await wait_for(pilot, lambda: app.screen is chat and len(engine.requests) == 3 and not chat.generating)
        orig = chat.query(MessageView)[1]
        assert orig.has_class("-dropped"), "original reply view not marked replaced"


async def test_overflow_dims_only_messages_out_of_context(chat_app, tmp_path):
    history = HistoryStore(tmp_path / "h.sqlite3")
    chat_id = history.create_conversation(title="long")
    for i in range(30):
        history.add_user_message(chat_id, f"q{i}")
        r = history.start_reply(chat_id, "greedy-factual")
        history.finish_reply(
            r,
            f"a{i}",
            __import__("tui.core.chat.conversation", fromlist=["ReplyStats"]).ReplyStats(
                profile="greedy-factual",
                seed=1,
                finish_reason=__import__(
                    "tui.core.chat.conversation", fromlist=["FinishReason"]
                ).FinishReason.END_OF_SEQUENCE,
                prompt_tokens=1,
                completion_tokens=1,
                evaluated_prompt_tokens=1,
                ttft_s=0.0,
                tokens_per_s=1.0,
            ),
        )
    engine = FakeEngine(n_ctx=int("330"))
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await wait_for(pilot, lambda: len(s.state.messages) == 60)
        await send_and_wait(pilot, "next")
        vs = _views(s)
        wrong = [v for v in vs if v[2] and v[1] is not None and v[1] >= s.state.context_start]
        assert not wrong
    history.close()


async def test_an_edit_that_does_not_fit_changes_nothing(chat_app, tmp_path):
    history = HistoryStore(tmp_path / "h.sqlite3")
    engine = FakeEngine(n_ctx=300).script("r1", "r2")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await send_and_wait(pilot, "more")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
        await pilot.press("up", "enter")
        await wait_for(
            pilot, lambda: isinstance(pilot.app.screen, TextFieldsEditor) and pilot.app.screen.query("#text-field-0")
        )
        pilot.app.screen.query_one("#text-field-0").text = "x " * 80
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: pilot.app.screen is s)
        await pilot.pause(0.2)
        conv = s.state.conversation_id
        await send_and_wait(pilot, "after")
        assert [m.text for m in history.get_conversation(conv).messages] == [m.text for m in s.state.messages]
    history.close()


async def test_send_while_a_model_loads_is_refused(chat_app):
    release = threading.Event()
    new = InspectableFake()

    def loader(path, layers):
        release.wait(5)
        return new

    from tui.core.models.scan import ModelEntry
    from tui.core.models.sources import SourceKind

    entry = ModelEntry(
        name="b.gguf",
        source=SourceKind.FOLDER,
        path=Path("/models/b.gguf"),
        architecture="llama",
        parameters="1B",
        quantization="Q4_K_M",
        size_bytes=7 * 2**20,
        context_length=4096,
        has_chat_template=True,
    )
    old = InspectableFake().script("old model reply here")
    app = chat_app(old, load_model=loader, scan_models=lambda: [entry])
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await open_model_picker(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is chat and chat.models.loading)
        await send(pilot, "hi")
        await pilot.pause(0.1)
        assert not chat.generating and old.requests == [] and chat.query_one("#input").text == "hi"
        release.set()
        await wait_for(pilot, lambda: chat.engine is new and old.closed)


async def test_quitting_cancels_a_running_comparison(chat_app):
    gate = threading.Event()
    seen = []

    class Rec(FakeEngine):
        def generate(self, prompt, params, on_text, cancel, reuse_limit=None, forced=()):
            seen.append(cancel)
            return super().generate(prompt, params, on_text, cancel, reuse_limit, forced)

    engine = Rec(gate=gate).script("a b c d e f")
    app = chat_app(engine)
    from tui.ui.compare.screen import CompareScreen

    async with app.run_test(size=(140, 40)) as pilot:
        app.screen.query_one("#input").text = "sea"
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.query(SelectionList))
        await pilot.press("f9")
        await wait_for(pilot, lambda: seen)
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
    gate.set()
    assert seen[0].is_set()


async def test_deleting_the_open_chat_keeps_saving(chat_app, tmp_path):
    history = HistoryStore(tmp_path / "h.sqlite3")
    engine = FakeEngine().script("r1", "r2")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        await pilot.press("ctrl+d", "ctrl+d")
        await wait_for(pilot, lambda: len(history.list_conversations()) == 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is s)
        await send_and_wait(pilot, "second")
        assert history.list_conversations(), "nothing saved after deleting the open chat"
    history.close()


async def test_a_failed_regenerate_leaves_no_stale_record(chat_app):
    class Failing(InspectableFake):
        calls = 0

        def generate(self, *a, **k):
            Failing.calls += 1
            if Failing.calls == 2:
                from tui.core.errors import ModelError

                raise ModelError("boom")
            return super().generate(*a, **k)

    engine = Failing().script("first reply text")
    async with chat_app(engine).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: not s.generating and len(s.state.messages) == 2 and Failing.calls == 2)
        await pilot.pause(0.1)
        record = s.state.turns[1].record
        assert record is None or record.result.text == s.state.messages[1].text


async def test_a_template_without_system_role_gets_the_system_text_in_the_first_user_turn(chat_app):
    """Mistral v0.x-style strict alternation refused any system turn (the send failed, blaming the profile)."""
    from tui.engine.chat_template import ChatTemplateFormat

    template = (Path(__file__).parent / "data" / "strict-alternation.jinja").read_text()
    engine = FakeEngine(prompt_format=ChatTemplateFormat(template=template, bos_token="<s>", eos_token="</s>"))
    engine.script("hello")
    app = chat_app(engine, system_prompt="Be brief.")
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        assert engine.requests[-1][0] == "<s>[INST] Be brief.\n\nhi [/INST]"


async def test_a_template_that_refuses_the_chat_is_a_message_not_a_crash(chat_app):
    from tui.engine.chat_template import ChatTemplateFormat

    template = "{{ raise_exception('this model takes no chats today') }}"
    engine = FakeEngine(prompt_format=ChatTemplateFormat(template=template, bos_token="<s>", eos_token="</s>"))
    app = chat_app(engine, system_prompt="Be brief.")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        s = app.screen
        await send(pilot, "hi")
        await pilot.pause(0.3)
        assert engine.requests == [] and s.query_one("#input").text == "hi"  # refused, kept
        assert "this model takes no chats today" in s.query_one("#gauge").render().plain  # said in place
        await pilot.press("f7")
        await pilot.pause(0.1)
        assert app.screen is s
    assert app.return_code in (None, 0)


async def test_a_resumed_chat_whose_last_reply_was_lost_keeps_roles_alternating(chat_app, tmp_path):
    history = HistoryStore(tmp_path / "h.sqlite3")
    c = history.create_conversation()
    history.add_user_message(c, "first question")
    history.start_reply(c, "greedy-factual")  # killed before the first flush
    engine = FakeEngine().script("answer")
    async with chat_app(engine, history=history).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await wait_for(pilot, lambda: len(s.state.messages) == 2)
        assert [m.role for m in s.state.messages] == [Role.USER, Role.ASSISTANT]
        await send_and_wait(pilot, "second question")
        assert engine.requests[-1][0] == "User: first question\nAssistant: \n\nUser: second question\nAssistant:"
    history.close()


def test_invalid_utf8_on_stdin_and_unwritable_exports_are_one_line_errors(shotglass_cmd, tmp_path):
    import subprocess

    for args in (["ask", "-"], ["tokens", "-"]):
        result = subprocess.run([*shotglass_cmd, *args], input=b"\xff\xfe hi", capture_output=True, timeout=120)
        assert result.returncode == 2 and b"standard input is not UTF-8 text" in result.stderr
    result = subprocess.run(
        [*shotglass_cmd, "profiles", "export", "greedy-factual", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "cannot write" in result.stderr and "Traceback" not in result.stderr


async def test_resuming_a_chat_saved_with_another_profile_keeps_it_and_stays_idle(chat_app, tmp_path):
    from tui.core.chat.conversation import FinishReason, ReplyStats

    history = HistoryStore(tmp_path / "h.sqlite3")
    c = history.create_conversation(profile="balanced")
    history.add_user_message(c, "hi")
    reply = history.start_reply(c, "balanced")
    history.finish_reply(
        reply,
        "hello",
        ReplyStats(
            profile="balanced",
            seed=1,
            finish_reason=FinishReason.END_OF_SEQUENCE,
            prompt_tokens=3,
            completion_tokens=1,
            evaluated_prompt_tokens=3,
            ttft_s=0.0,
            tokens_per_s=1.0,
        ),
    )
    async with chat_app(FakeEngine(), history=history).run_test(size=(120, 40)) as pilot:
        s = pilot.app.screen
        await wait_for(pilot, lambda: len(s.state.messages) == 2)
        await pilot.pause(0.5)
        assert s.state.profile.name == "balanced"
        writes = []
        original = history.update_conversation
        history.update_conversation = lambda *a, **k: (writes.append(s.state.profile.name), original(*a, **k))[1]
        await pilot.pause(0.5)
        assert writes == []  # nothing flips back and forth while idle
        await pilot.press("f2")
        await pilot.pause(0.3)
        names = s.profile_names
        assert s.state.profile.name == names[(names.index("balanced") + 1) % len(names)]
        assert s.query_one("#profile-select").value == s.state.profile.name
        assert writes == [s.state.profile.name]  # the switch is saved once (and the wrapper above is live)
    assert history.conversation_info(c).profile == s.state.profile.name
    history.close()
