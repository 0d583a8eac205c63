"""Stage ``quotes``: every quoted span equals the archived text at its
offsets, every ``quote_zh_hans`` is the derived Simplified form, and every
event's date is written in its quote or derived by a named rule
(:mod:`zqclaims.dates`)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import dates
from ..findings import Finding
from ..package import Package
from ..spans import SPAN_RESOURCES, all_spans, article_texts
from ..textnorm import to_simplified

ID = "quotes"
CHECKS = {
    "quote-mismatch": "a quote (claims, events), text (exclusions) or item (relation_members) is not the archived text at its offsets",
    "quote-unknown-article": "a span names an article with no readable archived text",
    "quote-zh-hans": "quote_zh_hans is not the quote in Simplified script with inserted pinyin and markup removed",
    "event-date-untraced": "an event's date is neither written in its quote nor derived by the date_rule it names",
}
EVENT_COLUMNS = {"events": ["event_id", "article_id", "quote_zh_hans", "date", "date_rule", "date_source"],
                 "articles": ["article_id", "published"]}


def run(pkg: Package) -> Iterator[Finding]:
    texts = article_texts(pkg)
    spans = all_spans(pkg)
    known = spans["article_id"].isin(list(texts))
    for rec in spans[~known].itertuples():
        yield Finding(rec.resource, int(rec.row), "article_id", "quote-unknown-article",
                      f"article '{rec.article_id}' has no archived text",
                      "use an article_id from resources/articles.csv")
    ok = spans[known & spans["start"].notna() & spans["end"].notna()].copy()
    # A span whose length differs from its quote cannot match: only spans of the quote's
    # length (bounded by the cell limit) are sliced, so a hostile offset costs nothing.
    same_length = (ok["end"] - ok["start"]) == ok["quote"].str.len()
    ok["actual"] = None
    sliced = ok[same_length]
    ok.loc[same_length, "actual"] = [texts[a][int(s):int(e)] for a, s, e in
                                     zip(sliced["article_id"], sliced["start"], sliced["end"])]
    bad = ok[ok["quote"] != ok["actual"]]
    for rec in bad.itertuples():
        got = texts[rec.article_id][int(rec.start):int(rec.start) + min(int(rec.end - rec.start), 60)]
        at = texts[rec.article_id].find(rec.quote) if rec.quote else -1
        hint = (f"the {rec.column} occurs at char_start={at}, char_end={at + len(rec.quote)}"
                if at >= 0 else f"copy the {rec.column} exactly from the archived text")
        yield Finding(rec.resource, int(rec.row), rec.column, "quote-mismatch",
                      f"text[{int(rec.start)}:{int(rec.end)}] is {_clip(got, int(rec.end - rec.start))!r}, "
                      f"not {_clip(rec.quote)!r}", hint)
    for name, col in SPAN_RESOURCES.items():
        if name not in pkg.resources or "quote_zh_hans" not in pkg.frame(name).columns:
            continue
        df = pkg.frame(name)
        derived = df[col].map(to_simplified)
        for row in df.index[df["quote_zh_hans"] != derived]:
            yield Finding(pkg.path_of(name), int(row), "quote_zh_hans", "quote-zh-hans",
                          f"expected {derived[row]!r}", "quote_zh_hans is derived: run 'zqclaims fmt'")
    if not pkg.lacks(EVENT_COLUMNS):
        yield from _event_dates(pkg, texts)


def _event_dates(pkg: Package, texts: dict[str, str]) -> Iterator[Finding]:
    events = pkg.frame("events")
    path = pkg.path_of("events")
    published = dict(zip(pkg.frame("articles")["article_id"], pkg.frame("articles")["published"]))
    by_id = dict(zip(events["event_id"], events["date"]))
    for line, rec in zip(events.index, events[EVENT_COLUMNS["events"]].itertuples(index=False)):
        date = dates.parts(rec.date)
        if date is None or (rec.date_rule and rec.date_rule not in dates.RULES):
            continue  # a malformed date or an unknown rule is a table-constraint-error
        problem = ""
        missing = dates.missing_in_quote(rec.quote_zh_hans, date, rec.date_rule)
        if missing:
            problem = f"the quote does not write the {' or the '.join(missing)} of {rec.date}"
        elif rec.date_rule == "publication_year":
            year = str(published.get(rec.article_id, ""))[:4]
            if year != str(date[0]):
                problem = (f"date_rule publication_year, but article {rec.article_id} was published in "
                           f"{year or 'an unknown year'}, not {date[0]}")
        elif rec.date_rule == "context_year" and rec.article_id in texts \
                and not dates.year_written(texts[rec.article_id], date[0]):
            problem = f"date_rule context_year, but article {rec.article_id} does not write the year {date[0]}"
        elif rec.date_rule == "same_date_as" and by_id.get(rec.date_source) != rec.date:
            problem = (f"date_rule same_date_as {rec.date_source or '(no date_source)'}, whose date is "
                       f"{by_id.get(rec.date_source, 'unknown')}, not {rec.date}")
        if problem:
            yield Finding(path, int(line), "date", "event-date-untraced", problem,
                          "quote the words that give the date, or name the date_rule that derives it "
                          "(docs/data.md \"The data model\", event dates)")


def _clip(text: str, length: int | None = None, width: int = 60) -> str:
    """At most ``width`` characters of a text, with an ellipsis when the whole is longer."""
    length = len(text) if length is None else length
    return text[:width] + ("…" if length > width else "")
