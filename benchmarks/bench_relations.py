"""Time relation evaluation as the corpus grows (not a test).

    python benchmarks/bench_relations.py [--copies 1 10 100]

Replicates the shipped claims, relations and members K times (fresh ids per copy)
in memory and times ``relations.evaluate`` and the GX verdict suite on the result.
Evaluation is grouped per relation type, so time should grow linearly with K.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from zqclaims import package, relations
from zqclaims.stages import expectations


def scaled(pkg: package.Package, k: int) -> package.Package:
    big = package.load(pkg.root)
    for name, keys in (("claims", ["claim_id"]), ("relations", ["relation_id"]),
                       ("relation_members", ["relation_id", "claim_id"])):
        df = pkg.frame(name)
        copies = []
        for i in range(k):
            c = df.copy()
            for key in keys:
                c[key] = c[key].where(c[key] == "", c[key] + f"_{i}")
            copies.append(c)
        out = pd.concat(copies, ignore_index=True)
        out.index = range(2, len(out) + 2)
        big._frames[name] = out
    return big


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package_dir", nargs="?", default=".")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()
    base = package.load(args.package_dir)
    spec = json.loads((base.root / "checks/relation_verdicts.json").read_text(encoding="utf-8"))
    gx, ctx = expectations.gx_context()
    from zqclaims import gx_relations  # noqa: F401

    source = ctx.data_sources.add_pandas("bench")
    for k in args.copies:
        pkg = scaled(base, k)
        start = time.perf_counter()
        ev = relations.evaluate(pkg)
        t_eval = time.perf_counter() - start
        start = time.perf_counter()
        failed, _ = expectations.validate_frame(gx, source, f"bench-{k}", spec, ev)
        t_gx = time.perf_counter() - start
        print(f"copies {k:>4}: {len(ev):>6} relations, {len(pkg.frame('claims')):>6} claims; "
              f"evaluate {t_eval * 1000:8.1f} ms, GX suite {t_gx * 1000:8.1f} ms, {len(failed)} failed expectations")


if __name__ == "__main__":
    main()
