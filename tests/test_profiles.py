"""Decoding profiles: validation of every bad input, the store, atomic writes, the installed built-ins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.core import atomic
from tui.core.errors import ProfileError
from tui.core.profiles.profile import (
    MAX_PROFILE_FILE_BYTES,
    DecodingProfile,
    parse_profile,
    parse_profile_toml,
    profile_to_toml,
    read_profile_file,
)
from tui.core.profiles.store import ProfileSource, ProfileStore


def test_builtins_load_and_validate(store: ProfileStore) -> None:
    names = store.names()
    assert {"greedy-factual", "creative-sampling"} <= set(names)
    greedy = store.get("greedy-factual")
    assert greedy.is_greedy and greedy.seed is None
    creative = store.get("creative-sampling")
    assert creative.temperature == pytest.approx(0.9) and creative.top_k == 40 and creative.top_p == 0.95
    assert creative.seed is None
    for entry in store.entries():
        assert entry.profile.description, f"{entry.profile.name} needs a description"


def test_builtins_come_from_the_installed_package_not_the_cwd(tmp_path: Path) -> None:
    code = (
        "from tui.core.profiles.store import ProfileStore, builtin_profiles_dir; from pathlib import Path;"
        "print(builtin_profiles_dir()); print(','.join(ProfileStore(Path('u')).names()))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    folder, names = result.stdout.split()
    assert Path(folder, "greedy-factual.toml").is_file()
    assert "creative-sampling" in names.split(",")


def test_round_trip_is_identical(store: ProfileStore, tmp_path: Path) -> None:
    original = DecodingProfile(
        name="mine",
        description="d",
        max_new_tokens=99,
        temperature=0.7,
        top_k=10,
        top_p=0.8,
        min_p=0.1,
        repeat_penalty=1.1,
        seed=42,
        stop=("###", "\n\n"),
    )
    assert parse_profile_toml(profile_to_toml(original), "x") == original
    store.save(original)
    exported = store.export("mine", tmp_path / "shared.toml")
    other = ProfileStore(tmp_path / "friend")
    imported = other.import_file(exported)
    assert imported.profile == original
    assert exported.read_text() == (tmp_path / "friend" / "mine.toml").read_text()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('name = "x"\ntemperature = ', "malformed TOML"),
        ('name = "x"\ncolour = 1', "unknown key 'colour'"),
        ('name = "x"\ntemperature = "hot"', "key 'temperature' must be a number"),
        ('name = "x"\ntemperature = -0.1', "key 'temperature' = -0.1 is out of range; allowed: 0 (greedy) to 5"),
        ('name = "x"\ntop_p = 0', "key 'top_p' = 0.0 is out of range"),
        ('name = "x"\ntop_p = 1.5', "key 'top_p' = 1.5 is out of range"),
        ('name = "x"\ntop_k = -1', "key 'top_k' = -1 is out of range"),
        ('name = "x"\nmax_new_tokens = 0', "key 'max_new_tokens' = 0 is out of range"),
        ('name = "x"\nmax_new_tokens = 1.5', "key 'max_new_tokens' must be an integer"),
        ('name = "x"\nstop = "###"', "key 'stop' must be a list of strings"),
        ('name = "x"\nstop = [1, 2]', "key 'stop' must be a list of strings"),
        ('name = "x"\nseed = -5', "key 'seed' = -5 is out of range"),
        ('name = ""', "key 'name' is empty"),
        (f'name = "{"n" * 65}"', "key 'name' is 65 characters long"),
        ('name = "../x"', "key 'name' = '../x' is not allowed"),
        ('name = "a/b"', "is not allowed"),
        ('temperature = 0.5', "missing key 'name'"),
        ('schema_version = 9\nname = "x"', "key 'schema_version' = 9 is out of range"),
    ],
)
def test_bad_profiles_name_file_key_and_range(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        read_profile_file(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert fragment in message
    assert "\n" not in message


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text('name = "x"\n' + "# padding\n" * (MAX_PROFILE_FILE_BYTES // 10 + 1))
    with pytest.raises(ProfileError, match="at most 65536 bytes"):
        read_profile_file(path)


def test_import_refuses_to_overwrite_without_force(store: ProfileStore, tmp_path: Path) -> None:
    shared = tmp_path / "p.toml"
    shared.write_text('name = "mine"\ntemperature = 0.5\n')
    store.import_file(shared)
    shared.write_text('name = "mine"\ntemperature = 0.9\n')
    with pytest.raises(ProfileError, match="already exists; use --force"):
        store.import_file(shared)
    assert store.get("mine").temperature == 0.5
    assert store.import_file(shared, force=True).profile.temperature == 0.9


def test_import_refuses_to_shadow_a_builtin_without_force(store: ProfileStore, tmp_path: Path) -> None:
    shared = tmp_path / "g.toml"
    shared.write_text('name = "greedy-factual"\nmax_new_tokens = 7\n')
    with pytest.raises(ProfileError, match="would shadow the built-in"):
        store.import_file(shared)
    entry = store.import_file(shared, force=True)
    assert entry.source is ProfileSource.USER_SHADOWING and store.get("greedy-factual").max_new_tokens == 7
    assert store.reset("greedy-factual")
    assert store.entry("greedy-factual").source is ProfileSource.BUILT_IN


def test_crash_mid_save_leaves_the_old_file_whole(store: ProfileStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(DecodingProfile(name="keep", temperature=0.3))
    before = (store.user_dir / "keep.toml").read_text()

    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(ProfileError, match="cannot write: disk full"):
        store.save(DecodingProfile(name="keep", temperature=0.9), force=True)
    assert (store.user_dir / "keep.toml").read_text() == before
    assert sorted(os.listdir(store.user_dir)) == ["keep.toml"]


def test_unknown_profile_lists_the_known_ones(store: ProfileStore) -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nope'; known profiles: .*greedy-factual"):
        store.get("nope")


def test_cli_overrides_go_through_validation() -> None:
    base = parse_profile({"name": "x"}, "t")
    assert base.with_overrides(max_new_tokens=5).max_new_tokens == 5
    with pytest.raises(ProfileError, match="command line: key 'temperature'"):
        base.with_overrides(temperature=-1.0)


def test_template_kwargs_round_trip_through_file_and_form() -> None:
    from tui.core.profiles.form import profile_from_form, profile_to_form
    from tui.core.profiles.profile import parse_profile_toml, profile_to_toml, template_kwargs_label

    text = 'name = "think-less"\n[template_kwargs]\nenable_thinking = false\nreasoning_effort = "low"\n'
    profile = parse_profile_toml(text, "think-less.toml")
    assert profile.template_kwargs == (("enable_thinking", False), ("reasoning_effort", "low"))
    assert parse_profile_toml(profile_to_toml(profile), "again.toml") == profile
    form = profile_to_form(profile)
    assert form["template_kwargs"] == '{ enable_thinking = false, reasoning_effort = "low" }'
    assert profile_from_form(form) == profile
    assert template_kwargs_label(profile.template_kwargs) == "enable_thinking=false reasoning_effort=low"


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("template_kwargs = 3", "must be a table"),
        ("[template_kwargs]\nmessages = 'x'", "set by shotglass itself"),
        ("[template_kwargs]\nbad = [1, 2]", "must be a string, number or true/false"),
        ("[template_kwargs]\nbad = { a = 1 }", "must be a string, number or true/false"),
        ("[template_kwargs]\n'not a name' = 1", "variable names are letters"),
        ("[template_kwargs]\nlong = '" + "x" * 300 + "'", "longer than 200"),
        ("[template_kwargs]\nbig = 9999999999999999999", "out of range"),
        ("[template_kwargs]\nn = nan", "not nan"),
    ],
)
def test_bad_template_kwargs_are_one_line(table: str, fragment: str) -> None:
    from tui.core.errors import ProfileError
    from tui.core.profiles.profile import parse_profile_toml

    with pytest.raises(ProfileError) as caught:
        parse_profile_toml(f'name = "p"\n{table}\n', "p.toml")
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
