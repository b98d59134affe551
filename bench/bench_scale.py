"""Scale: whole refbridge processes beside their peers, measured in the same run.

Each figure is a separate process (`python -m bridge ...` or a peer script run by the same
interpreter), timed by wall clock, with CPU time and peak resident memory taken from the
kernel's accounting of that child (`os.wait4`). Medians of `--repeat` runs. The large inputs
are generated here from shared/corpora; the arXiv server is the loopback test server.

    python bench/bench_scale.py [--entries 1000,100000] [--ids 30000] [--text-mb 100]
                                [--repeat 3] [--only startup,enrich,ids,import]

Rows (and their peers):
* startup  - `refbridge --version` and `refbridge ids small.txt` vs `python -c pass`;
* enrich   - `refbridge enrich --offline` of an N-entry .bib vs bibtexparser 2's own
             parse_string + write_string of the same file (target: <= 0.8x at 100k, <= 1.5x
             at 1k; peak memory <= 10x the file);
* ids      - `refbridge ids` on a large text vs a plain `re.findall` script (memory <= 1.2x);
* import   - `refbridge import` of N ids, cold then warm, vs the `arxiv` package's Client
             making the same batched requests (warm <= 0.3x cold and under the peer).
Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from tests.servers.arxiv_server import ArxivServer, synthetic_paper  # noqa: E402

PYTHON = sys.executable
CORPUS = SHARED / "corpora" / "bib" / "contextlab_cdl.bib"
_ENTRY_START = re.compile(r"^(@[A-Za-z]+\s*\{\s*)([^,\s]+)", re.MULTILINE)


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float


def _run(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """One child process: wall time, CPU time and peak RSS from the kernel's rusage."""
    began = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, **(env or {})}, cwd=cwd)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    if child.returncode not in (0, 1):
        raise SystemExit(f"bench broken: {' '.join(argv)} exited {child.returncode}\n"
                         + errors.decode(errors="replace")[-2000:])
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _median(argv: list[str], repeat: int, **kwargs: object) -> Run:
    runs = [_run(argv, **kwargs) for _ in range(repeat)]  # type: ignore[arg-type]
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               statistics.median(r.peak_mb for r in runs))


def _row(label: str, ours: Run, peer: Run, peer_label: str) -> None:
    print(f"  {label:<34} {ours.wall:>7.2f} s wall {ours.cpu:>7.2f} s cpu "
          f"{ours.peak_mb:>7.0f} MB | {peer_label:<26} {peer.wall:>7.2f} s {peer.cpu:>7.2f} s "
          f"{peer.peak_mb:>7.0f} MB | wall {ours.wall / peer.wall:.2f}x "
          f"mem {ours.peak_mb / peer.peak_mb:.2f}x")


def _refbridge(*args: str) -> list[str]:
    return [PYTHON, "-m", "bridge", *args]


def _offline_env(tmp: Path) -> dict[str, str]:
    # Nothing may reach the network: every endpoint is a closed loopback port.
    return {"REFBRIDGE_CACHE": str(tmp / "cache.sqlite3"),
            "REFBRIDGE_ARXIV_URL": "http://127.0.0.1:9/api/query",
            "REFBRIDGE_ZOTERO_URL": "http://127.0.0.1:9", "ZOTERO_API_KEY": "",
            "XDG_CONFIG_HOME": str(tmp / "config")}


# ------------------------------------------------------------------------------- startup
def bench_startup(tmp: Path, repeat: int) -> None:
    small = tmp / "small.txt"
    small.write_text("see arXiv:2310.13798 and https://arxiv.org/abs/hep-th/9901001v2\n")
    env = _offline_env(tmp)
    _run(_refbridge("--version"), env=env)  # writes our bytecode, as installing would
    peer = _median([PYTHON, "-c", "pass"], repeat * 3, env=env)
    print("startup (target: at most 3x `python -c pass`)")
    _row("refbridge --version", _median(_refbridge("--version"), repeat * 3, env=env), peer,
         "python -c pass")
    _row("refbridge ids small.txt", _median(_refbridge("ids", str(small)), repeat * 3, env=env),
         peer, "python -c pass")


# -------------------------------------------------------------------------------- enrich
def _bib_of(entries: int) -> str:
    """`entries` entries cut from the corpus, repeated with fresh keys where it runs out."""
    text = CORPUS.read_text(encoding="utf-8")
    starts = [m.start() for m in _ENTRY_START.finditer(text)]
    blocks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    out: list[str] = []
    round_ = 0
    while len(out) < entries:
        for block in blocks[:entries - len(out)]:
            out.append(_ENTRY_START.sub(lambda m, r=round_: f"{m[1]}{m[2]}-r{r}", block, 1)
                       if round_ else block)
        round_ += 1
    return "".join(out)


_BIBTEXPARSER = """
import sys, bibtexparser
text = open(sys.argv[1], encoding="utf-8").read()
library = bibtexparser.parse_string(text)
open(sys.argv[2], "w", encoding="utf-8").write(bibtexparser.write_string(library))
"""


def bench_enrich(tmp: Path, sizes: list[int], repeat: int) -> None:
    peer_script = tmp / "bibtexparser_roundtrip.py"
    peer_script.write_text(_BIBTEXPARSER)
    env = _offline_env(tmp)
    print("enrich --offline (targets: <= 0.8x bibtexparser at 100k, <= 1.5x at 1k; "
          "memory <= 10x the file)")
    for size in sizes:
        bib = tmp / f"big{size}.bib"
        bib.write_text(_bib_of(size), encoding="utf-8")
        mb = bib.stat().st_size / 2**20
        times = repeat if size <= 10_000 else 1
        ours = _median(_refbridge("enrich", "--offline", str(bib), "-o", str(tmp / "out.bib")),
                       times, env=env)
        peer = _median([PYTHON, str(peer_script), str(bib), str(tmp / "peer.bib")], times,
                       env=env)
        _row(f"{size:,} entries ({mb:.1f} MB)", ours, peer, "bibtexparser parse+write")
        print(f"  {'':34} memory / file size: ours {ours.peak_mb / mb:.0f}x, "
              f"bibtexparser {peer.peak_mb / mb:.0f}x")


# ----------------------------------------------------------------------------------- ids
_FINDALL = r"""
import re, sys
pattern = re.compile(r"(?<![\w.])(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
text = open(sys.argv[1], encoding="utf-8").read()
seen = dict.fromkeys(pattern.findall(text))
sys.stdout.write("\n".join(seen))
"""


def bench_ids(tmp: Path, text_mb: int, repeat: int) -> None:
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in
                       [*sorted((SHARED / "samples").glob("*.txt")),
                        *sorted((SHARED / "corpora" / "bib").glob("*.bib"))])
    big = tmp / "big.txt"
    with big.open("w", encoding="utf-8") as out:
        written = 0
        while written < text_mb * 2**20:
            written += out.write(corpus)
    peer_script = tmp / "findall.py"
    peer_script.write_text(_FINDALL)
    env = _offline_env(tmp)
    print(f"ids on {written / 2**20:.0f} MB of text (target: memory <= 1.2x a re.findall script)")
    _row("refbridge ids", _median(_refbridge("ids", str(big)), repeat, env=env),
         _median([PYTHON, str(peer_script), str(big)], repeat, env=env), "re.findall script")


# -------------------------------------------------------------------------------- import
_ARXIV_CLIENT = """
import sys, arxiv
url, delay, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
ids = [f"2401.{i:05d}" for i in range(1, count + 1)]
client = arxiv.Client(page_size=100, delay_seconds=delay, num_retries=3)
client.query_url_format = url + "?{}"
found = 0
for start in range(0, count, 100):
    found += sum(1 for _ in client.results(arxiv.Search(id_list=ids[start:start + 100])))
assert found == count, found
"""


def bench_import(tmp: Path, count: int, delay: float) -> None:
    ids = tmp / "ids.txt"
    ids.write_text("".join(f"arXiv:2401.{i:05d}\n" for i in range(1, count + 1)))
    peer_script = tmp / "arxiv_client.py"
    peer_script.write_text(_ARXIV_CLIENT)
    print(f"import {count:,} ids, loopback arXiv at a {delay:g} s delay "
          "(targets: warm <= 0.3x cold and under the peer; cold cpu <= 1.5x the peer's)")
    with ArxivServer(corpus=False) as server:
        for start in range(1, count + 1, 1000):
            server.add_papers([p for i in range(start, min(start + 1000, count + 1))
                               for p in synthetic_paper(i)])
        env = {**_offline_env(tmp), "REFBRIDGE_ARXIV_URL": server.url,
               "REFBRIDGE_ARXIV_DELAY": str(delay)}
        peer = _run([PYTHON, str(peer_script), server.url, str(delay), str(count)], env=env)
        out = tmp / "imported.bib"
        before = len(server.requests)
        cold = _run(_refbridge("import", str(ids), "-o", str(out)), env=env)
        cold_requests = len(server.requests) - before
        out.unlink()
        before = len(server.requests)
        warm = _run(_refbridge("import", str(ids), "-o", str(out)), env=env)
        warm_requests = len(server.requests) - before
    _row(f"cold ({cold_requests} requests)", cold, peer, "arxiv.Client, same batches")
    _row(f"warm ({warm_requests} requests)", warm, peer, "arxiv.Client, same batches")
    print(f"  {'':34} warm / cold wall: {warm.wall / cold.wall:.2f}x; "
          f"cold cpu / peer cpu: {cold.cpu / peer.cpu:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", default="1000,100000",
                        help="comma-separated .bib sizes for enrich")
    parser.add_argument("--ids", type=int, default=30_000, help="ids for import")
    parser.add_argument("--delay", type=float, default=0.01, help="arXiv delay for import")
    parser.add_argument("--text-mb", type=int, default=100, help="text size for ids")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--only", default="startup,enrich,ids,import")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        # Installed packages run from bytecode (pip compiles them); a checkout run with
        # PYTHONDONTWRITEBYTECODE would compile every module of ours at every start instead.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        if "startup" in only:
            bench_startup(tmp, args.repeat)
        if "enrich" in only:
            bench_enrich(tmp, [int(n) for n in args.entries.split(",")], args.repeat)
        if "ids" in only:
            bench_ids(tmp, args.text_mb, args.repeat)
        if "import" in only:
            bench_import(tmp, args.ids, args.delay)


if __name__ == "__main__":
    main()
