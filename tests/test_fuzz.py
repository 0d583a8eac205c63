"""Seeded fuzzing of every file in the package (issue: untrusted copies).

Each case damages one file of a fresh copy — random byte flips, truncation,
line deletion, duplication and swaps, CSV cell edits, JSON type confusion — and
runs ``zqclaims validate`` in-process. Every case must end without a traceback
or an internal error, with an exit code in the documented set, and never exit 0
when a checked byte changed: any change to a resource or a rule file is caught
(hashes, ``rules-modified``), and a checked CSV cell changed by someone who also
refreshed the descriptor's hash must still be caught by the data checks.

``ZQCLAIMS_FUZZ_CASES`` sets the number of cases (default 160, about two minutes);
``ZQCLAIMS_FUZZ_SEED`` the seed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import time
from pathlib import Path

import pytest

from .conftest import ROOT, copy_package, run

CASES = int(os.environ.get("ZQCLAIMS_FUZZ_CASES", "160"))
SEED = int(os.environ.get("ZQCLAIMS_FUZZ_SEED", "20261122"))
FILES = sorted(p.relative_to(ROOT).as_posix() for part in ("resources", "schemas", "checks")
               for p in (ROOT / part).rglob("*") if p.is_file()) + ["datapackage.json"]
#: Columns whose every change some check must catch (ids, offsets, quotes, numbers, enums).
CHECKED = {
    "claims.csv": ["claim_id", "article_id", "char_start", "char_end", "quote", "value", "unit", "value_base",
                   "unit_base", "qualifier", "lower", "upper", "quote_zh_hans"],
    "events.csv": ["event_id", "article_id", "char_start", "char_end", "quote", "quote_zh_hans"],
    "exclusions.csv": ["exclusion_id", "article_id", "char_start", "char_end", "text"],
    "relation_members.csv": ["relation_id", "claim_id"],
    "units.csv": ["unit", "multiplier"],
}
PALETTE = ["", "0", "-1", "NaN", "inf", "1e400", "=1+1", "\u200b", "一" * 40, "万" * 30, "x,y", '"', "\r",
           "9" * 30, "2022-13-45", "true", "C9999", "\t"]
JSON_VALUES = [None, True, 0, -1, 1e300, "", "x" * 50, [], {}, [[[[]]]], {"$ref": "http://127.0.0.1:9/x"},
               "https://127.0.0.1:9/profile.json", "/etc/passwd", "../outside.csv"]


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(["flip", "truncate", "insert", "delete-line", "duplicate-line", "swap-lines"])
    if not data:
        return b"x"
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    if kind == "insert":
        pos = rng.randrange(len(data))
        return data[:pos] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + data[pos:]
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == "delete-line":
        del lines[i]
    elif kind == "duplicate-line":
        lines.insert(i, lines[j])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _mutate_json(rng: random.Random, data: bytes) -> bytes:
    doc = json.loads(data)
    paths, stack = [], [((), doc)]
    while stack:
        path, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for k, v in items:
            paths.append(path + (k,))
            stack.append((path + (k,), v))
    target = rng.choice(paths)
    parent = doc
    for k in target[:-1]:
        parent = parent[k]
    if rng.random() < 0.2 and isinstance(parent, dict):
        del parent[target[-1]]
    else:
        parent[target[-1]] = rng.choice(JSON_VALUES)
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def _mutate_cell(rng: random.Random, data: bytes, name: str) -> tuple[bytes, bool]:
    """Change one cell; returns the new bytes and whether the cell is a checked one."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header, r = rows[0], rng.randrange(1, len(rows))
    checked = [c for c in CHECKED.get(name, []) if c in header]
    col = header.index(rng.choice(checked)) if checked and rng.random() < 0.7 else rng.randrange(len(header))
    old = rows[r][col]
    new = rng.choice(PALETTE + [rows[rng.randrange(1, len(rows))][col]])
    if new == old:
        new = old + "1"
    rows[r][col] = new
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8"), header[col] in CHECKED.get(name, [])


def _refresh_hash(root: Path, relpath: str) -> None:
    """What an attacker who edits a CSV would do: make the descriptor agree with it."""
    path = root / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    data = (root / relpath).read_bytes()
    for res in desc["resources"]:
        if res["path"] == relpath:
            res["hash"], res["bytes"] = "sha256:" + hashlib.sha256(data).hexdigest(), len(data)
    path.write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _case(i: int) -> tuple[str, str]:
    rng = random.Random(f"{SEED}-{i}")
    target = rng.choice(FILES)
    kinds = ["bytes"]
    if target.endswith(".json"):
        kinds.append("json")
    if target.endswith(".csv"):
        kinds += ["cell", "cell"]
    return target, rng.choice(kinds)


@pytest.mark.parametrize("i", range(CASES), ids=lambda i: f"{i}-{_case(i)[0].rsplit('/', 1)[-1]}-{_case(i)[1]}")
def test_fuzzed_copy(i: int, tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-{i}")
    target, kind = _case(i)
    rng.random()  # keep the stream independent of _case's draws
    root = copy_package(tmp_path / "pkg")
    path = root / target
    data = path.read_bytes()
    checked_cell = False
    if kind == "json":
        new = _mutate_json(rng, data)
    elif kind == "cell":
        new, checked_cell = _mutate_cell(rng, data, Path(target).name)
    else:
        new = _mutate_bytes(rng, data)
    path.write_bytes(new)
    if checked_cell:
        _refresh_hash(root, target)
    start = time.perf_counter()
    result = run("validate", str(root), "--format", "json")
    seconds = time.perf_counter() - start
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 3), (result.exit_code, result.output[-2000:])
    assert seconds < 60, seconds
    if new != data and (target != "datapackage.json" or checked_cell):
        assert result.exit_code != 0, f"{kind} change to {target} passed validation"
