"""Every chat action, declared once: its binding id, key, footer label, palette entry and how the README and
the welcome text name it. The chat screen's BINDINGS, the command palette and the welcome text are derived
from this table, and a test checks the README's key table against it, so a key changes in one place.

Binding ids (``chat.stop``) are what a keymap in config.toml remaps (Textual's ``App.set_keymap``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from tui.core.contract import ModelInfo


@dataclass(frozen=True)
class ChatAction:
    id: str
    key: str
    """Textual key name(s), comma-separated."""
    action: str
    """The screen's action method, without ``action_`` (``app.quit`` for app actions)."""
    title: str
    """Palette title; empty: not in the palette (e.g. quit, which the palette has already)."""
    help: str
    footer: str | None = None
    """Footer label; None: not shown in the footer."""
    key_label: str = ""
    """How the README and the welcome text write the key (``Ctrl+R``)."""
    welcome: str = ""
    """Short phrase for the welcome text; empty: not listed there."""
    priority: bool = False


CHAT_ACTIONS: tuple[ChatAction, ...] = (
    ChatAction(
        "chat.stop",
        "escape",
        "stop",
        "Stop generation",
        "Cancel the running reply; the partial text is kept",
        footer="Stop",
        key_label="Esc",
        welcome="stops a reply",
    ),
    ChatAction(
        "chat.next-profile",
        "f2",
        "cycle_profile",
        "Next profile",
        "Cycle to the next decoding profile",
        footer="Profile",
        key_label="F2",
        welcome="next decoding profile",
    ),
    ChatAction(
        "chat.edit-profile",
        "f3",
        "edit_profile",
        "Edit profile",
        "Edit, save as, reset or export the current profile",
        footer="Edit profile",
        key_label="F3",
        welcome="edit it",
    ),
    ChatAction(
        "chat.pins",
        "f4",
        "toggle_pins",
        "Pins panel",
        "Show or hide the pinned few-shot examples",
        footer="Pins",
        key_label="F4",
        welcome="pinned examples",
    ),
    ChatAction(
        "chat.pin-last",
        "f5",
        "pin_last",
        "Pin last exchange",
        "Pin the last question and reply as a few-shot example",
        footer="Pin last",
        key_label="F5",
        welcome="pin the last exchange",
    ),
    # priority: over TextArea's select-line (F6) and select-all (F7)
    ChatAction(
        "chat.system",
        "f6",
        "edit_system",
        "System prompt",
        "Edit the system prompt",
        key_label="F6",
        welcome="system prompt",
        priority=True,
    ),
    ChatAction(
        "chat.prompt",
        "f7",
        "show_prompt",
        "Show prompt",
        "The exact text and token counts the model will receive",
        footer="Prompt",
        key_label="F7",
        welcome="show the exact prompt",
        priority=True,
    ),
    ChatAction(
        "chat.inspect",
        "f8",
        "inspect",
        "Inspect last reply",
        "Token probabilities, sampler cuts, and fork from any token",
        footer="Inspect",
        key_label="F8",
        welcome="inspect token probabilities",
    ),
    ChatAction(
        "chat.compare",
        "f9",
        "compare",
        "Compare profiles",
        "Run the draft under 2-4 profiles side by side",
        footer="Compare",
        key_label="F9",
        welcome="compare profiles side by side",
    ),
    ChatAction(
        "chat.model",
        "f10",
        "pick_model",
        "Switch model",
        "Pick a GGUF from this machine (HF cache, LM Studio, Ollama, your folders)",
        footer="Model",
        key_label="F10",
        welcome="switch model",
    ),
    ChatAction(
        "chat.replay",
        "ctrl+r",
        "replay",
        "Replay last reply",
        "Re-run the last reply with the same prompt, profile and seed",
        key_label="Ctrl+R",
        welcome="replay",
    ),
    ChatAction(
        "chat.regenerate",
        "ctrl+g",
        "regenerate",
        "Regenerate last reply",
        "Run the last message again with the current profile",
        key_label="Ctrl+G",
        welcome="regenerate",
    ),
    # ctrl+e is end-of-line in the message box
    ChatAction(
        "chat.edit-message",
        "ctrl+t",
        "edit_message",
        "Edit a message and resend",
        "Later turns are replaced; the old branch stays in the history",
        key_label="Ctrl+T",
        welcome="edit a message",
    ),
    ChatAction(
        "chat.history",
        "ctrl+o",
        "history",
        "Saved conversations",
        "Browse, search, resume, rename, delete or export past chats",
        footer="History",
        key_label="Ctrl+O",
        welcome="saved chats",
    ),
    ChatAction(
        "chat.new",
        "ctrl+n",
        "new_chat",
        "New chat",
        "Clear the conversation (system prompt and profile stay)",
        key_label="Ctrl+N",
    ),
    # ctrl+c: the message box copies its own selection first; otherwise this copies (Textual's quit hint goes)
    ChatAction(
        "chat.copy",
        "ctrl+c",
        "copy_message",
        "Copy last reply",
        "Copy the mouse selection, else the focused message, else the last reply (OSC 52)",
        key_label="Ctrl+C",
    ),
    ChatAction(
        "chat.raw",
        "ctrl+l",
        "toggle_raw",
        "Raw / Markdown view",
        "Show replies exactly as written (literal) or as Markdown, for the whole session",
        key_label="Ctrl+L",
    ),
    ChatAction(
        "chat.thinking",
        "ctrl+f",
        "toggle_thinking",
        "Fold / unfold thinking",
        "Open or fold a reasoning model's thinking (the focused reply, else the last one)",
        key_label="Ctrl+F",
    ),
    ChatAction(
        "chat.evaluate",
        "f12",
        "evaluate",
        "Evaluate…",
        "Measure the pinned examples on a JSON-lines dataset: accuracy by shot count and profile",
    ),
    ChatAction(
        "chat.load-examples",
        "",
        "load_examples",
        "Load example set",
        "Replace the pins with an example set file (TOML)",
    ),
    ChatAction(
        "chat.save-examples",
        "",
        "save_examples",
        "Save pins as example set",
        "Write the pinned examples to a TOML file to share or reuse",
    ),
    ChatAction(
        "chat.import-profile",
        "",
        "import_profile",
        "Import profile file",
        "Import a shotglass, Ollama, LM Studio, SillyTavern or llama.cpp preset",
    ),
    ChatAction(
        "chat.quit", "ctrl+q", "app.quit", "", "Quit shotglass", footer="Quit", key_label="Ctrl+Q", priority=True
    ),
)


def chat_bindings() -> list[BindingType]:
    return [
        Binding(
            action.key,
            action.action,
            action.footer or action.title,
            show=action.footer is not None,
            priority=action.priority,
            id=action.id,
        )
        for action in CHAT_ACTIONS
        if action.key
    ]


def palette_actions() -> tuple[ChatAction, ...]:
    return tuple(action for action in CHAT_ACTIONS if action.title and not action.action.startswith("app."))


def welcome_keys() -> str:
    """``Enter sends · Ctrl+J new line · Esc stops a reply · F2 next decoding profile · ...``"""
    phrases = ["Enter sends", "Ctrl+J new line"]
    phrases += [f"{action.key_label} {action.welcome}" for action in CHAT_ACTIONS if action.welcome]
    return " · ".join(phrases + ["Ctrl+P everything else"])


def welcome_text(info: ModelInfo) -> str:
    """The first screen: what kind of model this is and which keys matter."""
    if info.prompt_format.startswith("completion"):
        kind = (
            f"{info.name} has no chat template, so it sees a plain transcript ({info.prompt_format}) and "
            "continues it. Small base models answer best when the prompt shows the pattern you want."
        )
    else:
        kind = f"{info.name} is prompted through its own chat template."
    return f"{kind}\n\n{welcome_keys()}.\nThe gauge below counts the exact tokens the model will see."
