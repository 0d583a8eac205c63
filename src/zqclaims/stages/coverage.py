"""Stage ``coverage``: every number in every article is accounted for.

A *token* is a run of Arabic digits, or a Chinese-numeral quantity (a numeral
followed by a measure word, 成, 分之 or 大). Each token must lie inside one
claim, event or exclusion span of its article. Chinese-numeral tokens inside
the idioms in :data:`IDIOMS` are not quantities and need no span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import re2

from ..findings import Finding
from ..package import Package
from ..spans import COVERING, all_spans, article_texts

ID = "coverage"
CHECKS = {"coverage-uncovered": "a number in an article lies in no claim, event or exclusion span"}

# Texts are untrusted: token patterns run with RE2, in linear time.
DIGITS = re2.compile(r"[0-9\x{ff10}-\x{ff19}]+")
NUMERALS = "零〇一二两兩三四五六七八九十百千万萬亿億半"
LEAD = "零〇一二两兩三四五六七八九十百千半"
MEASURES = ("分之|個|个|家|名|支|次|場|场|項|项|條|条|大|成|屆|届|年|月|日|期|批|只|隻|輛|辆|畝|亩|位|座|"
            "類|类|種|种|輪|轮|級|级|倍|天|周|週|所|套|台|臺|處|处|片|元|億|亿|萬|万|份|人|層|层")
CN_QUANTITY = re2.compile(f"(?:[{LEAD}][{NUMERALS}]*|[万萬][亿億])(?:{MEASURES})")

#: Idioms whose numerals are not quantities (documented in docs/validation.md).
IDIOMS = {
    "一批": "'a batch of', an indefinite amount",
    "一流": "'first-class'",
    "之一": "'one of'",
    "一方面": "'on the one hand'",
    "一个个": "'one after another'",
    "一個個": "'one after another' (Traditional)",
    "新的一年": "'the new year'",
    "上半年": "'first half of the year', a period",
    "下半年": "'second half of the year', a period",
}


def _token_rows(text: str) -> list[tuple[int, int, str]]:
    """Every number token in ``text``: (start, end, token)."""
    rows = [(m.start(), m.end(), m.group()) for m in DIGITS.finditer(text)]
    idiom = np.zeros(len(text) + 1, dtype=bool)
    for word in IDIOMS:
        for m in re.finditer(re.escape(word), text):
            idiom[m.start():m.end()] = True
    for m in CN_QUANTITY.finditer(text):
        if not idiom[m.start():m.end()].all():
            rows.append((m.start(), m.end(), m.group()))
    return rows


#: Offsets are below 2**31 (see spans._offsets), so (article, offset) packs into one int64.
_SHIFT = np.int64(2**32)


def uncovered(toks: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Tokens not inside any single span of their article, set-based for all articles
    at once: with spans sorted by (article, start), a token is covered iff the largest
    end among its article's spans starting at or before it reaches the token's end.
    Both frames have ``article`` (an integer code), ``start`` and ``end``."""
    if toks.empty or spans.empty:
        return toks
    s = spans.sort_values(["article", "start"])
    code = s["article"].to_numpy(dtype=np.int64)
    starts = code * _SHIFT + s["start"].to_numpy(dtype=np.int64)
    # Within an article the packed end grows with the end; across articles it only grows,
    # so one running maximum is each article's own.
    reach = np.maximum.accumulate(code * _SHIFT + s["end"].to_numpy(dtype=np.int64))
    tcode = toks["article"].to_numpy(dtype=np.int64)
    pos = np.searchsorted(starts, tcode * _SHIFT + toks["start"].to_numpy(dtype=np.int64), side="right") - 1
    at = np.clip(pos, 0, None)
    covered = (pos >= 0) & (code[at] == tcode) & (reach[at] - tcode * _SHIFT >= toks["end"].to_numpy(dtype=np.int64))
    return toks[~covered]


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks({"articles": ["article_id", "text_path"]}):
        return
    texts = article_texts(pkg)
    order = sorted(texts)
    codes = {a: i for i, a in enumerate(order)}
    spans = all_spans(pkg, COVERING).dropna(subset=["start", "end"])
    spans = spans.assign(article=spans["article_id"].map(codes))
    spans = spans[spans["article"].notna()]
    columns: tuple[list, list, list, list] = ([], [], [], [])  # columns, not a tuple per token
    for i, a in enumerate(order):
        found = _token_rows(texts[a])
        columns[0].extend([i] * len(found))
        for column, values in zip(columns[1:], zip(*found)):
            column.extend(values)
    toks = pd.DataFrame({"article": np.array(columns[0], dtype=np.int64),
                         "start": np.array(columns[1], dtype=np.int64),
                         "end": np.array(columns[2], dtype=np.int64),
                         "token": pd.Series(columns[3], dtype=object)})
    del columns
    pkg.__dict__["coverage_counts"] = {"texts": len(order), "numbers": len(toks)}  # for the report
    paths = dict(zip(pkg.frame("articles")["article_id"], pkg.frame("articles")["text_path"]))
    for rec in uncovered(toks, spans).itertuples():
        article_id = order[rec.article]
        text = texts[article_id]
        context = text[max(0, rec.start - 12):rec.end + 12].replace("\n", "⏎")
        yield Finding(paths[article_id], None, f"chars {rec.start}-{rec.end}", "coverage-uncovered",
                      f"{rec.token!r} is in no claim, event or exclusion: …{context}…",
                      "add a claim or event whose quote contains it, or an exclusion with a reason")
