"""Time and memory of `zqclaims validate` on hostile inputs of a few hundred MB.

Not part of the test run (it writes about 1 GB and takes minutes). Each case
copies the shipped package, damages it, runs the installed CLI in a
subprocess and reports the exit code, the wall time and the peak resident
memory of the child. The bar (docs/validation.md "Threat model"): every case ends with a
documented exit code in well under a minute and under 1 GB.

    python benchmarks/hostile.py [CASE ...]      # default: every case
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ["datapackage.json", "resources", "schemas", "checks"]
MB = 1024 * 1024
#: Runs the command in a child and prints the child's peak resident memory (KiB) last on stderr.
MEASURE = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
           "print(f'maxrss={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
           "sys.exit(p.returncode)")


def _copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    return dest


def _append_rows(root: Path, megabytes: int) -> None:
    path = root / "resources/claims.csv"
    body = path.read_bytes().split(b"\n", 1)[1]
    with path.open("ab") as fh:
        for _ in range(megabytes * MB // len(body) + 1):
            fh.write(body)


def _rows(root: Path, relpath: str, rows: int) -> None:
    path = root / relpath
    head, body = path.read_bytes().split(b"\n", 1)
    lines = body.rstrip(b"\n").split(b"\n")
    path.write_bytes(head + b"\n" + b"\n".join(lines[i % len(lines)] for i in range(rows)) + b"\n")


def _huge_text(root: Path, megabytes: int) -> None:
    path = root / "resources/articles/2022-xijiang-daily-cluster-zone.txt"
    with path.open("ab") as fh:
        fh.write("一个".encode() * (megabytes * MB // 6))


def _columns(root: Path, n: int) -> None:
    path = root / "resources/claims.csv"
    head, body = path.read_bytes().split(b"\n", 1)
    path.write_bytes(head + b",x" * n + b"\n" + body)


def _cell(root: Path, text: str) -> None:
    path = root / "resources/claims.csv"
    data = path.read_text(encoding="utf-8")
    path.write_text(data.replace("新能源汽车及汽车零部件项目36个", text, 1), encoding="utf-8")


def _json(root: Path, megabytes: int) -> None:
    desc = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    desc["x_padding"] = ["x" * 1000] * (megabytes * 1000)
    (root / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")


def _many_rows(root: Path, rows: int) -> None:
    path = root / "resources/units.csv"
    head = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(head + b"\n" + b"".join(b"u%d,count,1,x\n" % i for i in range(rows)))


CASES = {
    "claims-200MB": lambda r: _append_rows(r, 200),
    "claims-15MB": lambda r: _append_rows(r, 15),
    "claims-9999-rows": lambda r: _rows(r, "resources/claims.csv", 9_999),
    "every-table-9999-rows": lambda r: [_rows(r, f"resources/{n}.csv", 9_999) for n in
                                         ("claims", "events", "exclusions", "relations", "relation_members")],
    "text-300MB": lambda r: _huge_text(r, 300),
    "text-1.9MB-of-numbers": lambda r: _huge_text(r, 1),
    "columns-1M": lambda r: _columns(r, 1_000_000),
    "cell-1M-chars": lambda r: _cell(r, "一" * 1_000_000),
    "cell-16k-wan": lambda r: _cell(r, "万" * 16_000),
    "descriptor-200MB": lambda r: _json(r, 200),
    "units-5M-rows": lambda r: _many_rows(r, 5_000_000),
    "units-9999-rows": lambda r: _many_rows(r, 9_999),
}


def run(name: str, work: Path) -> dict:
    root = _copy(work / name)
    CASES[name](root)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "zqclaims", "validate", str(root),
                           "--format", "json"], capture_output=True, timeout=600, check=False)
    seconds = time.perf_counter() - start
    peak = int(proc.stderr.decode().strip().rsplit("\n", 1)[-1].removeprefix("maxrss="))
    counts = json.loads(proc.stdout).get("counts", {}) if proc.returncode in (0, 1) else {}
    shutil.rmtree(root)
    return {"case": name, "package_mb": round(size / MB, 1), "exit": proc.returncode, "seconds": round(seconds, 1),
            "peak_mb": round(peak / 1024), "checks": sorted(counts)[:4],
            "traceback": "Traceback" in proc.stderr.decode("utf-8", "replace")}


def main(names: list[str]) -> int:
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(CASES):
            r = run(name, Path(tmp))
            ok = r["exit"] in (0, 1, 2, 3) and r["seconds"] < 60 and r["peak_mb"] < 1024 and not r["traceback"]
            bad += not ok
            print(json.dumps({**r, "ok": ok}, ensure_ascii=False), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    sys.exit(main(sys.argv[1:]))
