"""Throughput of `bridge.arxiv_id.find_ids` on a large, realistic text.

Builds ~50 MB in memory from the pasted samples and the .bib corpora (repeated), then times
`find_ids` over it with `time.perf_counter`. Prints figures; asserts nothing about time.

    /work/venv/bin/python bench/bench_ids.py [--mb 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from bridge.arxiv_id import find_ids  # noqa: E402


def _corpus() -> str:
    paths = sorted((SHARED / "samples").glob("*.txt"))
    paths += sorted((SHARED / "corpora" / "bib").glob("*.bib"))
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the text in MB")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    args = parser.parse_args()

    unit = _corpus()
    copies = max(1, round(args.mb * 1_000_000 / len(unit)))
    text = "\n".join([unit] * copies)
    size_mb = len(text.encode("utf-8")) / 1_000_000
    per_copy = len(find_ids(unit))

    best = float("inf")
    found = 0
    for _ in range(args.repeat):
        began = time.perf_counter()
        found = len(find_ids(text))
        best = min(best, time.perf_counter() - began)

    print(f"text: {size_mb:.1f} MB ({copies} copies of {len(unit):,} chars)")
    print(f"ids found: {found:,} ({per_copy} per copy)")
    print(f"best of {args.repeat}: {best:.3f} s = {size_mb / best:.1f} MB/s")


if __name__ == "__main__":
    main()
