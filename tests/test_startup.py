"""Start-up: commands that send no request import no network library (issue 12).

`refbridge --version` and `ids` must start about as fast as Python itself; the network
libraries (httpx, arxiv, requests), the progress bars (rich), the fuzzy matcher (rapidfuzz)
and sqlite3 are loaded only by the commands that use them. Each case runs the real command
line in a fresh interpreter and lists, at exit, which of those modules it had imported.
(How fast is for `bench/bench_scale.py --only startup`; this only keeps the imports away.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("httpx", "httpcore", "arxiv", "requests", "feedparser", "rich", "rapidfuzz",
         "sqlite3")

# Runs `python -m bridge ARGS...` in this interpreter and reports the heavy modules loaded.
_PROBE = """
import atexit, runpy, sys
heavy = sys.argv[1].split(",")
atexit.register(lambda: print("loaded:", *sorted(m for m in heavy if m in sys.modules),
                              file=sys.stderr))
sys.argv = ["refbridge", *sys.argv[2:]]
runpy.run_module("bridge", run_name="__main__", alter_sys=True)
"""


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _PROBE, ",".join(HEAVY), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60)


def test_version_imports_nothing_heavy():
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "refbridge, version 0.1.0\n"
    assert done.stderr == "loaded:\n"


def test_ids_on_text_imports_nothing_heavy(tmp_path):
    text = tmp_path / "small.txt"
    text.write_text("see arXiv:2310.13798 and https://arxiv.org/abs/hep-th/9901001v2\n")
    done = _run("ids", str(text))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2310.13798\nhep-th/9901001v2\n"
    assert done.stderr == "loaded:\n"


def test_ids_on_bib_imports_nothing_heavy():
    # A .bib is parsed by bibtexparser, which is allowed; nothing on the list above is.
    done = _run("ids", "samples/incomplete.bib")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2310.13798\n2212.08073\n")
    assert done.stderr.endswith("loaded:\n")


@pytest.mark.parametrize("command", ["import", "enrich", "push", "pull", "tex", "published"])
def test_help_of_every_command_imports_nothing_heavy(command):
    done = _run(command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Example:" in done.stdout
    assert done.stderr == "loaded:\n"


def test_version_is_the_packages_version():
    from importlib.metadata import version

    import bridge

    assert version("refbridge") == bridge.__version__


def test_an_offline_enrich_loads_no_network_library(tmp_path, monkeypatch):
    # --offline is answered from the cache (sqlite3) alone: httpx, the arxiv package and
    # requests stay out, which is most of a small file's start-up.
    monkeypatch.setenv("REFBRIDGE_CACHE", str(tmp_path / "cache.sqlite3"))
    done = _run("enrich", "--offline", "samples/incomplete.bib", "-o",
                str(tmp_path / "out.bib"))
    assert done.returncode in (0, 1), done.stderr
    loaded = done.stderr.rsplit("loaded:", 1)[1].split()
    assert not {"httpx", "httpcore", "arxiv", "requests"} & set(loaded), loaded
    assert (tmp_path / "out.bib").is_file()
