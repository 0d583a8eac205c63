"""Benchmark ``zqclaims validate`` against bare ``frictionless validate``.

    python benchmarks/bench.py [--sizes 1 10 100 1000] [--repeat 3] [--work DIR]
                               [--json benchmarks/results.json] [--markdown FILE]

For each size N, benchmarks/scale.py writes a package N times the shipped one
(N = 1 is the shipped package itself). Then, in fresh processes and
interleaved (zqclaims, frictionless, zqclaims, ...), each validator runs on the
same package ``--repeat`` times. Reported per N: medians with min-max of wall
time, CPU time (user + system, the process and its children) and peak resident
memory (the largest of the process and its worker), the time of each stage,
the ratio to bare Frictionless, and the growth exponent of each stage between
the two largest sizes (1.0 is linear). Also: the shipped package against the
import floor (``python -c "import great_expectations, frictionless, jsonschema,
click, pandas"``), and against the same imports ended with ``os._exit`` as the
console script ends ``validate`` (no interpreter teardown), both run in the same
rounds as the shipped package (at least five).

The zqclaims figure is one process that runs what ``zqclaims validate --format
json`` runs (validate, render) and reports its stage times on stderr. Speed is
measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = "import great_expectations, frictionless, jsonschema, click, pandas"
FLOOR_NO_TEARDOWN = FLOOR + "; import os; os._exit(0)"
#: Rounds on the shipped package (at least): its runs take seconds and the floors run beside them.
SHIPPED_REPEAT = 5


def peak_mib() -> float:
    """This process's peak resident memory so far (getrusage: the sandbox lets no file be read
    outside the package, /proc included)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB elsewhere


def probe(package_dir: str) -> None:
    """Run validation as the command does and print timings as JSON on stderr, with this
    process's peak resident memory once zqclaims is imported and after each stage it ran."""
    from zqclaims import render
    from zqclaims import validate as validate_mod

    memory = {"(imports)": peak_mib()}
    run_stage = validate_mod._run

    def measured(stage, pkg, sink) -> None:  # in the worker this writes to the worker's own copy
        run_stage(stage, pkg, sink)
        memory.setdefault(stage.ID, peak_mib())

    validate_mod._run = measured
    report = validate_mod.validate(package_dir)
    out = render.as_json(report, per_check=50)
    self_ = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"valid": report.valid, "findings": len(report.findings), "stages": report.timings,
                      "rss_self_mib": self_.ru_maxrss / 1024, "rss_worker_mib": kids.ru_maxrss / 1024,
                      "output_bytes": len(out), "memory_mib": memory}), file=sys.stderr)
    sys.stderr.flush()
    os._exit(0)  # as the console script ends validate (zqclaims.cli.console): no interpreter teardown


def run_with_usage(cmd: list[str]) -> dict:
    """Run ``cmd`` with os.wait4 so its own resource usage is known (stderr is kept, stdout dropped)."""
    with tempfile.NamedTemporaryFile(prefix="zqclaims-bench-", suffix=".err") as err:
        start = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        stderr = Path(err.name).read_text("utf-8", "replace")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "code": os.waitstatus_to_exitcode(status), "stderr": stderr}


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def bench_size(n: int, package_dir: Path, repeat: int, floors: bool = False) -> dict:
    """Both validators on one package, interleaved; with ``floors``, the two import floors too,
    in the same rounds (this machine's speed drifts over minutes: a floor measured later would
    not be comparable)."""
    zq_cmd = [sys.executable, str(Path(__file__).resolve()), "--probe", str(package_dir)]
    fl_cmd = [str(Path(sys.executable).with_name("frictionless")), "validate", str(package_dir / "datapackage.json")]
    zq, fl, base, quick = [], [], [], []
    for _ in range(repeat):
        zq.append(run_with_usage(zq_cmd))
        fl.append(run_with_usage(fl_cmd))
        if floors:
            base.append(run_with_usage([sys.executable, "-c", FLOOR]))
            quick.append(run_with_usage([sys.executable, "-c", FLOOR_NO_TEARDOWN]))
    probes = [json.loads(r["stderr"].strip().splitlines()[-1]) for r in zq]
    if not all(p["valid"] for p in probes) or any(r["code"] != 0 for r in fl):
        raise SystemExit(f"N={n}: the package does not validate clean; see {package_dir}")
    stages = list(dict.fromkeys(s for p in probes for s in p["stages"]))  # in the order they ran
    return {
        "n": n,
        "zqclaims": {"wall": summary([r["wall"] for r in zq]), "cpu": summary([r["cpu"] for r in zq]),
                     "rss_mib": summary([max(p["rss_self_mib"], p["rss_worker_mib"]) for p in probes]),
                     "rss_main_mib": summary([p["rss_self_mib"] for p in probes]),
                     "stages": {s: summary([p["stages"].get(s, 0.0) for p in probes]) for s in stages},
                     "memory_mib": {s: summary([p["memory_mib"][s] for p in probes]) for s in probes[0]["memory_mib"]}},
        "frictionless": {"wall": summary([r["wall"] for r in fl]), "cpu": summary([r["cpu"] for r in fl]),
                         "rss_mib": summary([r["rss_mib"] for r in fl])},
        "ratio": statistics.median(z["wall"] / f["wall"] for z, f in zip(zq, fl)),
        **({"floor": {"wall": summary([r["wall"] for r in base]), "no_teardown": summary([r["wall"] for r in quick]),
                      "ratio": statistics.median(z["wall"] / b["wall"] for z, b in zip(zq, base)),
                      "ratio_no_teardown": statistics.median(z["wall"] / q["wall"] for z, q in zip(zq, quick))}}
           if floors else {}),
    }


def exponents(rows: list[dict]) -> dict:
    """Growth exponent of each stage (and the whole run) between the two largest sizes."""
    if len(rows) < 2:
        return {}
    a, b = rows[-2], rows[-1]
    scale = math.log(b["n"] / a["n"])
    out = {}
    for stage in [s for s in b["zqclaims"]["stages"] if s in a["zqclaims"]["stages"]]:
        ta, tb = a["zqclaims"]["stages"][stage]["median"], b["zqclaims"]["stages"][stage]["median"]
        if ta > 0.02 and tb > 0:  # below 20 ms a stage is fixed cost, not growth
            out[stage] = math.log(tb / ta) / scale
    out["(whole run)"] = math.log(b["zqclaims"]["wall"]["median"] / a["zqclaims"]["wall"]["median"]) / scale
    out["(bare frictionless)"] = math.log(b["frictionless"]["wall"]["median"] / a["frictionless"]["wall"]["median"]) \
        / scale
    return out


def markdown(result: dict) -> str:
    def mm(s: dict, unit: str = "s", fmt: str = "{:.2f}") -> str:
        return f"{fmt.format(s['median'])} {unit} ({fmt.format(s['min'])}–{fmt.format(s['max'])})"

    lines = ["| N | claims | `zqclaims validate` | CPU | peak RSS | bare `frictionless validate` | ratio |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["sizes"]:
        z, f = r["zqclaims"], r["frictionless"]
        lines.append(f"| {r['n']:,} | {133 * r['n']:,} | {mm(z['wall'])} | {mm(z['cpu'])} | "
                     f"{mm(z['rss_mib'], 'MiB', '{:.0f}')} | {mm(f['wall'])} | {r['ratio']:.2f}× |")
    big = result["sizes"][-1]
    lines += ["", f"Stages at N = {big['n']:,} (median seconds) and growth exponent from N = "
              f"{result['sizes'][-2]['n'] if len(result['sizes']) > 1 else '-'}:", "",
              "| stage | seconds | exponent |", "|---|---:|---:|"]
    for stage, s in big["zqclaims"]["stages"].items():
        e = result["exponents"].get(stage)
        lines.append(f"| {stage} | {s['median']:.2f} | {'' if e is None else f'{e:.2f}'} |")
    for key in ("(whole run)", "(bare frictionless)"):
        if key in result["exponents"]:
            lines.append(f"| {key} | | {result['exponents'][key]:.2f} |")
    memory = big["zqclaims"].get("memory_mib")
    if memory:
        steps = ", ".join(f"{stage} {m['median']:.0f}" for stage, m in memory.items())
        lines += ["", f"Peak resident memory of this process at N = {big['n']:,} so far after each step (median MiB): "
                  f"{steps}; at the end {big['zqclaims']['rss_main_mib']['median']:.0f} (the table's peak RSS is the larger "
                  "of this process and its worker)."]
    shipped = result["sizes"][0]
    ship, floor = shipped["zqclaims"]["wall"]["median"], result.get("floor")
    lines += [] if not floor else ["", f"Shipped package: {ship:.2f} s against an import floor of {floor['wall']['median']:.2f} s "
              f"({floor['ratio']:.2f}×, the median of the ratios of runs measured side by side). zqclaims ends "
              f"without tearing the interpreter down; the same imports ended that way take "
              f"{floor['no_teardown']['median']:.2f} s ({floor['ratio_no_teardown']:.2f}×)."]
    lines += ["", f"Machine: {result['machine']}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "zqclaims-bench")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE / "results.md")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return
    rows = []
    for n in sorted(args.sizes):
        target = ROOT if n == 1 else args.work / f"n{n}"
        if n != 1:  # in its own process: Linux counts a parent's peak memory in the child it spawns
            subprocess.run([sys.executable, str(HERE / "scale.py"), str(n), str(target)], check=True,
                           stderr=subprocess.DEVNULL)
        # the shipped package runs in seconds: more rounds there, beside the import floors
        rows.append(bench_size(n, target, max(args.repeat, SHIPPED_REPEAT) if n == 1 else args.repeat, floors=n == 1))
        print(f"N={n}: zqclaims {rows[-1]['zqclaims']['wall']['median']:.2f} s, "
              f"frictionless {rows[-1]['frictionless']['wall']['median']:.2f} s", file=sys.stderr)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                         f"{platform.system()}",
              "repeat": args.repeat, "sizes": rows, "exponents": exponents(rows), "floor": rows[0].pop("floor", None)}
    args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    args.markdown.write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
