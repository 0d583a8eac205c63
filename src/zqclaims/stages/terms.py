"""Stage ``terms``: one indicator per Chinese wording, one English term per Chinese term.

- no two indicators list the same wording in ``terms_zh`` (``|``-separated);
- where a term of ``resources/glossary.csv`` occurs in a claim's or event's
  ``quote_zh_hans``, its ``statement_en`` uses the glossary's English (compared
  without regard to case). Terms are found by longest match, left to right,
  without overlap: 肇庆高新区 found whole hides the 肇庆 and 高新区 inside it;
- an entity whose ``name_zh`` is a glossary term has the glossary's English as
  its ``name_en``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import re2

from ..findings import Finding
from ..package import Package

ID = "terms"
CHECKS = {
    "indicator-term-duplicate": "two indicators list the same Chinese wording in terms_zh",
    "glossary-statement": "a glossary term occurs in a claim's or event's quote_zh_hans, but statement_en does not "
                          "use its English rendering",
    "glossary-entity": "an entity named by a glossary term has another English name than the glossary's",
    "glossary-unusable": "the glossary's terms cannot be searched for (too many or too long for the matcher)",
}
TERM_SEP = "|"
#: Statements checked against the glossary: resource -> its id column.
STATED = {"claims": "claim_id", "events": "event_id"}
_MAX_MEM = 256 << 20


def run(pkg: Package) -> Iterator[Finding]:
    if not pkg.lacks({"indicators": ["indicator_id", "terms_zh"]}):
        yield from _indicator_terms(pkg)
    if pkg.lacks({"glossary": ["term_zh", "name_en"]}):
        return
    glossary = pkg.frame("glossary").drop_duplicates("term_zh")  # a repeat is a table-primary-key finding
    glossary = glossary[glossary["term_zh"] != ""]
    english = dict(zip(glossary["term_zh"], glossary["name_en"]))
    if not pkg.lacks({"entities": ["entity_id", "name_zh", "name_en"]}):
        yield from _entities(pkg, english)
    if not english:
        return
    try:
        matcher = _matcher(list(english))
    except Exception as exc:  # noqa: BLE001 - RE2 raises its own error type when the program is too large
        yield Finding(pkg.path_of("glossary"), None, "term_zh", "glossary-unusable",
                      f"the {len(english)} terms cannot be searched for together ({str(exc)[:80]})",
                      "keep the glossary to names and recurring phrases")
        return
    for name, key in STATED.items():
        if not pkg.lacks({name: [key, "quote_zh_hans", "statement_en"]}):
            yield from _statements(pkg, name, key, matcher, english)


def _indicator_terms(pkg: Package) -> Iterator[Finding]:
    ind = pkg.frame("indicators")
    terms = ind["terms_zh"].str.split(TERM_SEP).explode().str.strip()
    listed = pd.DataFrame({"term": terms, "indicator_id": ind.loc[terms.index, "indicator_id"]})
    listed = listed[listed["term"] != ""].drop_duplicates()
    owners = listed.groupby("term")["indicator_id"].transform("first")
    clash = listed[listed["indicator_id"] != owners]
    for line, term, ind_id in zip(clash.index, clash["term"], clash["indicator_id"]):
        yield Finding(pkg.path_of("indicators"), int(line), "terms_zh", "indicator-term-duplicate",
                      f"{ind_id} lists {term!r}, which {owners[line]} lists too",
                      "one wording names one measure: merge the two indicators, or list a more specific wording")


def _matcher(terms: list[str]):
    options = re2.Options()
    options.longest_match = True  # leftmost-longest: the longest term starting at the leftmost match
    options.max_mem = _MAX_MEM
    options.log_errors = False
    return re2.compile("|".join(re2.escape(t) for t in terms), options=options)


def _statements(pkg: Package, name: str, key: str, matcher, english: dict[str, str]) -> Iterator[Finding]:
    df = pkg.frame(name)
    found = pd.Series([matcher.findall(q) for q in df["quote_zh_hans"]], index=df.index, dtype=object)
    found = found[found.str.len() > 0].explode()
    if found.empty:
        return
    want = found.map(english)
    stated = df.loc[found.index, "statement_en"].str.casefold()
    used = pd.Series([w.casefold() in s for w, s in zip(want, stated)], index=found.index, dtype=bool)
    missing = pd.DataFrame({"term": found, "want": want})[~used].drop_duplicates()
    for line, term, name_en in zip(missing.index, missing["term"], missing["want"]):
        yield Finding(pkg.path_of(name), int(line), "statement_en", "glossary-statement",
                      f"the quote has {term}, which resources/glossary.csv renders {name_en!r}; "
                      "statement_en does not say it",
                      f"use {name_en!r} for {term} (or correct the glossary if its rendering is wrong everywhere)")


def _entities(pkg: Package, english: dict[str, str]) -> Iterator[Finding]:
    ent = pkg.frame("entities")
    want = ent["name_zh"].map(english)
    bad = ent[want.notna() & (ent["name_en"] != want)]
    for line, ent_id, zh in zip(bad.index, bad["entity_id"], bad["name_zh"]):
        yield Finding(pkg.path_of("entities"), int(line), "name_en", "glossary-entity",
                      f"{ent_id} ({zh}) is {bad.at[line, 'name_en']!r}; resources/glossary.csv renders {zh} "
                      f"{english[zh]!r}", "use the glossary's English, or correct the glossary")
