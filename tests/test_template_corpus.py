"""Every real chat template renders exactly as Hugging Face transformers renders it.

The templates are llama.cpp's ``models/templates/`` corpus and the cases of its ``tests/test-chat-template.cpp``,
both read from the pinned llama-cpp-python sdist. What transformers renders for each was generated once, with
real transformers, into ``tests/data/templates/expected.json`` (``make_expected.py`` there), keyed by template
file name and the template's sha256: a template that changed, appeared or vanished fails here with a message
saying to regenerate, never silently skips. What transformers itself refuses must be refused here too, as one
``TemplateError``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from chat_template_cases import CppCase, read_cases
from sdist import real_templates, vendored_llama_cpp

from tui.engine.template_sandbox import CompiledTemplate, TemplateError, compile_template

DATA = Path(__file__).parent / "data" / "templates"
sys.path.insert(0, str(DATA))

from conversations import BOS, CONVERSATIONS, EOS, LONG_CHAT, NOW  # noqa: E402

EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
REGENERATE = "regenerate tests/data/templates/expected.json with make_expected.py there (see its docstring)"
TEMPLATES = {path.name: path for path in real_templates()}
CPP_CONVERSATION, CPP_CASES = read_cases(vendored_llama_cpp() / "tests" / "test-chat-template.cpp")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compiled(source: str, expected_sha: str, what: str) -> CompiledTemplate:
    assert _sha(source) == expected_sha, f"{what} changed since expected.json was made: {REGENERATE}"
    return compile_template(source, clock=lambda: NOW)


def _check(
    template: CompiledTemplate, expected: dict[str, Any], messages: list[dict[str, str]], gen: bool, bos: str, eos: str
) -> None:
    if "error" in expected:
        with pytest.raises(TemplateError) as refused:
            template.render(messages, add_generation_prompt=gen, bos_token=bos, eos_token=eos)
        assert "\n" not in str(refused.value)
        return
    rendered = template.render(messages, add_generation_prompt=gen, bos_token=bos, eos_token=eos)
    if "output" in expected:
        assert rendered == expected["output"]
    else:
        assert (len(rendered), _sha(rendered)) == (expected["chars"], expected["sha256"])


def test_the_expected_outputs_cover_exactly_the_corpus() -> None:
    assert sorted(TEMPLATES) == sorted(EXPECTED["templates"]), REGENERATE
    assert len(TEMPLATES) >= 70
    assert [case.name for case in CPP_CASES] == [case["name"] for case in EXPECTED["cpp_cases"]], REGENERATE


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_real_template_renders_as_transformers(name: str) -> None:
    expected = EXPECTED["templates"][name]
    template = _compiled(TEMPLATES[name].read_text(encoding="utf-8"), expected["sha256"], name)
    renders = expected["renders"]
    assert len(renders) == 2 * len(CONVERSATIONS) + 1, REGENERATE
    for key, result in renders.items():
        conversation, gen = key.split("/")
        messages = LONG_CHAT if conversation == "long_chat" else CONVERSATIONS[conversation]
        _check(template, result, messages, gen == "gen", BOS, EOS)


@pytest.mark.parametrize("index", range(len(CPP_CASES)), ids=[case.name for case in CPP_CASES])
def test_llama_cpp_test_case_renders_as_transformers(index: int) -> None:
    case: CppCase = CPP_CASES[index]
    expected = EXPECTED["cpp_cases"][index]
    template = _compiled(case.template, expected["sha256"], f"test-chat-template.cpp case {case.name!r}")
    messages = CPP_CONVERSATION + [{"role": role, "content": content} for role, content in case.extra_conversation]
    _check(template, expected, messages, True, case.bos_token, case.eos_token)


def test_the_corpus_uses_what_plain_jinja_lacks() -> None:
    """The pieces of transformers' environment are really exercised (else the comparison proves less)."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in TEMPLATES.values())
    for feature in (r"\{%-?\s*break", r"\{%-?\s*generation", "strftime_now", "tojson", "raise_exception"):
        assert re.search(feature, sources), feature


def test_strftime_now_reads_the_injected_clock() -> None:
    name = "meta-llama-Llama-3.2-3B-Instruct.jinja"
    template = compile_template(TEMPLATES[name].read_text(encoding="utf-8"), clock=lambda: NOW)
    rendered = template.render(CONVERSATIONS["user_only"], add_generation_prompt=True)
    assert "Today Date: 15 Jan 2025" in rendered


def test_the_long_chat_renders_quickly_on_every_template() -> None:
    """The limits leave room: the slowest real template renders the 40-message chat far under its 2 s."""
    slowest = 0.0
    for name, path in TEMPLATES.items():
        template = compile_template(path.read_text(encoding="utf-8"), clock=lambda: NOW)
        if "error" in EXPECTED["templates"][name]["renders"]["long_chat/gen"]:
            continue
        start = time.perf_counter()
        template.render(LONG_CHAT, add_generation_prompt=True, bos_token=BOS, eos_token=EOS)
        slowest = max(slowest, time.perf_counter() - start)
    assert slowest < template.limits.seconds / 4
