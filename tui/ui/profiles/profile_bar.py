"""The always-visible decoding profile selector: switching takes effect on the next reply, with no model
reload and no KV-cache loss (sampling parameters are per call)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select

from tui.core.profiles.profile import DecodingProfile, template_kwargs_label
from tui.ui.plain import plain


class ProfileBar(Horizontal):
    def __init__(self, names: list[str], current: DecodingProfile, **kwargs) -> None:
        super().__init__(**kwargs)
        self._names = names
        self._current = current

    def compose(self) -> ComposeResult:
        yield Label("profile", classes="bar-label")
        yield Select(
            [(plain(name), name) for name in self._names],
            value=self._current.name,
            allow_blank=False,
            id="profile-select",
            compact=True,
        )
        yield Label("0-shot", id="shots")
        yield Label(plain(self._describe(self._current)), id="profile-knobs")

    @staticmethod
    def _describe(profile: DecodingProfile) -> str:
        if profile.is_greedy:
            sampling = "greedy (temperature 0)"
        else:
            seed = f"seed {profile.seed}" if profile.seed is not None else "new seed each reply"
            sampling = (
                f"temp {profile.temperature:g} · top-k {profile.top_k} · top-p {profile.top_p:g}"
                f" · min-p {profile.min_p:g} · {seed}"
            )
        template = f" · template {template_kwargs_label(profile.template_kwargs)}" if profile.template_kwargs else ""
        return f"{sampling} · ≤{profile.max_new_tokens} new{template}"

    def set_shots(self, label: str) -> None:
        self.query_one("#shots", Label).update(plain(label))

    def set_names(self, names: list[str]) -> None:
        self._names = names
        select = self.query_one("#profile-select", Select)
        with select.prevent(Select.Changed):
            select.set_options([(plain(name), name) for name in names])
            select.value = self._current.name if self._current.name in names else names[0]

    def show(self, profile: DecodingProfile) -> None:
        self._current = profile
        select = self.query_one("#profile-select", Select)
        if select.value != profile.name:
            select.value = profile.name
        self.query_one("#profile-knobs", Label).update(plain(self._describe(profile)))
