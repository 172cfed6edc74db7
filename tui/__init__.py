"""shotglass: a terminal chat and prompt-engineering workbench for local GGUF models."""

__version__ = "0.1.0"
