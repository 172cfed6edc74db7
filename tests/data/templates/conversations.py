"""The conversations the template corpus is rendered on, shared by ``make_expected.py`` (transformers) and
``tests/test_template_corpus.py`` (shotglass), so both render exactly the same input."""

from __future__ import annotations

from datetime import datetime

NOW = datetime(2025, 1, 15, 10, 30, 0)
"""``strftime_now`` reads this clock on both sides (Llama 3.x and others write today's date)."""

BOS = "<s>"
EOS = "</s>"

CONVERSATIONS: dict[str, list[dict[str, str]]] = {
    "user_only": [{"role": "user", "content": "Hello, who are you?"}],
    "system_user": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi there."},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke about cats."},
    ],
    "system_multi_turn": [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Good morning."},
        {"role": "assistant", "content": "  Bonjour !  "},
        {"role": "user", "content": "How are you? <b>really</b> & truly"},
    ],
}

LONG_CHAT: list[dict[str, str]] = [{"role": "system", "content": "You are a patient tutor."}] + [
    {
        "role": "user" if turn % 2 == 0 else "assistant",
        "content": f"Turn {turn}: " + ("a question about sums? " if turn % 2 == 0 else "an answer, with care. ") * 3,
    }
    for turn in range(39)
]
"""A 40-message chat: the limits must never stop a real template on it."""
