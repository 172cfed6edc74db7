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
