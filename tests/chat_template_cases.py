"""The test cases of llama.cpp's ``tests/test-chat-template.cpp``, read out of the C++ source.

Each case is a brace-initialised ``TestCase`` whose fields are commented (``/* .template_str= */ "..."``), so
the fields can be read by name: C++ string literals (``u8"..."``, ``U8C("...")``, adjacent literals joined),
``true``/``false`` and the ``extra_conversation`` list of ``{role, content}`` pairs. The conversation they all
render is the ``conversation`` vector at the top of ``main_automated_tests``. Both are parsed, never copied, so
a new llama.cpp pin brings its new cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FIELD = re.compile(r"/\*\s*\.(\w+)\s*=?\s*\*/")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "0": "\0", "?": "?"}


@dataclass(frozen=True)
class CppCase:
    name: str
    template: str
    expected: str
    """llama.cpp's expectation for its own Jinja engine (``expected_output_jinja``, else ``expected_output``)."""
    bos_token: str
    eos_token: str
    supported_with_jinja: bool
    extra_conversation: tuple[tuple[str, str], ...]


class _Reader:
    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip_space()
        return self.text.startswith(token, self.pos)

    def expect(self, token: str) -> None:
        if not self.peek(token):
            raise ValueError(f"expected {token!r} at {self.text[self.pos : self.pos + 40]!r}")
        self.pos += len(token)

    def literal(self) -> str:
        """One string expression: adjacent literals, each optionally ``u8``, optionally inside ``U8C(...)``."""
        if self.peek("U8C("):
            self.expect("U8C(")
            value = self.literal()
            self.expect(")")
            return value
        parts = []
        while True:
            self.skip_space()
            if self.text.startswith('u8"', self.pos):
                self.pos += 2
            if not self.text.startswith('"', self.pos):
                break
            parts.append(self._quoted())
        if not parts:
            raise ValueError(f"expected a string literal at {self.text[self.pos : self.pos + 40]!r}")
        return "".join(parts)

    def _quoted(self) -> str:
        self.pos += 1
        out = []
        while self.text[self.pos] != '"':
            char = self.text[self.pos]
            if char == "\\":
                code = self.text[self.pos + 1]
                if code == "x":
                    digits = re.match(r"[0-9a-fA-F]+", self.text[self.pos + 2 :])
                    assert digits
                    out.append(chr(int(digits.group(), 16)))
                    self.pos += 2 + len(digits.group())
                    continue
                if code in "uU":
                    size = 4 if code == "u" else 8
                    out.append(chr(int(self.text[self.pos + 2 : self.pos + 2 + size], 16)))
                    self.pos += 2 + size
                    continue
                out.append(_ESCAPES[code])
                self.pos += 2
                continue
            out.append(char)
            self.pos += 1
        self.pos += 1
        return "".join(out)

    def boolean(self) -> bool:
        self.skip_space()
        for word, value in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return value
        raise ValueError(f"expected true or false at {self.text[self.pos : self.pos + 40]!r}")

    def pairs(self) -> tuple[tuple[str, str], ...]:
        self.expect("{")
        found = []
        while not self.peek("}"):
            self.expect("{")
            role = self.literal()
            self.expect(",")
            content = self.literal()
            self.expect("}")
            found.append((role, content))
            if self.peek(","):
                self.expect(",")
        self.expect("}")
        return tuple(found)


def _body(source: str) -> str:
    start = source.index("int main_automated_tests(void)")
    return source[start:]


def conversation(source: str) -> list[dict[str, str]]:
    """The messages every case renders (``std::vector<llama_chat_message> conversation {...}``)."""
    body = _body(source)
    reader = _Reader(body, body.index("conversation {") + len("conversation "))
    return [{"role": role, "content": content} for role, content in reader.pairs()]


def cases(source: str) -> list[CppCase]:
    """Every ``TestCase`` of the ``test_cases`` vector, in source order."""
    body = _body(source)
    start = body.index("std::vector<TestCase> test_cases")
    end = body.index("};", start)
    found = []
    for chunk in re.split(r"\n\s*\},?\s*\n\s*\{", body[start:end]):
        fields: dict[str, object] = {}
        for match in _FIELD.finditer(chunk):
            reader = _Reader(chunk, match.end())
            name = match.group(1)
            if name == "supported_with_jinja":
                fields[name] = reader.boolean()
            elif name == "extra_conversation":
                fields[name] = reader.pairs()
            else:
                fields[name] = reader.literal()
        if "template_str" not in fields:
            continue
        found.append(
            CppCase(
                name=str(fields["name"]),
                template=str(fields["template_str"]),
                expected=str(fields.get("expected_output_jinja") or fields["expected_output"]),
                bos_token=str(fields.get("bos_token", "")),
                eos_token=str(fields.get("eos_token", "")),
                supported_with_jinja=bool(fields.get("supported_with_jinja", True)),
                extra_conversation=tuple(fields.get("extra_conversation", ())),  # type: ignore[arg-type]
            )
        )
    return found


def read_cases(path: Path) -> tuple[list[dict[str, str]], list[CppCase]]:
    source = path.read_text(encoding="utf-8")
    return conversation(source), cases(source)
