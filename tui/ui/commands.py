"""Command palette entries: every profile, plus the chat actions, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ChatCommands(Provider):
    def _commands(self):
        screen = self.screen
        entries = [
            ("New chat", "Clear the conversation (system prompt and profile stay)", screen.action_new_chat),
            ("Switch model", "Pick a GGUF from this machine (HF cache, LM Studio, Ollama, your folders)",
             screen.action_pick_model),
            ("Saved conversations", "Browse, search, resume, rename, delete or export past chats",
             screen.action_history),
            ("Regenerate last reply", "Run the last message again with the current profile",
             screen.action_regenerate),
            ("Edit a message and resend", "Later turns are replaced; the old branch stays in the history",
             screen.action_edit_message),
            ("Stop generation", "Cancel the running reply; the partial text is kept", screen.action_stop),
            ("Next profile", "Cycle to the next decoding profile", screen.action_cycle_profile),
            ("Edit profile", "Edit, save as, reset or export the current profile", screen.action_edit_profile),
            ("Import profile file", "Import a shotglass, Ollama, LM Studio, SillyTavern or llama.cpp preset",
             screen.action_import_profile),
            ("Pins panel", "Show or hide the pinned few-shot examples", screen.action_toggle_pins),
            ("Load example set", "Replace the pins with an example set file (TOML)", screen.action_load_examples),
            ("Save pins as example set", "Write the pinned examples to a TOML file to share or reuse",
             screen.action_save_examples),
            ("Pin last exchange", "Pin the last question and reply as a few-shot example", screen.action_pin_last),
            ("System prompt", "Edit the system prompt", screen.action_edit_system),
            ("Show prompt", "The exact text and token counts the model will receive", screen.action_show_prompt),
            ("Compare profiles", "Run the draft under 2-4 profiles side by side", screen.action_compare),
            ("Inspect last reply", "Token probabilities, sampler cuts, and fork from any token",
             screen.action_inspect),
            ("Replay last reply", "Re-run the last reply with the same prompt, profile and seed",
             screen.action_replay),
        ]
        for name in screen.profile_names:
            entries.append((f"Profile: {name}", "Use this decoding profile from the next reply on",
                            partial(screen.select_profile, name)))
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
