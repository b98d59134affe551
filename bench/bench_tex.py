"""`refbridge tex` on a large generated thesis: keys per second, and the requests it makes.

    python bench/bench_tex.py [--chapters 12] [--keys 900] [--id-keys 200] [--repeat 3]

The thesis (made in a temp folder) has `--chapters` chapters `\\include`d from a main file,
citing `--keys` keys of the ContextLab bibliography (shared/corpora/bib, 6,315 entries; it
is the `--bib` master) and `--id-keys` arXiv id-keys (`2401.00001`, `arXiv:2401.00002`,
`10.48550/arXiv.2401.00003`) known to the loopback arXiv server, in every citation form,
most several times (one in twenty only in a multicite's second group), with comments and
verbatim blocks that hold citations not to count.

Printed, from the same run:

* reading the manuscript (`read_manuscript`): citations and distinct keys per second;
* the peer: a plain regex scan of `\\cite...{}` over the same files (what adstex, easybib
  and most scripts do), its speed and the keys it gets wrong (missed multicite keys,
  commented and verbatim ones counted);
* the job (`tex_bibliography`): wall time, arXiv requests (target: ceil(id-keys / 100), the
  ids batched like import's), and a second run (0 requests, file unchanged);
* when TeX Live is installed, the other peer: `pdflatex` + `biber --output-format=bibtex`
  (biber's own way to copy the entries a .bcf cites out of .bib files; it cannot resolve
  id-keys).

Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bridge.api import ResolveOptions, tex_bibliography  # noqa: E402
from bridge.config import Settings  # noqa: E402
from bridge.manuscript import read_manuscript  # noqa: E402
from bridge.readers.bibtex import parse_bib  # noqa: E402
from tests.servers.arxiv_server import ArxivServer, synthetic_paper  # noqa: E402

MASTER = REPO.parent / "shared" / "corpora" / "bib" / "contextlab_cdl.bib"
FORMS = [
    "\\citep{{{0}}}", "\\citet{{{0}}}", "\\citep[see][p.~{n}]{{{0}}}", "\\citealp*{{{0}}}",
    "\\Citet{{{0}}}", "\\citeauthor{{{0}}}", "\\citeyearpar{{{0}}}", "\\cite{{{0}}}",
]
MULTI = "\\cites(see)()[{n}]{{{0}}}[]{{{1}}}"
PEER_PATTERN = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*\*?(?:\[[^\]]*\])*\{([^}]*)\}")


def _id_key(index: int) -> str:
    ident = f"2401.{index:05d}"
    return [ident, f"arXiv:{ident}", f"10.48550/arXiv.{ident}"][index % 3]


def make_thesis(folder: Path, chapters: int, keys: list[str], seed: int = 7) -> int:
    """Write main.tex and its chapters; the number of citation commands written."""
    rng = random.Random(seed)
    commands = 0
    per_chapter = math.ceil(len(keys) / chapters)
    for number in range(chapters):
        own = keys[number * per_chapter:(number + 1) * per_chapter]
        lines = [f"\\chapter{{Chapter {number + 1}}}"]
        for position, key in enumerate(own):
            if position % 20 == 0:
                # One key in twenty is cited only in the second group of a multicite.
                lines.append("Only here " + MULTI.format(rng.choice(own), key, n=position))
                commands += 1
                continue
            # Each other key cited three times: its own form, with a neighbour, in a multicite.
            other = rng.choice(keys)
            lines.append("Text " + FORMS[position % len(FORMS)].format(key, n=position) + ".")
            lines.append(f"More \\citep{{{other},\n   {key}}} and "
                         + MULTI.format(key, rng.choice(own), n=position) + ".")
            if position % 25 == 1:
                lines.append(f"% \\cite{{commented{number}x{position}}}")
                lines.append(f"\\begin{{verbatim}}\n\\cite{{verbatim{number}x{position}}}\n"
                             "\\end{verbatim}")
            commands += 3
        (folder / f"chapter{number + 1}.tex").write_text("\n".join(lines) + "\n", "utf-8")
    includes = "".join(f"\\include{{chapter{n + 1}}}\n" for n in range(chapters))
    (folder / "main.tex").write_text(
        "\\documentclass{report}\n\\usepackage[backend=biber,natbib=true]{biblatex}\n"
        "\\addbibresource{thesis.bib}\n\\begin{document}\n" + includes
        + "\\printbibliography\n\\end{document}\n", "utf-8")
    return commands


def peer_scan(folder: Path) -> set[str]:
    """Keys a plain regex scan finds: every `\\...cite...{}` first group, comments and all."""
    keys: set[str] = set()
    for path in sorted(folder.glob("*.tex")):
        for group in PEER_PATTERN.findall(path.read_text("utf-8")):
            keys.update(k.strip() for k in group.split(",") if k.strip())
    return keys


def best_of(repeat: int, job) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - began)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=12)
    parser.add_argument("--keys", type=int, default=900, help="keys from the master .bib")
    parser.add_argument("--id-keys", type=int, default=200, help="arXiv id-keys")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.02)
    args = parser.parse_args(argv)

    master_keys = [e.key for e in parse_bib(MASTER.read_text("utf-8"), str(MASTER)).entries]
    rng = random.Random(1)
    bib_keys = rng.sample(sorted(set(master_keys)), args.keys)
    id_keys = [_id_key(i) for i in range(1, args.id_keys + 1)]
    keys = bib_keys + id_keys
    rng.shuffle(keys)

    with tempfile.TemporaryDirectory() as tmp, ArxivServer(corpus=False) as server:
        folder = Path(tmp)
        for index in range(1, args.id_keys + 1):
            server.add_papers(synthetic_paper(index))
        commands = make_thesis(folder, args.chapters, keys)
        size = sum(p.stat().st_size for p in folder.glob("*.tex"))

        read_s, manuscript = best_of(args.repeat, lambda: read_manuscript(
            str(folder / "main.tex")))
        ours = set(manuscript.keys)  # type: ignore[attr-defined]
        peer_s, peer = best_of(args.repeat, lambda: peer_scan(folder))
        peer_keys: set[str] = peer  # type: ignore[assignment]

        settings = Settings(arxiv_url=server.url, arxiv_delay=args.delay,
                            cache_path=folder / "cache.sqlite3")
        began = time.perf_counter()
        first = tex_bibliography(str(folder / "main.tex"), bibs=[str(MASTER)],
                                 settings=settings, options=ResolveOptions())
        job_s = time.perf_counter() - began
        written = (folder / "thesis.bib").read_bytes()
        began = time.perf_counter()
        second = tex_bibliography(str(folder / "main.tex"), bibs=[str(MASTER)],
                                  settings=settings, options=ResolveOptions())
        again_s = time.perf_counter() - began
        unchanged = (folder / "thesis.bib").read_bytes() == written

        print(f"thesis: {args.chapters} chapters, {size / 1000:.0f} kB, {commands:,} citation "
              f"commands, {len(keys):,} distinct keys ({args.keys} in the master, "
              f"{args.id_keys} arXiv id-keys)")
        print(f"read (ours):  {read_s * 1000:7.1f} ms  {commands / read_s:>9,.0f} citations/s "
              f"{len(ours) / read_s:>9,.0f} keys/s  keys right: {ours == set(keys)}")
        print(f"regex (peer): {peer_s * 1000:7.1f} ms  {commands / peer_s:>9,.0f} citations/s "
              f"{len(peer_keys) / peer_s:>9,.0f} keys/s  missed {len(set(keys) - peer_keys)}, "
              f"wrongly counted {len(peer_keys - set(keys))} (comments, verbatim)")
        counts = {s: len(first.with_status(s)) for s in ("copied", "resolved", "missing")}
        print(f"job, first run:  {job_s:6.2f} s  {len(keys) / job_s:>7,.0f} keys/s  "
              f"arXiv requests {first.requests} (target {math.ceil(args.id_keys / 100)}), "
              f"{counts}")
        print(f"job, second run: {again_s:6.2f} s  {len(keys) / again_s:>7,.0f} keys/s  "
              f"requests {second.requests}, file unchanged: {unchanged}")
        _biber_peer(folder)


def _biber_peer(folder: Path) -> None:
    if not (shutil.which("pdflatex") and shutil.which("biber")):
        print("pdflatex + biber (peer): not installed")
        return
    work = folder / "peer"
    work.mkdir()
    for path in folder.glob("*.tex"):
        shutil.copy(path, work / path.name)
    shutil.copy(MASTER, work / "thesis.bib")
    began = time.perf_counter()
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "main"], cwd=work,
                   capture_output=True, check=False)
    latex_s = time.perf_counter() - began
    began = time.perf_counter()
    subprocess.run(["biber", "--output-format=bibtex", "--output-file=out.bib", "main"],
                   cwd=work, capture_output=True, check=False)
    biber_s = time.perf_counter() - began
    out = work / "out.bib"
    entries = len(parse_bib(out.read_text("utf-8", errors="replace"), "out.bib").entries) \
        if out.exists() else 0
    print(f"pdflatex + biber --output-format=bibtex (peer): {latex_s:.2f} s + {biber_s:.2f} s, "
          f"{entries} entries copied (id-keys: none; it only copies)")


if __name__ == "__main__":
    main()
