"""One exception family for everything a user can get wrong.

The CLI turns any ``UserError`` into a single line on stderr and exit code 2; the TUI turns it into a
notice. Keeping them in one hierarchy means no caller needs to know every failure mode to do that.
"""


class UserError(Exception):
    """A problem the user can fix: bad file, bad option, bad model. Its message is the whole story."""


class ProfileError(UserError):
    """A decoding profile file or value is invalid."""


class ExampleSetError(UserError):
    """A pinned example set is invalid."""


class ModelError(UserError):
    """The model file is missing, not a GGUF, truncated, or llama.cpp refused to load it."""


class ContextOverflowError(UserError):
    """Even the system prompt, the pins and the new message do not fit into the context window."""


def shown(text: object) -> str:
    """``text`` (a path, a name from outside) safe for a one-line message: control characters, and the
    surrogates that stand for undecodable bytes, are written as visible escapes (``\\n``, ``\\x1b``)."""
    value = str(text)
    if value.isprintable():
        return value
    out = []
    for char in value:
        if char.isprintable():
            out.append(char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        else:
            code = ord(char)
            if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as Python keeps it in paths and argv
                code -= 0xDC00
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
