"""Every chat action, declared once: its binding id, keys, footer label, palette entry and welcome phrase. The
chat screen's BINDINGS, the command palette, the footer's order and the welcome text are derived from this
table, and a test checks the README's key table against it, so a key changes in one place.

Binding ids (``chat.stop``) are what ``[keys]`` in config.toml remaps (Textual's ``App.set_keymap``, see
``tui/ui/keymap.py``).

Every action has a key that is not an F-key, because the F-keys are the keys terminals take first:

    terminal                  takes (default settings)                 so the second key is
    GNOME Terminal            F10 (menu), F11 (full screen),           Alt+letter: menu mnemonics are off by
                              Ctrl+Shift+letter                        default, Alt+letter reaches the app
    macOS Terminal, iTerm2    F1-F12 need Fn; Option types ∂ π ø       Ctrl+letter and Ctrl+P work as they
                              unless "Use Option as Meta key" /        are; Alt+letter once Option sends Meta
                              "Esc+" is set                            (README says where)
    VS Code (Linux, Windows)  Ctrl+P (quick open), Ctrl+Q, Ctrl+F      Alt+letter: terminal.integrated
                              (terminal find), Ctrl+J (panel), Ctrl+N, .allowMnemonics is off by default, so
                              F5/F6/F10/F11 (debugger)                 Alt+letter goes to the app; on macOS
                                                                       VS Code uses Cmd, Ctrl+P passes
    tmux                      Ctrl+B (prefix); Alt+Enter arrives as    Alt+letter (sent as Esc+letter) and
                              Esc+Enter, which Textual reads as Enter  Ctrl+letter pass through

Why these letters: the message box (Textual's TextArea, 8.2.8) binds Ctrl+A/E/W/D/X/C/V/U/K/Z/Y, Ctrl+J is
the new line and Ctrl+H/I/M/[ are Backspace, Tab, Enter and Esc on the wire, so no Ctrl+letter is left for the
ten F-key actions. The message box binds no Alt+letter and does not type one (an Alt key has no character),
so each F-key action gets the Alt+ of its initial: Alt+P profile, Alt+E edit profile, Alt+F few-shot pins,
Alt+A add the last exchange to the pins, Alt+S system prompt, Alt+W what the model will see (the prompt),
Alt+I inspect, Alt+C compare, Alt+M model, Alt+V evaluate. Ctrl+N, Ctrl+F, Ctrl+Q and the palette's Ctrl+P,
which VS Code takes, get Alt+N, Alt+T (thinking), Alt+Q and Alt+X (the command prompt, as in Emacs's M-x).
Deleting a message, which has no F-key, gets Alt+D.
The other Ctrl keys (R, G, T, O, C, L) reach the app in all four terminals.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from tui.core.contract import ModelInfo


@dataclass(frozen=True)
class ChatAction:
    id: str
    key: str
    """Textual key name(s), comma-separated: the first is the one the footer shows."""
    action: str
    """The screen's action method, without ``action_`` (``app.quit`` for app actions)."""
    title: str
    """Palette title; empty: not in the palette (e.g. quit, which the palette has already)."""
    help: str
    footer: str | None = None
    """Footer label; None: not shown in the footer."""
    welcome: str = ""
    """Short phrase for the welcome text; empty: not listed there."""
    priority: bool = True
    """Checked before the focused widget. A real terminal reports Alt+P with the character "p", which the
    message box (and a focused message or the pins panel, which pass typing on to it) would type instead;
    priority also puts F6/F7 over TextArea's select-line and select-all. False only for keys the focused
    widget must see first: Esc (leave the pins panel, close a dropdown) and Ctrl+C (copy its selection)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key.strip() for key in self.key.split(",") if key.strip())

    @property
    def key_label(self) -> str:
        """How the README, the welcome text and the footer write the keys: ``F2 / Alt+P``."""
        return " / ".join(key_label(key) for key in self.keys)


_KEY_WORDS = {"escape": "Esc", "enter": "Enter", "space": "Space", "tab": "Tab", "delete": "Del"}


def key_label(key: str) -> str:
    """``ctrl+r`` -> ``Ctrl+R``, ``escape`` -> ``Esc``, ``f10`` -> ``F10``: as people write keys."""
    *modifiers, base = key.split("+")
    name = _KEY_WORDS.get(base, base.upper() if len(base) == 1 or base[1:].isdigit() else base.title())
    return "+".join([*(modifier.title() for modifier in modifiers), name])


CHAT_ACTIONS: tuple[ChatAction, ...] = (
    ChatAction(
        "chat.stop",
        "escape",
        "stop",
        "Stop generation",
        "Cancel the running reply; the partial text is kept",
        footer="Stop",
        welcome="stops a reply",
        priority=False,
    ),
    ChatAction(
        "chat.next-profile",
        "f2,alt+p",
        "cycle_profile",
        "Next profile",
        "Cycle to the next decoding profile",
        footer="Profile",
        welcome="next decoding profile",
    ),
    ChatAction(
        "chat.edit-profile",
        "f3,alt+e",
        "edit_profile",
        "Edit profile",
        "Edit, save as, reset or export the current profile",
        footer="Edit profile",
        welcome="edit it",
    ),
    ChatAction(
        "chat.pins",
        "f4,alt+f",
        "toggle_pins",
        "Pins panel",
        "Show or hide the pinned few-shot examples",
        footer="Pins",
        welcome="pinned examples",
    ),
    ChatAction(
        "chat.pin-last",
        "f5,alt+a",
        "pin_last",
        "Pin last exchange",
        "Pin the last question and reply as a few-shot example",
        footer="Pin last",
        welcome="pin the last exchange",
    ),
    ChatAction(
        "chat.system", "f6,alt+s", "edit_system", "System prompt", "Edit the system prompt", welcome="system prompt"
    ),
    ChatAction(
        "chat.prompt",
        "f7,alt+w",
        "show_prompt",
        "Show prompt",
        "The exact text and token counts the model will receive",
        footer="Prompt",
        welcome="show the exact prompt",
    ),
    ChatAction(
        "chat.inspect",
        "f8,alt+i",
        "inspect",
        "Inspect last reply",
        "Token probabilities, sampler cuts, and fork from any token",
        footer="Inspect",
        welcome="inspect token probabilities",
    ),
    ChatAction(
        "chat.compare",
        "f9,alt+c",
        "compare",
        "Compare profiles",
        "Run the draft under 2-4 profiles side by side",
        footer="Compare",
        welcome="compare profiles side by side",
    ),
    ChatAction(
        "chat.model",
        "f10,alt+m",
        "pick_model",
        "Switch model",
        "Pick a GGUF from this machine (HF cache, LM Studio, Ollama, your folders)",
        footer="Model",
        welcome="switch model",
    ),
    ChatAction(
        "chat.replay",
        "ctrl+r",
        "replay",
        "Replay last reply",
        "Re-run the last reply with the same prompt, profile and seed",
        welcome="replay",
    ),
    ChatAction(
        "chat.regenerate",
        "ctrl+g",
        "regenerate",
        "Regenerate last reply",
        "Run the last message again with the current profile",
        welcome="regenerate",
    ),
    # ctrl+e is end-of-line in the message box
    ChatAction(
        "chat.edit-message",
        "ctrl+t",
        "edit_message",
        "Edit a message and resend",
        "Later turns are replaced; the old branch stays in the history",
        welcome="edit a message",
    ),
    # alt+d: no Ctrl+letter is left (above); D for delete, an Alt+letter the message box does not bind
    ChatAction(
        "chat.delete-message",
        "alt+d",
        "delete_message",
        "Delete a message",
        "It and every later turn leave the chat; the old branch stays in the history",
    ),
    ChatAction(
        "chat.history",
        "ctrl+o",
        "history",
        "Saved conversations",
        "Browse, search, resume, rename, delete or export past chats",
        footer="History",
        welcome="saved chats",
    ),
    ChatAction(
        "chat.new", "ctrl+n,alt+n", "new_chat", "New chat", "Clear the conversation (system prompt and profile stay)"
    ),
    # ctrl+c: the message box copies its own selection first; otherwise this copies (Textual's quit hint goes)
    ChatAction(
        "chat.copy",
        "ctrl+c",
        "copy_message",
        "Copy last reply",
        "Copy the mouse selection, else the focused message, else the last reply (OSC 52)",
        priority=False,
    ),
    ChatAction(
        "chat.raw",
        "ctrl+l",
        "toggle_raw",
        "Raw / Markdown view",
        "Show replies exactly as written (literal) or as Markdown, for the whole session",
    ),
    ChatAction(
        "chat.thinking",
        "ctrl+f,alt+t",
        "toggle_thinking",
        "Fold / unfold thinking",
        "Open or fold a reasoning model's thinking (the focused reply, else the last one)",
    ),
    ChatAction(
        "chat.evaluate",
        "f12,alt+v",
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
        "chat.palette",
        "alt+x",
        "app.command_palette",
        "",
        "Open the command palette (Ctrl+P is Textual's own key; VS Code takes it)",
    ),
    ChatAction("chat.quit", "ctrl+q,alt+q", "app.quit", "", "Quit shotglass", footer="Quit"),
)

FOOTER_ORDER: tuple[str, ...] = (
    "chat.stop",
    "chat.next-profile",
    "chat.prompt",
    "chat.pins",
    "chat.history",
    "chat.model",
    "chat.inspect",
    "chat.compare",
    "chat.edit-profile",
    "chat.pin-last",
    "chat.quit",
)
"""The footer's keys, most important first: what a narrow terminal drops is the end of this list (the palette,
"more: Ctrl+P", reaches every action). Stop comes first because a runaway reply is what needs a key now."""


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
    return " · ".join(phrases + ["Ctrl+P / Alt+X everything else"])


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
