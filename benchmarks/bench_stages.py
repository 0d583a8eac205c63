"""Time each validation stage on a package (default: the shipped one).

    python benchmarks/bench_stages.py [PACKAGE_DIR] [--repeat N]

Prints one line per stage with the best of N wall-clock times. Not a test:
speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import time

from zqclaims import package
from zqclaims.stages import STAGES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package_dir", nargs="?", default=".")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    total = 0.0
    for stage in STAGES:
        best = float("inf")
        for _ in range(args.repeat):
            pkg = package.load(args.package_dir)
            start = time.perf_counter()
            findings = list(stage.run(pkg))
            best = min(best, time.perf_counter() - start)
        total += best
        print(f"{stage.ID:<14}{best * 1000:9.1f} ms  {len(findings)} findings")
    print(f"{'total':<14}{total * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
