"""Test helper: change one figure in an archived text *consistently*.

The text, its sha256 and character count in articles.csv, the offsets and
quoted text of every span in that article, and the edited claim's value,
value_base and interval all change together, as a curator re-archiving a
corrected source would change them. Only the relations that the new figure
breaks should then fail validation. ``zqclaims fmt`` afterwards refreshes the
derived quote_zh_hans and the descriptor hashes.
"""

from __future__ import annotations

import csv
import hashlib
import io
from fractions import Fraction
from pathlib import Path

from zqclaims.numbers import fmt_decimal, interval, parse_value
from zqclaims.spans import SPAN_RESOURCES


def _read(path: Path) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8"))


def apply_consistent_edit(root: Path, edit: dict) -> None:
    """edit = {"claim": id, "old": text in its quote, "new": replacement, "value": new value}."""
    res = root / "resources"
    _, claims = _read(res / "claims.csv")
    claim = next(c for c in claims if c["claim_id"] == edit["claim"])
    art_header, articles = _read(res / "articles.csv")
    article = next(a for a in articles if a["article_id"] == claim["article_id"])
    text_path = root / article["text_path"]
    text = text_path.read_bytes().decode("utf-8")
    start, end = int(claim["char_start"]), int(claim["char_end"])
    quote = text[start:end]
    assert quote.count(edit["old"]) == 1, f"{edit['old']!r} must occur once in the quote {quote!r}"
    pos = start + quote.index(edit["old"])
    stop, delta = pos + len(edit["old"]), len(edit["new"]) - len(edit["old"])
    new_text = text[:pos] + edit["new"] + text[stop:]
    data = new_text.encode("utf-8")
    text_path.write_bytes(data)
    article["sha256"], article["char_count"] = hashlib.sha256(data).hexdigest(), str(len(new_text))
    _write(res / "articles.csv", art_header, articles)

    for name, col in SPAN_RESOURCES.items():
        path = res / f"{name}.csv"
        header, rows = _read(path)
        for r in rows:
            if r["article_id"] != claim["article_id"] or not r["char_start"]:
                continue
            s, e = int(r["char_start"]), int(r["char_end"])
            if s >= stop:
                s, e = s + delta, e + delta
            elif e > pos:
                e += delta
            r["char_start"], r["char_end"], r[col] = str(s), str(e), new_text[s:e]
            if name == "claims" and r["claim_id"] == edit["claim"]:
                _revalue(root, r, edit["value"])
        _write(path, header, rows)


def _revalue(root: Path, claim: dict, value: str) -> None:
    _, units = _read(root / "resources" / "units.csv")
    _, indicators = _read(root / "resources" / "indicators.csv")
    mult = Fraction(next(u["multiplier"] for u in units if u["unit"] == claim["unit"]))
    kind = next(i["kind"] for i in indicators if i["indicator_id"] == claim["indicator_id"])
    lo, lo_inc, hi, hi_inc = interval(value, mult, claim["unit_base"], claim["qualifier"], kind == "share")
    claim["value"], claim["value_base"] = value, fmt_decimal(parse_value(value) * mult)
    claim["lower"], claim["lower_inclusive"] = fmt_decimal(lo), "true" if lo_inc else "false"
    claim["upper"] = fmt_decimal(hi)
    claim["upper_inclusive"] = ("true" if hi_inc else "false") if hi is not None else ""
