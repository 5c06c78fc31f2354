"""The README is the front door; these tests keep it true (every command and setting in it)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from licensehub.cli import main
from licensehub.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append(" ".join((*prefix, name)))
    return paths


def test_every_command_is_documented() -> None:
    for path in command_paths(main):
        assert f"licensehub {path}" in README, path


def test_every_option_of_every_command_is_documented() -> None:
    def walk(group: click.Group, prefix: str) -> list[tuple[str, str]]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += walk(command, f"{prefix} {name}")
            for param in command.params:
                found += [(f"{prefix} {name}", opt) for opt in param.opts if opt.startswith("--")]
        return found

    for command, option in walk(main, "licensehub"):
        assert option in README, f"{command} {option}"


def test_every_setting_is_documented() -> None:
    for field in Settings.model_fields:
        assert f"LICENSEHUB_{field.upper()}" in README, field


def test_quick_start_is_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_make_targets_named_in_the_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    for target in set(re.findall(r"`make (\w+)", README)):
        assert target in targets, target


def test_every_option_the_readme_names_exists() -> None:
    """The other way round: a README row promising an option the command lacks fails."""
    rows = re.findall(r"^\| `licensehub ([a-z]+(?: [a-z]+)*)(.*?)` \|", README, re.MULTILINE)
    assert rows
    for words, usage in rows:
        command: click.Command = main
        for word in words.split():
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), word)  # imported on demand
            assert found is not None, f"licensehub {words}: no command {word!r}"
            command = found
        line = next(
            line for line in README.splitlines() if line.startswith(f"| `licensehub {words}")
        )
        usage = line.split("` |")[0]
        offered = {opt for param in command.params for opt in param.opts}
        for option in re.findall(r"--[a-z][a-z-]*", usage):
            assert option in offered, f"licensehub {words}: {option}"
