"""Thinking and answer split from a streamed reply (tui/core/chat/reasoning.py), against the markers the
real templates in llama.cpp's corpus write."""

from __future__ import annotations

import random

import pytest
from sdist import real_template, real_templates

from tui.core.chat.reasoning import (
    KNOWN_MARKERS,
    MISTRAL_THINK,
    SEED_THINK,
    THINK,
    Phase,
    ReasoningSplitter,
    markers_named_in,
    opened_by_prompt,
    opened_by_text,
    split_reply,
    thinking_tokens,
    token_words,
)


def _template(name: str) -> str:
    return real_template(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Qwen-Qwen3-0.6B.jinja", (THINK,)),
        ("Qwen-QwQ-32B.jinja", (THINK,)),
        ("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", (THINK,)),
        ("mistralai-Ministral-3-14B-Reasoning-2512.jinja", (MISTRAL_THINK,)),
        ("ByteDance-Seed-OSS.jinja", (SEED_THINK,)),
        ("google-gemma-2-2b-it.jinja", ()),
        ("meta-llama-Llama-3.1-8B-Instruct.jinja", ()),
        ("Qwen-Qwen2.5-7B-Instruct.jinja", ()),
    ],
)
def test_the_markers_are_the_ones_the_template_names(name: str, expected: tuple) -> None:
    assert markers_named_in(_template(name)) == expected


def test_every_textual_marker_in_the_corpus_is_known() -> None:
    """A template that writes a ``</…think…>``-style closing text has it among the known pairs."""
    closes = {"</think>", "[/THINK]", "</seed:think>"}
    for path in real_templates():
        text = path.read_text(encoding="utf-8")
        named = {pair.close for pair in markers_named_in(text)}
        assert named == {close for close in closes if close in text}, path.name


def test_deepseek_r1_opens_the_block_in_its_generation_prompt() -> None:
    from tui.core.chat.prompt import PromptParts
    from tui.engine.chat_template import ChatTemplateFormat

    fmt = ChatTemplateFormat(_template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"))
    on = fmt.render(PromptParts(new_message="2+2?", template_options=(("enable_thinking", True),)))
    assert on.endswith("<think>\n") and opened_by_prompt(on, markers_named_in(fmt.template)) == THINK
    off = fmt.render(PromptParts(new_message="2+2?"))  # this copy closes the block unless thinking is on
    assert opened_by_prompt(off, markers_named_in(fmt.template)) is None
    parts = split_reply("Add them.\n</think>\n\nFour.", (THINK,), opened=THINK)
    assert parts.thinking == "Add them." and parts.answer == "Four." and parts.closed


def test_qwen3_lets_the_model_open_the_block_unless_thinking_is_off() -> None:
    from tui.core.chat.prompt import PromptParts
    from tui.engine.chat_template import ChatTemplateFormat

    fmt = ChatTemplateFormat(_template("Qwen-Qwen3-0.6B.jinja"))
    markers = markers_named_in(fmt.template)
    assert opened_by_prompt(fmt.render(PromptParts(new_message="hi")), markers) is None
    off = fmt.render(PromptParts(new_message="hi", template_options=(("enable_thinking", False),)))
    assert off.rstrip().endswith("</think>") and opened_by_prompt(off, markers) is None


def test_a_prompt_that_closes_the_block_opens_nothing() -> None:
    assert opened_by_prompt("<|im_start|>assistant\n<think>\n\n</think>\n\n", (THINK,)) is None
    assert opened_by_prompt("<｜Assistant｜><think>\n", (THINK,)) == THINK
    assert opened_by_prompt("<｜Assistant｜><think>\n", ()) is None


def test_a_stored_reply_with_only_a_closing_marker_was_opened_by_its_template() -> None:
    assert opened_by_text("steps</think>answer", (THINK,)) == THINK
    assert opened_by_text("<think>steps</think>answer", (THINK,)) is None
    assert opened_by_text("no markers", KNOWN_MARKERS) is None


@pytest.mark.parametrize("pair", KNOWN_MARKERS)
def test_a_whole_reply_splits_into_thinking_and_answer(pair) -> None:
    text = f"\n{pair.open}\nLet me think.\nYes.\n{pair.close}\n\nThe answer is 4."
    parts = split_reply(text, KNOWN_MARKERS)
    assert parts.thinking == "Let me think.\nYes."  # the blank lines around it are the template's
    assert parts.answer == "The answer is 4."
    assert parts.closed


def test_without_markers_the_reply_is_all_answer_and_marker_text_later_on_stays() -> None:
    assert split_reply("Plain <think>x</think>", KNOWN_MARKERS) == split_reply("Plain <think>x</think>", ())
    parts = split_reply("Plain <think>x</think>", KNOWN_MARKERS)
    assert parts.thinking is None and parts.answer == "Plain <think>x</think>"
    assert split_reply("<think>x</think>y", ()).answer == "<think>x</think>y"  # a template naming none


def test_a_reply_stopped_mid_thought_has_no_answer() -> None:
    parts = split_reply("<think>still going </thi", (THINK,))
    assert parts.thinking == "still going </thi" and parts.answer == "" and not parts.closed


def test_a_reply_that_is_only_a_marker_prefix_is_text() -> None:
    assert split_reply("  <thi", (THINK,)).answer == "<thi"
    assert split_reply("<", KNOWN_MARKERS).answer == "<"


def _stream(text: str, cuts: list[int], markers=KNOWN_MARKERS, opened=None) -> tuple[str, str, list]:
    splitter = ReasoningSplitter(markers, opened)
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    thinking, answer, shown = "", "", []
    for piece in pieces:
        part = splitter.feed(piece)
        thinking += part.thinking
        answer += part.answer
        shown.append(part)
    last = splitter.flush()
    return thinking + last.thinking, answer + last.answer, shown


def test_markers_split_across_chunks_are_found_and_never_shown() -> None:
    text = "<think>a < b and </b> too</think>\n\nDone: </think> stays."
    for cut in range(1, len(text)):
        thinking, answer, shown = _stream(text, [cut])
        assert thinking == "a < b and </b> too", cut
        assert answer == "Done: </think> stays.", cut
        assert all("</think>" not in part.thinking and "<think>" not in part.thinking for part in shown)


def test_any_chunking_gives_what_the_whole_text_gives() -> None:
    rng = random.Random(14)
    samples = [
        "<think>x</think>y",
        "  [THINK]plan [/THINK] [/THINK] answer",
        "<seed:think>s</seed:think>",
        "<seed:thin> not a marker",
        "</think> closing first",
        "<think><think>nested</think>out",
    ]
    for text in samples:
        whole = split_reply(text, KNOWN_MARKERS)
        for _ in range(200):
            cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, min(6, len(text) - 1))))
            thinking, answer, _ = _stream(text, cuts)
            assert (thinking if whole.thinking is not None else None) == whole.thinking, (text, cuts)
            assert answer == whole.answer, (text, cuts)


def test_whitespace_before_the_closing_marker_is_held_back_then_dropped() -> None:
    splitter = ReasoningSplitter((THINK,))
    assert splitter.feed("<think>\n\nstep").thinking == "step"
    assert splitter.feed("\n").thinking == ""
    assert splitter.feed("\n</th").thinking == ""
    assert splitter.feed("ink>\n\nA").thinking == "" and splitter.phase is Phase.ANSWER
    splitter = ReasoningSplitter((THINK,))
    splitter.feed("<think>a\n")
    assert splitter.feed("b").thinking == "\nb"  # kept once more thinking follows


def test_where_the_marker_ended_in_its_chunk_is_reported() -> None:
    splitter = ReasoningSplitter((THINK,))
    assert splitter.feed("<think>ab</th").thinking == "ab"
    part = splitter.feed("ink>\nAnswer")
    assert part.answer_started and part.thinking_chars == len("ink>") and part.answer == "Answer"
    assert splitter.phase is Phase.ANSWER


def test_an_opened_block_streams_as_thinking_from_the_first_chunk() -> None:
    thinking, answer, shown = _stream("First.</think>Then.", [3], opened=THINK)
    assert shown[0].thinking == "Fir" and thinking == "First." and answer == "Then."


def test_thinking_tokens_are_exact_at_a_chunk_end_and_interpolated_inside() -> None:
    assert thinking_tokens(10, 20, chunk_chars=40, thinking_chars=40) == (20, True)
    assert thinking_tokens(10, 20, chunk_chars=40, thinking_chars=20) == (15, False)
    assert thinking_tokens(10, 10, chunk_chars=40, thinking_chars=5) == (10, True)
    assert token_words(1200, True) == "thought for 1,200 tokens"
    assert token_words(1, False) == "thought for ≈1 token"
    assert token_words(None, True) == "thought"
