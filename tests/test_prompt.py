"""The one prompt function: byte-exact renders, append-only growth, counted segments that add up."""

from __future__ import annotations

from tui.core.chat.budget import measure, measure_with_cache
from tui.core.chat.conversation import Message, Role
from tui.core.chat.prompt import CompletionFormat, PromptParts
from tui.core.chat.stops import StopScanner
from tui.core.fewshot.examples import Example
from tui.engine.chat_template import ChatTemplateFormat


def _history() -> tuple[Message, ...]:
    return (Message(Role.USER, "Hi"), Message(Role.ASSISTANT, " Hello! How can I help?\n"))


def test_completion_format_is_byte_exact() -> None:
    parts = PromptParts(system="Be brief.", history=_history(), new_message="Capital of France?")
    assert CompletionFormat().render(parts) == (
        "Be brief.\n\nUser: Hi\nAssistant: Hello! How can I help?\n\nUser: Capital of France?\nAssistant:"
    )
    assert CompletionFormat().stop_strings(parts) == ("\nUser:", "\nAssistant:")


def test_completion_format_with_labelled_pins() -> None:
    parts = PromptParts(
        instruction="Classify the sentiment.",
        examples=(Example("Great film", "positive"),),
        new_message="Dull plot",
        input_label="Review",
        output_label="Sentiment",
    )
    assert CompletionFormat().render(parts) == (
        "Classify the sentiment.\n\nReview: Great film\nSentiment: positive\n\nReview: Dull plot\nSentiment:"
    )
    assert CompletionFormat().stop_strings(parts) == ("\nReview:", "\nSentiment:")


def test_completion_rendering_is_append_only() -> None:
    fmt = CompletionFormat()
    first = fmt.render(PromptParts(system="S", new_message="one"))
    reply = " first reply"
    second = fmt.render(
        PromptParts(system="S", history=(Message(Role.USER, "one"), Message(Role.ASSISTANT, reply)), new_message="two")
    )
    assert second.startswith(first + reply)


TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def test_chat_template_format_is_byte_exact_and_append_only() -> None:
    fmt = ChatTemplateFormat(template=TEMPLATE, bos_token="<s>", eos_token="</s>")
    parts = PromptParts(system="Sys", examples=(Example("2+2", "4"),), new_message="3+3")
    assert fmt.render(parts) == (
        "<s><|system|>Sys<|end|>\n<|user|>2+2<|end|>\n<|assistant|>4<|end|>\n<|user|>3+3<|end|>\n<|assistant|>"
    )
    later = PromptParts(
        system="Sys",
        examples=(Example("2+2", "4"),),
        history=(Message(Role.USER, "3+3"), Message(Role.ASSISTANT, "6")),
        new_message="4+4",
    )
    assert fmt.render(later).startswith(fmt.render(parts.upto_history()))


def test_chat_template_is_sandboxed() -> None:
    """An attribute walk to Python internals is refused as one line (tests/test_template_hostile.py has more)."""
    import pytest

    from tui.engine.template_sandbox import TemplateStopped

    evil = ChatTemplateFormat(template="{{ messages.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateStopped) as refused:
        evil.render(PromptParts(new_message="x"))
    assert "\n" not in str(refused.value)


def _words(text: str) -> int:
    return len(text.split()) + 1


def test_gauge_segments_add_up_to_the_full_prompt() -> None:
    fmt = CompletionFormat()
    parts = PromptParts(
        system="You are terse.", examples=(Example("a b", "c"),), history=_history(), new_message="draft words here"
    )
    counts = measure(parts, fmt, _words, n_ctx=100, reserve=10)
    assert counts.prompt == _words(fmt.render(parts))
    assert counts.used == counts.prompt + 10
    assert counts.pins > 0 and counts.history > 0 and counts.draft > 0
    cached, cache = measure_with_cache(parts, fmt, _words, 100, 10, None)
    assert cached == counts
    again, same_cache = measure_with_cache(
        PromptParts(
            system="You are terse.",
            examples=(Example("a b", "c"),),
            history=_history(),
            new_message="draft words here and more",
        ),
        fmt,
        _words,
        100,
        10,
        cache,
    )
    assert same_cache is cache and again.draft == counts.draft + 2


def test_gauge_levels() -> None:
    fmt = CompletionFormat()
    assert measure(PromptParts(system="a " * 10), fmt, _words, 100, 10).level == "ok"
    assert measure(PromptParts(system="a " * 70), fmt, _words, 100, 10).level == "warn"
    assert measure(PromptParts(system="a " * 85), fmt, _words, 100, 10).level == "danger"


def test_stop_scanner_holds_back_partial_stop_strings() -> None:
    scanner = StopScanner(("\nUser:",))
    shown = "".join(scanner.feed(piece) for piece in [" Paris", ".", "\n", "Us", "er", ":", " more"])
    assert shown == " Paris." and scanner.stopped
    scanner = StopScanner(("\nUser:",))
    shown = "".join(scanner.feed(piece) for piece in ["a", "\n", "Use"]) + scanner.flush()
    assert shown == "a\nUse" and not scanner.stopped
