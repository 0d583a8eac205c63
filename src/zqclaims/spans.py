"""Quoted spans of the archived texts, shared by the quote and coverage stages."""

from __future__ import annotations

import pandas as pd

from .findings import CouldNotRun
from . import limits
from .package import Package, TooLarge, UnsafePath

#: Resources whose rows point into an article: resource -> column holding the quoted text.
SPAN_RESOURCES = {"claims": "quote", "events": "quote", "exclusions": "text", "relation_members": "item"}
#: Resources where only some rows are spans (the others leave the span column empty).
OPTIONAL_SPANS = {"relation_members"}
#: Spans that account for a number in the coverage check (an enumerated item does not).
COVERING = ("claims", "events", "exclusions")


def article_texts(pkg: Package) -> dict[str, str]:
    """article_id -> archived text, for every article whose file can be read."""
    if pkg.lacks({"articles": ["article_id", "text_path"]}):
        return {}
    out: dict[str, str] = {}
    decoded: dict[str, str | None] = {}  # each file is decoded once, however many rows name it
    seen: set[str] = set()
    for article_id, path in zip(pkg.frame("articles")["article_id"], pkg.frame("articles")["text_path"]):
        if path not in decoded:
            try:
                decoded[path] = pkg.read(path, limits.MAX_TEXT_BYTES).decode("utf-8", errors="replace")
            except (UnsafePath, CouldNotRun, TooLarge):
                decoded[path] = None
        if decoded[path] is not None and path not in seen:
            seen.add(path)  # a text shared by several rows is a table-unique-error; it is read for the first only
            out.setdefault(article_id, decoded[path])
    return out


def all_spans(pkg: Package, resources: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per span: resource, row, article_id, start, end, quoted text."""
    frames = []
    for name, col in SPAN_RESOURCES.items():
        if name not in pkg.resources or (resources is not None and name not in resources):
            continue
        df = pkg.frame(name)
        if not {"article_id", "char_start", "char_end", col} <= set(df.columns):
            continue
        if name in OPTIONAL_SPANS:
            df = df[(df[col] != "") | (df["article_id"] != "")]
        part = pd.DataFrame({
            "resource": pkg.path_of(name),
            "row": df.index,
            "article_id": df["article_id"],
            "start": _offsets(df["char_start"]),
            "end": _offsets(df["char_end"]),
            "quote": df[col],
            "column": col,
        })
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["resource", "row", "article_id", "start", "end", "quote", "column"])
    return pd.concat(frames, ignore_index=True)


def _offsets(cells: pd.Series) -> pd.Series:
    """Character offsets as numbers; what is not a whole number from 0 to 2**31 is missing
    (the tables stage reports the type error)."""
    num = pd.to_numeric(cells, errors="coerce")
    ok = num.notna() & (num >= 0) & (num < 2**31) & (num == num.round())
    return num.where(ok)
