"""Hostile user files (issue 12, item 7): every file a user hands shotglass (a profile, an example set,
eval data, a conversation import, a foreign preset) either reads or fails with one printable line; on the
CLI that line is the only thing on stderr and the exit code is 2. Nesting, huge integers, lone surrogates,
undecodable bytes, names and paths with control characters are each tried through every reader and every
command that reads such a file; a seeded, bounded byte-mutation loop covers the rest. Nothing here loads a
model: every file is read before the engine would start."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tui.core.errors import UserError, shown
from tui.core.fewshot.evaluation import read_eval_data
from tui.core.fewshot.example_set import read_example_set
from tui.core.history.transfer import parse_conversation, read_json_file
from tui.core.paths import AppPaths
from tui.core.profiles.importers import import_foreign
from tui.core.profiles.profile import read_profile_file, validate_name
from tui.core.text_files import json_depth

SEED = 12
MUTANTS_PER_FILE = 60

PROFILE = b'schema_version = 1\nname = "fuzzed"\ntemperature = 0.7\nstop = ["\\n\\n"]\n'
EXAMPLES = b'name = "demo"\ninstruction = "Answer."\n\n[[examples]]\ninput = "2+2"\noutput = "4"\n'
EVAL = b'{"input": "2+2", "output": "4"}\n{"input": "3+3", "output": "6"}\n'
CONVERSATION = json.dumps(
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
).encode()
LMSTUDIO = json.dumps(
    {"name": "fuzzed", "operation": {"fields": [{"key": "llm.prediction.temperature", "value": 0.5}]}}
).encode()

HOSTILE: dict[str, bytes] = {
    "toml-array-500-deep.toml": b'name = "x"\na = ' + b"[" * 500 + b"]" * 500 + b"\n",
    "toml-table-500-deep.toml": b'name = "x"\na = ' + b"{b = " * 500 + b"1" + b"}" * 500 + b"\n",
    "toml-5000-digits.toml": b'schema_version = 1\nname = "x"\nseed = ' + b"9" * 5000 + b"\n",
    "toml-name-newline.toml": b'schema_version = 1\nname = "evil\\n"\n',
    "toml-name-escape.toml": b'schema_version = 1\nname = "evil\\u001b[31m"\n',
    "json-array-100k-deep.json": b"[" * 100_000 + b"]" * 100_000,
    "json-object-100k-deep.json": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "json-5000-digits.json": b'{"input": "a", "output": "b", "n": ' + b"9" * 5000 + b"}",
    "json-lone-surrogate.json": b'{"input": "\\ud800", "output": "x", "messages": [{"role": "user", '
    b'"content": "\\ud800"}], "operation": {"fields": [{"key": "\\ud800", "value": 1}]}}',
    "lmstudio-fields-number.preset.json": b'{"name": "x", "operation": {"fields": 5}}',
    "lmstudio-load-fields-text.preset.json": b'{"name": "x", "load": {"fields": "abc"}}',
    "invalid-utf8.toml": b'name = "\xff\xfe"\n',
    "bom-then-garbage.json": b"\xef\xbb\xbf{",
}

READERS: dict[str, Callable[[Path], Any]] = {
    "profile": read_profile_file,
    "example set": read_example_set,
    "eval data": read_eval_data,
    "conversation": lambda path: parse_conversation(read_json_file(path), shown(path)),
    "preset import": import_foreign,
}


def assert_one_clear_line(message: str) -> None:
    assert message and "\n" not in message and message.isprintable(), repr(message)
    assert "Traceback" not in message


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        (name, reader)
        for reader in READERS
        for name in HOSTILE
        # An example set's name is a label, never a file name: the hostile-name files do not apply to it.
        if not (name.startswith("toml-name-") and reader == "example set")
    ],
)
def test_every_reader_refuses_every_hostile_file_in_one_line(tmp_path: Path, name: str, reader: str) -> None:
    path = write(tmp_path, name, HOSTILE[name])
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        READERS[reader](path)
    assert_one_clear_line(str(caught.value))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("reader", READERS)
def test_a_path_with_a_newline_or_escape_is_shown_escaped(tmp_path: Path, reader: str) -> None:
    path = write(tmp_path, "bad\n\x1b[31mname.json", b"[" * 1000)
    with pytest.raises(UserError) as caught:
        READERS[reader](path)
    message = str(caught.value)
    assert_one_clear_line(message)
    assert "bad\\n\\x1b[31mname.json" in message
    missing = tmp_path / "gone\n\x1b]0;title\x07.toml"
    with pytest.raises(UserError) as caught:
        READERS[reader](missing)
    assert_one_clear_line(str(caught.value))


def test_hostile_json_is_bounded_before_parsing() -> None:
    assert json_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert json_depth('["[[[[", {"a": "}}}"}]') == 2
    assert json_depth("") == 0


def test_a_utf8_bom_is_stripped_and_read(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    assert read_profile_file(write(tmp_path, "bom.toml", bom + PROFILE)).name == "fuzzed"
    assert read_example_set(write(tmp_path, "bom-examples.toml", bom + EXAMPLES)).name == "demo"
    assert len(read_eval_data(write(tmp_path, "bom.jsonl", bom + EVAL))) == 2
    assert read_json_file(write(tmp_path, "bom.json", bom + CONVERSATION))["messages"][0]["content"] == "hi"
    imported = import_foreign(write(tmp_path, "bom.preset.json", bom + LMSTUDIO))
    assert imported.profile.temperature == 0.5


@pytest.mark.parametrize("name", ["evil\n", "evil\r", "ev\x1bil", "evil\t", "evil\x00", "evil\u0085"])
def test_a_profile_name_with_control_characters_is_refused(name: str) -> None:
    with pytest.raises(UserError) as caught:
        validate_name(name)
    assert_one_clear_line(str(caught.value))


@pytest.mark.parametrize(
    ("reader", "valid", "suffix"),
    [
        ("profile", PROFILE, ".toml"),
        ("example set", EXAMPLES, ".toml"),
        ("eval data", EVAL, ".jsonl"),
        ("conversation", CONVERSATION, ".json"),
        ("preset import", LMSTUDIO, ".preset.json"),
    ],
)
def test_seeded_mutations_read_or_fail_in_one_line(tmp_path: Path, reader: str, valid: bytes, suffix: str) -> None:
    READERS[reader](write(tmp_path, f"valid{suffix}", valid))  # the seed file itself is fine
    rng = random.Random(f"{SEED}-{reader}")
    hostile_bytes = [b"\xff", b"\x00", b"\x1b", b"\n", b"[", b"{", b"\\ud800", b"\xef\xbb\xbf", b'"', b"9" * 5000]
    started = time.monotonic()
    for number in range(MUTANTS_PER_FILE):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            choice = rng.random()
            if choice < 0.4:
                data[at:at] = rng.choice(hostile_bytes)
            elif choice < 0.7 and data:
                data[min(at, len(data) - 1)] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 8)]
        path = write(tmp_path, f"mutant-{number}{suffix}", bytes(data))
        try:
            READERS[reader](path)
        except UserError as error:
            assert_one_clear_line(str(error))
    assert time.monotonic() - started < 10


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def profile_files(paths: AppPaths) -> list[Path]:
    folder = paths.user_profiles_dir
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("name", HOSTILE)
def test_every_command_gives_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], isolated_dirs: AppPaths, tmp_path: Path, name: str
) -> None:
    hostile = write(tmp_path, name, HOSTILE[name])
    examples = write(tmp_path, "good-examples.toml", EXAMPLES)
    data = write(tmp_path, "good.jsonl", EVAL)
    commands = [
        ("profiles", "import", str(hostile)),
        ("profiles", "import", str(hostile), "--force"),
        ("ask", "--examples", str(hostile), "hi"),
        ("eval", "--examples", str(hostile), "--shots", "0", str(data)),
        ("eval", "--examples", str(examples), "--shots", "0", str(hostile)),
        ("history", "import", str(hostile)),
    ]
    if name.startswith("toml-name-"):  # a valid example set: ask and eval would go on to the model
        commands = [command for command in commands if "--examples" not in command or command[2] != str(hostile)]
    for command in commands:
        started = time.monotonic()
        code, err = cli(capsys, *command)
        assert code == 2, (command, err)
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("shotglass: error: "), (command, err)
        assert_one_clear_line(lines[0])
        assert time.monotonic() - started < 2, command
    assert profile_files(isolated_dirs) == []


def test_a_name_with_a_newline_creates_no_file(
    capsys: pytest.CaptureFixture[str], isolated_dirs: AppPaths, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.toml", PROFILE)
    for name in ("evil\n", "evil\x1b[2J", "../evil"):
        code, err = cli(capsys, "profiles", "import", str(good), "--name", name)
        assert code == 2 and len(err.splitlines()) == 1, err
        assert_one_clear_line(err.rstrip("\n"))
    assert profile_files(isolated_dirs) == []


def test_a_hostile_path_on_the_command_line_is_escaped(
    capsys: pytest.CaptureFixture[str], isolated_dirs: AppPaths, tmp_path: Path
) -> None:
    path = write(tmp_path, "x\n\x1b[31m.toml", HOSTILE["toml-array-500-deep.toml"])
    for command in (("profiles", "import", str(path)), ("history", "import", str(path)), ("history", "import", "n\n")):
        code, err = cli(capsys, *command)
        assert code == 2 and len(err.splitlines()) == 1 and "\x1b" not in err, (command, err)
    assert "x\\n\\x1b[31m.toml" in cli(capsys, "profiles", "import", str(path))[1]


def test_undecodable_argv_is_one_line_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (
        ("ask", "\udcff"),
        ("profiles", "import", "/tmp/a\udcff\udcfe.toml"),
        ("history", "import", "\udc80"),
    ):
        code, err = cli(capsys, *command)
        assert code == 2 and len(err.splitlines()) == 1 and "not valid UTF-8" in err, err
        assert_one_clear_line(err.rstrip("\n"))


def test_undecodable_argv_is_one_line_from_a_real_process(tmp_path: Path) -> None:
    for argv in ([b"ask", b"\xff"], [b"profiles", b"import", b"/tmp/\xff\x1b[31m\n.toml"]):
        result = subprocess.run(
            [sys.executable.encode(), b"-m", b"tui", *argv], capture_output=True, timeout=60, cwd=tmp_path
        )
        err = result.stderr.decode("utf-8", "backslashreplace")
        assert result.returncode == 2 and len(err.splitlines()) == 1 and "not valid UTF-8" in err, err
        assert "\x1b" not in err and "Traceback" not in err
