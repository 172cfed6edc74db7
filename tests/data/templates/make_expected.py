"""Write ``expected.json``: what Hugging Face transformers renders for every real chat template.

Run once, with a Python that has transformers and jinja2 (no torch needed), whenever the llama-cpp-python pin
changes the corpus::

    python3 -m venv /tmp/hf && /tmp/hf/bin/pip install transformers jinja2
    /tmp/hf/bin/python tests/data/templates/make_expected.py

It renders llama.cpp's ``models/templates/*.jinja`` on the conversations in ``conversations.py`` and the cases
of ``tests/test-chat-template.cpp`` through transformers' own ``render_jinja_template`` (what
``apply_chat_template(..., tokenize=False)`` calls) with ``strftime_now`` pinned to ``conversations.NOW``.
``tests/test_template_corpus.py`` compares shotglass's sandbox with the result. Not a test: pytest does not
collect it, and the test suite never needs transformers.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

import transformers  # noqa: E402
from chat_template_cases import read_cases  # noqa: E402
from conversations import BOS, CONVERSATIONS, EOS, LONG_CHAT, NOW  # noqa: E402
from sdist import real_templates, vendored_llama_cpp  # noqa: E402
from transformers.utils import chat_template_utils  # noqa: E402


class _PinnedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return NOW


chat_template_utils.datetime = _PinnedDatetime  # type: ignore[misc]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render(source: str, messages: list[dict[str, str]], add_generation_prompt: bool, bos: str, eos: str) -> dict:
    try:
        rendered, _ = chat_template_utils.render_jinja_template(
            conversations=[messages],
            chat_template=source,
            add_generation_prompt=add_generation_prompt,
            bos_token=bos,
            eos_token=eos,
        )
    except Exception as error:  # noqa: BLE001 - what transformers refuses is recorded, not skipped
        return {"error": f"{type(error).__name__}: {error}"}
    return {"output": rendered[0]}


def main() -> None:
    templates = {}
    for path in real_templates():
        source = path.read_text(encoding="utf-8")
        renders = {}
        for name, messages in CONVERSATIONS.items():
            for generation in (True, False):
                renders[f"{name}/{'gen' if generation else 'nogen'}"] = render(source, messages, generation, BOS, EOS)
        long = render(source, LONG_CHAT, True, BOS, EOS)
        if "output" in long:
            long = {"sha256": sha256(long["output"]), "chars": len(long["output"])}
        renders["long_chat/gen"] = long
        templates[path.name] = {"sha256": sha256(source), "renders": renders}

    conversation, cases = read_cases(vendored_llama_cpp() / "tests" / "test-chat-template.cpp")
    cpp = []
    for case in cases:
        messages = conversation + [{"role": role, "content": content} for role, content in case.extra_conversation]
        result = render(case.template, messages, True, case.bos_token, case.eos_token)
        cpp.append(
            {
                "name": case.name,
                "sha256": sha256(case.template),
                "supported_with_jinja": case.supported_with_jinja,
                "same_as_llama_cpp": result.get("output") == case.expected,
                **result,
            }
        )

    out = {
        "generator": f"transformers {transformers.__version__} render_jinja_template, jinja2 "
        f"{sys.modules['jinja2'].__version__}, strftime_now at {NOW.isoformat()}",
        "templates": templates,
        "cpp_cases": cpp,
    }
    (HERE / "expected.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
