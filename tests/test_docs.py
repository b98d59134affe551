"""Docs that cannot drift: every command has help ending in an example and is in the README."""

import click
import pytest
from click.testing import CliRunner

from bridge.cli import cli
from tests.paths import REPO

COMMANDS = sorted(cli.commands)


def test_the_commands_are_design_mds():
    assert COMMANDS == ["enrich", "ids", "import", "published", "pull", "push", "tex"]


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


@pytest.mark.parametrize(("option", "registry"), [
    ("fmt", "writers"), ("citekey", "formulas"), ("date_policy", "date policies")])
def test_choice_lists_come_from_the_registries(option: str, registry: str):
    from bridge.citekeys import FORMULAS
    from bridge.resolve import DATE_POLICIES
    from bridge.writers import WRITERS

    expected = {"writers": list(WRITERS), "formulas": list(FORMULAS),
                "date policies": list(DATE_POLICIES)}[registry]
    offered = [list(param.type.choices) for command in cli.commands.values()
               for param in command.params
               if param.name == option and isinstance(param.type, click.Choice)]
    assert offered and all(choices == expected for choices in offered)


def test_the_public_surface_is_declared_once_and_named_bridge():
    import subprocess
    import sys

    import bridge

    for name in bridge.__all__:
        obj = getattr(bridge, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert obj.__module__ == "bridge.errors", name   # the documented tree
        elif isinstance(obj, type):
            assert obj.__module__ == "bridge", name
    assert repr(bridge.ZoteroClient) == "<class 'bridge.ZoteroClient'>"
    assert {"ImportReport", "EnrichReport", "PushReport", "PullReport", "ResolveReport",
            "TexReport", "Finding",
            "Progress", "WRITERS", "READERS", "get_writer", "get_reader",
            "ZoteroClient"} <= set(bridge.__all__)
    assert (REPO / "bridge" / "py.typed").is_file()
    # The Zotero names load httpx only when asked for: `import bridge` stays quick.
    code = "import sys, bridge; print('httpx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True).stdout == "False\n"


def cli_reference() -> str:
    """docs/cli.md: every command's --help, as the CLI prints it."""
    parts = ["# refbridge command reference\n\n",
             "Generated from `--help` by `python -m tests.test_docs`; a test keeps it current.\n"]
    for args in [[], *([name] for name in COMMANDS)]:
        text = CliRunner().invoke(cli, [*args, "--help"], prog_name="refbridge",
                                  terminal_width=100).stdout
        title = " ".join(["refbridge", *args])
        parts.append(f"\n## {title}\n\n```\n{text.rstrip()}\n```\n")
    return "".join(parts)


def test_the_cli_reference_is_current():
    assert (REPO / "docs" / "cli.md").read_text() == cli_reference(), (
        "docs/cli.md is out of date: run python -m tests.test_docs")


if __name__ == "__main__":
    (REPO / "docs").mkdir(exist_ok=True)
    (REPO / "docs" / "cli.md").write_text(cli_reference())
