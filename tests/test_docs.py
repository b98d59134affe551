"""Docs that cannot drift: every command has help ending in an example and is in the README."""

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from tests.paths import REPO

COMMANDS = sorted(cli.commands)


def test_the_commands_are_design_mds():
    assert COMMANDS == ["enrich", "ids", "import", "pull", "push"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"refbridge {name}" in result.stdout.split("Example:")[1]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_shown_in_the_readme(name: str):
    assert f"refbridge {name}" in (REPO / "README.md").read_text()


def test_readme_gives_the_two_commands_ci_runs():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    test_command = ci.strip().splitlines()[-1]
    assert test_command in readme
