"""Write a package N times the shipped one, for benchmarks.

    python benchmarks/scale.py N OUT_DIR [--source PACKAGE_DIR]

Copy k (1..N) of every article gets a new ``article_id`` (``<id>-k<k>``; copy 1
keeps the original), and every claim, event, exclusion and relation id is
renumbered consistently in every CSV (ids are zero-padded to the width the
corpus needs, so text order is id order). Entities are copied too (``<id>-k<k>``,
name_zh suffixed ``（k<k>）``), so each copy's figures are facts of their own
subjects rather than a repeat of copy 1's facts. Each copy's text gets one appended
line of Latin letters (no digit, no Chinese numeral), so the texts differ and
every offset still points at the same characters; hashes, sizes and character
counts are refreshed. The result validates clean with ``zqclaims validate`` and
with ``frictionless validate``. Vocabulary tables (entities, indicators, scopes,
units, glossary) are shared by all copies. Not part of the package: a tool for measuring it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import shutil
import sys
from pathlib import Path

from zqclaims import csvcanon

#: Id columns per table and the prefix of the ids they hold.
ID_PREFIX = {"claim_id": "C", "event_id": "E", "exclusion_id": "X", "relation_id": "R"}
#: Other columns whose ids are rewritten: fact ids (F + the digits of a claim id), lists of
#: claim ids, references to events, and free text that mentions ids.
ID_TEXT = ("fact_id", "base_claim_id", "base_fact_id", "claim_ids", "date_source", "note", "statement_en")
PER_ARTICLE = ("claims", "facts", "events", "exclusions")
SHARED = ("indicators", "scopes", "units", "glossary")
#: Columns holding entity ids: copy k >= 2 has entities of its own (``<id>-k<k>``, Chinese
#: name suffixed), so that its figures are different facts, not collisions with copy 1's.
ENTITY_COLUMNS = ("entity_id", "parent_id", "subject_id")
_ID = re.compile(r"\b([CEFXR])([0-9]{4,})\b")


def _letters(k: int) -> str:
    out = ""
    while True:
        k, r = divmod(k, 26)
        out = chr(ord("a") + r) + out
        if k == 0:
            return out


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return rows[0], rows[1:]


def build(n: int, src: Path, out: Path) -> None:
    if n < 1:
        raise SystemExit("N must be at least 1")
    desc = json.loads((src / "datapackage.json").read_text(encoding="utf-8"))
    tables = {r["name"]: r for r in desc["resources"] if r["type"] == "table"}
    data = {name: _read_csv(src / res["path"]) for name, res in tables.items()}
    rows = {name: [dict(zip(h, r)) for r in body] for name, (h, body) in data.items()}
    counts = {}  # the highest number of each prefix: copy k adds (k - 1) × it
    for name in ("claims", "events", "exclusions", "relations"):
        col = data[name][0][0]
        counts[ID_PREFIX[col]] = max(int(r[col][1:]) for r in rows[name])
    counts["F"] = counts["C"]  # a fact is named after its first claim
    width = max(4, len(str(max(counts.values()) * n)))

    def article_id(orig: str, k: int) -> str:
        return orig if k == 1 else f"{orig}-k{k}"

    def new_id(prefix: str, number: int, k: int) -> str:
        return f"{prefix}{number + (k - 1) * counts[prefix]:0{width}d}"

    def mapper(k: int):
        def one(m: re.Match) -> str:
            return new_id(m.group(1), int(m.group(2)), k)
        return one

    if out.exists():
        shutil.rmtree(out)
    for folder in ("schemas", "checks"):
        shutil.copytree(src / folder, out / folder)
    for extra in ("README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff"):
        if (src / extra).exists():
            shutil.copy2(src / extra, out / extra)
    (out / "resources" / "articles").mkdir(parents=True)

    result: dict[str, list[dict]] = {name: [] for name in tables}
    for name in SHARED:
        result[name] = rows[name]
    text_res = {r["path"]: r for r in desc["resources"] if r["type"] == "text"}
    new_text_res = []
    for k in range(1, n + 1):
        fix = mapper(k)
        for art in rows["articles"]:
            aid = article_id(art["article_id"], k)
            raw = (src / art["text_path"]).read_bytes()
            if k > 1:
                raw += f"\ncopy {_letters(k)}\n".encode()
            path = f"resources/articles/{aid}.txt"
            (out / path).write_bytes(raw)
            digest = hashlib.sha256(raw).hexdigest()
            result["articles"].append({**art, "article_id": aid, "text_path": path, "sha256": digest,
                                       "char_count": str(len(raw.decode("utf-8")))})
            res = dict(text_res[art["text_path"]], name=f"text-{aid}", path=path, hash=f"sha256:{digest}",
                       bytes=len(raw))
            res["description"] = res["description"].replace(art["article_id"], aid)
            new_text_res.append(res)
        for r in rows["entities"]:
            r = dict(r)
            if k > 1:
                r["name_zh"] = f"{r['name_zh']}（k{k}）"
                for col in ENTITY_COLUMNS:
                    if r.get(col):
                        r[col] = f"{r[col]}-k{k}"
            result["entities"].append(r)
        for name in (*PER_ARTICLE, "relations", "relation_members"):
            for r in rows[name]:
                r = dict(r)
                if k > 1 and r.get("subject_id"):
                    r["subject_id"] = f"{r['subject_id']}-k{k}"
                for col, prefix in ID_PREFIX.items():
                    if r.get(col):
                        r[col] = _ID.sub(fix, r[col])
                if r.get("article_id"):
                    r["article_id"] = article_id(r["article_id"], k)
                for col in ID_TEXT:
                    if r.get(col):
                        r[col] = _ID.sub(fix, r[col])
                if r.get("article_ids"):
                    r["article_ids"] = " ".join(article_id(a, k) for a in r["article_ids"].split(" "))
                result[name].append(r)

    for name, res in tables.items():
        header = data[name][0]
        body = [[r[c] for c in header] for r in result[name]]
        schema = json.loads((src / res["schema"]).read_text(encoding="utf-8"))
        table = csvcanon.Table(header, body, list(range(2, len(body) + 2)))
        raw = csvcanon.write_rows(header, csvcanon.sort_by_key(table, schema), res["path"])
        (out / res["path"]).write_bytes(raw)
        res["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
        res["bytes"] = len(raw)
    desc["resources"] = [r for r in desc["resources"] if r["type"] == "table"] + new_text_res
    (out / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many copies of the shipped package")
    parser.add_argument("out", type=Path, help="output directory (replaced)")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the package to copy (default: this checkout)")
    args = parser.parse_args(argv)
    build(args.n, args.source, args.out)
    print(f"wrote {args.out} ({args.n} × {args.source.name})", file=sys.stderr)


if __name__ == "__main__":
    main()
