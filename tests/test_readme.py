"""The README cannot drift from what the program prints: its examples are replayed here.

Every fenced block of README.md that starts with `$ ` is a shell session. Its commands are
run in order, in one scratch folder holding a copy of `samples/`, against the loopback arXiv
server (loaded with the samples' papers) and the loopback Zotero server, and what each
prints (stdout and stderr, as a terminal shows them) must be the lines that follow it in
the README. `...` stands for any text, within a line or for whole lines.

A plain `refbridge ...` runs in this process (CliRunner); `export NAME=...` sets the
variable (ZOTERO_API_KEY gets the loopback server's write key); `head -N FILE` is read here;
anything else (a pipeline such as `echo ... | refbridge ...` or `sed ... FILE | grep ...`)
runs in bash with the installed `refbridge` first on PATH. A block that needs what the test
cannot provide (the network, a real library) is marked on the line before its fence:

    <!-- not replayed: why -->

The ```python block is run the same way; each `print(...)` is followed by its output as a
comment (on the same line, or alone on the next line).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import cli
from tests import published_papers
from tests.paths import REPO
from tests.sample_papers import load_sample_papers
from tests.servers.arxiv_server import ArxivServer
from tests.servers.zotero_server import WRITE_KEY, ZoteroServer

README = REPO / "README.md"
NOT_REPLAYED = re.compile(r"<!--\s*not replayed:.*-->")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    language: str
    text: str
    line: int
    """The README line of the opening fence, for messages."""
    replayed: bool


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    for match in _FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        blocks.append(Block(match.group(1), match.group(2), text.count("\n", 0, match.start()) + 1,
                            not NOT_REPLAYED.search(before)))
    return blocks


def sessions(text: str) -> list[Block]:
    return [b for b in readme_blocks(text) if not b.language and b.text.startswith("$ ")]


@dataclass
class Step:
    command: str
    expected: str
    line: int


def steps(block: Block) -> list[Step]:
    """The commands of a session, each with the output the README shows for it."""
    found: list[Step] = []
    for offset, line in enumerate(block.text.splitlines()):
        if line.startswith("$ "):
            found.append(Step(line[2:], "", block.line + 1 + offset))
        else:
            found[-1].expected += line + "\n"
    return found


# ---------------------------------------------------------------------- the harness


@pytest.fixture
def services(isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with ArxivServer() as arxiv, ZoteroServer() as zotero, \
            published_papers.serving(tmp_path, monkeypatch):
        load_sample_papers(arxiv)
        monkeypatch.setenv("REFBRIDGE_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("REFBRIDGE_ARXIV_DELAY", "0.01")
        monkeypatch.setenv("REFBRIDGE_ZOTERO_URL", zotero.url)
        yield arxiv, zotero


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "session"
    shutil.copytree(REPO / "samples", folder / "samples")
    monkeypatch.chdir(folder)
    return folder


def _run(step: Step, monkeypatch: pytest.MonkeyPatch) -> str:
    """What the step's command prints, stdout and stderr interleaved."""
    command = re.sub(r"\s+#.*$", "", step.command)  # a trailing shell comment
    if match := re.fullmatch(r"export (\w+)=(.*)", command):
        name, value = match.groups()
        monkeypatch.setenv(name, WRITE_KEY if name == "ZOTERO_API_KEY" else value)
        return ""
    if match := re.fullmatch(r"head -(\d+) (\S+)", command):
        lines = Path(match.group(2)).read_text(encoding="utf-8").splitlines(keepends=True)
        return "".join(lines[:int(match.group(1))])
    words = shlex.split(command)
    if words[:1] != ["refbridge"] or any(w in ("|", ">", "&&") for w in shlex.split(
            command, posix=False)):
        return _shell(command)
    result = CliRunner().invoke(cli, words[1:], prog_name="refbridge")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.output


def _shell(command: str) -> str:
    """A pipeline (`echo ... | refbridge ...`, `sed ... FILE | grep ...`) run by bash, with
    the installed `refbridge` first on PATH; stdout and stderr in the order a terminal
    shows them (unbuffered)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(["bash", "-c", command], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=120)
    return done.stdout.decode("utf-8")


def _matches(expected: str, got: str) -> bool:
    """Whether `got` is `expected` with each `...` standing for any text (newlines too).

    (doctest's own checker would also blank out lines of spaces, which a diff has.)
    """
    pattern = ".*?".join(re.escape(piece) for piece in expected.split("..."))
    return re.fullmatch(pattern, got, re.DOTALL) is not None


def test_every_shell_session_prints_what_the_readme_shows(services, scratch: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    replayed = 0
    for block in sessions(README.read_text(encoding="utf-8")):
        if not block.replayed:
            continue
        for step in steps(block):
            got = _run(step, monkeypatch)
            assert _matches(step.expected, got), (
                f"README.md:{step.line}: $ {step.command}\n"
                f"--- the README shows\n{step.expected}--- the program printed\n{got}")
            replayed += 1
    assert replayed >= 10  # the tour: ids, import, enrich, push and pull


def test_the_python_example_prints_what_its_comments_say(services, scratch: Path):
    (block,) = [b for b in readme_blocks(README.read_text(encoding="utf-8"))
                if b.language == "python" and b.replayed]
    expected, lines = [], block.text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("print("):
            continue
        if "#" in line.rsplit(")", 1)[-1]:
            expected.append(line.rsplit("#", 1)[1].strip())
        elif number + 1 < len(lines) and lines[number + 1].startswith("# "):
            expected.append(lines[number + 1][2:].strip())
        else:
            pytest.fail(f"README.md:{block.line + 1 + number}: a print without its output")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.text, str(README), "exec"), {})
    assert printed.getvalue().splitlines() == expected


# ---------------------------------------------------------------------- the parser itself


SAMPLE = """\
Intro.

```
$ refbridge ids x.txt
2310.13798
$ head -1 refs.bib
@misc{a,
```

<!-- not replayed: needs the network -->
```
$ refbridge import x.txt -o refs.bib
```

```python
print(1)  # 1
```
"""


def test_the_parser_finds_sessions_steps_and_marks():
    found = sessions(SAMPLE)
    assert [(b.line, b.replayed) for b in found] == [(3, True), (11, False)]
    assert [(s.command, s.expected, s.line) for s in steps(found[0])] == [
        ("refbridge ids x.txt", "2310.13798\n", 4), ("head -1 refs.bib", "@misc{a,\n", 6)]
    assert [b.language for b in readme_blocks(SAMPLE)] == ["", "", "python"]


def test_ellipsis_stands_for_text_and_for_lines():
    assert _matches("a {x ...}\n...\nend\n", "a {x y z}\nmore\nlines\nend\n")
    assert not _matches("a\nend\n", "a\nextra\nend\n")
    assert _matches(" \n", " \n") and not _matches(" \n", "\n")  # a diff's blank context
