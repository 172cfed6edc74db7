"""What one evaluation run covers: shot counts x profiles x renders x repeats, checked before any model runs.

Greedy profiles and ``choice`` scoring are deterministic, so they run once whatever ``--repeats`` says; a
sampling profile runs once per seed, and the seeds are fixed (the profile's own seed, or a fixed base, plus the
repeat number) so a run can be reproduced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tui.core.eval.records import CellKey
from tui.core.eval.scoring import ScoreKind, Scoring
from tui.core.fewshot.evaluation import EvalDataError, EvalItem
from tui.core.fewshot.examples import ExampleSet, PinRender
from tui.core.profiles.profile import DecodingProfile

REPEAT_SEED_BASE = 1_000
"""Seeds of repeat r for a profile without its own seed: REPEAT_SEED_BASE + r."""


@dataclass(frozen=True)
class EvalCell:
    key: CellKey
    profile: DecodingProfile
    repeat: int
    seed: int | None
    """None: greedy or choice scoring (no sampling, nothing to seed)."""


@dataclass(frozen=True)
class EvalRequest:
    examples: ExampleSet
    items: tuple[EvalItem, ...]
    shots: tuple[int, ...]
    profiles: tuple[DecodingProfile, ...]
    scoring: Scoring = field(default_factory=Scoring)
    repeats: int = 1
    renders: tuple[PinRender | None, ...] = (None,)
    system_prompt: str = ""
    target: float | None = None
    """The accuracy the user aims for (0-1); the advice says when few-shot will not reach it."""

    def __post_init__(self) -> None:
        if not self.items:
            raise EvalDataError("the data has no items")
        if not self.profiles:
            raise EvalDataError("an evaluation needs at least one profile")
        available = len(self.examples.enabled_examples)
        for k in self.shots:
            if k > available:
                raise EvalDataError(f"--shots: {k} asks for more examples than the set has ({available})")

    def repeats_for(self, profile: DecodingProfile) -> int:
        if profile.is_greedy or self.scoring.kind is ScoreKind.CHOICE:
            return 1
        return self.repeats

    def cells(self) -> Iterator[EvalCell]:
        """In the order the run goes: per render, per profile, per shot count, per repeat."""
        for render in self.renders:
            for profile in self.profiles:
                for k in self.shots:
                    for repeat in range(self.repeats_for(profile)):
                        sampled = not profile.is_greedy and self.scoring.kind is not ScoreKind.CHOICE
                        base = profile.seed if profile.seed is not None else REPEAT_SEED_BASE
                        seed = base + repeat if sampled else None
                        yield EvalCell(CellKey(profile.name, k, render), profile, repeat, seed)

    @property
    def total_items(self) -> int:
        per_profile = sum(self.repeats_for(profile) for profile in self.profiles)
        return len(self.items) * len(self.shots) * len(self.renders) * per_profile


def distinct_profiles(profiles: Sequence[DecodingProfile]) -> tuple[DecodingProfile, ...]:
    """A profile named twice runs once."""
    seen: dict[str, DecodingProfile] = {}
    for profile in profiles:
        seen.setdefault(profile.name, profile)
    return tuple(seen.values())


DEFAULT_SHOTS = (0, 1, 2, 4, 8)


def default_shots(available: int) -> tuple[int, ...]:
    """0, 1, 2, 4, 8 up to the examples there are, and all of them: the curve the advice reads."""
    shots = [k for k in DEFAULT_SHOTS if k <= available]
    if available not in shots:
        shots.append(available)
    return tuple(shots)


@dataclass(frozen=True)
class EvalOptions:
    """What the user asked for (``shotglass --eval`` or the dataset dialog), before it meets the chat's pins,
    system prompt and profile; ``request`` checks it all and says what is wrong in one line."""

    dataset: str
    shots: str | None = None
    """``0,1,2,4``; None: ``default_shots`` of the pinned set."""
    profiles: tuple[DecodingProfile, ...] = ()
    """Empty: the chat's current profile."""
    score: str = "prefix"
    labels: str | None = None
    repeats: int = 1
    target: float | None = None

    def request(
        self, items: Sequence[EvalItem], examples: ExampleSet, system_prompt: str, current: DecodingProfile
    ) -> EvalRequest:
        from tui.core.eval.scoring import parse_labels, parse_scoring, with_labels
        from tui.core.fewshot.evaluation import parse_shots

        available = len(examples.enabled_examples)
        shots = tuple(parse_shots(self.shots, available)) if self.shots is not None else default_shots(available)
        scoring = with_labels(
            parse_scoring(self.score), items, parse_labels(self.labels) if self.labels is not None else None
        )
        return EvalRequest(
            examples=examples,
            items=tuple(items),
            shots=shots,
            profiles=distinct_profiles(self.profiles or (current,)),
            scoring=scoring,
            repeats=self.repeats,
            system_prompt=system_prompt,
            target=self.target,
        )
