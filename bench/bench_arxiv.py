"""How many arXiv requests (and how long) resolving 1,000 ids takes, against the loopback API.

    python bench/bench_arxiv.py [--ids 1000] [--delay 0.02]

Three runs over the same ids, all with the client's real pacing (`--delay` stands in for
arXiv's 3 s so the bench finishes; the figures at 3 s are computed from the request count):

* cold   - empty cache: batched `id_list` requests of 100 (target: ceil(n/100) + at most 1);
* warm   - the same ids again with the cache the cold run filled (target: 0 requests);
* single - one request per id and no cache, the way Zotero's "Add by Identifier" and papis
           fetch arXiv metadata: the baseline.

The floor of a run is requests x delay: the time the politeness rule alone imposes. Prints
figures only; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridge.arxiv import ArxivClient, MetadataCache
from bridge.config import Settings
from tests.servers.arxiv_server import ArxivServer, synthetic_paper

ARXIV_DELAY = 3.0  # arXiv's rule, for the real-world floor


def _run(settings: Settings, ids: list[str], cache: MetadataCache | None) -> tuple[int, float,
                                                                                    int]:
    started = time.perf_counter()
    with ArxivClient(settings, cache=cache) as client:
        result = client.lookup(ids)
    elapsed = time.perf_counter() - started
    if result.missing:
        raise SystemExit(f"bench broken: {len(result.missing)} ids not found")
    return client.requests_made, elapsed, len(result.found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.02)
    args = parser.parse_args(argv)

    ids = [f"2401.{i:05d}" for i in range(1, args.ids + 1)]
    with ArxivServer(corpus=False) as server, tempfile.TemporaryDirectory() as tmp:
        for index in range(1, args.ids + 1):
            server.add_papers(synthetic_paper(index))
        batched = Settings(arxiv_url=server.url, arxiv_delay=args.delay)
        single = Settings(arxiv_url=server.url, arxiv_delay=args.delay, arxiv_batch_size=1)
        with MetadataCache(Path(tmp) / "cache.sqlite3") as cache:
            rows = {
                "cold (batched, empty cache)": _run(batched, ids, cache),
                "warm (same ids, same cache)": _run(batched, ids, cache),
            }
        rows["single (one request per id)"] = _run(single, ids, None)

    target = math.ceil(args.ids / 100) + 1
    print(f"arXiv lookups of {args.ids} ids, loopback server, delay {args.delay:g} s "
          f"(floor at arXiv's {ARXIV_DELAY:g} s computed from the request count)")
    print(f"{'run':30} {'found':>6} {'requests':>9} {'wall s':>8} {'floor s':>8} "
          f"{'wall/floor':>10} {'floor@3s':>10}")
    for name, (requests, elapsed, found) in rows.items():
        floor = requests * args.delay
        ratio = f"{elapsed / floor:.2f}" if floor else "-"
        print(f"{name:30} {found:>6} {requests:>9} {elapsed:>8.2f} {floor:>8.2f} {ratio:>10} "
              f"{_duration(requests * ARXIV_DELAY):>10}")
    cold, warm, one_by_one = (rows[k][0] for k in rows)
    print(f"targets: cold <= {target} requests ({'met' if cold <= target else 'MISSED'}), "
          f"warm 0 ({'met' if warm == 0 else 'MISSED'})")
    print(f"baseline: one request per id sends {one_by_one / cold:.0f}x the requests "
          f"({_duration(one_by_one * ARXIV_DELAY)} vs {_duration(cold * ARXIV_DELAY)} "
          "of waiting at 3 s)")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


if __name__ == "__main__":
    main()
